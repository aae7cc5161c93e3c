"""Cutting a pass over the sequence into SRAM-sized chunks, and pricing the cut.

Every streaming lowering of ssm ops (ProDF, the conventional recurrence, on-chip
discretization, the selective scan) moves the sequence through SRAM in chunks of rotating
buffers: `stream_chunks` emits that software pipeline, `pipeline_cycles` simulates it with the
cost model's figures, and `choose_chunk`/`choose_plan` pick the cut the simulation finds fastest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.dataflows import ChunkPlan
from epoch_mlir.isa.fields import FIELDS

MAX_STEPS = (1 << FIELDS["steps"].width) - 1  # the longest stream one `lima` encodes
MAX_COUNT = (1 << FIELDS["count"].width) - 1  # the most iterations one `loop` encodes
CHUNK_TOLERANCE = 0.01  # a longer chunk within 1% of the fastest one is preferred
RAMP_LEVELS = 6  # a ramp halves the chunk at most this many times
RAMPED_CANDIDATES = 4  # how many of the best even cuts the cost model tries ramps on
RAMP_SHORTEST = 32  # timesteps of a ramp's shortest chunk
STEADY_SAMPLES = 8  # chunks simulated before the steady state is extrapolated

_Choice = TypeVar("_Choice", int, ChunkPlan)

__all__ = ["ChunkPlan"]  # re-exported: the plans this module chooses


def chunk_sizes(length: int, chunk: int) -> list[int]:
    full, tail = divmod(length, chunk)
    return [chunk] * full + ([tail] if tail else [])


@dataclass(frozen=True)
class ChunkStep:
    """Where one chunk's windows are: its first row and how far they move per loop iteration."""

    index: int  # which chunk
    row: int  # first timestep of the chunk (row of the DRAM window at the first iteration)
    step: int  # rows the DRAM windows move per loop iteration (0 outside the loop)
    rows: int  # timesteps in the chunk
    buffer: int = -1  # which of the rotating buffers it uses (index % depth)

    def __post_init__(self) -> None:
        if self.buffer < 0:
            object.__setattr__(self, "buffer", self.index % 2)


