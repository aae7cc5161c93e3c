"""Mapping of `ssm.selective_scan` (Mamba): coefficients that change every timestep.

Both mappings stream the sequence in double-buffered chunks (chunking.py's `stream_chunks`) and
prepare each chunk on the vector unit the same way:

    delta = softplus(delta)                     (when the op says so)
    abar[t][n, q] = exp(delta[t, q] A[q, n])    (`selective_discretize`: vdexp, dense planes)
    du = delta * u

- **ProDF (LIMA targets).** The LIMA-PEs run in real mode with their coefficients streamed in:
  rows hold state modes, columns hold channels (packed into column segments of S = N rows when
  N < rows, folded when N > rows or H > G * cols, as for `ssm.scan`). Each step a PE takes its
  abar from the planes, B[t, n] along its row and du[t, q] down its column, and the column sums
  of C[t, n] x[n, q] leave the array as y[t, q] (`selective_stream`: lsel). B and C share one
  buffer, side by side, as lsel reads them. The array needs one step per cycle; the vector unit
  needs H * N exps per step, so on a wide model the vector unit, not the array, sets the pace.
- **Conventional (MAC-only targets).** The recurrence runs on the vector unit, one
  `chunk_loop` iteration per timestep, with the state X as modes x channels (channels on the
  lanes): X = abar[t] * X; X += B[t] (column broadcast) * du[t] (row broadcast);
  y[t] = colsum(C[t] * X). A column broadcast reads one element per row, so B and C are first
  transposed per chunk (N x T) by GEMM folds against an identity tile in the requested dataflow.

Afterwards, on the vector unit, y += D * u (in the first mode fold) and y *= silu(z) (in the
last). Later mode folds of ProDF add to the partial y they load back from DRAM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
from xdsl.dialects.builtin import StringAttr, TensorType
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from epoch_mlir.conversions.convert_ssm_to_systolic.chunking import (
    ChunkStep,
    choose_chunk,
    stream_chunks,
)
from epoch_mlir.conversions.convert_ssm_to_systolic.scan_conventional import transpose_fold
from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles
from epoch_mlir.conversions.systolic_common.folding import fold_loop, nest_steps
from epoch_mlir.conversions.systolic_common.lowering import (
    MODE_ATTRIBUTE,
    LoweringError,
    bank_words,
    dram_operand,
    folds,
    machine_of,
    replace_with_dram,
    target_of,
)
from epoch_mlir.dialects import ssm
from epoch_mlir.dialects.systolic import (
    AllocDramOp,
    ArrayConfigAttr,
    ChunkLoopOp,
    ConfigureOp,
    DramType,
    LoadOp,
    SelectiveDiscretizeOp,
    SelectiveStateOp,
    SelectiveStreamOp,
    StoreOp,
    VectorOp,
)
from epoch_mlir.machine import Machine

BANKS = ("input", "weight", "output")
NEXT_ROW = (1, 0)  # row t of a chunk buffer, one row further per timestep
NEXT_COL = (0, 1)  # column t of a transposed (modes x steps) buffer


@dataclass(frozen=True)
class SelectiveScan:
    """An `ssm.selective_scan` with its operands in DRAM."""

    u: SSAValue  # L x H
    delta: SSAValue  # L x H
    a: SSAValue  # H x N
    b: SSAValue  # L x N
    c: SSAValue  # L x N
    d: SSAValue  # H
    z: SSAValue | None  # L x H
    y: SSAValue  # L x H, written by the mapping
    length: int
    channels: int
    modes: int
    softplus: bool
    x0: SSAValue | None = None  # H x N, the state to start from
    x_last: SSAValue | None = None  # H x N, written by the mapping when x0 is given


@dataclass(frozen=True)
class SelectiveMapping:
    """How the scan folds: channels and modes per fold, timesteps per chunk."""

    seg: int  # rows per column segment (prodf); 0: the whole column
    channels_per_fold: int
    modes_per_fold: int
    chunk: int


# region sizes and costs ----------------------------------------------------------------------


def prodf_shape(scan: SelectiveScan, machine: Machine) -> tuple[int, int, int]:
    """(segment rows, channels per fold, modes per fold) of the ProDF mapping."""
    segment = max(1, min(machine.rows, scan.modes))
    per_fold = min(scan.channels, (machine.rows // segment) * machine.cols)
    return segment, per_fold, segment


def fold_channels(total: int, per_fold: int) -> list[int]:
    """The distinct channel counts of the folds (the last one may be narrower)."""
    return sorted({nch for _, nch in folds(total, per_fold)}, reverse=True)


def stream_words(scan: SelectiveScan, channels: int, modes: int) -> dict[str, int]:
    """Words per timestep of the double-buffered chunk buffers, per bank.

    The abar planes are dense, so a narrower last channel fold has buffers of its own.
    """
    inputs = 2 * channels + (channels if scan.z is not None else 0)  # u, delta (du), z
    inputs += 2 * modes  # B and C (side by side for lsel, transposed for the vector unit)
    planes = modes * sum(fold_channels(scan.channels, channels))
    return {"input": 2 * inputs, "weight": 2 * planes, "output": 2 * channels}


def resident_words(channels: int, modes: int, prodf: bool, block: int, state: bool) -> int:
    """Words of bank 'weight' a fold keeps: A, D, for the vector unit state and identity, and
    for ProDF with a state in and out the state's staging buffer."""
    words = channels * modes + channels
    if not prodf:
        words += 2 * modes * channels + block * block
    elif state:
        words += modes * channels
    return words


