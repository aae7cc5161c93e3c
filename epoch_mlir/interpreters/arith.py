"""`arith.constant` of dense tensors (model weights written inline) as float64 numpy arrays.

xDSL's own arith interpreter only knows scalar constants; everything else it does (addf,
mulf, ...) applies Python operators and so already works on numpy arrays, hence the subclass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.dialects import arith
from xdsl.dialects.builtin import ComplexType, DenseIntOrFPElementsAttr, f32, f64
from xdsl.interpreter import Interpreter, impl, register_impls
from xdsl.interpreters.arith import ArithFunctions as XdslArithFunctions
from xdsl.utils.exceptions import InterpretationError


def dense_to_numpy(value: DenseIntOrFPElementsAttr) -> np.ndarray:
    """The constant's elements in the reference precision (float64, or complex128)."""
    element_type = value.get_element_type()
    stored_as = {
        f32: np.float32,
        f64: np.float64,
        ComplexType(f32): np.complex64,
        ComplexType(f64): np.complex128,
    }.get(element_type)
    if stored_as is None:
        raise InterpretationError(f"dense constants of {element_type} are not supported")
    array = np.frombuffer(value.data.data, dtype=stored_as).reshape(value.get_shape())
    return array.astype(np.complex128 if np.iscomplexobj(array) else np.float64)


@register_impls
class ArithFunctions(XdslArithFunctions):
    """xDSL's arith semantics, plus dense tensor constants."""

    @impl(arith.ConstantOp)
    def run_constant(
        self, interpreter: Interpreter, op: arith.ConstantOp, args: tuple[Any, ...]
    ) -> tuple[Any, ...]:
        if isinstance(op.value, DenseIntOrFPElementsAttr):
            return (dense_to_numpy(op.value),)
        # The inherited method is the @impl wrapper, which returns an OpImplResult.
        return super().run_constant(interpreter, op, args).values