def stream_chunks(
    ops: OpList,
    length: int,
    chunk: int,
    load: Callable[[ChunkStep], None],
    compute: Callable[[ChunkStep], None],
    plan: ChunkPlan | None = None,
) -> None:
    """Emit the software pipeline over the chunks of one pass over the sequence.

    `load` brings a chunk's inputs into its buffers; `compute` works on them and stores the
    results. With `depth` rotating buffers (2 by default) loads run depth - 1 chunks ahead, so
    the DMA of the next chunks overlaps the work on this one; chunk 0 is peeled (its compute
    resets the states), the steady state is a loop over groups of `depth` full chunks (one per
    buffer, windows stepping `depth` chunks), the rest (a ramp of shorter chunks when `plan`
    has one) is unrolled.
    """
    plan = plan or ChunkPlan(length, chunk)
    assert (plan.length, plan.chunk) == (length, chunk), "the plan is for another stream"
    sizes, depth = plan.sizes(), plan.depth
    starts = [sum(sizes[:index]) for index in range(len(sizes))]

    def at(index: int, in_loop: bool = False) -> ChunkStep:
        step = depth * chunk if in_loop else 0
        return ChunkStep(index, starts[index], step, sizes[index], index % depth)

    def advance(index: int, in_loop: bool = False) -> None:
        """Load `depth - 1` chunks ahead, then compute chunk `index`."""
        if index + depth - 1 < len(sizes):
            load(at(index + depth - 1, in_loop))
        compute(at(index, in_loop))

    for index in range(min(depth - 1, len(sizes))):
        load(at(index))
    advance(0)
    # a loop iteration computes chunks first..first+depth-1 and loads up to
    # first+2*depth-2: all of them full
    first = max(1, len(plan.head))
    full_end = len(plan.head) + (length - sum(plan.head) - sum(plan.tail)) // chunk
    groups = min(max(0, (full_end - first - depth + 1) // depth), MAX_COUNT)
    for index in range(1, first if groups else 1):
        advance(index)
    if groups:
        with ops.chunk_loop(groups):
            for index in range(first, first + depth):
                advance(index, in_loop=True)
    for index in range(first + depth * groups if groups else 1, len(sizes)):
        advance(index)


def pipeline_cycles(
    sizes: Sequence[int],
    load: Callable[[int], int],
    compute: Callable[[int, bool], int],
    store: Callable[[int], int],
    compute_unit: str,
    latency: int = 0,
    depth: int = 2,
) -> int:
    """Cycles of `stream_chunks`' schedule: one DMA and one compute unit, in program order.

    A transfer occupies the DMA for its `load`/`store` cycles; its data is visible `latency`
    cycles later (the DRAM latency, which pipelines with the next transfer).

    Dependencies are those the hardware tracks on the `depth` buffers of each side: a chunk's
    compute waits for its load and for the store that last read its output buffer; a load waits
    until the compute that last read its input buffer is done.
    """
    free = {"dma": 0, compute_unit: 0}
    loaded: list[int] = []
    computed: list[int] = []
    stored: list[int] = []

    def run(unit: str, cycles: int, *after: int) -> int:
        end = max([free[unit], *after]) + cycles
        free[unit] = end
        return end

    def load_chunk(index: int) -> None:
        before = (computed[index - depth], stored[index - depth]) if index >= depth else ()
        loaded.append(run("dma", load(sizes[index]), *before) + latency)

    def compute_chunk(index: int) -> None:
        before = (stored[index - depth],) if index >= depth else ()
        computed.append(
            run(compute_unit, compute(sizes[index], index == 0), loaded[index], *before)
        )
        stored.append(run("dma", store(sizes[index]), computed[index]) + latency)

    for index in range(min(depth - 1, len(sizes))):
        load_chunk(index)
    for index in range(len(sizes)):
        if index + depth - 1 < len(sizes):
            load_chunk(index + depth - 1)
        compute_chunk(index)
    return max(*free.values(), *stored[-1:])


def choose_chunk(
    length: int,
    limit: int,
    load: Callable[[int], int],
    compute: Callable[[int, bool], int],
    store: Callable[[int], int],
    compute_unit: str,
    requested: int = 0,
    latency: int = 0,
) -> int:
    """The chunk length (at most `limit`) whose pipeline the cost model finds fastest.

    Long chunks amortize each transfer's latency; short ones start computing sooner and leave
    less to store at the end. Candidates are `limit` and the powers of two below it; the
    schedule is simulated for a few chunks and extrapolated, since its steady state repeats.
    A `requested` length (> 0) is taken as is, up to the sequence's length; raises ValueError
    when it exceeds `limit`.
    """
    limit = max(1, min(limit, MAX_STEPS))
    if requested:
        if requested > limit:
            raise ValueError(
                f"a chunk of {requested} timesteps does not fit: the buffers hold {limit}"
            )
        return min(requested, length)
    cycles: dict[int, int] = {}
    for chunk in _candidates(min(limit, length)):
        full, tail = divmod(length, chunk)

        def last(chunks: int, chunk: int = chunk, tail: int = tail) -> int:
            """Cycles of the last `chunks` chunks (a partial one ends the sequence)."""
            sizes = [chunk] * (chunks - bool(tail)) + ([tail] if tail else [])
            return pipeline_cycles(sizes, load, compute, store, compute_unit, latency)

        cycles[chunk] = _extrapolated(full + bool(tail), last)
    # Near-ties go to the longest chunk: fewer transfers and instructions for the same time.
    return max(_near_ties(cycles))


def _candidates(limit: int) -> set[int]:
    """The chunk lengths worth pricing up to `limit`: it and the powers of two below it."""
    return {limit} | {1 << j for j in range(limit.bit_length()) if 1 << j < limit}


def _extrapolated(count: int, cycles: Callable[[int], int]) -> int:
    """`cycles(count)`, computed from two samples of the steady state for long runs: it repeats,
    so each further chunk adds the same."""
    if count <= STEADY_SAMPLES:
        return cycles(count)
    longer = cycles(STEADY_SAMPLES)
    return longer + (count - STEADY_SAMPLES) * (longer - cycles(STEADY_SAMPLES - 1))


def _near_ties(cycles: dict[_Choice, int]) -> list[_Choice]:
    """The choices within CHUNK_TOLERANCE of the fastest."""
    good_enough = min(cycles.values()) * (1 + CHUNK_TOLERANCE)
    return [choice for choice, estimate in cycles.items() if estimate <= good_enough]


def ramps(length: int, chunk: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The (head, tail) ramps worth pricing for full chunks of `chunk` timesteps: none, and
    ramps up (and up and down) of 1..RAMP_LEVELS halvings, none shorter than RAMP_SHORTEST.

    Too short a ramp chunk cannot hide the DRAM latency, too long a one leaves the first load
    long: the cost model picks."""
    options: list[tuple[tuple[int, ...], tuple[int, ...]]] = [((), ())]
    for levels in range(1, RAMP_LEVELS + 1):
        halvings = tuple(chunk >> j for j in range(levels, 0, -1))
        if halvings[0] < RAMP_SHORTEST:
            break
        if sum(halvings) + chunk <= length:
            options.append((halvings, ()))
        if 2 * sum(halvings) + chunk <= length:
            options.append((halvings, halvings[::-1]))
    return options


def plan_cycles(
    plan: ChunkPlan,
    load: Callable[[int], int],
    compute: Callable[[int, bool], int],
    store: Callable[[int], int],
    compute_unit: str,
    latency: int = 0,
) -> int:
    """`pipeline_cycles` of the plan; long runs of full chunks are extrapolated from two
    samples, since their steady state repeats."""
    sizes = plan.sizes()
    head, tail = list(plan.head), list(plan.tail)
    middle = sizes[len(head) : len(sizes) - len(tail)]
    full = middle.count(plan.chunk)
    rest = middle[full:]

    def cycles(chunks: int) -> int:
        schedule = [*head, *[plan.chunk] * chunks, *rest, *tail]
        return pipeline_cycles(schedule, load, compute, store, compute_unit, latency, plan.depth)

    return _extrapolated(full, cycles)


def choose_plan(
    length: int,
    limits: dict[int, int],
    load: Callable[[int], int],
    compute: Callable[[int, bool], int],
    store: Callable[[int], int],
    compute_unit: str,
    requested: int = 0,
    latency: int = 0,
) -> ChunkPlan:
    """Like `choose_chunk`, also pricing more rotating buffers and ramps of shorter chunks.

    `limits` maps each buffer depth worth trying to the longest chunk that many buffers allow.
    More buffers let loads run further ahead (hiding the DRAM latency when the DMA is as busy
    as the compute unit); ramps shorten the first load and the last store, which nothing
    overlaps. A `requested` chunk gets two buffers and no ramp (the user fixed the cut).
    Near-ties go to the longest chunk, then to fewer buffers and fewer chunks.
    """
    if requested:
        chunk = choose_chunk(
            length, limits[2], load, compute, store, compute_unit, requested, latency
        )
        return ChunkPlan(length, chunk)
    plans = []
    for depth, depth_limit in limits.items():
        limit = min(max(1, min(depth_limit, MAX_STEPS)), length)
        if depth_limit < 1:
            continue
        plans += [ChunkPlan(length, chunk, depth=depth) for chunk in _candidates(limit)]
    if not plans:
        raise ValueError(f"not even one timestep fits: {limits}")

    def price(plan: ChunkPlan) -> int:
        return plan_cycles(plan, load, compute, store, compute_unit, latency)

    cycles = {plan: price(plan) for plan in plans}
    # ramps only refine the best even cuts (pricing every combination costs compile time)
    for even in sorted(cycles, key=cycles.__getitem__)[:RAMPED_CANDIDATES]:
        for head, tail in ramps(length, even.chunk)[1:]:
            plan = ChunkPlan(length, even.chunk, head, tail, even.depth)
            cycles[plan] = price(plan)
    return max(_near_ties(cycles), key=lambda plan: (plan.chunk, -plan.depth, -len(plan.sizes())))