def chunk_limit(words: dict[str, int], banks: dict[str, int], resident: int) -> int:
    """The longest chunk whose buffers fit every bank (0: not even one timestep)."""
    limits = []
    for bank, per_step in words.items():
        available = banks[bank] - (resident if bank == "weight" else 0)
        limits.append(max(0, available) // per_step)
    return min(limits)


def _prepare_cycles(
    scan: SelectiveScan, machine: Machine, steps: int, channels: int, modes: int
) -> int:
    def vector(mnemonic: str, **fields: int) -> int:
        return instruction_cycles(mnemonic, machine, None, **fields)

    cycles = vector("vdexp", rows=steps, cols=channels, nm=modes)
    cycles += vector("vmul", rows=steps, cols=channels) * 2 + vector(
        "vadd", rows=steps, cols=channels
    )
    if scan.softplus:
        cycles += vector("vsoftplus", rows=steps, cols=channels)
    if scan.z is not None:
        cycles += vector("vsilu", rows=steps, cols=channels)
        cycles += vector("vmul", rows=steps, cols=channels)
    return cycles


def choose_selective(
    scan: SelectiveScan,
    machine: Machine,
    banks: dict[str, int],
    prodf: bool,
    requested_chunk: int = 0,
) -> SelectiveMapping:
    """Folds and chunk length; raises ValueError naming the limit when nothing fits."""
    if prodf:
        segment, channels, modes = prodf_shape(scan, machine)
        seg = 0 if segment == machine.rows else segment
    else:
        seg, channels, modes = 0, scan.channels, scan.modes
    block = min(machine.rows, machine.cols, scan.modes)
    while True:
        words = stream_words(scan, channels, modes)
        resident = resident_words(channels, modes, prodf, block, scan.x0 is not None)
        limit = chunk_limit(words, banks, resident)
        if limit >= 1 or channels == 1:
            break
        channels = (channels + 1) // 2
    if limit < 1:
        raise ValueError(
            f"one timestep of one channel and {modes} modes needs "
            + ", ".join(f"{w} words of bank '{b}'" for b, w in words.items())
        )
    config = ArrayConfigAttr("lima", "prodf", seg) if prodf else None

    def load(steps: int) -> int:
        sequences = 2 + (scan.z is not None)  # u, delta, z
        return sequences * instruction_cycles(
            "load", machine, rows=steps, cols=channels
        ) + 2 * instruction_cycles("load", machine, rows=steps, cols=modes)

    def compute(steps: int, first: bool) -> int:
        prepare = _prepare_cycles(scan, machine, steps, channels, modes)
        if prodf:
            return prepare + instruction_cycles(
                "lsel", machine, config, steps=steps, reset=int(first)
            )
        return prepare + steps * step_cycles(machine, channels, modes)

    def store(steps: int) -> int:
        return instruction_cycles("store", machine, rows=steps, cols=channels)

    chunk = choose_chunk(
        scan.length,
        limit,
        load,
        compute,
        store,
        "vector",
        requested_chunk,
        machine.dram_latency_cycles,
    )
    return SelectiveMapping(seg, channels, modes, chunk)


def step_cycles(machine: Machine, channels: int, modes: int) -> int:
    """Vector-unit cycles of one timestep of the conventional recurrence (the body below)."""

    def vector(function: str) -> int:
        return instruction_cycles(f"v{function}", machine, rows=modes, cols=channels)

    return 3 * vector("mul") + vector("add") + vector("csum")


# endregion
# region emission ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Buffers:
    """The double-buffered chunk buffers (index = chunk % 2) and a fold's resident ones."""

    u: list[SSAValue]
    delta: list[SSAValue]
    bc: list[SSAValue]  # prodf: T x 2N (B | C); conventional: the staged T x 2N chunk
    abar: dict[int, list[SSAValue]]  # per fold width: dense planes, modes * T x channels
    y: list[SSAValue]
    z: list[SSAValue]
    bt: list[SSAValue]  # conventional: B and C transposed, 2N x T
    a: SSAValue
    d: SSAValue


def emit_selective(
    ops: OpList, scan: SelectiveScan, mapping: SelectiveMapping, prodf: bool, dataflow: str
) -> None:
    """The program of `scan`: per fold, the chunk pipeline over the whole sequence."""
    per_fold, modes, chunk = mapping.channels_per_fold, mapping.modes_per_fold, mapping.chunk
    pairs = 1 + (scan.length > chunk)

    def double(bank: str, shape: tuple[int, int], name: str) -> list[SSAValue]:
        return [ops.alloc(bank, shape, f"{name}{i}") for i in range(pairs)]

    buffers = _Buffers(
        u=double("input", (chunk, per_fold), "u"),
        delta=double("input", (chunk, per_fold), "delta"),
        bc=double("input", (chunk, 2 * modes), "bc"),
        abar={
            nch: double("weight", (chunk * modes, nch), "abar" if nch == per_fold else "abar_tail")
            for nch in fold_channels(scan.channels, per_fold)
        },
        y=double("output", (chunk, per_fold), "y"),
        z=double("input", (chunk, per_fold), "z") if scan.z is not None else [],
        bt=[] if prodf else double("input", (2 * modes, chunk), "bct"),
        a=ops.alloc("weight", (per_fold, modes), "a"),
        d=ops.alloc("weight", (1, per_fold), "d"),
    )
    mode_folds = folds(scan.modes, modes)
    loop_depth = ops.machine.loop_depth

    def channel_folds(fold_ops: Callable[[int, int, int], None], levels: int) -> None:
        """The channel folds, the full ones as a loop when the target has a level for it
        around the `levels` loops of each fold's pass; `fold_ops(h0, nch, step)` emits one."""

        def fold(h0: int, nch: int, step: int, _slot: int) -> list[Operation]:
            with ops.collect() as body:
                fold_ops(h0, nch, step)
            return body

        looped = loop_depth >= levels + 1
        for op in fold_loop(scan.channels, per_fold, fold, 0, 0, looped):
            ops.add(op)

    if prodf:
        held = ops.alloc("weight", (modes, per_fold), "state") if scan.x0 is not None else None

        def prodf_fold(h0: int, nch: int, step: int) -> None:
            for index, (n0, nm) in enumerate(mode_folds):
                fold = _Fold(ops, scan, buffers, h0, nch, n0, nm, index, len(mode_folds), step)
                fold.resident()
                if held is not None:  # the PEs start from x0 (ldx) and hand their last on
                    fold.load_state(held)
                    ops.add(SelectiveStateOp("load", held, (nm, nch)))
                stream_chunks(ops, scan.length, chunk, fold.load, fold.compute_prodf)
                if held is not None:
                    ops.add(SelectiveStateOp("store", held, (nm, nch)))
                    fold.store_state(held)

        with ops.configure(ArrayConfigAttr("lima", "prodf", mapping.seg)):
            channel_folds(prodf_fold, 1)
        return
    machine = ops.machine
    block = min(machine.rows, machine.cols, modes)
    eye = ops.alloc("weight", (block, block), "eye")
    ops.add(LoadOp(ops.constant(np.eye(block, dtype=np.float32), "identity"), eye, (block,) * 2))
    state = ops.alloc("weight", (modes, per_fold), "state")
    temporary = ops.alloc("weight", (modes, per_fold), "t")
    zeros = ops.constant(np.zeros((modes, per_fold), np.float32), "zero_state")

    def conventional_fold(h0: int, nch: int, step: int) -> None:
        fold = _Fold(ops, scan, buffers, h0, nch, 0, modes, 0, 1, step)
        fold.resident()
        if scan.x0 is None:
            ops.add(LoadOp(zeros, state, (modes, nch)))
        else:
            fold.load_state(state)
        recurrence = _Recurrence(fold, dataflow, eye, block, state, temporary)
        stream_chunks(ops, scan.length, chunk, fold.load, recurrence.compute)
        if scan.x0 is not None:
            fold.store_state(state)

    with ops.configure(ArrayConfigAttr("mac", dataflow)):
        channel_folds(conventional_fold, 2)  # the chunk loop and the loop over its timesteps


@dataclass
class _Fold:
    """One fold (channels h0.., modes n0..) of the scan: its loads and per-chunk work."""

    ops: OpList
    scan: SelectiveScan
    buffers: _Buffers
    h0: int
    nch: int
    n0: int
    nm: int
    index: int  # which mode fold
    count: int  # mode folds in all
    channel_step: int = 0  # channels the windows move per iteration of the channel loop

    def steps(self, chunk_step: int) -> tuple[int, ...]:
        """A window on the fold's channels of an L x H tensor: down the sequence in the chunk
        loop, across the channels in the channel loop around it (innermost first)."""
        levels = [[(chunk_step, 0)], [(0, self.channel_step)]]
        return nest_steps(levels, [bool(chunk_step), bool(self.channel_step)])[0]

    @property
    def first(self) -> bool:
        return self.index == 0

    @property
    def last(self) -> bool:
        return self.index == self.count - 1

    def resident(self) -> None:
        """A's block for the fold, and D for the channels (used by the first mode fold)."""
        buffers = self.buffers
        a_block = (self.nch, self.nm)
        a, d, moves = self.scan.a, self.scan.d, self.channel_step
        self.ops.add(
            LoadOp(a, buffers.a, a_block, src_offsets=(self.h0, self.n0), src_step=(moves, 0))
        )
        if self.first:
            d_window = (1, self.nch)
            self.ops.add(
                LoadOp(d, buffers.d, d_window, src_offsets=(0, self.h0), src_step=(0, moves))
            )

    def load_state(self, buffer: SSAValue) -> None:
        """The fold's block of x0 (channels x modes in DRAM) into `buffer` as modes x channels,
        the PEs' and the vector unit's layout: the DMA transposes a mode (a column) at a time."""
        x0 = self.scan.x0
        assert x0 is not None

        def mode(n: int, steps: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
            tensor_step, buffer_step = steps
            self.ops.add(
                LoadOp(
                    x0,
                    buffer,
                    (self.nch, 1),
                    src_offsets=(self.h0, self.n0 + n),
                    src_step=tensor_step,
                    dst_offsets=(n, 0),
                    dst_step=buffer_step,
                    dst_row_stride=1,
                )
            )

        self._each_mode(mode)

    def store_state(self, buffer: SSAValue) -> None:
        """`buffer` (modes x channels) into the fold's block of x_last, a mode at a time."""
        x_last = self.scan.x_last
        assert x_last is not None

        def mode(n: int, steps: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
            tensor_step, buffer_step = steps
            self.ops.add(
                StoreOp(
                    buffer,
                    x_last,
                    (self.nch, 1),
                    src_offsets=(n, 0),
                    src_step=buffer_step,
                    src_row_stride=1,
                    dst_offsets=(self.h0, self.n0 + n),
                    dst_step=tensor_step,
                )
            )

        self._each_mode(mode)

    def _each_mode(
        self, transfer: Callable[[int, tuple[tuple[int, ...], tuple[int, ...]]], None]
    ) -> None:
        """`transfer(n, (tensor step, buffer step))` for every mode of the fold: one transfer in
        a loop over the modes when the target has a loop level left for it (a column of the H x N
        tensor, a row of the buffer further per iteration), else one per mode."""
        looped_channels = bool(self.channel_step)
        looped = self.nm > 1 and self.ops.machine.loop_depth >= 1 + looped_channels
        levels = [[(0, 1), (1, 0)], [(self.channel_step, 0), (0, 0)]]
        tensor_step, buffer_step = nest_steps(levels, [looped, looped_channels])
        if looped:
            with self.ops.chunk_loop(self.nm):
                transfer(0, (tensor_step, buffer_step))
            return
        for n in range(self.nm):
            transfer(n, (tensor_step, buffer_step))

    def _channels(self, tensor: SSAValue, buffer: SSAValue, at: ChunkStep) -> None:
        """The chunk's rows of an L x H tensor, the fold's channels."""
        self.ops.add(
            LoadOp(
                tensor,
                buffer,
                (at.rows, self.nch),
                src_offsets=(at.row, self.h0),
                src_step=self.steps(at.step),
            )
        )

    def load(self, at: ChunkStep) -> None:
        scan, buffers, which = self.scan, self.buffers, at.index % 2
        self._channels(scan.u, buffers.u[which], at)
        self._channels(scan.delta, buffers.delta[which], at)
        for column, tensor in ((0, scan.b), (self.nm, scan.c)):
            self.ops.add(
                LoadOp(
                    tensor,
                    buffers.bc[which],
                    (at.rows, self.nm),
                    src_offsets=(at.row, self.n0),
                    src_step=(at.step, 0),
                    dst_offsets=(0, column),
                )
            )
        if scan.z is not None and self.last:
            self._channels(scan.z, buffers.z[which], at)
        if not self.first:  # later mode folds add to the partial outputs of the earlier ones
            self._channels(scan.y, buffers.y[which], at)

    def prepare(self, at: ChunkStep) -> None:
        """delta (softplus), the abar planes, and du = delta * u into delta's buffer."""
        ops, buffers, which = self.ops, self.buffers, at.index % 2
        sizes = (at.rows, self.nch)
        delta, u = buffers.delta[which], buffers.u[which]
        if self.scan.softplus:
            ops.add(VectorOp("softplus", delta, delta, sizes))
        ops.add(
            SelectiveDiscretizeOp(
                delta, buffers.a, buffers.abar[self.nch][which], (*sizes, self.nm)
            )
        )
        ops.add(VectorOp("mul", delta, delta, sizes, b=u))

    def finish(self, at: ChunkStep) -> None:
        """y += D * u (first mode fold), y *= silu(z) (last), then the store."""
        ops, scan, buffers, which = self.ops, self.scan, self.buffers, at.index % 2
        sizes = (at.rows, self.nch)
        y, u = buffers.y[which], buffers.u[which]
        if self.first:
            ops.add(VectorOp("mul", u, u, sizes, b=buffers.d, b_broadcast="row"))
            ops.add(VectorOp("add", y, y, sizes, b=u))
        if scan.z is not None and self.last:
            z = buffers.z[which]
            ops.add(VectorOp("silu", z, z, sizes))
            ops.add(VectorOp("mul", y, y, sizes, b=z))
        window = {"dst_offsets": (at.row, self.h0), "dst_step": self.steps(at.step)}
        ops.add(StoreOp(y, scan.y, sizes, **window))

    def compute_prodf(self, at: ChunkStep) -> None:
        buffers, which = self.buffers, at.index % 2
        self.prepare(at)
        self.ops.add(
            SelectiveStreamOp(
                buffers.delta[which],
                buffers.abar[self.nch][which],
                buffers.bc[which],
                buffers.y[which],
                (at.rows, self.nch, self.nm),
                reset=at.index == 0 and self.scan.x0 is None,
                accumulate=not self.first,
            )
        )
        self.finish(at)


@dataclass
class _Recurrence:
    """The conventional mapping's per-chunk work: the recurrence on the vector unit."""

    fold: _Fold
    dataflow: str
    eye: SSAValue
    block: int
    state: SSAValue
    temporary: SSAValue

    def compute(self, at: ChunkStep) -> None:
        fold = self.fold
        ops, buffers, which = fold.ops, fold.buffers, at.index % 2
        fold.prepare(at)
        self._transpose(at.rows, buffers.bc[which], buffers.bt[which], at.index)
        nm, nch = fold.nm, fold.nch
        sizes = (nm, nch)
        bt, du = buffers.bt[which], buffers.delta[which]
        state, temporary = self.state, self.temporary
        with ops.chunk_loop(at.rows):
            ops.add(
                VectorOp("mul", buffers.abar[nch][which], state, sizes, b=state, a_step=(nm, 0))
            )
            ops.add(
                VectorOp(
                    "mul",
                    bt,
                    temporary,
                    sizes,
                    b=du,
                    a_step=NEXT_COL,
                    a_broadcast="col",
                    b_step=NEXT_ROW,
                    b_broadcast="row",
                )
            )
            ops.add(VectorOp("add", state, state, sizes, b=temporary))
            ops.add(
                VectorOp(
                    "mul",
                    bt,
                    temporary,
                    sizes,
                    b=state,
                    a_offsets=(nm, 0),
                    a_step=NEXT_COL,
                    a_broadcast="col",
                )
            )
            ops.add(
                VectorOp("csum", temporary, buffers.y[which], sizes, dst_step=NEXT_ROW, imm=1.0)
            )
        fold.finish(at)

    def _transpose(self, steps: int, staged: SSAValue, dst: SSAValue, chunk: int) -> None:
        """dst (2N x steps) = staged (steps x 2N)^T as GEMM folds against the identity.

        Per block of rows of dst, the folds over the timesteps are one chunk loop (their windows
        step along the chunk), so the program does not grow with the chunk.
        """
        ops = self.fold.ops
        tile = steps if self.dataflow == "is" else ops.machine.cols  # is streams the steps
        slot = chunk % 2
        for k0, kb in folds(2 * self.fold.nm, self.block):
            full, tail = divmod(steps, tile)
            if full > 1:
                with ops.chunk_loop(full):
                    self._fold(staged, dst, k0, kb, 0, tile, slot, tile)
            elif full:
                self._fold(staged, dst, k0, kb, 0, tile, slot, 0)
            if tail:
                self._fold(staged, dst, k0, kb, full * tile, tail, slot, 0)
            slot ^= 1

    def _fold(
        self,
        staged: SSAValue,
        dst: SSAValue,
        k0: int,
        kb: int,
        t0: int,
        tb: int,
        slot: int,
        step: int,
    ) -> None:
        """One transposing fold (scan_conventional.py's), its windows moving `step` a pass."""
        for op in transpose_fold(self.dataflow, self.eye, staged, dst, k0, kb, t0, tb, slot, step):
            self.fold.ops.add(op)


# endregion


@dataclass
class LowerSelectiveScan(RewritePattern):
    """`ssm.selective_scan` -> streamed-coefficient ProDF (prodf) or the vector recurrence."""

    dataflow: str
    chunk: int = 0  # timesteps per chunk; 0: the cost model chooses

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ssm.SelectiveScanOp, rewriter: PatternRewriter) -> None:
        target = target_of(op)
        machine = machine_of(op)
        prodf = self.dataflow == "prodf"
        if prodf and target.pe.data != "lima":
            raise LoweringError.at(
                op,
                f"dataflow prodf needs LIMA-PEs, but target '{target.machine.data}' has "
                f"{target.pe.data} PEs: use dataflow ws, os or is",
            )
        if not prodf and target.loop_depth.data < 2:
            raise LoweringError.at(
                op,
                "the recurrence nests two chunk loops (chunks, timesteps), but the target has "
                f"{target.loop_depth.data} hardware loop level",
            )
        length, channels = cast(TensorType, op.u.type).get_shape()
        modes = cast(TensorType, op.A.type).get_shape()[1]
        y = AllocDramOp(DramType([length, channels]))
        y.tensor.name_hint = "y"
        x_last = AllocDramOp(DramType([channels, modes])) if op.x0 is not None else None
        if x_last is not None:
            x_last.tensor.name_hint = "x_last"

        def operand(value: SSAValue) -> SSAValue:
            return dram_operand(value, rewriter, op)

        scan = SelectiveScan(
            u=operand(op.u),
            delta=operand(op.delta),
            a=operand(op.A),
            b=operand(op.B),
            c=operand(op.C),
            d=operand(op.D),
            z=None if op.z is None else operand(op.z),
            y=y.tensor,
            length=length,
            channels=channels,
            modes=modes,
            softplus=op.applies_softplus,
            x0=None if op.x0 is None else operand(op.x0),
            x_last=None if x_last is None else x_last.tensor,
        )
        banks = {name: bank_words(op, machine, name) for name in BANKS}
        try:
            mapping = choose_selective(scan, machine, banks, prodf, self.chunk)
        except ValueError as error:
            raise LoweringError.at(op, f"cannot stream the sequence: {error}") from None
        ops = OpList(machine)
        emit_selective(ops, scan, mapping, prodf, self.dataflow)
        # as for ssm.scan: prodf marks its configure region, the recurrence its chunk loops
        marked = ops.ops if prodf else ops.loops
        for region_op in marked:
            if isinstance(region_op, ConfigureOp | ChunkLoopOp):
                region_op.attributes[MODE_ATTRIBUTE] = StringAttr("prodf" if prodf else "recurrent")
        results, allocs = [y.tensor], [y]
        if x_last is not None:
            results.append(x_last.tensor)
            allocs.append(x_last)
        replace_with_dram(op, results, rewriter, [*allocs, *ops.ops])
