"""How work folds onto the array: the geometry the compiler and the hand-written kernels share.

`folds` cuts a dimension into array-sized tiles; `ChunkPlan` cuts a sequence into SRAM-sized
chunks; `ProdfMapping` is how an H x N scan packs onto rows x cols LIMA-PEs (docs/compiler.md,
"ProDF"): modes on rows, channels on columns, with N < rows several channels sharing a column
in segments of S = N rows, and folds over modes and channels beyond what one pass holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from epoch_mlir.machine.vocabulary import LIMA, PRODF


def folds(size: int, tile: int) -> list[tuple[int, int]]:
    """(start, length) of each tile of `size` cut into pieces of `tile`; the last may be short."""
    return [(start, min(tile, size - start)) for start in range(0, size, tile)]


@dataclass(frozen=True)
class ChunkPlan:
    """How one pass over the sequence is cut: a ramp up, full chunks, the rest, a ramp down.

    Shorter chunks at the start make the first load (which nothing overlaps) short, and shorter
    ones at the end do the same for the last store; the buffers hold `chunk` timesteps.
    """

    length: int
    chunk: int  # timesteps of a full chunk: the buffers' rows
    head: tuple[int, ...] = ()  # the ramp up, each shorter than `chunk`
    tail: tuple[int, ...] = ()  # the ramp down
    depth: int = 2  # rotating buffers per stream: loads run depth - 1 chunks ahead

    def sizes(self) -> list[int]:
        middle = self.length - sum(self.head) - sum(self.tail)
        full, rest = divmod(middle, self.chunk)
        return [*self.head, *[self.chunk] * full, *([rest] if rest else []), *self.tail]


@dataclass(frozen=True)
class ProdfMapping:
    """How an H x N scan folds onto the array, and how long its streams are."""

    segment_rows: int  # S: rows per column segment
    channels_per_fold: int  # G * C channels (G = rows // S segments per column), or H if fewer
    modes_per_fold: int
    chunk: int  # timesteps per stream
    whole_column: bool = False  # S is all the rows: `cfg` says so with seg 0
    plan: ChunkPlan | None = None  # how the sequence is cut, when not evenly into `chunk`s

    @staticmethod
    def packing(channels: int, modes: int, rows: int, cols: int) -> tuple[int, int, int]:
        """(S, channels per fold, modes per fold) for an H x N scan on a rows x cols array."""
        segment = max(1, min(rows, modes))
        return segment, min(channels, (rows // segment) * cols), min(modes, segment)

    @property
    def seg(self) -> int:
        """The `seg` field of the array's configuration: 0 for a whole column."""
        return 0 if self.whole_column else self.segment_rows

    @property
    def mode(self) -> tuple[str, str]:
        """The PE mode and dataflow it runs in."""
        return LIMA, PRODF
