"""GEMM folds on the array in the conventional dataflows, at the systolic level.

`gemm_folds` is kernels/gemm.py's folding written as systolic ops: y = x @ W^T for windows of
SRAM buffers already loaded, inside a `systolic.configure <mac, DF>`. SCALE-Sim's mapping puts
two dimensions of the M x K x N GEMM on the array and streams the third:

| dataflow | stationary (rows x cols) | streams | folds |
|---|---|---|---|
| ws | k x n tile of W^T | the m rows of x | n over cols, k over rows |
| is | k x m tile of x^T | the n rows of W | m over cols, k over rows |
| os | m x n tile of y | k | m over rows, n over cols |

Folds over k accumulate into the same output window. Stationary folds alternate the array's two
slots, so the next preload can overlap the current fold on machines whose preloads have their
own path; successive calls continue the alternation through `first_slot`. The outer folds
form one `chunk_loop` stepping over the buffers (two folds per iteration when that keeps the
slots alternating), so the ops grow with the inner folds only: the folds over m (is, os), which
grow with the chunk of the sequence, and ws's folds over n once there are more than a few tiles
(a small array's layer has hundreds); the folds over k stay unrolled inside.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.ir import Operation, SSAValue

from epoch_mlir.conversions.convert_nn_to_systolic.tiling import field_limit, repeat
from epoch_mlir.conversions.systolic_common.lowering import folds
from epoch_mlir.dialects.systolic import MatmulTileOp, PreloadTileOp, TargetAttr

# fold(offset, size, step, slot): the ops of one fold of `size` rows (or columns) starting
# `offset` in, whose windows move `step` per loop iteration, using slots from `slot` on
Fold = Callable[[int, int, int, int], list[Operation]]

# A ws GEMM with at most this many stationary tiles per chunk keeps its folds over n unrolled
# (the 128 x 128 machine's layers); beyond it they are a loop, so small arrays' programs grow
# with the layer's k folds, not with its n x k tiles.
UNROLLED_TILES = 16


@dataclass(frozen=True)
class Window:
    """A corner in an SRAM buffer: the GEMM operand starts at `[row, col]` of `buffer`."""

    buffer: SSAValue
    row: int = 0
    col: int = 0

    def at(self, row: int, col: int) -> tuple[int, int]:
        return (self.row + row, self.col + col)


def stationary_folds(target: TargetAttr, dataflow: str, m: int, n: int, k: int) -> int:
    """How many preloads `gemm_folds` emits (0 for os, which keeps no stationary tile)."""
    rows, cols = target.rows.data, target.cols.data
    k_folds = len(folds(k, rows))
    if dataflow == "ws":
        return len(folds(n, cols)) * k_folds
    if dataflow == "is":
        return len(folds(m, cols)) * k_folds
    return 0


def gemm_folds(
    target: TargetAttr,
    dataflow: str,
    x: Window,
    w: Window,
    y: Window,
    m: int,
    n: int,
    k: int,
    *,
    loop_depth: int = 0,
    first_slot: int = 0,
) -> list[Operation]:
    """Ops computing y[m x n] = x[m x k] @ w[n x k]^T; they belong inside a matching configure.

    `loop_depth` is how many chunk loops already enclose the ops: the folds over m become a loop
    only where the target has a hardware loop level left (unrolled otherwise).
    """
    rows, cols = target.rows.data, target.cols.data
    nested = loop_depth + 1 <= target.loop_depth.data
    k_folds = folds(k, rows)
    if dataflow == "ws":
        if m > field_limit("m"):
            raise ValueError(f"ws streams m = {m} rows, more than an mm instruction holds")

        def weight_fold(offset: int, size: int, step: int, slot: int) -> list[Operation]:
            ops: list[Operation] = []
            for k0, kr in k_folds:
                ops.append(
                    PreloadTileOp(
                        w.buffer,
                        (size, kr),
                        slot,
                        offsets=w.at(offset, k0),
                        step=(step, 0),
                        transpose=True,
                    )
                )
                ops.append(
                    MatmulTileOp(
                        y.buffer,
                        m,
                        size,
                        kr,
                        a=x.buffer,
                        slot=slot,
                        a_offsets=x.at(0, k0),
                        dst_offsets=y.at(0, offset),
                        dst_step=(0, step),
                        accumulate=k0 > 0,
                    )
                )
                slot ^= 1
            return ops

        # a few tiles stay straight-line code: as short as a loop, and simpler to schedule
        looped = nested and len(folds(n, cols)) * len(k_folds) > UNROLLED_TILES
        return _fold_loop(n, cols, weight_fold, len(k_folds), first_slot, looped)
    if dataflow == "is":
        if n > field_limit("n"):
            raise ValueError(f"is streams n = {n} rows, more than an mm instruction holds")

        def input_fold(offset: int, size: int, step: int, slot: int) -> list[Operation]:
            ops: list[Operation] = []
            for k0, kr in k_folds:
                ops.append(
                    PreloadTileOp(
                        x.buffer,
                        (size, kr),
                        slot,
                        offsets=x.at(offset, k0),
                        step=(step, 0),
                        transpose=True,
                    )
                )
                ops.append(
                    MatmulTileOp(
                        y.buffer,
                        size,
                        n,
                        kr,
                        b=w.buffer,
                        slot=slot,
                        b_offsets=w.at(0, k0),
                        dst_offsets=y.at(offset, 0),
                        dst_step=(step, 0),
                        accumulate=k0 > 0,
                    )
                )
                slot ^= 1
            return ops

        return _fold_loop(m, cols, input_fold, len(k_folds), first_slot, nested)
    if dataflow == "os":

        def output_fold(offset: int, size: int, step: int, slot: int) -> list[Operation]:
            ops: list[Operation] = []
            for n0, nc in folds(n, cols):
                for k0, kk in folds(k, field_limit("k")):
                    ops.append(
                        MatmulTileOp(
                            y.buffer,
                            size,
                            nc,
                            kk,
                            a=x.buffer,
                            b=w.buffer,
                            a_offsets=x.at(offset, k0),
                            a_step=(step, 0),
                            b_offsets=w.at(n0, k0),
                            dst_offsets=y.at(offset, n0),
                            dst_step=(step, 0),
                            accumulate=k0 > 0,
                        )
                    )
            return ops

        return _fold_loop(m, rows, output_fold, 0, first_slot, nested)
    raise ValueError(f"unknown GEMM dataflow {dataflow!r}")


def _fold_loop(
    size: int, tile: int, fold: Fold, preloads: int, first_slot: int, nested: bool
) -> list[Operation]:
    """All folds of a dimension: the full ones as one loop stepping over the buffers (when
    `nested`; unrolled otherwise), then the rest.

    A fold with an odd number of preloads ends on the slot it started with, so the loop body
    then holds two folds (the second starting on the other slot) to keep the slots alternating.
    """
    full, tail = divmod(size, tile)
    flip = preloads % 2  # whether one fold changes the slot the next one starts on
    ops: list[Operation] = []
    if full < 2 or not nested:
        for index in range(full):
            ops += fold(index * tile, tile, 0, first_slot ^ (index * flip % 2))
    elif flip:
        pairs, single = divmod(full, 2)

        def pair(offset: int, step: int) -> list[Operation]:
            return fold(offset, tile, step, first_slot) + fold(
                offset + tile, tile, step, first_slot ^ 1
            )

        ops += repeat(pairs, 2 * tile, pair, loop_allowed=True)
        if single:
            ops += fold((full - 1) * tile, tile, 0, first_slot)
    else:
        ops += repeat(
            full, tile, lambda offset, step: fold(offset, tile, step, first_slot), loop_allowed=True
        )
    if tail:
        ops += fold(full * tile, tail, 0, first_slot ^ (full * flip % 2))
    return ops
