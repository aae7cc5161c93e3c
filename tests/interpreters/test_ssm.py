"""The `ssm` reference semantics against SPEC.md's formulas, worked out by hand.

Each op runs through the whole reference path (parse, verify, interpret, cast to f32) on tiny
inputs whose outputs are computed here from the formula; hypothesis then compares the scans
with a plain triple loop over (k, h, n) written independently of the vectorised code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.interpreters.ssm import scan, selective_scan
from tests.interpreters.conftest import RunMlir


def f32(values: object) -> np.ndarray:
    return np.array(values, dtype=np.float32)


def c64(values: object) -> np.ndarray:
    return np.array(values, dtype=np.complex64)


DISCRETIZE_REAL = """
func.func @main(%A: tensor<1x2xf32>, %B: tensor<1x2xf32>, %delta: tensor<1xf32>)
    -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %Abar, %Bbar = ssm.discretize METHOD %A, %B, %delta
      : (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>)
  func.return %Abar, %Bbar : tensor<1x2xf32>, tensor<1x2xf32>
}
"""


def test_discretize_zoh(run_mlir: RunMlir) -> None:
    # dA = 0.5 * [-1, -2]; Abar = exp(dA); Bbar = (Abar - 1) / A * B
    Abar, Bbar = run_mlir(
        DISCRETIZE_REAL.replace("METHOD", "zoh"), f32([[-1, -2]]), f32([[1, 3]]), f32([0.5])
    )
    np.testing.assert_allclose(Abar, [[math.exp(-0.5), math.exp(-1)]], rtol=1e-6)
    np.testing.assert_allclose(Bbar, [[1 - math.exp(-0.5), 1.5 * (1 - math.exp(-1))]], rtol=1e-6)
    assert Abar.dtype == Bbar.dtype == np.float32


def test_discretize_zoh_at_a_zero_pole_is_its_limit(run_mlir: RunMlir) -> None:
    # (exp(delta A) - 1) / A -> delta as A -> 0, so Bbar = delta * B rather than 0/0.
    Abar, Bbar = run_mlir(
        DISCRETIZE_REAL.replace("METHOD", "zoh"), f32([[0, -1]]), f32([[2, 1]]), f32([0.25])
    )
    np.testing.assert_allclose(Abar, [[1, math.exp(-0.25)]], rtol=1e-6)
    np.testing.assert_allclose(Bbar, [[0.5, 1 - math.exp(-0.25)]], rtol=1e-6)


def test_discretize_bilinear(run_mlir: RunMlir) -> None:
    # delta = 0.5: dA = [-1, -2]; Abar = (1 + dA/2) / (1 - dA/2); Bbar = delta B / (1 - dA/2)
    Abar, Bbar = run_mlir(
        DISCRETIZE_REAL.replace("METHOD", "bilinear"), f32([[-2, -4]]), f32([[3, 4]]), f32([0.5])
    )
    np.testing.assert_allclose(Abar, [[0.5 / 1.5, 0.0 / 2.0]], atol=1e-7)
    np.testing.assert_allclose(Bbar, [[1.5 / 1.5, 2.0 / 2.0]], rtol=1e-6)


def test_discretize_euler(run_mlir: RunMlir) -> None:
    # Abar = 1 + delta A; Bbar = delta B
    Abar, Bbar = run_mlir(
        DISCRETIZE_REAL.replace("METHOD", "euler"), f32([[-2, 4]]), f32([[3, -1]]), f32([0.25])
    )
    np.testing.assert_allclose(Abar, [[0.5, 2.0]], rtol=1e-7)
    np.testing.assert_allclose(Bbar, [[0.75, -0.25]], rtol=1e-7)


def test_discretize_zoh_complex(run_mlir: RunMlir) -> None:
    text = """
    func.func @main(%A: tensor<1x1xcomplex<f32>>, %B: tensor<1x1xcomplex<f32>>,
                    %delta: tensor<1xf32>)
        -> (tensor<1x1xcomplex<f32>>, tensor<1x1xcomplex<f32>>) {
      %Abar, %Bbar = ssm.discretize zoh %A, %B, %delta
          : (tensor<1x1xcomplex<f32>>, tensor<1x1xcomplex<f32>>, tensor<1xf32>)
          -> (tensor<1x1xcomplex<f32>>, tensor<1x1xcomplex<f32>>)
      func.return %Abar, %Bbar : tensor<1x1xcomplex<f32>>, tensor<1x1xcomplex<f32>>
    }
    """
    a, b = -1 + 2j, 1 - 1j
    Abar, Bbar = run_mlir(text, c64([[a]]), c64([[b]]), f32([1.0]))
    expected_abar = math.exp(-1) * complex(math.cos(2), math.sin(2))
    np.testing.assert_allclose(Abar, [[expected_abar]], rtol=1e-6)
    np.testing.assert_allclose(Bbar, [[(expected_abar - 1) / a * b]], rtol=1e-6)
    assert Abar.dtype == Bbar.dtype == np.complex64


SCAN_1X1 = """
func.func @main(%u: tensor<LENx1xf32>, %Abar: tensor<1x1xT>, %Bbar: tensor<1x1xT>,
                %C: tensor<1x1xT>, %D: tensor<1xf32>) -> tensor<LENx1xf32> {
  %y = ssm.scan %u, %Abar, %Bbar, %C, %D
      : (tensor<LENx1xf32>, tensor<1x1xT>, tensor<1x1xT>, tensor<1x1xT>, tensor<1xf32>)
      -> tensor<LENx1xf32>
  func.return %y : tensor<LENx1xf32>
}
"""


def test_scan_real_recurrence(run_mlir: RunMlir) -> None:
    # s1 = 1, y1 = 2*1 + 0.1*1; s2 = 0.5*1 + 2 = 2.5, y2 = 5 + 0.2; s3 = 1.25 + 3, y3 = 8.5 + 0.3
    text = SCAN_1X1.replace("LEN", "3").replace("T", "f32")
    (y,) = run_mlir(text, f32([[1], [2], [3]]), f32([[0.5]]), f32([[1]]), f32([[2]]), f32([0.1]))
    np.testing.assert_allclose(y, [[2.1], [5.2], [8.8]], rtol=1e-6)
    assert y.dtype == np.float32


@pytest.mark.parametrize(
    ("c", "expected"),
    [(1, [1, 0, -1, 0]), (-1j, [0, 1, 0, -1])],
    ids=["real-part", "imaginary-part"],
)
def test_scan_complex_takes_the_real_part(run_mlir: RunMlir, c: complex, expected: list) -> None:
    # Abar = i rotates an impulse: s = 1, i, -1, -i; y = Re(C s).
    text = SCAN_1X1.replace("LEN", "4").replace("T", "complex<f32>")
    u = f32([[1], [0], [0], [0]])
    (y,) = run_mlir(text, u, c64([[1j]]), c64([[1]]), c64([[c]]), f32([0]))
    np.testing.assert_allclose(y[:, 0], expected, atol=1e-6)


def test_scan_sums_state_columns_per_channel(run_mlir: RunMlir) -> None:
    # Two channels, two modes each, one step from zero state: s = Bbar * u[0, h];
    # y[0, h] = sum_n C[h, n] Bbar[h, n] u[0, h] + D[h] u[0, h].
    text = """
    func.func @main(%u: tensor<1x2xf32>, %Abar: tensor<2x2xf32>, %Bbar: tensor<2x2xf32>,
                    %C: tensor<2x2xf32>, %D: tensor<2xf32>) -> tensor<1x2xf32> {
      %y = ssm.scan %u, %Abar, %Bbar, %C, %D
          : (tensor<1x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>)
          -> tensor<1x2xf32>
      func.return %y : tensor<1x2xf32>
    }
    """
    u, Bbar, C, D = f32([[2, 3]]), f32([[1, 2], [3, 4]]), f32([[1, 10], [100, 1000]]), f32([1, 2])
    (y,) = run_mlir(text, u, f32([[9, 9], [9, 9]]), Bbar, C, D)
    np.testing.assert_allclose(y, [[(1 + 20) * 2 + 2, (300 + 4000) * 3 + 6]], rtol=1e-6)


SELECTIVE = """
func.func @main(%u: tensor<LENx1xf32>, %delta: tensor<LENx1xf32>, %A: tensor<1xNxf32>,
                %B: tensor<LENxNxf32>, %C: tensor<LENxNxf32>, %D: tensor<1xf32>,
                %z: tensor<LENx1xf32>) -> tensor<LENx1xf32> {
  %y = ssm.selective_scan %u, %delta, %A, %B, %C, %D OPTIONS
      : (tensor<LENx1xf32>, tensor<LENx1xf32>, tensor<1xNxf32>, tensor<LENxNxf32>,
         tensor<LENxNxf32>, tensor<1xf32> TYPES) -> tensor<LENx1xf32>
  func.return %y : tensor<LENx1xf32>
}
"""


def _selective(length: int, states: int, *, gated: bool, softplus: bool) -> str:
    options = (", %z" if gated else "") + (" delta_softplus" if softplus else "")
    types = f", tensor<{length}x1xf32>" if gated else ""
    return (
        SELECTIVE.replace("OPTIONS", options)
        .replace("TYPES", types)
        .replace("LEN", str(length))
        .replace("N", str(states))
    )


def test_selective_scan_recurrence(run_mlir: RunMlir) -> None:
    # k=0: d=0.5, x = 0.5*2*B[0] = [1, 0],          y = 1*1 + 0*1 + 0.5*2 = 2
    # k=1: d=1,   x = exp(A)*[1, 0] + 1*1*B[1] = [e^-1, 1], y = 2 e^-1 + 0 + 0.5*1
    u, delta = f32([[2], [1]]), f32([[0.5], [1.0]])
    A, B, C, D = f32([[-1, -2]]), f32([[1, 0], [0, 1]]), f32([[1, 1], [2, 0]]), f32([0.5])
    text = _selective(2, 2, gated=False, softplus=False)
    (y,) = run_mlir(text, u, delta, A, B, C, D, f32([[0], [0]]))
    np.testing.assert_allclose(y, [[2.0], [2 * math.exp(-1) + 0.5]], rtol=1e-6)


def test_selective_scan_softplus_and_gate(run_mlir: RunMlir) -> None:
    # d = softplus(0) = ln 2; x = ln2 * 1 * 1; y = x * 1 * silu(1) = ln2 / (1 + e^-1)
    text = _selective(1, 1, gated=True, softplus=True)
    args = (f32([[1]]), f32([[0]]), f32([[-1]]), f32([[1]]), f32([[1]]), f32([0]), f32([[1]]))
    (y,) = run_mlir(text, *args)
    np.testing.assert_allclose(y, [[math.log(2) / (1 + math.exp(-1))]], rtol=1e-6)


def test_selective_scan_without_softplus_uses_delta_as_is(run_mlir: RunMlir) -> None:
    # delta = 0 leaves the state at zero: only the skip connection D u remains.
    text = _selective(1, 1, gated=False, softplus=False)
    args = (f32([[3]]), f32([[0]]), f32([[-1]]), f32([[1]]), f32([[1]]), f32([2]), f32([[0]]))
    (y,) = run_mlir(text, *args)
    np.testing.assert_allclose(y, [[6.0]])


# -- the vectorised scans against a plain loop over (k, h, n) ---------------------------------

_small = st.floats(-1.0, 1.0, allow_nan=False, width=32)


def _matrix(draw: st.DrawFn, rows: int, cols: int) -> np.ndarray:
    return np.array(draw(st.lists(_small, min_size=rows * cols, max_size=rows * cols))).reshape(
        rows, cols
    )


@st.composite
def scan_problems(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    steps, channels, states = (draw(st.integers(1, 5)) for _ in range(3))
    u = _matrix(draw, steps, channels)
    # Stable poles (|Abar| < 1) keep the comparison well conditioned.
    Abar = 0.9 * _matrix(draw, channels, states) + 0.3j * _matrix(draw, channels, states)
    Bbar = _matrix(draw, channels, states) + 1j * _matrix(draw, channels, states)
    C = _matrix(draw, channels, states) - 1j * _matrix(draw, channels, states)
    D = _matrix(draw, 1, channels)[0]
    return u, Abar, Bbar, C, D


@settings(max_examples=60, deadline=None)
@given(scan_problems())
def test_scan_matches_a_loop_over_every_index(problem: tuple[np.ndarray, ...]) -> None:
    u, Abar, Bbar, C, D = problem
    steps, channels = u.shape
    states = Abar.shape[1]
    expected = np.zeros((steps, channels))
    for h in range(channels):
        s = [0j] * states
        for k in range(steps):
            total = 0j
            for n in range(states):
                s[n] = Abar[h, n] * s[n] + Bbar[h, n] * u[k, h]
                total += C[h, n] * s[n]
            expected[k, h] = total.real + D[h] * u[k, h]
    np.testing.assert_allclose(scan(u, Abar, Bbar, C, D), expected, rtol=1e-12, atol=1e-12)


@st.composite
def selective_problems(draw: st.DrawFn) -> tuple[np.ndarray | bool | None, ...]:
    steps, channels, states = (draw(st.integers(1, 5)) for _ in range(3))
    u, delta = _matrix(draw, steps, channels), _matrix(draw, steps, channels)
    A = -np.abs(_matrix(draw, channels, states))
    B, C = _matrix(draw, steps, states), _matrix(draw, steps, states)
    D = _matrix(draw, 1, channels)[0]
    z = _matrix(draw, steps, channels) if draw(st.booleans()) else None
    return u, delta, A, B, C, D, z, draw(st.booleans())


@settings(max_examples=60, deadline=None)
@given(selective_problems())
def test_selective_scan_matches_a_loop_over_every_index(problem: tuple) -> None:
    u, delta, A, B, C, D, z, delta_softplus = problem
    steps, channels = u.shape
    states = A.shape[1]
    expected = np.zeros((steps, channels))
    for h in range(channels):
        x = [0.0] * states
        for k in range(steps):
            d = math.log1p(math.exp(delta[k, h])) if delta_softplus else delta[k, h]
            total = 0.0
            for n in range(states):
                x[n] = math.exp(d * A[h, n]) * x[n] + d * u[k, h] * B[k, n]
                total += x[n] * C[k, n]
            y = total + D[h] * u[k, h]
            if z is not None:
                y *= z[k, h] / (1 + math.exp(-z[k, h]))
            expected[k, h] = y
    actual, _ = selective_scan(u, delta, A, B, C, D, z, delta_softplus)
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)
