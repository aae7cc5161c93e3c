"""Ops over the sequence axis: the mean (pooling) and the reversal."""

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
    load_rows,
    map_rows,
    matrix,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    INPUT,
    OUTPUT,
    Chunk,
    Stream,
)
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    StoreOp,
)


@dataclass
class LowerNnMean(RewritePattern):
    """Mean over the sequence: column sums scaled by 1/L, accumulated across the chunks."""

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MeanOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        length, channels = matrix(op, op.x)
        x = layer.dram(op.x)
        stream = Stream(INPUT, channels)
        layer.tile(length, [stream], {OUTPUT: [channels]})
        y = layer.result((1, channels))
        xb = layer.buffers(stream, "in")
        total = layer.alloc(OUTPUT, (1, channels), "sum")
        scale = 1.0 / length

        def load(c: Chunk) -> list[Operation]:
            return [load_rows(x, c.row, c.step, xb[c.buffer], c.rows, channels)]

        def compute(c: Chunk) -> list[Operation]:
            return [
                vector(
                    "csum", xb[c.buffer], total, c.rows, channels, imm=scale, accumulate=not c.first
                )
            ]

        layer.ops += layer.pipeline(load, compute)
        layer.ops.append(StoreOp(total, y, (1, channels)))
        layer.finish(y)


@dataclass
class LowerNnReverse(RewritePattern):
    """The sequence backwards: chunk i of the output is `rev` of the mirror chunk of the input.

    The input's DRAM window walks from the end with a negative step, the output's from the
    start, so the loop stays one body.
    """

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReverseOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        _, channels = matrix(op, op.x)

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            return [vector("rev", inputs[0], out, c.rows, channels)]

        result = map_rows(layer, [op.x], channels, compute, reverse=True)
        layer.finish(result)
