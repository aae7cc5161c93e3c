"""The batch plumbing `nn-split-batch` adds, lowered to views: `nn.unstack` and `nn.stack`.

A batch's sequences lie one after another in DRAM, so sequence b of a B x L x H tensor is its
rows b*L .. b*L + L - 1: a `systolic.rows` view, which `systolic-fold-views` folds into the
readers' DMA windows. A stack takes over the storage of its parts: each part's DRAM tensor
becomes the view of its rows of the stacked result, so the op that made the part writes it in
place. Only a part that is not such an intermediate (an entry argument, a constant, a view) is
copied in, through SRAM.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import UnrealizedConversionCastOp
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.rewriter import InsertPoint

from epoch_mlir.conversions.convert_nn_to_systolic.common import Layer, Options, load_rows
from epoch_mlir.conversions.convert_nn_to_systolic.sequence import (
    copy_rows,
    read_only_by_lowerings,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import Chunk
from epoch_mlir.conversions.systolic_common.lowering import dram_type
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    VIEWS,
    AllocDramOp,
    DramType,
    GatherOp,
    LoadOp,
    RowsOp,
    StoreOp,
)


def _matrix(value: SSAValue) -> tuple[int, int]:
    value_type = value.type
    assert isinstance(value_type, DramType)
    return value_type.matrix


def _copy(
    op: Operation, rewriter: PatternRewriter, options: Options, src: SSAValue, dst: SSAValue
) -> list[Operation]:
    """The ops that copy DRAM tensor `src` into `dst` (same rows x cols), chunk by chunk."""
    layer = Layer(op, rewriter, options)
    rows, cols = _matrix(src)

    def fill(c: Chunk, buffer: SSAValue) -> list[Operation]:
        return [load_rows(src, c.row, c.step, buffer, c.rows, cols)]

    copy_rows(layer, rows, cols, fill, "part", dst)
    return layer.ops


def _only_transferred(tensor: SSAValue, stack: nn.StackOp) -> bool:
    """Whether every reader and writer of the DRAM `tensor` is a DMA transfer, a view read by
    DMA, the `stack`, or an `nn`/`ssm` op whose lowering loads it: then `tensor` can become the
    view of its rows of the stack's result (a function result, say, could not)."""

    def loads_it(reader: Operation) -> bool:
        return reader is stack or (
            reader.dialect_name() in ("nn", "ssm") and not isinstance(reader, nn.StackOp)
        )

    for use in tensor.uses:
        user = use.operation
        if isinstance(user, UnrealizedConversionCastOp):
            readers = [reader.operation for result in user.results for reader in result.uses]
            if not all(loads_it(reader) for reader in readers):
                return False
        elif isinstance(user, VIEWS):
            if not read_only_by_lowerings(user.result):
                return False
        elif not isinstance(user, LoadOp | StoreOp | GatherOp):
            return False
    return True


@dataclass
class LowerNnUnstack(RewritePattern):
    """Each sequence of the batch as the view of its rows (copied out only when something
    other than a DMA would read the view, e.g. an entry result)."""

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.UnstackOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        x = layer.dram(op.x)
        parts: list[SSAValue] = []
        for index, part in enumerate(op.parts):
            part_type = dram_type(part.type)
            view = RowsOp(x, index * part_type.matrix[0], part_type.get_shape())
            view.result.name_hint = part.name_hint
            layer.ops.append(view)
            if read_only_by_lowerings(part):
                parts.append(view.result)
                continue
            copied = layer.result(part_type.get_shape())
            copied.name_hint = part.name_hint
            layer.ops += _copy(op, rewriter, self.options, view.result, copied)
            parts.append(copied)
        layer.finish(*parts)


@dataclass
class LowerNnStack(RewritePattern):
    """The parts' storage as rows of one tensor: each part's intermediate DRAM tensor becomes
    the view of its rows of the result (moving no data); other parts are copied in."""

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.StackOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        y = AllocDramOp(dram_type(op.y.type))
        y.tensor.name_hint = op.y.name_hint
        block = op.parent_block()
        assert block is not None
        in_place: dict[int, AllocDramOp] = {}
        copied: dict[int, SSAValue] = {}
        for index, part in enumerate(op.parts):
            dram = layer.dram(part)
            owner = dram.owner
            if (
                isinstance(owner, AllocDramOp)
                and owner.parent_block() is block
                and owner not in in_place.values()
                and _only_transferred(owner.tensor, op)
            ):
                in_place[index] = owner
            else:
                copied[index] = dram
        if in_place:  # the result must come before the first part's producer writes it
            first = min(in_place.values(), key=block.get_operation_index)
            rewriter.insert_op(y, InsertPoint.before(first))
        else:
            layer.ops.append(y)
        for index, alloc in in_place.items():
            shape = alloc.tensor.type.get_shape()
            view = RowsOp(y.tensor, index * _matrix(alloc.tensor)[0], shape)
            view.result.name_hint = alloc.tensor.name_hint
            rewriter.replace_op(alloc, view)
        for index, dram in copied.items():
            shape = dram_type(op.parts[index].type).get_shape()
            view = RowsOp(y.tensor, index * _matrix(dram)[0], shape)
            layer.ops.append(view)
            layer.ops += _copy(op, rewriter, self.options, dram, view.result)
        layer.finish(y.tensor)
