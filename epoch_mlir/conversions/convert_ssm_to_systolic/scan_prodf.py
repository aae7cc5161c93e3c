"""ProDF mapping of `ssm.scan` onto LIMA-PEs, and what both ssm.scan mappings share.

The ProDF logic is epoch_mlir/kernels/s4d.py's, written as systolic IR instead of instructions:
rows hold state modes and columns hold channels; with N < rows, channels are packed into column
segments of S = N rows (G = rows // S channels per column); with N > rows the modes fold and the
later mode folds accumulate into the outputs (D only in the first); with H > G * cols the
channels fold. Within a fold the sequence streams in double-buffered chunks: the DMA loads chunk
i+1 while the array streams chunk i, the first chunk resets the PE states, and the steady state
is a `systolic.chunk_loop` over pairs of chunks whose DRAM windows step by two chunks.

Shared with the conventional mapping (ssm_conventional.py): `OpList` (ops with nested regions,
built in program order), the chunk pipeline `stream_chunks`, the choice of the chunk length
`choose_chunk`, and the cost model `unit_cycles`, which prices each systolic op with the cycle
formula of the instruction it becomes (epoch_mlir/isa/table.py), as the emulator does.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType
from typing import Any

import numpy as np
from xdsl.dialects.builtin import ComplexType, DenseIntOrFPElementsAttr, TensorType, f32
from xdsl.ir import Attribute, Operation, SSAValue

from epoch_mlir.conversions.systolic_common.lowering import folds
from epoch_mlir.dialects.systolic import (
    AllocCoefficientsOp,
    AllocOp,
    ArrayConfigAttr,
    ChunkLoopOp,
    ConfigureOp,
    ConstantOp,
    LoadOp,
    MatmulTileOp,
    PreloadCoefficientsOp,
    PreloadTileOp,
    SelectiveDiscretizeOp,
    SelectiveStreamOp,
    SramType,
    StoreOp,
    StreamOp,
    VectorOp,
)
from epoch_mlir.isa.encoding import FORMULA_FUNCTIONS
from epoch_mlir.isa.fields import FIELDS
from epoch_mlir.isa.table import INSTRUCTIONS, Instr
from epoch_mlir.machine import Machine

ROWS: dict[str, Instr] = {row.mnemonic: row for row in INSTRUCTIONS}
MAX_STEPS = (1 << FIELDS["steps"].width) - 1  # the longest stream one `lima` encodes
MAX_COUNT = (1 << FIELDS["count"].width) - 1  # the most iterations one `loop` encodes
CHUNK_TOLERANCE = 0.01  # a longer chunk within 1% of the fastest one is preferred
RAMP_LEVELS = 6  # a ramp halves the chunk at most this many times
STREAM_DEPTHS = (2, 3, 4, 6)  # rotating buffers per ProDF stream the cost model tries
RAMPED_CANDIDATES = 4  # how many of the best even cuts the cost model tries ramps on
RAMP_SHORTEST = 32  # timesteps of a ramp's shortest chunk

# region scan operands -------------------------------------------------------------------------


@dataclass(frozen=True)
class Plane:
    """One H x N coefficient operand of the scan (Abar, Bbar or C)."""

    name: str
    dram: SSAValue  # the DRAM tensor holding it
    value: np.ndarray | None  # its contents, when it is a compile-time constant


@dataclass(frozen=True)
class Scan:
    """An `ssm.scan` with its operands in DRAM: what both mappings start from."""

    u: SSAValue  # L x H f32
    abar: Plane
    bbar: Plane
    c: Plane
    d: SSAValue  # H f32
    y: SSAValue  # L x H f32, written by the mapping
    length: int
    channels: int
    modes: int
    complex: bool  # whether Abar, Bbar and C are complex<f32>

    @property
    def planes(self) -> tuple[Plane, Plane, Plane]:
        return (self.abar, self.bbar, self.c)


def dense(array: np.ndarray) -> DenseIntOrFPElementsAttr:
    """A dense attribute holding `array` as f32 or complex<f32> (a splat when it is uniform)."""
    flat = array.reshape(-1)
    is_complex = np.iscomplexobj(array)
    element: Attribute = ComplexType(f32) if is_complex else f32
    if flat.size and np.all(flat == flat[0]):
        flat = flat[:1]
    if is_complex:
        values: list[Any] = [(float(z.real), float(z.imag)) for z in flat.astype(np.complex64)]
    else:
        values = [float(x) for x in flat.astype(np.float32)]
    return DenseIntOrFPElementsAttr.from_list(TensorType(element, list(array.shape)), values)


# endregion
# region building ops in program order ----------------------------------------------------------


class OpList:
    """The ops a lowering emits, in program order, with regions opened by context managers.

    Chunk loops get their `estimated_cycles` from the cost model when their body is closed, and
    are remembered (`loops`) so the lowering can annotate them afterwards.
    """

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self._bodies: list[list[Operation]] = [[]]
        self._configs: list[ArrayConfigAttr | None] = [None]
        self.loops: list[ChunkLoopOp] = []

    @property
    def ops(self) -> list[Operation]:
        assert len(self._bodies) == 1, "a region is still open"
        return self._bodies[0]

    @property
    def config(self) -> ArrayConfigAttr | None:
        return self._configs[-1]

    def add(self, op: Operation) -> Operation:
        self._bodies[-1].append(op)
        return op

    def alloc(self, bank: str, shape: Sequence[int], name: str) -> SSAValue:
        op = AllocOp(SramType(bank, shape))
        op.buffer.name_hint = name
        self.add(op)
        return op.buffer

    def constant(self, array: np.ndarray, name: str) -> SSAValue:
        op = ConstantOp(dense(array))
        op.tensor.name_hint = name
        self.add(op)
        return op.tensor

    @contextmanager
    def configure(self, config: ArrayConfigAttr) -> Iterator[None]:
        self._bodies.append([])
        self._configs.append(config)
        yield
        body = self._bodies.pop()
        self._configs.pop()
        self.add(ConfigureOp(config, body))

    @contextmanager
    def chunk_loop(self, count: int) -> Iterator[None]:
        self._bodies.append([])
        yield
        body = self._bodies.pop()
        per_iteration = unit_cycles(body, self.machine, self.config)
        loop = ChunkLoopOp(count, body, count * max(per_iteration.values(), default=0))
        self.loops.append(loop)
        self.add(loop)


# endregion
# region cost model: the instruction table's cycle formulas -------------------------------------


def instruction_cycles(
    mnemonic: str, machine: Machine, config: ArrayConfigAttr | None = None, **fields: Any
) -> int:
    """Cycles of one instruction by its row's formula, on `machine` with real DRAM timing."""
    row = ROWS[mnemonic]
    segment = config.segment_rows(machine.rows) if config is not None else machine.rows
    env: dict[str, Any] = {
        "R": machine.rows,
        "C": machine.cols,
        "S": segment,
        "G": machine.rows // segment,
        "df": config.dataflow.data if config is not None else "ws",
        "lanes": machine.vector_lanes,
        "dram_latency": machine.dram_latency_cycles,
        "dram_bw": machine.dram_bandwidth_bytes_per_cycle,
        "lat": machine.vector_latency[row.latency_class] if row.latency_class else 0,
        **fields,
    }
    return int(eval(_formula(mnemonic), dict(FORMULA_FUNCTIONS), env))


