"""nn.layer_norm on the vector unit: mean, variance, scale and shift per row chunk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.common import (
    Layer,
    Options,
    map_rows,
    matrix,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    WEIGHT,
    Chunk,
    Stream,
)
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    LoadOp,
)


@dataclass
class LowerNnLayerNorm(RewritePattern):
    """Layer norm per row chunk, kernels/vector.py's sequence of vector instructions.

    Row sums give the mean, which is subtracted in place (column broadcast); the squares' row
    sums give the variance, `rsqrt` adds eps; gamma and beta broadcast down the rows.
    """

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LayerNormOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        _, channels = matrix(op, op.x)
        gamma, beta = layer.dram(op.gamma), layer.dram(op.beta)
        eps = op.eps.value.data
        scale = 1.0 / channels
        stats = [Stream(WEIGHT, 1, double=False), Stream(WEIGHT, 1, double=False)]  # mean, rstd
        fixed = {WEIGHT: [channels, channels]}
        gb = layer.alloc(WEIGHT, (channels,), "gamma")
        bb = layer.alloc(WEIGHT, (channels,), "beta")
        layer.ops += [
            LoadOp(gamma, gb, (1, channels)),
            LoadOp(beta, bb, (1, channels)),
        ]

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            (xb,), (mean, rstd), rows = inputs, scratch, c.rows
            return [
                vector("rsum", xb, mean, rows, channels, imm=scale),
                vector("sub", xb, xb, rows, channels, b=mean, b_broadcast="col"),
                vector("mul", xb, out, rows, channels, b=xb),
                vector("rsum", out, rstd, rows, channels, imm=scale),
                vector("rsqrt", rstd, rstd, rows, 1, imm=eps),
                vector("mul", xb, out, rows, channels, b=rstd, b_broadcast="col"),
                vector("mul", out, out, rows, channels, b=gb, b_broadcast="row"),
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
        )
        layer.finish(result)
