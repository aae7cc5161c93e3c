"""nn.layer_norm per row chunk: row sums on the array, elementwise work on the vector unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.common import (
    Layer,
    Options,
    constant,
    dense_f32,
    map_rows,
    matrix,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    VECTOR_CHUNK_ROWS,
    WEIGHT,
    Chunk,
    Stream,
    field_limit,
)
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles
from epoch_mlir.conversions.systolic_common.lowering import machine_of
from epoch_mlir.dataflows import folds
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    ArrayConfigAttr,
    LoadOp,
    MatmulTileOp,
    PreloadTileOp,
)


@dataclass
class LowerNnLayerNorm(RewritePattern):
    """Layer norm per row chunk, kernels/vector.py's sequence, with its row sums on the array.

    The mean and the variance are row sums scaled by 1/H: x @ w^T with w a 1 x H row of 1/H,
    which the otherwise idle array computes (weight-stationary, w's k-folds preloaded once into
    the two slots) while the vector unit does the elementwise work: the centring (column
    broadcast), the squares, gamma (row broadcast, while the array sums the squares), `rsqrt`
    adding eps, the scaling by it and beta.
    The row sums stay on the vector unit when w has more than two k-folds (H > 2 x rows, so the
    slots cannot hold it), or when the array's two sums of a chunk would cost more than the
    vector unit's other five passes over it (short sequences: an array pass costs at least
    R + C cycles), so moving them would make the array the bottleneck.
    """

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LayerNormOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        length, channels = matrix(op, op.x)
        gamma, beta = layer.dram(op.gamma), layer.dram(op.beta)
        eps = op.eps.value.data
        scale = 1.0 / channels
        # mean and rstd, per chunk buffer: the array sums chunk i+1 while the vector unit still
        # reads chunk i's statistics
        stats = [Stream(WEIGHT, 1), Stream(WEIGHT, 1)]
        k_folds = folds(channels, layer.target.rows.data)
        on_array = _row_sums_on_array(op, length, channels, k_folds, self.options.chunk_rows)
        fixed = {WEIGHT: [channels, channels] + ([channels] if on_array else [])}
        gb = layer.alloc(WEIGHT, (channels,), "gamma")
        bb = layer.alloc(WEIGHT, (channels,), "beta")
        layer.ops += [
            LoadOp(gamma, gb, (1, channels)),
            LoadOp(beta, bb, (1, channels)),
        ]
        array = None
        if on_array:
            row = dense_f32(np.full((1, channels), scale, np.float32))
            averaging = constant(layer, row, "averaging")
            wb = layer.alloc(WEIGHT, (1, channels), "avg")
            layer.ops.append(LoadOp(averaging, wb, (1, channels)))
            preloads = [
                PreloadTileOp(wb, (1, kr), slot, offsets=(0, k0), transpose=True)
                for slot, (k0, kr) in enumerate(k_folds)
            ]
            array = (ArrayConfigAttr("mac", "ws"), preloads)

        def row_sums(src: SSAValue, dst: SSAValue, rows: int) -> list[Operation]:
            if not on_array:
                return [vector("rsum", src, dst, rows, channels, imm=scale)]
            return [
                MatmulTileOp(
                    dst, rows, 1, kr, a=src, slot=slot, a_offsets=(0, k0), accumulate=slot > 0
                )
                for slot, (k0, kr) in enumerate(k_folds)
            ]

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            (xb,), (mean, rstd), rows = inputs, scratch, c.rows
            # gamma scales the centred rows while the array sums their squares, so the vector
            # unit, which runs in order, does not wait for the variance
            return [
                *row_sums(xb, mean, rows),
                vector("sub", xb, xb, rows, channels, b=mean, b_broadcast="col"),
                vector("mul", xb, out, rows, channels, b=xb),
                *row_sums(out, rstd, rows),
                vector("mul", xb, xb, rows, channels, b=gb, b_broadcast="row"),
                vector("rsqrt", rstd, rstd, rows, 1, imm=eps),
                vector("mul", xb, out, rows, channels, b=rstd, b_broadcast="col"),
                vector("add", out, out, rows, channels, b=bb, b_broadcast="row"),
            ]

        result = map_rows(
            layer,
            [op.x],
            channels,
            compute,
            scratch=stats,
            scratch_names=("mean", "rstd"),
            fixed=fixed,
            array=array,
        )
        layer.finish(result)


def _row_sums_on_array(
    op: nn.LayerNormOp, length: int, channels: int, k_folds: list[tuple[int, int]], cap: int
) -> bool:
    """Whether the array should take the row sums (see LowerNnLayerNorm), by the cost model."""
    if len(k_folds) > 2:
        return False
    machine = machine_of(op)
    rows = min(length, VECTOR_CHUNK_ROWS, cap or VECTOR_CHUNK_ROWS, field_limit("m"))
    ws = ArrayConfigAttr("mac", "ws")
    array = 2 * sum(instruction_cycles("mm", machine, ws, m=rows, n=1, k=kr) for _, kr in k_folds)
    vector = 5 * instruction_cycles("vmul", machine, rows=rows, cols=channels)
    return array <= vector
