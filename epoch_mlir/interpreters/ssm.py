"""Float64 reference semantics of the `ssm` ops: SPEC.md's recurrences, in numpy.

The scans step through the sequence one timestep at a time, exactly as the recurrence is
written, rather than through a parallel-scan reformulation: the golden model must be obviously
the formula. Each step is vectorised over channels and state columns, so L = 16k stays quick.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.interpreter import Interpreter, InterpreterFunctions, impl, register_impls

from epoch_mlir.dialects import ssm
from epoch_mlir.interpreters.nn import silu, softplus
from epoch_mlir.numerics import discretize


def scan(
    u: np.ndarray, Abar: np.ndarray, Bbar: np.ndarray, C: np.ndarray, D: np.ndarray
) -> np.ndarray:
    """y of `scan_with_state` from a zero state."""
    return scan_with_state(u, Abar, Bbar, C, D)[0]


def scan_with_state(
    u: np.ndarray,
    Abar: np.ndarray,
    Bbar: np.ndarray,
    C: np.ndarray,
    D: np.ndarray,
    s0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """y[k, h] = Re(sum_n C s_k) + D u[k, h] with s_k = Abar s_{k-1} + Bbar u[k, h], from
    s_{-1} = s0 (or 0); returns y and the last state. A batch (u: B x L x H, s0: B x H x N) is
    B independent sequences."""
    if u.ndim == 3:
        states = [None] * len(u) if s0 is None else list(s0)
        runs = [
            scan_with_state(sequence, Abar, Bbar, C, D, start)
            for sequence, start in zip(u, states, strict=True)
        ]
        return np.stack([y for y, _ in runs]), np.stack([last for _, last in runs])
    steps, channels = u.shape
    dtype = np.result_type(Abar, Bbar, C, np.float64)
    state = np.zeros(Abar.shape, dtype=dtype) if s0 is None else np.asarray(s0, dtype)
    y = np.empty((steps, channels), dtype=np.float64)
    for k in range(steps):
        state = Abar * state + Bbar * u[k, :, None]
        y[k] = np.real(np.sum(C * state, axis=1)) + D * u[k]
    return y, state


def selective_scan(
    u: np.ndarray,
    delta: np.ndarray,
    A: np.ndarray,
    B: np.ndarray,
    C: np.ndarray,
    D: np.ndarray,
    z: np.ndarray | None,
    delta_softplus: bool,
    x0: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mamba's recurrence: x_k = exp(d_k A) x_{k-1} + d_k u_k B_k, y_k = x_k C_k + D u_k,
    from x0 (or 0); returns y and the last state. A batch (u, delta, z: B x L x H; B, C:
    B x L x N; x0: B x H x N) is B independent sequences."""
    if u.ndim == 3:
        runs = [
            selective_scan(
                u[b],
                delta[b],
                A,
                B[b],
                C[b],
                D,
                None if z is None else z[b],
                delta_softplus,
                None if x0 is None else x0[b],
            )
            for b in range(len(u))
        ]
        return np.stack([y for y, _ in runs]), np.stack([last for _, last in runs])
    steps, channels = u.shape
    step_sizes = softplus(delta) if delta_softplus else delta
    state = np.zeros(A.shape, dtype=np.float64) if x0 is None else np.asarray(x0, np.float64)
    y = np.empty((steps, channels), dtype=np.float64)
    for k in range(steps):
        d = step_sizes[k, :, None]
        state = np.exp(d * A) * state + d * u[k, :, None] * B[k]
        y[k] = state @ C[k] + D * u[k]
    return (y if z is None else y * silu(z)), state


@register_impls
class SsmFunctions(InterpreterFunctions):
    """Interpreter implementations of the `ssm` ops over numpy float64/complex128 arrays."""

    @impl(ssm.DiscretizeOp)
    def run_discretize(
        self, interpreter: Interpreter, op: ssm.DiscretizeOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray, np.ndarray]:
        A, B, delta = args
        return discretize(A, B, delta, op.method.data)

    @impl(ssm.ScanOp)
    def run_scan(
        self, interpreter: Interpreter, op: ssm.ScanOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray, ...]:
        y, last = scan_with_state(*args)
        return (y,) if op.s0 is None else (y, last)

    @impl(ssm.SelectiveScanOp)
    def run_selective_scan(
        self, interpreter: Interpreter, op: ssm.SelectiveScanOp, args: tuple[Any, ...]
    ) -> tuple[np.ndarray, ...]:
        u, delta, A, B, C, D, *rest = args
        z = rest.pop(0) if op.z is not None else None
        x0 = rest[0] if op.x0 is not None else None
        y, last = selective_scan(u, delta, A, B, C, D, z, op.applies_softplus, x0)
        return (y,) if x0 is None else (y, last)
