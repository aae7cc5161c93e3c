"""Accumulate onto an addend: a producer's lowering computes the `nn.add` that reads its result.

`nn-fuse-elementwise` marks an add `s = p + e` whose operand p comes from an op lowered to array
writes (GEMM folds, ProDF streams), possibly through one `nn.reverse`. Once that op is lowered
its ops store output chunks from SRAM buffers into p's DRAM tensor. For each such store this
rewrite finds the writes that filled the chunk since the buffer was last free (stored, or read
for the last time, in the same block), and when the first write of every element is one that
can accumulate instead (an array op, or the vector unit's column sum that writes a conventional
scan's outputs):

- a DMA load of the addend's matching window goes into the buffer where it became free,
- the first writes accumulate (`accumulate`), so the chunk holds e + p when it is stored,
- the store goes to s's DRAM tensor instead of p's, and p's tensor and the add disappear.

Through a reversal (s = e + reverse(p)) the producer's windows address s and e through
`systolic.reverse` views, which `systolic-fold-views` turns into mirrored DMA addressing.
A loop nest inside the chunk (fold loops, a scan's timestep loop) counts as its writes,
iteration by iteration. Whatever the analysis does not recognise (another vector op writing
the chunk, a window that moves otherwise, a chunk written in another block) leaves the add to
its own lowering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, UnitAttr, UnrealizedConversionCastOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint, Rewriter

from epoch_mlir.conversions.systolic_common.lowering import dram_operand, dram_type
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    AllocDramOp,
    ChunkLoopOp,
    LoadOp,
    MatmulTileOp,
    ReverseOp,
    SelectiveStreamOp,
    SramType,
    StoreOp,
    StreamOp,
    VectorOp,
)
from epoch_mlir.dialects.systolic.attrs import int_values

Rect = tuple[int, int, int, int]  # row, col, rows, cols of a buffer window
ARRAY_WRITERS = (StreamOp, MatmulTileOp, SelectiveStreamOp)


@dataclass
class FusedAdd:
    """An add a producer computes: the add, its other operand, and whether a reversal is between."""

    add: nn.AddOp
    addend: SSAValue
    reverse: nn.ReverseOp | None


def fused_add(producer: Operation) -> FusedAdd | None:
    """The `nn.add` that `nn-fuse-elementwise` marked for `producer` to compute, if any (on
    its first result: a state the op also returns is not fused)."""
    value = producer.results[0]
    user, reverse = value.get_user_of_unique_use(), None
    if isinstance(user, nn.ReverseOp):
        reverse, value = user, user.y
        user = value.get_user_of_unique_use()
    if user is None:
        return None
    mark = user.attributes.get(nn.ACCUMULATE_INTO)
    if not isinstance(user, nn.AddOp) or not isinstance(mark, IntegerAttr):
        return None
    index = mark.value.data
    if user.operands[index] is not value:
        return None
    return FusedAdd(user, user.operands[1 - index], reverse)


def _buffer_shape(buffer: SSAValue) -> tuple[int, int]:
    memory = buffer.type
    assert isinstance(memory, SramType)
    return memory.matrix


def _intersection(a: Rect, b: Rect) -> int:
    rows = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    cols = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(rows, 0) * max(cols, 0)


def _fixed_rect(offsets: DenseArrayBase, step: DenseArrayBase, rows: int, cols: int) -> Rect | None:
    """The window as a rectangle, when it does not move between loop iterations."""
    if any(int_values(step)):
        return None
    row, col = int_values(offsets)
    return row, col, rows, cols


def _written(op: Operation, buffer: SSAValue) -> tuple[Rect | None, bool] | None:
    """(the rectangle `op` writes in `buffer`, whether it accumulates), None if it does not."""
    if isinstance(op, StreamOp | SelectiveStreamOp) and op.dst is buffer:
        sizes = int_values(op.sizes)
        return _fixed_rect(op.dst_offsets, op.dst_step, sizes[0], sizes[1]), bool(op.accumulate)
    if isinstance(op, MatmulTileOp) and op.dst is buffer:
        m, n = op.m.value.data, op.n.value.data
        rows, cols = (n, m) if op.transpose_out else (m, n)
        return _fixed_rect(op.dst_offsets, op.dst_step, rows, cols), bool(op.accumulate)
    if isinstance(op, VectorOp) and op.dst is buffer:
        rows, cols = int_values(op.sizes)[:2]
        in_place = (
            op.function.data in ("add", "sub")
            and op.a is buffer
            and op.a_offsets == op.dst_offsets
            and op.a_step == op.dst_step
            and op.a_broadcast.data == "none"
            and op.b is not buffer
            and op.accumulate is None
        )  # dst = dst +- b keeps an addend already in dst
        return (_fixed_rect(op.dst_offsets, op.dst_step, rows, cols) if in_place else None), True
    if isinstance(op, LoadOp) and op.dst is buffer:
        if op.dst_row_stride is not None:
            return None, False
        rows, cols = int_values(op.sizes)
        return _fixed_rect(op.dst_offsets, op.dst_step, rows, cols), False
    return None


LOOP_WRITES_LIMIT = 1 << 16  # array writes of a loop nest the analysis unrolls


def _loop_writes(loop: ChunkLoopOp, buffer: SSAValue) -> list[tuple[Operation, Rect, bool]] | None:
    """The writes of `buffer` by a loop nest whose bodies only write it with array ops (a GEMM
    folding a chunk's rows, columns or k in nested loops, as the fold loops do), one rectangle
    per write in execution order, so the coverage checks of `_chunk` see exactly what each
    iteration writes. None for any other use of the buffer, or a nest too long to unroll."""
    writes: list[tuple[Operation, Rect, bool]] = []
    # each op looked at once: the loops and writes among the users of the buffer, with what a
    # write's rectangle is at iteration 0 and its steps (the nest repeats them many times)
    bodies: dict[ChunkLoopOp, list[Operation]] = {}
    shapes: dict[Operation, tuple[Rect, tuple[int, ...], bool] | None] = {}
    in_place: dict[ChunkLoopOp, bool] = {}

    def body(inner: ChunkLoopOp) -> list[Operation]:
        if inner not in bodies:
            bodies[inner] = [op for op in inner.body.block.ops if _uses(op, buffer)]
        return bodies[inner]

    def shape(op: Operation) -> tuple[Rect, tuple[int, ...], bool] | None:
        if op not in shapes:
            size = _accumulating_write(op, buffer)
            if size is None:
                shapes[op] = None
            else:
                assert isinstance(op, (*ARRAY_WRITERS, VectorOp))
                row, col = int_values(op.dst_offsets)
                steps = tuple(int_values(op.dst_step))
                shapes[op] = ((row, col, *size), steps, bool(op.accumulate))
        return shapes[op]

    def unroll(ops: Sequence[Operation], iterations: list[int]) -> bool:
        """Append the writes of `ops` at these iterations of the loops around them (outermost
        first, from `loop` in); False when the analysis does not know the shape."""
        for op in ops:
            if isinstance(op, ChunkLoopOp):
                # a loop that only adds onto the same elements again (a GEMM's loop over k):
                # its first iteration is the one the coverage checks need
                if op not in in_place:
                    in_place[op] = _accumulates_in_place(op, buffer)
                count = 1 if in_place[op] else op.count.value.data
                for index in range(count):
                    if len(writes) > LOOP_WRITES_LIMIT:
                        return False
                    if not unroll(body(op), [*iterations, index]):
                        return False
                continue
            known = shape(op)
            if known is None:
                return False
            (row, col, rows, cols), steps, accumulates = known
            if any(steps[2 * len(iterations) :]):
                return False  # also moves with a loop around the nest
            for level, index in enumerate(reversed(iterations)):  # innermost first
                row += index * steps[2 * level] if 2 * level < len(steps) else 0
                col += index * steps[2 * level + 1] if 2 * level + 1 < len(steps) else 0
            writes.append((op, (row, col, rows, cols), accumulates))
        return True

    if not _uses(loop, buffer) or not unroll([loop], []) or not writes:
        return None
    return writes


def _accumulating_write(op: Operation, buffer: SSAValue) -> tuple[int, int] | None:
    """Rows x cols of the window `op` writes in `buffer` when `op` is a write that can add onto
    it instead (`accumulate`) and does not read it: the array's writes, and the vector unit's
    column sum (the conventional scan's y[k], scan_conventional.py)."""
    if op.regions or not isinstance(op, (*ARRAY_WRITERS, VectorOp)) or op.dst is not buffer:
        return None
    if any(operand is buffer for operand in op.operands[:-1]):
        return None  # also reads it
    if isinstance(op, MatmulTileOp):
        m, n = op.m.value.data, op.n.value.data
        return (n, m) if op.transpose_out else (m, n)
    if isinstance(op, VectorOp):
        if op.function.data != "csum" or op.imm is None:
            return None
        return 1, int_values(op.sizes)[1]
    rows, cols = int_values(op.sizes)[:2]
    return rows, cols


def _accumulates_in_place(loop: ChunkLoopOp, buffer: SSAValue) -> bool:
    """Whether every write of `buffer` in the loop accumulates onto a window that does not move
    with the loop: later iterations add onto what the first one did."""
    for op in loop.walk():
        if not isinstance(op, (*ARRAY_WRITERS, VectorOp)) or op.dst is not buffer:
            continue
        if not op.accumulate:
            return False
        level, parent = 0, op.parent_op()  # the loop's pair in the op's steps
        while parent is not None and parent is not loop:
            level += isinstance(parent, ChunkLoopOp)
            parent = parent.parent_op()
        if any(int_values(op.dst_step)[2 * level : 2 * level + 2]):
            return False
    return True


def _uses(op: Operation, buffer: SSAValue) -> bool:
    return any(operand is buffer for nested in op.walk() for operand in nested.operands)


@dataclass
class _Chunk:
    """One stored chunk: its store, and the writes that first fill its elements."""

    store: StoreOp
    first_writes: list[Operation] = field(default_factory=list)
    # where the chunk's buffer was last free: the previous store from it, its last reader, or
    # an earlier loop, None for the block's start. The addend is loaded there, so the DMA
    # queue, which runs in program order, fetches it while the array works on earlier chunks
    free_after: Operation | None = None


def _chunk(store: StoreOp, produced: SSAValue) -> _Chunk | None:
    """The writes that filled `store`'s window since its buffer was last stored, when every
    element's first write is an array op (or a reload of `produced` by a later fold)."""
    buffer = store.src
    if store.src_row_stride is not None:
        return None
    rows, cols = int_values(store.sizes)
    window = _fixed_rect(store.src_offsets, store.src_step, rows, cols)
    if window is None:
        return None
    writes: list[tuple[Operation, Rect, bool]] = []  # program order, once reversed
    op = store.prev_op
    while op is not None:
        if isinstance(op, StoreOp) and op.src is buffer:
            break  # the buffer's previous chunk
        looped = _loop_writes(op, buffer) if isinstance(op, ChunkLoopOp) else None
        if looped:
            writes += reversed(looped)  # the walk goes backwards; reversed again below
            op = op.prev_op
            continue
        written = _written(op, buffer)
        if written is not None:
            rect, accumulates = written
            if rect is None:
                return None
            if _intersection(rect, window):
                writes.append((op, rect, accumulates))
        elif _uses(op, buffer):
            # the last reader of the buffer's previous chunk (or an earlier loop over it): the
            # chunk is filled after it. A reader between this chunk's own writes ends the walk
            # early, and the coverage check below then refuses.
            break
        op = op.prev_op
    writes.reverse()  # the chunk must be filled in this block: the coverage check below
    chunk = _Chunk(store, free_after=op)
    # which elements of the buffer some write has filled (the writes may reach beyond the
    # stored window, never beyond the buffer)
    covered = np.zeros(_buffer_shape(buffer), dtype=bool)
    first: set[Operation] = set()
    for op, (row, col, rows, cols), accumulates in writes:
        region = covered[row : row + rows, col : col + cols]
        if accumulates:
            if not region.all():
                return None  # adds onto elements nothing wrote yet
            continue
        if region.any():
            return None  # overwrites what an earlier write left: accumulating would change it
        if isinstance(op, LoadOp) and op.src is not produced:
            return None
        if not isinstance(op, LoadOp) and _accumulating_write(op, buffer) is None:
            return None
        if op not in first:  # a write in a loop fills a rectangle per iteration
            first.add(op)
            chunk.first_writes.append(op)
        region[...] = True
    row, col, rows, cols = window
    if not covered[row : row + rows, col : col + cols].all():
        return None
    kinds = {isinstance(op, LoadOp) for op in chunk.first_writes}
    return chunk if len(kinds) == 1 else None  # all reloads or all array writes


def _plan(produced: SSAValue) -> list[_Chunk] | None:
    chunks = []
    for use in produced.uses:
        user = use.operation
        if isinstance(user, StoreOp) and use.index == 1:
            chunk = _chunk(user, produced)
            if chunk is None:
                return None
            chunks.append(chunk)
        elif isinstance(user, LoadOp) and use.index == 0:
            continue  # a later fold's reload: checked as the first write of its chunk
        elif not isinstance(user, UnrealizedConversionCastOp):
            return None
    return chunks or None


def _accumulate(chunks: Sequence[_Chunk], addend: SSAValue, target: SSAValue) -> None:
    for chunk in chunks:
        store = chunk.store
        first = chunk.first_writes[0]
        if isinstance(first, LoadOp):  # a later fold: the earlier one already added the addend
            for reload in chunk.first_writes:
                reload.operands[0] = target
        else:
            stride = store.dst_row_stride
            init = LoadOp(
                addend,
                store.src,
                int_values(store.sizes),
                src_offsets=int_values(store.dst_offsets),
                src_step=int_values(store.dst_step),
                src_row_stride=None if stride is None else stride.value.data,
                dst_offsets=int_values(store.src_offsets),
            )
            init.location = first.location
            block = store.parent_block()
            assert block is not None
            where = chunk.free_after or _first_point(block, (store.src, addend))
            Rewriter.insert_op(
                init, InsertPoint.at_start(block) if where is None else InsertPoint.after(where)
            )
            for write in chunk.first_writes:
                write.properties["accumulate"] = UnitAttr()
        store.operands[1] = target


def _first_point(block: Block, values: Sequence[SSAValue]) -> Operation | None:
    """The last op of `block` that defines one of `values` (or holds its definition): a load
    that fills a buffer never used before in the block goes after it, so the buffer and the
    addend exist (the block start when the producer's ops have a region of their own)."""
    anchors = [
        block.find_ancestor_op_in_block(value.owner)
        for value in values
        if isinstance(value.owner, Operation)
    ]
    inside = [anchor for anchor in anchors if anchor is not None]
    return max(inside, key=block.get_operation_index, default=None)


def fuse_add(fused: FusedAdd, produced: SSAValue, rewriter: PatternRewriter) -> SSAValue | None:
    """Make the lowered producer of `produced` compute `fused.add`: the sum's DRAM tensor, or
    None (nothing changed) when its ops are not of the shape this rewrite knows."""
    chunks = _plan(produced)
    alloc = produced.owner
    if chunks is None or not isinstance(alloc, AllocDramOp):
        return None
    add = fused.add
    addend = dram_operand(fused.addend, rewriter, alloc)
    result = AllocDramOp(dram_type(add.y.type))
    result.tensor.name_hint = add.y.name_hint
    new_ops: list[Operation] = [result]
    target = result.tensor
    if fused.reverse is not None:
        views = ReverseOp(result.tensor), ReverseOp(addend)
        new_ops += views
        target, addend = views[0].result, views[1].result
    for op in new_ops:
        op.location = add.location
    rewriter.insert(new_ops, InsertPoint.before(alloc))
    _accumulate(chunks, addend, target)
    cast = UnrealizedConversionCastOp.get([result.tensor], [add.y.type])
    rewriter.replace(add, [cast], [cast.results[0]])
    if fused.reverse is not None:
        rewriter.erase(fused.reverse)
    for use in list(produced.uses):  # the producer's cast, read by nothing now
        rewriter.erase(use.operation)
    rewriter.erase(alloc)
    return result.tensor
