"""Timing: per-unit timelines and the dependency scoreboard over memory regions.

The front end issues in program order at no cost; each unit (DMA, array, vector, and the array's
preload path when the machine overlaps preloads) runs its instructions in order, and an instruction
starts once its unit is free and every earlier instruction it depends on has finished. Dependencies
are tracked in hardware on the regions instructions touch (read-after-write, write-after-read,
write-after-write, as Gemmini's reorder buffer does on scratchpad addresses), so programs need no
explicit tokens; `sync` adds an explicit barrier on top.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

UNITS = ("dma", "array", "vector")
TIMELINES = (*UNITS, "preload")


@dataclass(frozen=True, slots=True)
class Region:
    """A 2-D region of one memory space: `rows` runs of `cols` words, `stride` words apart."""

    space: str
    address: int
    rows: int
    cols: int  # in words
    stride: int
    low: int  # bounding interval [low, high)
    high: int

    @staticmethod
    def of(space: str, address: int, rows: int, cols: int, stride: int) -> Region:
        last = (rows - 1) * stride
        return Region(
            space,
            address,
            rows,
            cols,
            stride,
            address + min(0, last),
            address + max(0, last) + cols,
        )

    @property
    def words(self) -> int:
        return self.rows * self.cols

    def overlaps(self, other: Region) -> bool:
        """Exact for equal row strides (column slices of one buffer), else by bounding interval."""
        if self.space != other.space or self.high <= other.low or other.high <= self.low:
            return False
        stride = self.stride
        if stride > 0 and stride == other.stride and max(self.cols, other.cols) <= stride:
            gap = (other.address - self.address) % stride
            return gap < self.cols or (stride - gap) % stride < other.cols
        return True


class Scoreboard:
    """When each recently touched region was last written and read (finish times).

    Entries are kept sorted by their latest finish time, so a query scans only the entries that
    finish after the instruction could otherwise start: a handful, whatever the run's length.
    """

    def __init__(self) -> None:
        self._ends: list[int] = []  # max(write_end, read_end) of each entry, ascending
        self._entries: list[tuple[Region, int, int]] = []  # (region, write_end, read_end)

    def ready(self, reads: list[Region], writes: list[Region], bound: int) -> int:
        """The earliest start, no earlier than `bound`, that respects RAW, WAR and WAW."""
        time = bound
        ends, entries = self._ends, self._entries
        index = len(ends) - 1
        while index >= 0 and ends[index] > time:
            region, write_end, read_end = entries[index]
            if write_end > time and any(read.overlaps(region) for read in reads):
                time = write_end
            if any(write.overlaps(region) for write in writes):
                time = max(time, write_end, read_end)
            index -= 1
        return time

    def record(
        self, reads: list[Region], writes: list[Region], end: int, horizon: Callable[[], int]
    ) -> None:
        """Note an instruction finishing at `end`; now and then forget entries nobody can wait for.

        `horizon()` is the earliest time any future instruction can start.
        """
        ends, entries = self._ends, self._entries
        index = bisect.bisect_right(ends, end)
        for region in reads:
            ends.insert(index, end)
            entries.insert(index, (region, 0, end))
        for region in writes:
            ends.insert(index, end)
            entries.insert(index, (region, end, 0))
        if len(ends) > 4096:
            cut = bisect.bisect_right(ends, horizon())
            del ends[:cut], entries[:cut]
