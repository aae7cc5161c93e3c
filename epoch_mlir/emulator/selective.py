"""The selective ProDF stream's numerics (`lsel`): a real diagonal recurrence whose coefficients
change every step, computed as a blocked scan with all blocks advanced in lockstep.

The hardware steps every PE's state x[n, q] <- abar[t, n, q] * x[n, q] + B[t, n] * u[t, q] once
per cycle and reads out y[t, q] = sum_n C[t, n] * x[n, q]. Unlike `lima` there is no fixed kernel
(abar changes every step), so the stream is cut into blocks of `L` steps and:

1. every block's local scan (from a zero state; block 0 from the held state) runs with all blocks
   advanced together: L whole-array steps, each covering `steps / L` timesteps, while the product
   of each block's abar is accumulated alongside;
2. the state entering each block is carried across the blocks (blocks - 1 small steps);
3. the carried state's contribution to block k, step j is (prod_{i <= j} abar) * start_k, which is
   propagated through the block by a second lockstep pass and read out directly into y.

Steps left over after the full blocks form one more, shorter block that starts from the carried
state. The Python loop therefore runs about 2 L + steps / L times per instruction (not once per
step), never divides by a cumulative product (products of |abar| < 1 underflow to 0, and abar may
be 0), and works in float32 throughout. The read-out is a batched (1 x nm) @ (nm x nch) product per
step. docs/emulator.md says why this and not a log-depth scan.
"""

from __future__ import annotations

import math

import numpy as np

# Each lockstep step works on (blocks x nm x nch) arrays: at most about WORKING_SET elements, so
# that they stay in cache (a larger working set made the scan memory-bound), and about
# 2 sqrt(steps) blocks otherwise (balancing the lockstep passes, L steps each, against the carry,
# one step per block). Both measured in benchmarks/bench_selective_stream.py.
WORKING_SET = 65536


def block_length(steps: int, states: int) -> int:
    """The block length L for a stream of `steps` timesteps over `states` (nm * nch) PE states."""
    if steps <= 1:
        return 1
    blocks = max(1, min(WORKING_SET // max(states, 1), round(2 * math.sqrt(steps))))
    return -(-steps // blocks)


def selective_scan(
    abar: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    u: np.ndarray,
    state: np.ndarray,
    block: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """y (steps x nch) and the final state (nm x nch) of the selective recurrence.

    abar: steps x nm x nch; b, c: steps x nm; u: steps x nch; state: nm x nch (all float32).
    """
    steps, modes, channels = abar.shape
    y = np.empty((steps, channels), np.float32)
    x = np.array(state, np.float32, copy=True)
    if steps == 0:
        return y, x
    length = block or block_length(steps, modes * channels)
    full = steps // length
    with np.errstate(all="ignore"):  # IEEE results (inf, nan) are the machine's answer
        if full:
            x = _blocks(abar, b, c, u, x, y, full, length)
        if full * length < steps:
            tail = slice(full * length, steps)
            x = _blocks(abar[tail], b[tail], c[tail], u[tail], x, y[tail], 1, steps - full * length)
    return y, x


def _blocks(
    abar: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    u: np.ndarray,
    start: np.ndarray,
    y: np.ndarray,
    count: int,
    length: int,
) -> np.ndarray:
    """Scan `count` blocks of `length` steps from `start`, writing y; returns the final state."""
    modes, channels = start.shape
    end = count * length
    a_blocks = abar[:end].reshape(count, length, modes, channels)
    b_blocks = b[:end].reshape(count, length, modes)
    c_blocks = c[:end].reshape(count, length, 1, modes)
    u_blocks = u[:end].reshape(count, length, channels)
    y_blocks = y[:end].reshape(count, length, channels)
    state = np.empty((count, modes, channels), np.float32)
    scratch = np.empty((count, modes, channels), np.float32)
    # 1. local scans, all blocks in lockstep; block 0 carries the incoming state (b_0 += a_0 x)
    np.multiply(b_blocks[:, 0, :, None], u_blocks[:, 0, None, :], out=state)
    state[0] += a_blocks[0, 0] * start
    product = np.array(a_blocks[:, 0], np.float32)
    y_blocks[:, 0] = np.matmul(c_blocks[:, 0], state)[:, 0, :]
    for j in range(1, length):
        np.multiply(a_blocks[:, j], state, out=state)
        np.multiply(b_blocks[:, j, :, None], u_blocks[:, j, None, :], out=scratch)
        state += scratch
        product *= a_blocks[:, j]
        y_blocks[:, j] = np.matmul(c_blocks[:, j], state)[:, 0, :]
    if count == 1:
        return state[0]
    # 2. the state entering each block after the first
    starts = np.empty((count - 1, modes, channels), np.float32)
    x = state[0]
    for k in range(1, count):
        starts[k - 1] = x
        x = product[k] * x + state[k]
    # 3. the entering states' contributions, propagated through their blocks and read out
    for j in range(length):
        np.multiply(starts, a_blocks[1:, j], out=starts)
        y_blocks[1:, j] += np.matmul(c_blocks[1:, j], starts)[:, 0, :]
    return np.array(x, np.float32)
