"""nn.linear: GEMM folds on the array, the bias on the vector unit."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.ir import Operation
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.common import (
    Layer,
    Options,
    load_rows,
    matrix,
    store_rows,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.gemm import Window, gemm_folds, stationary_folds
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    INPUT,
    OUTPUT,
    WEIGHT,
    Chunk,
    Stream,
    check_banks,
    field_limit,
    padded,
)
from epoch_mlir.conversions.systolic_common.lowering import (
    LoweringError,
    folds,
)
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    ArrayConfigAttr,
    ConfigureOp,
    LoadOp,
    TargetAttr,
)


@dataclass
class LowerNnLinear(RewritePattern):
    """y = x @ W^T (+ b): GEMM folds on the array per row chunk of x, the bias on the vector unit.

    W (or, when it does not fit the weight bank, one block of its rows at a time) stays in SRAM;
    x streams in chunks; each chunk folds as kernels/gemm.py folds the whole GEMM, and a chunk
    that holds the whole sequence folds exactly like it.
    """

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LinearOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        length, features = matrix(op, op.x)
        outputs, _ = matrix(op, op.W)
        x, w = layer.dram(op.x), layer.dram(op.W)
        b = layer.dram(op.b) if op.b is not None else None
        target = layer.target
        dataflow = self.options.dataflow
        check_banks(op, target, [INPUT, WEIGHT, OUTPUT])
        block = self._block(op, target, outputs, features, b is not None)
        x_stream, y_stream = Stream(INPUT, features), Stream(OUTPUT, block)
        fixed = {WEIGHT: [block * features] + ([block] if b is not None else [])}
        chunk = layer.tile(length, [x_stream, y_stream], fixed, cap=field_limit("m"))
        y = layer.result((length, outputs))
        xb = layer.buffers(x_stream, "x")
        yb = layer.buffers(y_stream, "y")
        wb = layer.alloc(WEIGHT, (block, features), "w")
        bb = layer.alloc(WEIGHT, (block,), "b") if b is not None else None
        body: list[Operation] = []
        for n0, size in folds(outputs, block):
            body.append(LoadOp(w, wb, (size, features), src_offsets=(n0, 0)))
            if b is not None and bb is not None:
                body.append(LoadOp(b, bb, (1, size), src_offsets=(0, n0)))

            def load(c: Chunk) -> list[Operation]:
                return [load_rows(x, c.row, c.step, xb[c.buffer], c.rows, features)]

            def compute(c: Chunk, n0: int = n0, size: int = size) -> list[Operation]:
                out = yb[c.buffer]
                # full chunks all fold alike: chunk i starts on the slot where i - 1 ended
                slot = c.buffer * stationary_folds(target, dataflow, chunk, size, features) % 2
                ops = gemm_folds(
                    target,
                    dataflow,
                    Window(xb[c.buffer]),
                    Window(wb),
                    Window(out),
                    c.rows,
                    size,
                    features,
                    loop_depth=1 if c.in_loop else 0,
                    first_slot=slot,
                )
                if bb is not None:
                    ops.append(vector("add", out, out, c.rows, size, b=bb, b_broadcast="row"))
                return [*ops, store_rows(out, y, c, size, n0)]

            body += layer.pipeline(load, compute)
        layer.ops.append(ConfigureOp(ArrayConfigAttr("mac", dataflow), body))
        layer.finish(y)

    def _block(
        self, op: nn.LinearOp, target: TargetAttr, outputs: int, features: int, bias: bool
    ) -> int:
        """Rows of W (outputs) kept in SRAM at once: all of them, or what the weight bank holds."""
        words = target.bank_size(WEIGHT) or 0

        def size(rows: int) -> int:  # W's block and b's, as the allocator places them
            return padded(rows * features) + (padded(rows) if bias else 0)

        block = min(outputs, words // (features + (1 if bias else 0)))
        while block > 0 and size(block) > words:
            block -= 1
        if block < 1:
            what = "one row of W with its bias needs" if bias else "one row of W needs"
            raise LoweringError.at(
                op,
                f'cannot be tiled into the machine: {what} {size(1)} words of SRAM bank "{WEIGHT}"'
                f', but target "{target.machine.data}" has {words} words there',
            )
        if self.options.dataflow == "is":  # is streams the rows of W through one mm
            block = min(block, field_limit("n"))
        cols = target.cols.data
        if block < outputs and block >= cols:
            block -= block % cols  # whole column folds
        return block
