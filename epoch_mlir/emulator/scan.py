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

# Timesteps per block: an emulator implementation choice, not a machine parameter. The Toeplitz
# product costs BLOCK multiply-adds per step and channel whatever the modes, the carried state
# 2 x modes: 64 measured fastest for N = 64 (benchmarks/bench_prodf_stream.py), 16 for N <= 8
# (about 1.2-7x faster than 64 on N = 4 streams of 512-2048 steps).
BLOCK = 64
SMALL_MODES_BLOCK = 16
SMALL_MODES = 8
# Tiles (channels x modes) up to this size carry the state across blocks with a parallel prefix
# scan instead of a Python loop per block, whose overhead dominates on small arrays.
SMALL_TILE = 2048


class LimaCoefficients:
    """The coefficients of one slot (abar, bbar, c: nch x nm complex; D: nch), scan matrices."""

    def __init__(self, abar: np.ndarray, bbar: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:
        self.abar = abar.astype(np.complex64)
        self.bbar = bbar.astype(np.complex64)
        self.c = c.astype(np.complex64)
        self.d = d.astype(np.float32)
        self.block = SMALL_MODES_BLOCK if self.modes <= SMALL_MODES else BLOCK
        self._matrices: tuple[np.ndarray, ...] | None = None
        self._carries: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def channels(self) -> int:
        return self.abar.shape[0]

    @property
    def modes(self) -> int:
        return self.abar.shape[1]

    def matrices(self) -> tuple[np.ndarray, ...]:
        """(toeplitz, readout, inject, powers): built on first use, then cached."""
        if self._matrices is None:
            self._matrices = _build_matrices(self.abar, self.bbar, self.c, self.d, self.block)
        return self._matrices

    def scan(self, u: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stream u (steps x nch float32) from `state` (nch x nm complex64): (y, final state)."""
        toeplitz, readout, inject, powers = self.matrices()
        steps, channels = u.shape
        modes, block = self.modes, self.block
        y = np.empty((steps, channels), np.float32)
        full = steps // block
        s: np.ndarray = state.astype(np.complex64, copy=True)
        if full:
            # (nch, B, blocks): one column per block, so each product below is one batched GEMM
            blocks = u[: full * block].reshape(full, block, channels).transpose(2, 1, 0)
            blocks = np.ascontiguousarray(blocks)
            injected = np.matmul(inject, blocks)  # (nch, 2nm, blocks): [re; im] of sum a^.. b u
            inputs = injected[:, :modes] + 1j * injected[:, modes:]  # (nch, nm, blocks)
            initial: np.ndarray
            if self.abar.size <= SMALL_TILE:
                initial, s = self._carry_by_doubling(s, inputs)
            else:
                initial = np.empty((channels, modes, full), np.complex64)
                a_block = powers[:, :, block]
                for i in range(full):
                    initial[:, :, i] = s
                    s = a_block * s + inputs[:, :, i]
            starts = np.concatenate([np.real(initial), np.imag(initial)], axis=1)
            out = np.matmul(toeplitz, blocks) + np.matmul(readout, starts)  # (nch, B, blocks)
            y[: full * block] = out.transpose(2, 1, 0).reshape(full * block, channels)
        tail = steps - full * block
        if tail:
            u_tail = np.ascontiguousarray(u[full * block :].T)[:, :, None]  # (nch, tail, 1)
            start = np.concatenate([np.real(s), np.imag(s)], axis=1)[:, :, None]
            out = np.matmul(toeplitz[:, :tail, :tail], u_tail) + np.matmul(
                readout[:, :tail, :], start
            )
            y[full * block :] = out[:, :, 0].T
            injected = np.matmul(inject[:, :, block - tail :], u_tail)[:, :, 0]
            s = powers[:, :, tail] * s + (injected[:, :modes] + 1j * injected[:, modes:])
        return y, s.astype(np.complex64)

    def _carry_by_doubling(
        self, s0: np.ndarray, inputs: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """States before each block and after the last, for s_i = A s_(i-1) + x_i with A = a^block.

        A parallel prefix scan (recursive doubling): log2(blocks) whole-array steps instead of one
        Python iteration per block.
        """
        count = inputs.shape[2]
        if count not in self._carries:
            step = self.abar.astype(np.complex128) ** self.block  # (nch, nm)
            powers = np.cumprod(np.broadcast_to(step[:, :, None], (*step.shape, count)), axis=2)
            self._carries[count] = (step.astype(np.complex64), powers.astype(np.complex64))
        step, powers = self._carries[count]  # powers[..., i] = A^(i+1)
        summed = inputs.astype(np.complex64, copy=True)
        stride, factor = 1, step
        while stride < count:
            summed[:, :, stride:] += factor[:, :, None] * summed[:, :, :-stride]
            factor = factor * factor
            stride *= 2
        after = powers * s0[:, :, None] + summed  # state after each block
        initial = np.concatenate([s0[:, :, None], after[:, :, :-1]], axis=2)
        return initial, after[:, :, -1]


def _build_matrices(
    abar: np.ndarray, bbar: np.ndarray, c: np.ndarray, d: np.ndarray, block: int
) -> tuple[np.ndarray, ...]:
    a = abar.astype(np.complex128)
    b = bbar.astype(np.complex128)
    cc = c.astype(np.complex128)
    channels, modes = a.shape
    powers = np.empty((block + 1, channels, modes), np.complex128)  # a^0 .. a^B
    powers[0] = 1.0
    for j in range(1, block + 1):
        np.multiply(powers[j - 1], a, out=powers[j])
    # K[d] = Re(sum_n c b a^d), laid out as a lower-triangular Toeplitz matrix, D on its diagonal
    kernel = np.einsum("hm,jhm->hj", cc * b, powers[:block]).real  # (nch, B)
    lag = np.arange(block)[:, None] - np.arange(block)[None, :]  # t - j
    toeplitz = np.where(lag >= 0, kernel[:, np.clip(lag, 0, None)], 0.0).astype(np.float32)
    toeplitz += d.astype(np.float32)[:, None, None] * np.eye(block, dtype=np.float32)
    # output at step t from the block's initial state: Re(c a^(t+1) s0) = [Re, -Im] . [s.re; s.im]
    readout_c = cc * powers[1:]  # (B, nch, nm)
    readout = np.empty((channels, block, 2 * modes), np.float32)
    readout[:, :, :modes] = readout_c.real.transpose(1, 0, 2)
    readout[:, :, modes:] = -readout_c.imag.transpose(1, 0, 2)
    # contribution of u[j] to the state at the end of the block: a^(B-1-j) b
    inject_c = b * powers[block - 1 :: -1][:block]  # (B, nch, nm), j = 0 first
    inject = np.empty((channels, 2 * modes, block), np.float32)
    inject[:, :modes, :] = inject_c.real.transpose(1, 2, 0)
    inject[:, modes:, :] = inject_c.imag.transpose(1, 2, 0)
    return toeplitz, readout, inject, np.moveaxis(powers, 0, 2).astype(np.complex64)
