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

from dataclasses import dataclass

from xdsl.ir import Operation, SSAValue

from epoch_mlir.conversions.convert_nn_to_systolic.tiling import field_limit
from epoch_mlir.conversions.systolic_common.folding import fold_loop, nest_steps
from epoch_mlir.conversions.systolic_common.lowering import folds
from epoch_mlir.dialects.systolic import MatmulTileOp, PreloadTileOp, TargetAttr

# A ws GEMM with at most this many stationary tiles per chunk keeps its folds over n unrolled
# (the 128 x 128 machine's layers); beyond it they are a loop, so small arrays' programs grow
# with the layer's k folds, not with its n x k tiles.
UNROLLED_TILES = 16
UNROLLED_K_FOLDS = 4  # inside a loop over n, more k folds than this are a loop too
UNROLLED_N_FOLDS = 8  # os: more folds over n than this are a loop inside the one over m


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

    `loop_depth` is how many chunk loops already enclose the ops: the folds over m (and over n
    and k, when there are many) become loops only where the target has hardware loop levels
    left (unrolled otherwise).
    """
    rows, cols = target.rows.data, target.cols.data
    nested = loop_depth + 1 <= target.loop_depth.data
    k_folds = folds(k, rows)
    if dataflow == "ws":
        if m > field_limit("m"):
            raise ValueError(f"ws streams m = {m} rows, more than an mm instruction holds")

        n_folds = folds(n, cols)
        # a few tiles stay straight-line code: as short as a loop, and simpler to schedule
        looped = nested and len(n_folds) * len(k_folds) > UNROLLED_TILES
        # and inside the loop over n, a loop over k when there are many k folds
        k_looped = looped and loop_depth + 2 <= target.loop_depth.data
        k_looped = k_looped and len(k_folds) > UNROLLED_K_FOLDS

        def weight_fold(offset: int, size: int, step: int, slot: int) -> list[Operation]:
            """The k folds of output columns offset..offset+size-1, which move `step` columns
            per iteration of the loop over n (0: not in it)."""

            def k_fold(k0: int, kr: int, k_step: int, slot: int) -> list[Operation]:
                # steps per enclosing loop, innermost first: the k loop's, then the n loop's
                levels = [((0, k_step), (0, k_step), (0, 0)), ((step, 0), (0, 0), (0, step))]
                w_step, x_step, y_step = nest_steps(levels, [bool(k_step), bool(step)])
                return [
                    PreloadTileOp(
                        w.buffer,
                        (size, kr),
                        slot,
                        offsets=w.at(offset, k0),
                        step=w_step,
                        transpose=True,
                    ),
                    MatmulTileOp(
                        y.buffer,
                        m,
                        size,
                        kr,
                        a=x.buffer,
                        slot=slot,
                        a_offsets=x.at(0, k0),
                        a_step=x_step,
                        dst_offsets=y.at(0, offset),
                        dst_step=y_step,
                        accumulate=k0 > 0,
                    ),
                ]

            if not k_looped:
                ops: list[Operation] = []
                for k0, kr in k_folds:
                    ops += k_fold(k0, kr, 0, slot)
                    slot ^= 1
                return ops
            # the first k fold starts the sum; the others accumulate, in a loop
            _, first = k_folds[0]
            rest = fold_loop(
                k - first,
                rows,
                lambda k0, kr, k_step, s: k_fold(first + k0, kr, k_step, s),
                1,
                slot ^ 1,
                True,
            )
            return [*k_fold(0, first, 0, slot), *rest]

        return fold_loop(n, cols, weight_fold, len(k_folds), first_slot, looped)
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

        return fold_loop(m, cols, input_fold, len(k_folds), first_slot, nested)
    if dataflow == "os":
        # many folds over n are a loop inside the loop over m
        n_looped = len(folds(n, cols)) > UNROLLED_N_FOLDS
        n_looped = n_looped and loop_depth + 2 <= target.loop_depth.data

        def output_fold(offset: int, size: int, step: int, slot: int) -> list[Operation]:
            """Rows offset..offset+size-1 of y, which move `step` rows per iteration of the
            loop over m (0: not in it)."""

            def n_fold(n0: int, nc: int, n_step: int, _slot: int) -> list[Operation]:
                # steps per enclosing loop, innermost first: the n loop's, then the m loop's
                levels = [((0, 0), (n_step, 0), (0, n_step)), ((step, 0), (0, 0), (step, 0))]
                x_step, w_step, y_step = nest_steps(levels, [bool(n_step), bool(step)])
                return [
                    MatmulTileOp(
                        y.buffer,
                        size,
                        nc,
                        kk,
                        a=x.buffer,
                        b=w.buffer,
                        a_offsets=x.at(offset, k0),
                        a_step=x_step,
                        b_offsets=w.at(n0, k0),
                        b_step=w_step,
                        dst_offsets=y.at(offset, n0),
                        dst_step=y_step,
                        accumulate=k0 > 0,
                    )
                    for k0, kk in folds(k, field_limit("k"))
                ]

            return fold_loop(n, cols, n_fold, 0, slot, n_looped)

        return fold_loop(m, rows, output_fold, 0, first_slot, nested)
    raise ValueError(f"unknown GEMM dataflow {dataflow!r}")
