"""Running a module's entry function on the float64 reference interpreter, SPEC.md's way.

This is the golden model: `epoch run FILE.mlir --reference` and every lowering test compare
against it. It owns the contract's file conventions (entry rule, `arg0..` in, `res0..` out,
float32/complex64 arrays) so that each caller does not re-implement them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ComplexType, ModuleOp, TensorType, f32, i32
from xdsl.interpreter import Interpreter
from xdsl.interpreters.func import FuncFunctions
from xdsl.ir import Attribute
from xdsl.utils.exceptions import InterpretationError

from epoch_mlir.diagnostics import diagnostic_message, op_error
from epoch_mlir.entry import find_entry
from epoch_mlir.errors import IRError
from epoch_mlir.interpreters.arith import ArithFunctions
from epoch_mlir.interpreters.nn import NnFunctions
from epoch_mlir.interpreters.ssm import SsmFunctions
from epoch_mlir.io import ArraySpec, check_arrays


def argument_specs(entry: func.FuncOp) -> list[ArraySpec]:
    """The arrays the inputs file must hold: `arg<i>` for each argument of `entry`."""
    return [
        _array_spec(entry, f"arg{index}", f"argument {index}", argument_type)
        for index, argument_type in enumerate(entry.function_type.inputs)
    ]


def result_specs(entry: func.FuncOp) -> list[ArraySpec]:
    """The arrays the outputs file will hold: `res<i>` for each result of `entry`."""
    return [
        _array_spec(entry, f"res{index}", f"result {index}", result_type)
        for index, result_type in enumerate(entry.function_type.outputs)
    ]


def check_inputs(entry: func.FuncOp, inputs: Mapping[str, np.ndarray]) -> None:
    """InputError naming the key if `inputs` does not match `entry`'s arguments exactly."""
    check_arrays(argument_specs(entry), inputs)


def run_reference(module: ModuleOp, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Evaluate the verified `module`'s entry in float64 and return its results by `res<i>`.

    Inputs must be exactly `arg0..` with the entry's shapes and dtypes (InputError otherwise);
    outputs are cast back to the declared float32 / complex64.
    """
    entry = find_entry(module)
    arguments, results = argument_specs(entry), result_specs(entry)
    check_arrays(arguments, inputs)
    values = tuple(_in_reference_precision(inputs[spec.key]) for spec in arguments)
    interpreter = Interpreter(module)
    for functions in (FuncFunctions(), ArithFunctions(), SsmFunctions(), NnFunctions()):
        interpreter.register_implementations(functions)
    try:
        outputs = interpreter.call_op(entry, values)
    except InterpretationError as error:
        raise IRError(
            f"the reference interpreter cannot run @{entry.sym_name.data}: "
            f"{diagnostic_message(error)}"
        ) from None
    return {
        spec.key: _as_declared(spec, value) for spec, value in zip(results, outputs, strict=True)
    }


def _array_spec(entry: func.FuncOp, key: str, role: str, value_type: Attribute) -> ArraySpec:
    """The npz array for one entry argument or result; IRError if no array can stand for it."""
    if isinstance(value_type, TensorType) and value_type.has_static_shape():
        element_type = value_type.element_type
        if element_type == f32:
            return ArraySpec(key, tuple(value_type.get_shape()), np.dtype(np.float32))
        if element_type == ComplexType(f32):
            return ArraySpec(key, tuple(value_type.get_shape()), np.dtype(np.complex64))
        if element_type == i32:  # token ids
            return ArraySpec(key, tuple(value_type.get_shape()), np.dtype(np.int32))
    raise op_error(
        entry,
        f"@{entry.sym_name.data} {role} has type {value_type}, but entry arguments and "
        "results must be static tensors of f32, complex<f32> or i32",
    )


def _as_declared(spec: ArraySpec, value: object) -> np.ndarray:
    """A result in the dtype its type declares; a shape mismatch is an interpreter bug."""
    array = np.asarray(value)
    assert array.shape == spec.shape, f"{spec.key}: computed {array.shape}, declared {spec.shape}"
    return array.astype(spec.dtype, copy=True)


def _in_reference_precision(array: np.ndarray) -> np.ndarray:
    if np.issubdtype(np.asarray(array).dtype, np.integer):  # token ids stay integers
        return np.asarray(array, dtype=np.int64)
    return np.asarray(array, dtype=np.complex128 if np.iscomplexobj(array) else np.float64)
