"""The elementwise nn ops, table-driven: one pattern maps each op to its vector function.

Unary ops apply one vector instruction to every element, binary ones combine two streamed
operands; GLU (two instructions on the halves of each row) is written out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    binary,
    map_rows,
    matrix,
    unary,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    Chunk,
)
from epoch_mlir.conversions.systolic_common.epilogue import UNARY_FUNCTIONS, VectorFunction
from epoch_mlir.dialects import nn

# nn op -> the vector function that computes it (from the op, when its properties choose)
ELEMENTWISE: dict[type[Operation], Callable[[Operation], VectorFunction]] = {
    **UNARY_FUNCTIONS,
    nn.AddOp: lambda op: VectorFunction("add"),
    nn.MulOp: lambda op: VectorFunction("mul"),
}


@dataclass
class LowerNnElementwise(RewritePattern):
    """Every op of ELEMENTWISE: its vector function over row chunks, one operand or two."""

    options: Options

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        function = ELEMENTWISE.get(type(op))
        if function is None:
            return
        if len(op.operands) == 1:
            unary(op, op.operands[0], function(op), rewriter, self.options)
        else:
            a, b = op.operands
            binary(op, a, b, function(op), rewriter, self.options)


@dataclass
class LowerNnGlu(RewritePattern):
    """First half times sigmoid(second half): two vector instructions per row chunk."""

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.GluOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        _, channels = matrix(op, op.x)
        half = channels // 2

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            (xb,) = inputs
            return [
                vector("sigmoid", xb, out, c.rows, half, a_offsets=(0, half)),
                vector("mul", xb, out, c.rows, half, b=out),
            ]

        result = map_rows(layer, [op.x], half, compute)
        layer.finish(result)
