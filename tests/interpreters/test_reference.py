"""SPEC.md's file conventions around the reference interpreter: entry rule, keys, dtypes."""

from __future__ import annotations

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp

from epoch_mlir.errors import InputError, IRError
from epoch_mlir.interpreters.reference import (
    argument_specs,
    check_inputs,
    find_entry,
    result_specs,
    run_reference,
)
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from tests.interpreters.conftest import RunMlir


def module_of(text: str) -> ModuleOp:
    return parse_module(make_context(), SourceText("entry.mlir", text))


IDENTITY = """
func.func @NAME(%x: tensor<2xf32>) -> tensor<2xf32> {
  func.return %x : tensor<2xf32>
}
"""


def test_main_is_the_entry_even_among_public_functions() -> None:
    module = module_of(IDENTITY.replace("NAME", "other") + IDENTITY.replace("NAME", "main"))
    assert find_entry(module).sym_name.data == "main"


def test_single_public_function_is_the_entry_when_there_is_no_main() -> None:
    private = IDENTITY.replace("@NAME", "private @helper")
    module = module_of(private + IDENTITY.replace("NAME", "model"))
    assert find_entry(module).sym_name.data == "model"


def test_several_public_functions_without_main_is_an_error() -> None:
    module = module_of(IDENTITY.replace("NAME", "a") + IDENTITY.replace("NAME", "b"))
    several = r"no func.func @main and several public functions \(@a, @b\)"
    with pytest.raises(IRError, match=several):
        find_entry(module)


def test_no_function_is_an_error() -> None:
    with pytest.raises(IRError, match="has no entry point") as caught:
        find_entry(module_of('"test.op"() : () -> ()'))
    assert caught.value.where == "entry.mlir:1:1"


def test_specs_follow_the_signature() -> None:
    entry = find_entry(
        module_of(
            """
            func.func @main(%a: tensor<2x3xf32>, %b: tensor<4xcomplex<f32>>)
                -> tensor<4xcomplex<f32>> {
              func.return %b : tensor<4xcomplex<f32>>
            }
            """
        )
    )
    assert [(s.key, s.shape, s.dtype) for s in argument_specs(entry)] == [
        ("arg0", (2, 3), np.dtype(np.float32)),
        ("arg1", (4,), np.dtype(np.complex64)),
    ]
    assert [(s.key, s.shape, s.dtype) for s in result_specs(entry)] == [
        ("res0", (4,), np.dtype(np.complex64))
    ]


@pytest.mark.parametrize(
    "argument_type", ["f32", "tensor<?xf32>", "tensor<4xf64>", "tensor<4xi64>"]
)
def test_entry_types_without_an_npz_form_are_refused(argument_type: str) -> None:
    entry = find_entry(module_of(f"func.func @main(%x: {argument_type}) {{\n  func.return\n}}"))
    with pytest.raises(
        IRError, match=r"@main argument 0 has type .* static tensors of f32, complex<f32> or i32"
    ):
        argument_specs(entry)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, "missing input 'arg0': expected a float32 array of shape \\(2,\\)"),
        (
            {"arg0": np.zeros(3, np.float32)},
            "input 'arg0' has shape \\(3,\\) but expected \\(2,\\)",
        ),
        (
            {"arg0": np.zeros(2, np.float64)},
            "input 'arg0' has dtype float64 but expected float32",
        ),
        (
            {"arg0": np.zeros(2, np.float32), "arg1": np.zeros(2, np.float32)},
            "unexpected input 'arg1' \\(expected keys: arg0\\)",
        ),
    ],
    ids=["missing", "shape", "dtype", "extra"],
)
def test_inputs_must_match_the_entry_exactly(inputs: dict, message: str) -> None:
    module = module_of(IDENTITY.replace("NAME", "main"))
    with pytest.raises(InputError, match=message):
        check_inputs(find_entry(module), inputs)
    with pytest.raises(InputError, match=message):
        run_reference(module, inputs)


def test_outputs_are_keyed_res_and_cast_to_the_declared_types(run_mlir: RunMlir) -> None:
    text = """
    func.func @main(%x: tensor<2xf32>, %z: tensor<1x1xcomplex<f32>>)
        -> (tensor<2xf32>, tensor<1x1xcomplex<f32>>) {
      func.return %x, %z : tensor<2xf32>, tensor<1x1xcomplex<f32>>
    }
    """
    x, z = np.array([1, 2], np.float32), np.array([[1 + 2j]], np.complex64)
    outputs = run_reference(module_of(text), {"arg0": x, "arg1": z})
    assert list(outputs) == ["res0", "res1"]
    assert outputs["res0"].dtype == np.float32
    assert outputs["res1"].dtype == np.complex64
    np.testing.assert_array_equal(outputs["res1"], z)


def test_dense_constants_calls_and_arith_on_tensors(run_mlir: RunMlir) -> None:
    # Weights written inline, a private helper called from @main, and arith.addf on tensors.
    text = """
    func.func private @double(%v: tensor<2xf32>) -> tensor<2xf32> {
      %d = arith.addf %v, %v : tensor<2xf32>
      func.return %d : tensor<2xf32>
    }
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %w = arith.constant dense<[1.5, -2.0]> : tensor<2xf32>
      %p = nn.mul %x, %w : tensor<2xf32>
      %y = func.call @double(%p) : (tensor<2xf32>) -> tensor<2xf32>
      func.return %y : tensor<2xf32>
    }
    """
    (y,) = run_mlir(text, np.array([2, 3], np.float32))
    np.testing.assert_array_equal(y, [6, -12])


def test_an_op_without_reference_semantics_is_an_error() -> None:
    text = """
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = "test.op"(%x) : (tensor<2xf32>) -> tensor<2xf32>
      func.return %y : tensor<2xf32>
    }
    """
    with pytest.raises(IRError, match=r"cannot run @main: .*test\.op"):
        run_reference(module_of(text), {"arg0": np.zeros(2, np.float32)})
