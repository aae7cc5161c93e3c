"""Ops that only move data or reduce over the sequence: the mean (pooling), the reversal, the
slice of columns and the embedding lookup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects.builtin import UnrealizedConversionCastOp
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
    matrix,
    store_rows,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    INPUT,
    OUTPUT,
    Chunk,
    Stream,
)
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import VIEWS, ColumnsOp, GatherOp, LoadOp, ReverseOp, StoreOp


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


def read_only_by_lowerings(value: SSAValue) -> bool:
    """Whether every reader of `value` reads it by DMA: an `nn`/`ssm` op (whose lowering
    loads its operands; not `nn.stack`, which takes over its operands' storage) or, once such
    an op is lowered, a `systolic.load` or view."""
    for use in value.uses:
        user = use.operation
        if isinstance(user, UnrealizedConversionCastOp):
            if not all(read_only_by_lowerings(result) for result in user.results):
                return False
        elif isinstance(user, VIEWS):
            if not read_only_by_lowerings(user.result):
                return False
        elif isinstance(user, nn.StackOp) or not (
            user.dialect_name() in ("nn", "ssm") or (isinstance(user, LoadOp) and use.index == 0)
        ):
            return False
    return True


def _finish_as_view(layer: Layer, view: ReverseOp | ColumnsOp, value: SSAValue) -> None:
    """Replace the op by `view` of its operand: `value`'s readers then address the viewed
    tensor once `systolic-fold-views` has folded it."""
    view.result.name_hint = value.name_hint
    layer.ops.append(view)
    layer.finish(view.result)


# fill(chunk, buffer) -> the DMA ops that put the chunk's rows into the buffer
Fill = Callable[[Chunk, SSAValue], list[Operation]]


def copy_rows(layer: Layer, length: int, cols: int, fill: Fill, name: str, y: SSAValue) -> None:
    """Rows 0..length of the DRAM tensor `y`, chunk by chunk: `fill` brings a chunk's rows into
    SRAM (the only work) and a store writes them out, double-buffered as every nn lowering."""
    stream = Stream(INPUT, cols)
    layer.tile(length, [stream])
    buffers = layer.buffers(stream, name)

    def load(c: Chunk) -> list[Operation]:
        return fill(c, buffers[c.buffer])

    def compute(c: Chunk) -> list[Operation]:
        return [store_rows(buffers[c.buffer], y, c, cols)]

    layer.ops += layer.pipeline(load, compute)


def _copy_through_sram(layer: Layer, length: int, cols: int, fill: Fill, name: str) -> None:
    """The op's L x cols result, a copy of what `fill` brings into SRAM (see `copy_rows`)."""
    y = layer.result((length, cols))
    copy_rows(layer, length, cols, fill, name, y)
    layer.finish(y)


@dataclass
class LowerNnReverse(RewritePattern):
    """The sequence backwards, by addressing alone, never a vector pass.

    When only other `nn`/`ssm` ops read the result, it is a `systolic.reverse` view: their DMA
    loads read the mirror rows directly once `systolic-fold-views` has folded it, so nothing
    moves. Otherwise (an entry result) the DMA copies it: each chunk's mirror rows are read
    last-first (a negative row stride) into SRAM and stored in order; the input's DRAM window
    walks from the end with a negative step, the output's from the start, so the loop stays
    one body.
    """

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReverseOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        length, channels = matrix(op, op.x)
        x = layer.dram(op.x)
        if read_only_by_lowerings(op.y):
            _finish_as_view(layer, ReverseOp(x), op.y)
            return

        def mirrored(c: Chunk, buffer: SSAValue) -> list[Operation]:
            # the chunk's mirror rows, the last first: row `length - 1 - c.row` going up
            last = length - 1 - c.row
            return [
                LoadOp(
                    x,
                    buffer,
                    (c.rows, channels),
                    src_offsets=(last, 0),
                    src_step=(-c.step, 0),
                    src_row_stride=-channels,
                )
            ]

        _copy_through_sram(layer, length, channels, mirrored, "in")


@dataclass
class LowerNnSlice(RewritePattern):
    """A run of columns, by addressing alone when it can be.

    When only other `nn`/`ssm` ops read the result, it is a `systolic.columns` view: their DMA
    loads read the columns straight from the sliced tensor once `systolic-fold-views` has
    folded it. Otherwise (an entry result) the DMA copies it through SRAM, chunk by chunk.
    """

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SliceOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        length, _ = matrix(op, op.x)
        x = layer.dram(op.x)
        start, width = op.start.value.data, op.width
        if read_only_by_lowerings(op.y):
            _finish_as_view(layer, ColumnsOp(x, start, width), op.y)
            return

        def columns(c: Chunk, buffer: SSAValue) -> list[Operation]:
            sizes, corner, step = (c.rows, width), (c.row, start), (c.step, 0)
            return [LoadOp(x, buffer, sizes, src_offsets=corner, src_step=step)]

        _copy_through_sram(layer, length, width, columns, "in")


@dataclass
class LowerNnEmbedding(RewritePattern):
    """The table rows the ids name, by the DMA engine's gather: each chunk of ids fetches its
    rows from the table in DRAM into SRAM, and the chunk is stored. Only the rows named move,
    so a 50k-row table costs what the sequence reads, not its size."""

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.EmbeddingOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        ids, table = layer.dram(op.ids), layer.dram(op.table)
        length, channels = matrix(op, op.y)

        def gathered(c: Chunk, buffer: SSAValue) -> list[Operation]:
            sizes, corner, step = (c.rows, channels), (0, c.row), (0, c.step)
            return [GatherOp(table, ids, buffer, sizes, ids_offsets=corner, ids_step=step)]

        _copy_through_sram(layer, length, channels, gathered, "rows")
