"""DRAM placement of intermediate tensors by liveness (used by convert-systolic-to-epoch).

An intermediate (`systolic.alloc_dram` that is not a result) is live from its first use to its
last use in program order, where an op nested in a `systolic.configure` or `systolic.chunk_loop`
counts at the position of the enclosing top-level op of the entry block: a loop repeats, so a
tensor used anywhere in it is live for the whole loop. Tensors whose lifetimes do not overlap
share DRAM.

`allocate` is a linear scan over the lifetimes sorted by their start (ties by declaration
order), placing each tensor at the lowest aligned offset that does not overlap a tensor still
live (first fit). It depends only on the intervals, so the same program gives the same layout.

`regions` groups the placed tensors into maximal runs of overlapping address ranges: the program
names one DRAM symbol per region (a tensor that shares no space keeps its own symbol, shape and
type), so the symbol table stays a set of disjoint regions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects import func
from xdsl.ir import Block, Operation, SSAValue

from epoch_mlir.dialects.systolic import AllocDramOp, DramType


@dataclass(frozen=True)
class Interval:
    """A tensor's lifetime [first, last] (op positions, both inclusive) and its size in words."""

    first: int
    last: int
    words: int

    def overlaps(self, other: Interval) -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass(frozen=True)
class Region:
    """[start, end) words of the pool holding the tensors `members` (indices into the input)."""

    start: int
    end: int
    members: tuple[int, ...]


def _align(words: int, alignment: int) -> int:
    return -(-words // alignment) * alignment


def allocate(intervals: Sequence[Interval], alignment: int = 16) -> list[int]:
    """Each interval's offset in the pool (aligned); tensors live at the same time never overlap."""
    if alignment <= 0:
        raise ValueError(f"alignment must be positive, got {alignment}")
    offsets: list[int] = [0] * len(intervals)
    placed: list[int] = []  # indices already placed
    order = sorted(range(len(intervals)), key=lambda i: (intervals[i].first, i))
    for index in order:
        interval = intervals[index]
        busy = sorted(
            (offsets[other], offsets[other] + intervals[other].words)
            for other in placed
            if intervals[other].overlaps(interval)
        )
        candidate = 0
        for start, end in busy:
            if candidate + interval.words <= start:
                break
            candidate = max(candidate, _align(end, alignment))
        offsets[index] = candidate
        placed.append(index)
    return offsets


def pool_words(intervals: Sequence[Interval], offsets: Sequence[int], alignment: int = 16) -> int:
    """The words the pool spans (its end rounded up to the alignment)."""
    end = max((o + i.words for o, i in zip(offsets, intervals, strict=True)), default=0)
    return _align(end, alignment)


def regions(intervals: Sequence[Interval], offsets: Sequence[int]) -> list[Region]:
    """Maximal groups of tensors whose address ranges overlap, in address order."""
    order = sorted(range(len(intervals)), key=lambda i: (offsets[i], i))
    groups: list[Region] = []
    for index in order:
        start, end = offsets[index], offsets[index] + intervals[index].words
        if groups and start < groups[-1].end:
            last = groups[-1]
            groups[-1] = Region(last.start, max(last.end, end), (*last.members, index))
        else:
            groups.append(Region(start, end, (index,)))
    return groups


def intermediates(entry: func.FuncOp) -> list[AllocDramOp]:
    """The entry's `alloc_dram`s that are not results, in program order (nested ones too)."""
    returned = {
        value
        for op in entry.body.block.ops
        if isinstance(op, func.ReturnOp)
        for value in op.arguments
    }
    return [op for op in entry.walk() if isinstance(op, AllocDramOp) and op.tensor not in returned]


def live_ranges(block: Block, tensors: Sequence[SSAValue]) -> list[Interval]:
    """The lifetime of each of `tensors` (DRAM values) over `block`'s top-level ops.

    A tensor nobody uses lives at its definition only.
    """
    position: dict[Operation, int] = {}
    for index, op in enumerate(block.ops):
        position[op] = index
    intervals = []
    for tensor in tensors:
        points = [_top_level(use.operation, block, position) for use in tensor.uses]
        if not points:
            owner = tensor.owner
            assert isinstance(owner, Operation)  # an alloc_dram's result
            points = [_top_level(owner, block, position)]
        tensor_type = tensor.type
        assert isinstance(tensor_type, DramType)
        words = tensor_type.words
        intervals.append(Interval(min(points), max(points), words))
    return intervals


def _top_level(op: Operation, block: Block, position: dict[Operation, int]) -> int:
    """The position of the op of `block` that is or encloses `op`."""
    anchor: Operation | None = op
    while anchor is not None and anchor.parent_block() is not block:
        anchor = anchor.parent_op()
    if anchor is None:
        raise ValueError(f"{op.name} is not inside the entry block")
    return position[anchor]


def peak_live_words(intervals: Sequence[Interval]) -> int:
    """The most words live at one position: a lower bound for any placement's pool."""
    events = sorted({i.first for i in intervals})
    return max(
        (sum(i.words for i in intervals if i.first <= p <= i.last) for p in events), default=0
    )
