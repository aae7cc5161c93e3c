"""Numerical formulas shared by the emulator, the reference interpreter and the compiler.

fp32-accurate transcendental functions for the vector unit, vectorized over whole tiles, and
SPEC.md's discretization (float64 in the reference, folded at compile time by ssm-discretize).

numpy has no erf; a per-element `math.erf` would be a Python loop, so erfc uses the Chebyshev
fit of Numerical Recipes (fractional error below 1.2e-7 everywhere, i.e. fp32 accuracy, also in
the tails where gelu(x) is tiny). Each function evaluates in float64 and rounds once to float32.
"""

from __future__ import annotations

import numpy as np

_ERFC_COEFFICIENTS = (
    -1.26551223,
    1.00002368,
    0.37409196,
    0.09678418,
    -0.18628806,
    0.27886807,
    -1.13520398,
    1.48851587,
    -0.82215223,
    0.17087277,
)


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function (float64) with fractional error < 1.2e-7."""
    x = np.asarray(x, np.float64)
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = np.zeros_like(t)
    for coefficient in reversed(_ERFC_COEFFICIENTS):
        poly = poly * t + coefficient
    tail = t * np.exp(-z * z + poly)
    return np.where(x >= 0, tail, 2.0 - tail)


def gelu_erf(x: np.ndarray) -> np.ndarray:
    """x * Phi(x) = x/2 * erfc(-x/sqrt(2)): accurate for large negative x too."""
    x64 = np.asarray(x, np.float64)
    return (0.5 * x64 * erfc(-x64 / np.sqrt(2.0))).astype(np.float32)


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    x64 = np.asarray(x, np.float64)
    inner = np.sqrt(2.0 / np.pi) * (x64 + 0.044715 * x64**3)
    return (0.5 * x64 * (1.0 + np.tanh(inner))).astype(np.float32)


def _sigmoid64(x: np.ndarray) -> np.ndarray:
    # exp(-log(1 + exp(-x))) never overflows
    return np.exp(-np.logaddexp(0.0, -np.asarray(x, np.float64)))


def sigmoid(x: np.ndarray) -> np.ndarray:
    return _sigmoid64(x).astype(np.float32)


def silu(x: np.ndarray) -> np.ndarray:
    return (np.asarray(x, np.float64) * _sigmoid64(x)).astype(np.float32)


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, np.asarray(x, np.float64)).astype(np.float32)


def discretize(
    A: np.ndarray, B: np.ndarray, delta: np.ndarray, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """(Abar, Bbar) from continuous (A, B) and per-channel step sizes delta: SPEC.md's zoh,
    bilinear and euler formulas in the inputs' precision (the reference interpreter's, and
    ssm-discretize's when it folds constants)."""
    step = delta[:, None]
    dA = step * A
    if method == "zoh":
        Abar = np.exp(dA)
        # (exp(dA) - 1) / A tends to delta as A -> 0; the formula itself would give 0/0.
        nonzero_A = np.where(A == 0, 1, A)
        Bbar = np.where(A == 0, step * B, (Abar - 1) / nonzero_A * B)
        return Abar, Bbar
    if method == "bilinear":
        denominator = 1 - dA / 2
        return (1 + dA / 2) / denominator, step * B / denominator
    if method == "euler":
        return 1 + dA, step * B
    raise ValueError(f"unknown discretization method {method!r}")