@functools.cache
def _formula(mnemonic: str) -> CodeType:
    """The row's cycle formula, compiled once (cost models evaluate it many times)."""
    return compile(ROWS[mnemonic].cycles, f"<cycles of {mnemonic}>", "eval")


def _sizes(op: Operation) -> tuple[int, int]:
    rows, cols = op.sizes.get_values()  # type: ignore[attr-defined]
    return int(rows), int(cols)


def _words(value: SSAValue) -> int:
    """Words per element of a buffer or tensor."""
    return 2 if isinstance(getattr(value.type, "element_type", None), ComplexType) else 1


def _selection(op: Operation) -> tuple[str, dict[str, Any]] | None:
    """The instruction `op` becomes and the fields its cycle formula reads (None: no work)."""
    if isinstance(op, LoadOp | StoreOp):
        rows, cols = _sizes(op)
        return ("load" if isinstance(op, LoadOp) else "store"), {
            "rows": rows,
            "cols": cols * _words(op.src),
        }
    if isinstance(op, PreloadCoefficientsOp):
        return "ldc", {}
    if isinstance(op, PreloadTileOp):
        return "ldw", {}
    if isinstance(op, StreamOp):
        return "lima", {"steps": _sizes(op)[0], "reset": int(op.reset is not None)}
    if isinstance(op, SelectiveDiscretizeOp):
        steps, channels, modes = op.sizes.get_values()
        return "vdexp", {"rows": steps, "cols": channels, "nm": modes}
    if isinstance(op, SelectiveStreamOp):
        steps = op.sizes.get_values()[0]
        return "lsel", {"steps": steps, "reset": int(op.reset is not None)}
    if isinstance(op, MatmulTileOp):
        return "mm", {"m": op.m.value.data, "n": op.n.value.data, "k": op.k.value.data}
    if isinstance(op, VectorOp):
        rows, cols = _sizes(op)
        return op.instruction.mnemonic, {"rows": rows, "cols": cols}  # copies: cols are words
    return None


