"""The LIMA stream's numerics: the diagonal recurrence as a blocked (chunked) scan.

The hardware steps s <- abar*s + bbar*u once per cycle. Stepping that in Python would cost one
interpreter round trip per timestep, so instead the stream is cut into blocks of `BLOCK` steps and
each block is a few batched matrix products (an exact reformulation of the same recurrence):

    y[t]  = sum_{j<=t} K[t-j] u[j] + D u[t] + Re(sum_n c a^(t+1) s0)      (within a block)
    s_end = a^B s0 + sum_j a^(B-1-j) b u[j]

with K[d] = Re(sum_n c b a^d). Only the state between blocks is carried sequentially, so the Python
loop runs T/BLOCK times over whole (channels x modes) tiles. The per-slot matrices are built once
per coefficient preload and reused by every stream of the fold. Results equal the recurrence up to
fp32 rounding (the precomputation runs in float64, the streams in float32 BLAS).
"""

from __future__ import annotations

import numpy as np

BLOCK = 64  # timesteps per block: an emulator implementation choice, not a machine parameter


class LimaCoefficients:
    """The coefficients in one slot (abar, bbar, c: nch x nm complex; D: nch) and their scan matrices."""

    def __init__(self, abar: np.ndarray, bbar: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:
        self.abar = abar.astype(np.complex64)
        self.bbar = bbar.astype(np.complex64)
        self.c = c.astype(np.complex64)
        self.d = d.astype(np.float32)
        self._matrices: tuple[np.ndarray, ...] | None = None

    @property
    def channels(self) -> int:
        return self.abar.shape[0]

    @property
    def modes(self) -> int:
        return self.abar.shape[1]

    def matrices(self) -> tuple[np.ndarray, ...]:
        """(toeplitz, readout, inject, powers): built on first use, then cached."""
        if self._matrices is None:
            self._matrices = _build_matrices(self.abar, self.bbar, self.c, self.d)
        return self._matrices

    def scan(self, u: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stream u (steps x nch float32) from `state` (nch x nm complex64): (y, final state)."""
        toeplitz, readout, inject, powers = self.matrices()
        steps, channels = u.shape
        modes = self.modes
        y = np.empty((steps, channels), np.float32)
        full = steps // BLOCK
        s = state.astype(np.complex64, copy=True)
        if full:
            # (nch, B, blocks): one column per block, so each product below is one batched GEMM
            blocks = u[: full * BLOCK].reshape(full, BLOCK, channels).transpose(2, 1, 0)
            blocks = np.ascontiguousarray(blocks)
            injected = np.matmul(inject, blocks)  # (nch, 2nm, blocks): [re; im] of sum a^.. b u
            starts = np.empty((channels, 2 * modes, full), np.float32)
            a_block = powers[:, :, BLOCK]
            for i in range(full):
                starts[:, :modes, i] = s.real
                starts[:, modes:, i] = s.imag
                s = a_block * s + (injected[:, :modes, i] + 1j * injected[:, modes:, i])
            out = np.matmul(toeplitz, blocks) + np.matmul(readout, starts)  # (nch, B, blocks)
            y[: full * BLOCK] = out.transpose(2, 1, 0).reshape(full * BLOCK, channels)
        tail = steps - full * BLOCK
        if tail:
            u_tail = np.ascontiguousarray(u[full * BLOCK :].T)[:, :, None]  # (nch, tail, 1)
            start = np.concatenate([s.real, s.imag], axis=1)[:, :, None]
            out = np.matmul(toeplitz[:, :tail, :tail], u_tail) + np.matmul(
                readout[:, :tail, :], start
            )
            y[full * BLOCK :] = out[:, :, 0].T
            injected = np.matmul(inject[:, :, BLOCK - tail :], u_tail)[:, :, 0]
            s = powers[:, :, tail] * s + (injected[:, :modes] + 1j * injected[:, modes:])
        return y, s.astype(np.complex64)


def _build_matrices(
    abar: np.ndarray, bbar: np.ndarray, c: np.ndarray, d: np.ndarray
) -> tuple[np.ndarray, ...]:
    a = abar.astype(np.complex128)
    b = bbar.astype(np.complex128)
    cc = c.astype(np.complex128)
    exponents = np.arange(BLOCK + 1)
    powers = a[:, :, None] ** exponents  # (nch, nm, B+1)
    kernel = np.einsum("hm,hmj->hj", cc * b, powers[:, :, :BLOCK]).real  # (nch, B)
    lag = exponents[:BLOCK, None] - exponents[None, :BLOCK]  # t - j
    toeplitz = np.where(lag >= 0, kernel[:, np.clip(lag, 0, None)], 0.0)
    toeplitz += d.astype(np.float64)[:, None, None] * np.eye(BLOCK)
    # output at step t from the block's initial state: Re(c a^(t+1) s0) = [Re, -Im] . [s.re; s.im]
    readout_c = cc[:, None, :] * np.swapaxes(powers[:, :, 1:], 1, 2)  # (nch, B, nm)
    readout = np.concatenate([readout_c.real, -readout_c.imag], axis=2)
    # contribution of u[j] to the state at the end of the block: a^(B-1-j) b
    inject_c = b[:, :, None] * powers[:, :, BLOCK - 1 :: -1][:, :, :BLOCK]  # (nch, nm, B)
    inject = np.concatenate([inject_c.real, inject_c.imag], axis=1)
    return (
        toeplitz.astype(np.float32),
        readout.astype(np.float32),
        inject.astype(np.float32),
        powers.astype(np.complex64),
    )
