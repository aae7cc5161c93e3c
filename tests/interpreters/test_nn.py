"""The `nn` reference semantics against SPEC.md's formulas, worked out by hand.

Every op runs through the whole reference path on inputs small enough to evaluate the formula
here; hypothesis compares the linear layer and the causal convolution with index loops.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.errors import InputError
from epoch_mlir.interpreters.nn import causal_conv1d, linear, sigmoid, softplus
from tests.interpreters.conftest import RunMlir


def f32(values: object) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def unary(op: str, shape: str, options: str = "") -> str:
    return f"""
    func.func @main(%x: tensor<{shape}xf32>) -> tensor<{shape}xf32> {{
      %y = {op} %x {options} : tensor<{shape}xf32>
      func.return %y : tensor<{shape}xf32>
    }}
    """


def test_linear_uses_pytorch_weight_layout(run_mlir: RunMlir) -> None:
    # y = x @ W^T + b with W = [[1, 0], [0, 1], [1, 1]] (3 outputs, 2 features)
    text = """
    func.func @main(%x: tensor<2x2xf32>, %W: tensor<3x2xf32>, %b: tensor<3xf32>)
        -> (tensor<2x3xf32>, tensor<2x3xf32>) {
      %y = nn.linear %x, %W, %b
          : (tensor<2x2xf32>, tensor<3x2xf32>, tensor<3xf32>) -> tensor<2x3xf32>
      %no_bias = nn.linear %x, %W : (tensor<2x2xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
      func.return %y, %no_bias : tensor<2x3xf32>, tensor<2x3xf32>
    }
    """
    x, W, b = f32([[1, 2], [-1, 4]]), f32([[1, 0], [0, 1], [1, 1]]), f32([0.5, 0, -1])
    y, no_bias = run_mlir(text, x, W, b)
    np.testing.assert_allclose(no_bias, [[1, 2, 3], [-1, 4, 3]])
    np.testing.assert_allclose(y, [[1.5, 2, 2], [-0.5, 4, 2]])


def test_gelu_exact_uses_erf(run_mlir: RunMlir) -> None:
    # 0.5 x (1 + erf(x / sqrt 2)): Phi(1) = 0.8413447460685429
    (y,) = run_mlir(unary("nn.gelu", "3"), f32([0, 1, -1]))
    np.testing.assert_allclose(y, [0, 0.8413447460685429, -0.15865525393145707], rtol=1e-6)


def test_gelu_tanh_approximation(run_mlir: RunMlir) -> None:
    x = 1.0
    expected = 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    (y,) = run_mlir(unary("nn.gelu", "1", "approximate tanh"), f32([x]))
    np.testing.assert_allclose(y, [expected], rtol=1e-6)
    assert not math.isclose(expected, 0.8413447460685429, rel_tol=1e-6)  # differs from erf


def test_silu(run_mlir: RunMlir) -> None:
    (y,) = run_mlir(unary("nn.silu", "3"), f32([0, 1, -2]))
    np.testing.assert_allclose(y, [0, 1 / (1 + math.exp(-1)), -2 / (1 + math.exp(2))], rtol=1e-6)


def test_sigmoid(run_mlir: RunMlir) -> None:
    (y,) = run_mlir(unary("nn.sigmoid", "3"), f32([0, 2, -2]))
    np.testing.assert_allclose(y, [0.5, 0.8807970779778823, 0.11920292202211755], rtol=1e-6)


def test_softplus(run_mlir: RunMlir) -> None:
    (y,) = run_mlir(unary("nn.softplus", "3"), f32([0, 1, -3]))
    np.testing.assert_allclose(y, [math.log(2), math.log1p(math.e), math.log1p(math.exp(-3))])


def test_relu(run_mlir: RunMlir) -> None:
    (y,) = run_mlir(unary("nn.relu", "2x2"), f32([[-1, 0], [2, -0.5]]))
    np.testing.assert_array_equal(y, [[0, 0], [2, 0]])


def test_activations_saturate_without_overflow() -> None:
    x = np.array([-1000.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(sigmoid(x), [0.0, 1.0])
        np.testing.assert_array_equal(softplus(x), [0.0, 1000.0])


@pytest.mark.parametrize(("op", "expected"), [("nn.add", [4, 1, 0.5]), ("nn.mul", [3, -2, 0])])
def test_binary_elementwise(run_mlir: RunMlir, op: str, expected: list[float]) -> None:
    text = f"""
    func.func @main(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {{
      %y = {op} %a, %b : tensor<3xf32>
      func.return %y : tensor<3xf32>
    }}
    """
    (y,) = run_mlir(text, f32([1, 2, 0.5]), f32([3, -1, 0]))
    np.testing.assert_allclose(y, expected)


LAYER_NORM = """
func.func @main(%x: tensor<1x4xf32>, %gamma: tensor<4xf32>, %beta: tensor<4xf32>)
    -> tensor<1x4xf32> {
  %y = nn.layer_norm %x, %gamma, %beta EPS
      : (tensor<1x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}
"""


@pytest.mark.parametrize(("eps_syntax", "eps"), [("", 1e-5), ("eps 0.5", 0.5)])
def test_layer_norm_biased_variance_and_eps(run_mlir: RunMlir, eps_syntax: str, eps: float) -> None:
    # mean 2.5, biased variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    x, gamma, beta = f32([[1, 2, 3, 4]]), f32([1, 1, 2, 2]), f32([0, 0, 0, 1])
    (y,) = run_mlir(LAYER_NORM.replace("EPS", eps_syntax), x, gamma, beta)
    scale = 1 / math.sqrt(1.25 + eps)
    expected = [-1.5 * scale, -0.5 * scale, 2 * 0.5 * scale, 2 * 1.5 * scale + 1]
    np.testing.assert_allclose(y, [expected], rtol=1e-6)


def test_glu_gates_first_half_with_second(run_mlir: RunMlir) -> None:
    text = """
    func.func @main(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
      %y = nn.glu %x : tensor<2x4xf32> -> tensor<2x2xf32>
      func.return %y : tensor<2x2xf32>
    }
    """
    (y,) = run_mlir(text, f32([[1, 2, 0, 2], [3, -4, -2, 0]]))
    s2 = 1 / (1 + math.exp(-2))
    np.testing.assert_allclose(y, [[0.5, 2 * s2], [3 * (1 - s2), -2]], rtol=1e-6)


def test_mean_pools_over_the_sequence(run_mlir: RunMlir) -> None:
    text = """
    func.func @main(%x: tensor<3x2xf32>) -> tensor<1x2xf32> {
      %y = nn.mean %x : tensor<3x2xf32> -> tensor<1x2xf32>
      func.return %y : tensor<1x2xf32>
    }
    """
    (y,) = run_mlir(text, f32([[1, 2], [3, 4], [5, 9]]))
    np.testing.assert_allclose(y, [[3, 5]])


def test_causal_conv1d_reads_only_the_past(run_mlir: RunMlir) -> None:
    # K = 2: y[k] = w[h, 0] x[k-1] + w[h, 1] x[k], x[-1] = 0; channel 1 has its own taps.
    text = """
    func.func @main(%x: tensor<3x2xf32>, %w: tensor<2x2xf32>, %b: tensor<2xf32>)
        -> (tensor<3x2xf32>, tensor<3x2xf32>) {
      %y = nn.causal_conv1d %x, %w, %b
          : (tensor<3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
      %no_bias = nn.causal_conv1d %x, %w : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
      func.return %y, %no_bias : tensor<3x2xf32>, tensor<3x2xf32>
    }
    """
    x, w, b = f32([[1, 1], [2, 0], [3, 0]]), f32([[1, 10], [5, 0]]), f32([0.5, 0])
    y, no_bias = run_mlir(text, x, w, b)
    np.testing.assert_allclose(no_bias, [[10, 0], [21, 5], [32, 0]])
    np.testing.assert_allclose(y, [[10.5, 0], [21.5, 5], [32.5, 0]])


def test_exp_and_neg(run_mlir: RunMlir) -> None:
    (y,) = run_mlir(unary("nn.exp", "3"), f32([0, 1, -2]))
    np.testing.assert_allclose(y, [1, math.e, math.exp(-2)], rtol=1e-6)
    (y,) = run_mlir(unary("nn.neg", "2x2"), f32([[1, -2], [0, 0.5]]))
    np.testing.assert_array_equal(y, [[-1, 2], [0, -0.5]])


@pytest.mark.parametrize(
    ("op", "expected"), [("nn.add", [[2, 0], [4, 2]]), ("nn.mul", [[1, -4], [3, -8]])]
)
def test_a_vector_operand_broadcasts_over_the_rows(
    run_mlir: RunMlir, op: str, expected: list[list[float]]
) -> None:
    text = f"""
    func.func @main(%a: tensor<2x2xf32>, %b: tensor<2xf32>) -> tensor<2x2xf32> {{
      %y = {op} %a, %b : tensor<2x2xf32>, tensor<2xf32>
      func.return %y : tensor<2x2xf32>
    }}
    """
    (y,) = run_mlir(text, f32([[1, 2], [3, 4]]), f32([1, -2]))
    np.testing.assert_allclose(y, expected)


def test_rms_norm_scales_by_the_root_mean_square(run_mlir: RunMlir) -> None:
    # mean of squares (1 + 4 + 9 + 16) / 4 = 7.5; no centring, no shift
    text = """
    func.func @main(%x: tensor<1x4xf32>, %gamma: tensor<4xf32>) -> tensor<1x4xf32> {
      %y = nn.rms_norm %x, %gamma eps 0.5 : (tensor<1x4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
      func.return %y : tensor<1x4xf32>
    }
    """
    (y,) = run_mlir(text, f32([[1, 2, 3, 4]]), f32([1, 1, 2, -1]))
    scale = 1 / math.sqrt(7.5 + 0.5)
    np.testing.assert_allclose(y, [[scale, 2 * scale, 6 * scale, -4 * scale]], rtol=1e-6)


def test_slice_takes_columns_from_start(run_mlir: RunMlir) -> None:
    text = """
    func.func @main(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
      %y = nn.slice %x start 1 : tensor<2x4xf32> -> tensor<2x2xf32>
      func.return %y : tensor<2x2xf32>
    }
    """
    (y,) = run_mlir(text, f32([[0, 1, 2, 3], [4, 5, 6, 7]]))
    np.testing.assert_array_equal(y, [[1, 2], [5, 6]])


EMBEDDING = """
func.func @main(%ids: tensor<3xi32>, %table: tensor<4x2xf32>) -> tensor<3x2xf32> {
  %y = nn.embedding %ids, %table : (tensor<3xi32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  func.return %y : tensor<3x2xf32>
}
"""


def test_embedding_takes_the_rows_the_ids_name(run_mlir: RunMlir) -> None:
    table = f32([[0, 1], [2, 3], [4, 5], [6, 7]])
    (y,) = run_mlir(EMBEDDING, np.array([3, 0, 3], np.int32), table)
    np.testing.assert_array_equal(y, [[6, 7], [0, 1], [6, 7]])


def test_an_id_outside_the_table_names_its_position(run_mlir: RunMlir) -> None:
    with pytest.raises(InputError, match=r"id 4 at position \[1\] is outside the table's 4 rows"):
        run_mlir(EMBEDDING, np.array([0, 4, 1], np.int32), np.zeros((4, 2), np.float32))


def test_reverse_flips_the_sequence(run_mlir: RunMlir) -> None:
    (y,) = run_mlir(unary("nn.reverse", "3x2"), f32([[1, 2], [3, 4], [5, 6]]))
    np.testing.assert_array_equal(y, [[5, 6], [3, 4], [1, 2]])


# -- vectorised layers against index loops ---------------------------------------------------

_value = st.floats(-2.0, 2.0, allow_nan=False, width=32)


def _array(draw: st.DrawFn, *shape: int) -> np.ndarray:
    size = math.prod(shape)
    return np.array(draw(st.lists(_value, min_size=size, max_size=size))).reshape(shape)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_causal_conv1d_matches_its_definition(data: st.DataObject) -> None:
    steps, channels, taps = (data.draw(st.integers(1, 6)) for _ in range(3))
    x, w = _array(data.draw, steps, channels), _array(data.draw, channels, taps)
    b = _array(data.draw, channels) if data.draw(st.booleans()) else None
    expected = np.zeros((steps, channels))
    for k in range(steps):
        for h in range(channels):
            for j in range(taps):
                source = k - taps + 1 + j
                if source >= 0:
                    expected[k, h] += w[h, j] * x[source, h]
            if b is not None:
                expected[k, h] += b[h]
    np.testing.assert_allclose(causal_conv1d(x, w, b), expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_linear_matches_its_definition(data: st.DataObject) -> None:
    steps, features, outputs = (data.draw(st.integers(1, 6)) for _ in range(3))
    x, W = _array(data.draw, steps, features), _array(data.draw, outputs, features)
    b = _array(data.draw, outputs)
    expected = np.array(
        [
            [sum(x[step, k] * W[n, k] for k in range(features)) + b[n] for n in range(outputs)]
            for step in range(steps)
        ]
    )
    np.testing.assert_allclose(linear(x, W, b), expected, rtol=1e-12, atol=1e-12)