def unit_cycles(
    ops: Iterable[Operation], machine: Machine, config: ArrayConfigAttr | None = None
) -> Counter[str]:
    """Busy cycles per unit (dma, array, vector) of `ops`, loops counted in full."""
    totals: Counter[str] = Counter()
    for op in ops:
        if isinstance(op, ChunkLoopOp):
            inner = unit_cycles(op.body.block.ops, machine, config)
            for unit, cycles in inner.items():
                totals[unit] += op.count.value.data * cycles
        elif isinstance(op, ConfigureOp):
            totals += unit_cycles(op.body.block.ops, machine, op.config)
        elif (selection := _selection(op)) is not None:
            mnemonic, fields = selection
            totals[ROWS[mnemonic].unit] += instruction_cycles(mnemonic, machine, config, **fields)
    return totals


def estimate_cycles(
    ops: Iterable[Operation], machine: Machine, config: ArrayConfigAttr | None = None
) -> int:
    """The busiest unit's cycles: the units overlap, so this is what the work costs at least."""
    return max(unit_cycles(ops, machine, config).values(), default=0)


# endregion
# region chunked streaming ----------------------------------------------------------------------


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
    limit = min(limit, length)
    candidates = {limit} | {1 << j for j in range(limit.bit_length()) if 1 << j < limit}
    cycles: dict[int, int] = {}
    sampled = 8
    for chunk in candidates:
        full, tail = divmod(length, chunk)
        count = full + bool(tail)

        def last(chunks: int, chunk: int = chunk, tail: int = tail) -> list[int]:
            """The sizes of the last `chunks` chunks (a partial one ends the sequence)."""
            return [chunk] * (chunks - bool(tail)) + ([tail] if tail else [])

        if count <= sampled:
            cycles[chunk] = pipeline_cycles(
                last(count), load, compute, store, compute_unit, latency
            )
        else:  # the steady state repeats: extrapolate from two samples of it
            shorter = pipeline_cycles(
                last(sampled - 1), load, compute, store, compute_unit, latency
            )
            longer = pipeline_cycles(last(sampled), load, compute, store, compute_unit, latency)
            cycles[chunk] = longer + (count - sampled) * (longer - shorter)
    # Near-ties go to the longest chunk: fewer transfers and instructions for the same time.
    good_enough = min(cycles.values()) * (1 + CHUNK_TOLERANCE)
    return max(chunk for chunk, estimate in cycles.items() if estimate <= good_enough)


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
    sampled = 8

    def cycles(chunks: int) -> int:
        schedule = [*head, *[plan.chunk] * chunks, *rest, *tail]
        return pipeline_cycles(schedule, load, compute, store, compute_unit, latency, plan.depth)

    if full <= sampled:
        return cycles(full)
    longer = cycles(sampled)
    return longer + (full - sampled) * (longer - cycles(sampled - 1))


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
        candidates = {limit} | {1 << j for j in range(limit.bit_length()) if 1 << j < limit}
        plans += [ChunkPlan(length, chunk, depth=depth) for chunk in candidates]
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
    good_enough = min(cycles.values()) * (1 + CHUNK_TOLERANCE)
    return max(
        (plan for plan, estimate in cycles.items() if estimate <= good_enough),
        key=lambda plan: (plan.chunk, -plan.depth, -len(plan.sizes())),
    )


# endregion
# region ProDF ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProdfMapping:
    """How an H x N scan folds onto the array (kernels/s4d.py's `ProdfMapping`)."""

    seg: int  # rows per column segment, S; 0 when a segment is the whole column
    channels_per_fold: int  # G * C, or H when fewer
    modes_per_fold: int
    chunk: int  # timesteps per stream
    plan: ChunkPlan | None = None  # how the sequence is cut (ramps), when not evenly

    @property
    def config(self) -> ArrayConfigAttr:
        return ArrayConfigAttr("lima", "prodf", self.seg)


