"""Cutting a layer's sequence into SRAM-sized chunks and pipelining them (the `nn` lowerings).

Every `nn` op streams its sequence (the rows of its L x H tensors) through SRAM in chunks: the
DMA loads a chunk, the array or the vector unit computes it, the DMA stores the result. Three
decisions are shared by all ops and live here:

- **Banks.** Streamed inputs go to the `input` bank, parameters and per-row scratch to `weight`,
  results to `output`, as the hand-written kernels (epoch_mlir/kernels/) place them.
- **Chunk size.** The whole sequence in one chunk when it fits (one buffer per stream, and a GEMM
  folds exactly as kernels/gemm.py does), otherwise the largest chunk whose two buffers per
  stream fit the banks next to the op's fixed buffers (one buffer, without DMA overlap, when two
  do not fit), evened out over the chunks it takes. A layer that cannot place even one row is a
  LoweringError naming the op, the bank and both sizes.
- **Schedule.** Chunks alternate between two buffers, software-pipelined as kernels/s4d.py does:
  the DMA loads chunk i+1 while chunk i computes. The steady state is one `systolic.chunk_loop`
  whose body handles two chunks and whose DRAM windows step by two chunks, so the IR does not
  grow with L; the first chunk (often special: zeros before the start, no accumulate) and the
  last few (a partial chunk) are peeled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from xdsl.ir import Operation

from epoch_mlir.conversions.systolic_common.lowering import SRAM_ALIGNMENT as ALIGNMENT
from epoch_mlir.conversions.systolic_common.lowering import LoweringError, target_of
from epoch_mlir.dialects.systolic import ChunkLoopOp, TargetAttr
from epoch_mlir.isa.fields import FIELDS

INPUT, WEIGHT, OUTPUT = "input", "weight", "output"
BANK_ROLES = {
    INPUT: "streamed inputs",
    WEIGHT: "parameters and per-row statistics",
    OUTPUT: "results",
}

# Chunks of vector-unit work are capped so that a long sequence always takes several chunks and
# the DMA overlaps the vector unit (the S4D kernel's choice, kernels/s4d.py). A GEMM chunk is
# capped only by the mm instruction's m field: every extra chunk refills the array, so a GEMM
# whose input fits SRAM folds in one chunk, exactly as SCALE-Sim maps it.
VECTOR_CHUNK_ROWS = 4096


def padded(words: int) -> int:
    """The words a buffer takes in its bank: systolic-allocate-sram aligns every buffer."""
    return -(-words // ALIGNMENT) * ALIGNMENT


def field_limit(name: str) -> int:
    """The largest value an unsigned ISA field holds (`m`, `n`, `k`, `rows`, `count`)."""
    return (1 << FIELDS[name].width) - 1


@dataclass(frozen=True)
class Stream:
    """A buffer that holds one chunk: `rows + extra_rows` rows of `cols` words in `bank`.

    `double` buffers get two copies when the sequence takes several chunks, so the DMA can fill
    one while the other is computed; scratch that only the compute units touch needs one.
    """

    bank: str
    cols: int
    double: bool = True
    extra_rows: int = 0


@dataclass(frozen=True)
class Chunk:
    """One chunk of the sequence, as a lowering's load/compute callbacks see it.

    `row` is the first sequence row, at the first iteration when the chunk is inside the loop;
    DRAM windows then move by `step` rows per iteration (0 outside the loop). `buffer` says
    which of the two buffers of each stream holds the chunk.
    """

    row: int
    rows: int
    buffer: int
    step: int = 0
    first: bool = False

    @property
    def in_loop(self) -> bool:
        return self.step != 0


Emit = Callable[[Chunk], list[Operation]]


def check_banks(op: Operation, target: TargetAttr, banks: Sequence[str]) -> None:
    for bank in banks:
        if target.bank_size(bank) is None:
            names = ", ".join(name for name, _ in target.banks)
            raise LoweringError.at(
                op,
                f'needs an SRAM bank named "{bank}" for {BANK_ROLES[bank]}, but target '
                f'"{target.machine.data}" has only {names}',
            )


@dataclass(frozen=True)
class Tiling:
    """How a sequence is cut: rows per chunk, and whether streams get two buffers each."""

    chunk: int
    double: bool

    def several(self, length: int) -> bool:
        return self.chunk < length


def choose_chunk(
    op: Operation,
    length: int,
    streams: Sequence[Stream],
    fixed: Mapping[str, Sequence[int]],
    *,
    cap: int,
    requested: int = 0,
    min_rows: int = 1,
) -> Tiling:
    """Rows per chunk for a sequence of `length` rows; LoweringError if no chunk fits.

    `fixed` lists per bank the sizes in words of the buffers the op needs whatever the chunk
    (weights, gamma and beta, an accumulator), `cap` the most rows one chunk may hold,
    `requested` a user's cap (0: none) and `min_rows` the fewest rows a chunk of a multi-chunk
    schedule may have. Preference: the whole sequence at once; else double-buffered chunks;
    else, when not even `min_rows` rows fit twice, single-buffered chunks (no DMA overlap).
    """
    target = target_of(op)
    check_banks(op, target, [*fixed, *(stream.bank for stream in streams)])
    # a chunk never holds fewer rows than the schedule needs, whatever the caps say
    limit = max(min(length, cap, requested or length), min(min_rows, length))
    if length <= limit and not _overflow(target, streams, fixed, length, copies=1):
        return Tiling(length, double=False)
    smallest = min(max(1, min_rows), length)  # more rows than that is one chunk
    for copies in (2, 1):
        rows = _most_rows(target, streams, fixed, limit, copies)
        if rows >= smallest:
            # as many chunks as the largest size needs, but evened out: no runt chunk at the end
            count = -(-length // rows)
            return Tiling(max(-(-length // count), smallest), double=copies == 2)
    overflow = _overflow(target, streams, fixed, smallest, copies=1)
    assert overflow is not None, "a chunk that fits is never refused"
    bank, need, have = overflow
    plural = "s" if smallest > 1 else ""
    what = f"a chunk of {smallest} row{plural} needs"
    if not any(stream.bank == bank for stream in streams):
        what = "its parameters need"
    raise LoweringError.at(
        op,
        f'cannot be tiled into the machine: {what} {need} words of SRAM bank "{bank}" '
        f"({BANK_ROLES.get(bank, bank)}), but target "
        f'"{target.machine.data}" has {have} words there',
    )


def check_fits(
    op: Operation, fixed: Mapping[str, Sequence[int]], what: str = "its parameters need"
) -> None:
    """LoweringError unless buffers of these sizes (words, per bank) fit the banks together."""
    target = target_of(op)
    check_banks(op, target, list(fixed))
    overflow = _overflow(target, [], fixed, 0, copies=1)
    if overflow is not None:
        bank, need, have = overflow
        raise LoweringError.at(
            op,
            f'cannot be tiled into the machine: {what} {need} words of SRAM bank "{bank}", but '
            f'target "{target.machine.data}" has {have} words there',
        )


def _most_rows(
    target: TargetAttr,
    streams: Sequence[Stream],
    fixed: Mapping[str, Sequence[int]],
    limit: int,
    copies: int,
) -> int:
    """The most rows (at most `limit`) per chunk that fit every bank; 0 when none do."""
    best = limit
    for bank, words in target.banks:
        buffers = [(copies if s.double else 1, s) for s in streams if s.bank == bank]
        per_row = sum(count * s.cols for count, s in buffers)
        # every buffer rounded up as far as alignment can: an estimate that surely fits
        base = sum(padded(size) for size in fixed.get(bank, ())) + sum(
            count * (s.extra_rows * s.cols + ALIGNMENT - 1) for count, s in buffers
        )
        if base > words:
            return 0
        if per_row:
            best = min(best, (words - base) // per_row)
    while best < limit and not _overflow(target, streams, fixed, best + 1, copies=copies):
        best += 1  # the exact rounding of the larger chunk still fits
    return best


def _words(
    bank: str,
    streams: Sequence[Stream],
    fixed: Mapping[str, Sequence[int]],
    rows: int,
    *,
    copies: int,
) -> int:
    """Words `bank` must hold for chunks of `rows` rows, each buffer padded for alignment."""
    total = sum(padded(words) for words in fixed.get(bank, ()))
    for stream in streams:
        if stream.bank == bank:
            count = copies if stream.double else 1
            total += count * padded((rows + stream.extra_rows) * stream.cols)
    return total


def _overflow(
    target: TargetAttr,
    streams: Sequence[Stream],
    fixed: Mapping[str, Sequence[int]],
    rows: int,
    *,
    copies: int,
) -> tuple[str, int, int] | None:
    """(bank, words needed, words there) of the first bank that `rows`-row chunks overflow."""
    for bank, words in target.banks:
        need = _words(bank, streams, fixed, rows, copies=copies)
        if need > words:
            return bank, need, words
    return None


def chunk_sizes(length: int, chunk: int) -> list[int]:
    full, tail = divmod(length, chunk)
    return [chunk] * full + ([tail] if tail else [])


def pipeline(
    length: int,
    chunk: int,
    load: Emit,
    compute: Emit,
    *,
    double: bool = True,
    loop_from: int = 1,
) -> list[Operation]:
    """The chunk schedule: double-buffered as kernels/s4d.py, with a loop for the steady state.

    Double-buffered order: load 0, load 1, compute 0, then per chunk i: load i+1, compute i.
    `compute` is expected to store its results, so the DMA queue reads: load 0, load 1, store 0,
    load 2, store 1, ...: each load runs ahead of the compute that needs it while the other
    buffer is computed. Single-buffered (`double` false, when two buffers do not fit), each
    chunk is loaded, computed and stored before the next one is loaded. The steady-state loop
    starts at chunk `loop_from` (the chunks before it are unrolled): a `compute` that also
    finishes the work of chunks i - 1 and i - 2 needs them to exist in every iteration.
    """
    sizes = chunk_sizes(length, chunk)

    def at(index: int, step: int = 0) -> Chunk:
        buffer = index % 2 if double else 0
        return Chunk(index * chunk, sizes[index], buffer, step, first=index == 0)

    if not double:
        ops = [*load(at(0)), *compute(at(0))]
        steady = length // chunk - 1  # full chunks after the first
        if steady >= 2:
            ops.append(ChunkLoopOp(steady, [*load(at(1, chunk)), *compute(at(1, chunk))]))
            done = 1 + steady
        else:
            done = 1
        for index in range(done, len(sizes)):
            ops += [*load(at(index)), *compute(at(index))]
        return ops
    ops = [*load(at(0))]
    if len(sizes) == 1:
        return ops + compute(at(0))
    ops += load(at(1))
    ops += compute(at(0))
    start = max(1, loop_from)
    for index in range(1, min(start, len(sizes))):
        if index + 1 < len(sizes):
            ops += load(at(index + 1))
        ops += compute(at(index))
    full = length // chunk
    pairs = (full - 1 - start) // 2  # iterations whose chunks i, i+1, i+2 are all full
    base = start
    if pairs >= 2:  # a single pair is as short unrolled
        step = 2 * chunk
        body = [
            *load(at(start + 1, step)),
            *compute(at(start, step)),
            *load(at(start + 2, step)),
            *compute(at(start + 1, step)),
        ]
        ops.append(ChunkLoopOp(pairs, body))
        base = start + 2 * pairs
    for index in range(base, len(sizes)):
        if index + 1 < len(sizes):
            ops += load(at(index + 1))
        ops += compute(at(index))
    return ops


def repeat(
    count: int,
    step: int,
    body: Callable[[int, int], list[Operation]],
    *,
    loop_allowed: bool,
) -> list[Operation]:
    """`count` copies of `body(offset, step)`: a chunk loop, or unrolled where none may nest.

    `body(offset, step)` emits one copy whose windows start `offset` rows in and move by
    `step` rows per loop iteration.
    """
    if count <= 0:
        return []
    if count == 1:
        return body(0, 0)
    if loop_allowed:
        return [ChunkLoopOp(count, body(0, step))]
    return [op for index in range(count) for op in body(index * step, 0)]
