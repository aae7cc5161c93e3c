"""ssm-discretize: the reference interpreter gives the same outputs before and after the pass."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import get_all_passes


def dense(values: np.ndarray) -> str:
    """A dense attribute body as MLIR's hex blob (exact, any shape, complex too)."""
    dtype = np.complex64 if np.iscomplexobj(values) else np.float32
    return '"0x' + np.ascontiguousarray(values, dtype).tobytes().hex().upper() + '"'


def module_text(
    a: np.ndarray, b: np.ndarray, delta: np.ndarray, method: str, complex_: bool
) -> str:
    h, n = a.shape
    elt = "complex<f32>" if complex_ else "f32"
    coefficient = f"tensor<{h}x{n}x{elt}>"
    return f"""
func.func @main(%u: tensor<5x{h}xf32>, %c: {coefficient}, %d: tensor<{h}xf32>) -> tensor<5x{h}xf32> {{
  %a = arith.constant dense<{dense(a)}> : {coefficient}
  %b = arith.constant dense<{dense(b)}> : {coefficient}
  %delta = arith.constant dense<{dense(delta)}> : tensor<{h}xf32>
  %abar, %bbar = ssm.discretize {method} %a, %b, %delta : ({coefficient}, {coefficient}, tensor<{h}xf32>) -> ({coefficient}, {coefficient})
  %y = ssm.scan %u, %abar, %bbar, %c, %d : (tensor<5x{h}xf32>, {coefficient}, {coefficient}, {coefficient}, tensor<{h}xf32>) -> tensor<5x{h}xf32>
  func.return %y : tensor<5x{h}xf32>
}}
"""


def parse(text: str):  # type: ignore[no-untyped-def]
    ctx = make_context()
    return ctx, parse_module(ctx, SourceText("d.mlir", text))


@settings(max_examples=15, deadline=None)
@given(
    method=st.sampled_from(["zoh", "bilinear", "euler"]),
    complex_=st.booleans(),
    channels=st.integers(1, 3),
    modes=st.integers(1, 3),
    seed=st.integers(0, 100),
)
def test_outputs_are_unchanged(
    method: str, complex_: bool, channels: int, modes: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    shape = (channels, modes)
    a = -rng.uniform(0.1, 1.0, shape) + (1j * rng.uniform(0, 3, shape) if complex_ else 0)
    b = rng.normal(size=shape) + (1j * rng.normal(size=shape) if complex_ else 0)
    delta = rng.uniform(0.01, 0.2, channels)
    ctx, module = parse(module_text(a, b, delta, method, complex_))
    dtype = np.complex64 if complex_ else np.float32
    inputs = {
        "arg0": rng.normal(size=(5, channels)).astype(np.float32),
        "arg1": (rng.normal(size=shape) + (1j * rng.normal(size=shape) if complex_ else 0)).astype(
            dtype
        ),
        "arg2": rng.normal(size=channels).astype(np.float32),
    }
    before = run_reference(module, inputs)["res0"]
    build_pipeline("ssm-discretize", get_all_passes()).apply(ctx, module)
    assert "ssm.discretize" not in str(module)
    after = run_reference(module, inputs)["res0"]
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)


def test_non_constant_operands_are_left_for_the_on_chip_lowering() -> None:
    """Only constants fold; convert-ssm-to-systolic discretizes the rest on chip
    (tests/conversions/test_runtime_coefficients.py)."""
    text = """
func.func @main(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>, %delta: tensor<2xf32>) -> tensor<2x2xf32> {
  %delta0 = arith.constant dense<0.5> : tensor<2xf32>
  %abar, %bbar = ssm.discretize zoh %a, %b, %delta0 : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  func.return %abar : tensor<2x2xf32>
}
"""
    ctx, module = parse(text)
    build_pipeline("ssm-discretize", get_all_passes()).apply(ctx, module)
    assert "ssm.discretize zoh %a, %b, %delta0" in str(module)