def choose_prodf(
    scan: Scan, machine: Machine, bank_limit: int, requested_chunk: int = 0
) -> ProdfMapping:
    """Packing, folds and chunk for `scan`; `bank_limit` words of each stream bank are usable.

    Raises ValueError (with the limit) when not even one timestep of a fold fits, or the
    requested chunk does not.
    """
    rows, cols = machine.rows, machine.cols
    segment = max(1, min(rows, scan.modes))
    per_fold = min(scan.channels, (rows // segment) * cols)
    # two buffers (double buffering) of chunk x channels on each side
    limit = bank_limit // (2 * per_fold)
    if limit < 1:
        raise ValueError(
            f"two buffers of one timestep of {per_fold} channels need {2 * per_fold} words"
        )
    seg = 0 if segment == rows else segment
    config = ArrayConfigAttr("lima", "prodf", seg)
    accumulate = scan.modes > segment

    def transfer(steps: int) -> int:
        return instruction_cycles("load", machine, rows=steps, cols=per_fold)

    def load(steps: int) -> int:
        return transfer(steps) * (2 if accumulate else 1)

    def compute(steps: int, first: bool) -> int:
        return instruction_cycles("lima", machine, config, steps=steps, reset=int(first))

    plan = choose_plan(
        scan.length,
        {depth: bank_limit // (depth * per_fold) for depth in STREAM_DEPTHS},
        load,
        compute,
        transfer,
        "array",
        requested_chunk,
        machine.dram_latency_cycles,
    )
    return ProdfMapping(seg, per_fold, min(scan.modes, segment), plan.chunk, plan)


def emit_prodf(ops: OpList, scan: Scan, mapping: ProdfMapping, planes: Sequence[SSAValue]) -> None:
    """The ProDF program of `scan`; `planes` are complex DRAM tensors of Abar, Bbar and C."""
    per_fold, chunk = mapping.channels_per_fold, mapping.chunk
    plan = mapping.plan or ChunkPlan(scan.length, chunk)
    mode_folds = folds(scan.modes, mapping.modes_per_fold)
    zeros = ops.constant(np.zeros(per_fold, np.float32), "zeros") if len(mode_folds) > 1 else None
    buffers = min(plan.depth, len(plan.sizes()))
    u_buffers = [ops.alloc("input", (chunk, per_fold), f"u{i}") for i in range(buffers)]
    y_buffers = [ops.alloc("output", (chunk, per_fold), f"y{i}") for i in range(buffers)]
    slot = 0
    with ops.configure(mapping.config):
        for h0, nch in folds(scan.channels, per_fold):
            for n0, nm in mode_folds:
                block = AllocCoefficientsOp("weight", nch, nm)
                for result, name in zip(block.results, ("abar", "bbar", "c", "d"), strict=True):
                    result.name_hint = f"{name}_h{h0}_n{n0}"
                ops.add(block)
                for plane, buffer in zip(planes, block.results[:3], strict=True):
                    ops.add(LoadOp(plane, buffer, (nch, nm), src_offsets=(h0, n0)))
                if n0 == 0:  # D enters once per channel fold: later mode folds add zeros
                    ops.add(LoadOp(scan.d, block.d, (1, nch), src_offsets=(0, h0)))
                else:
                    assert zeros is not None
                    ops.add(LoadOp(zeros, block.d, (1, nch)))
                ops.add(PreloadCoefficientsOp(block, slot))
                _stream_fold(ops, scan, slot, h0, nch, n0 > 0, plan, u_buffers, y_buffers)
                slot ^= 1


def _stream_fold(
    ops: OpList,
    scan: Scan,
    slot: int,
    h0: int,
    nch: int,
    accumulate: bool,
    plan: ChunkPlan,
    u_buffers: Sequence[SSAValue],
    y_buffers: Sequence[SSAValue],
) -> None:
    """One fold's pass over the sequence; later mode folds add to what the earlier ones stored."""

    def load(at: ChunkStep) -> None:
        buffer = at.buffer
        ops.add(
            LoadOp(
                scan.u,
                u_buffers[buffer],
                (at.rows, nch),
                src_offsets=(at.row, h0),
                src_step=(at.step, 0),
            )
        )
        if accumulate:
            ops.add(
                LoadOp(
                    scan.y,
                    y_buffers[buffer],
                    (at.rows, nch),
                    src_offsets=(at.row, h0),
                    src_step=(at.step, 0),
                )
            )

    def compute(at: ChunkStep) -> None:
        buffer = at.buffer
        ops.add(
            StreamOp(
                u_buffers[buffer],
                y_buffers[buffer],
                (at.rows, nch),
                slot,
                reset=at.index == 0,
                accumulate=accumulate,
            )
        )
        ops.add(
            StoreOp(
                y_buffers[buffer],
                scan.y,
                (at.rows, nch),
                dst_offsets=(at.row, h0),
                dst_step=(at.step, 0),
            )
        )

    stream_chunks(ops, scan.length, plan.chunk, load, compute, plan)


# endregion
