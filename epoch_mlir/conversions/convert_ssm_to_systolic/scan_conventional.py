"""The conventional mapping of `ssm.scan`: what a TPU-like array of MAC PEs must do.

Two ways to compute a diagonal SSM layer without LIMA-PEs, priced with the same cost model as
ProDF (systolic_common/cost.py's `unit_cycles`, the instruction table's formulas):

- **recurrent mode**: the state update runs on the vector unit, one
  `systolic.chunk_loop` iteration per timestep, inside a chunk pipeline that streams u and y
  through SRAM. Everything is f32: modes sit on rows and channels on columns (the lanes), so
  `u[k]` is a row broadcast over the modes and `y[k]` is a column sum (`csum`) over them. A
  complex mode is two real rows (real part, then imaginary part) of a stacked state
  `[Re s; Im s; Re s]`, whose middle-and-last rows are the swapped pair the rotation needs:

      t = A2 * S[N:3N];  S[0:2N] = A1 * S[0:2N] + t + B2 * u[k];  S[2N:3N] = S[0:N]
      y[k] = D * u[k] + colsum(C2 * S[0:2N])

  with A1 = [Re a; Re a], A2 = [-Im a; Im a], B2 = [Re b; Im b], C2 = [Re c; -Im c]
  (transposed to modes x channels). A real mode is one row: S = a*S + b*u[k], y = D*u + colsum(c*S).
- **convolution mode**: a Toeplitz matmul per channel on the array, with the kernel computed at
  compile time (scan_convolution.py); `convert-ssm-to-systolic` picks the faster mode.

The planes must be rearranged (transposed, split into real and imaginary rows) before the
recurrence: at compile time when they are constants; on the array when they are computed at run
time, real planes by transposing GEMMs against an identity tile, complex ones by copying their
words into an f32 buffer (copies count words) and transposing it against selection matrices
that pick (and negate) the real or imaginary word of each mode (`_split_complex`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import ComplexType, f32
from xdsl.ir import SSAValue

from epoch_mlir.conversions.convert_ssm_to_systolic.chunking import (
    ChunkStep,
    choose_chunk,
    stream_chunks,
)
from epoch_mlir.conversions.convert_ssm_to_systolic.discretize import alloc
from epoch_mlir.conversions.convert_ssm_to_systolic.operands import Plane, Scan
from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles
from epoch_mlir.conversions.systolic_common.lowering import folds
from epoch_mlir.dialects.systolic import (
    ArrayConfigAttr,
    LoadOp,
    MatmulTileOp,
    PreloadTileOp,
    StoreOp,
    VectorOp,
)
from epoch_mlir.machine import Machine

NEXT_ROW = (1, 0)  # u[k] and y[k] move down one row per timestep


@dataclass(frozen=True)
class RecurrentLayout:
    """Rows of the stacked f32 buffers of the recurrent mode (channels are the columns).

    `onto_addend`: the outputs are added onto what the chunk's y buffer already holds (the
    `nn.add` the scan computes, systolic_common/accumulate.py): D * u then goes to an extra
    row of the temporary, and the column sum that makes y[k] takes it along and is y[k]'s
    only write, one the rewrite can turn into an accumulation.
    """

    modes: int
    complex: bool
    onto_addend: bool = False

    @property
    def plane_rows(self) -> int:
        """Rows of A1, A2, B2, C2 (complex) or a, b, c (real), and of the temporary."""
        return 2 * self.modes if self.complex else self.modes

    @property
    def state_rows(self) -> int:
        return 3 * self.modes if self.complex else self.modes

    @property
    def temporary_rows(self) -> int:
        return self.plane_rows + self.onto_addend  # D * u in the extra row

    def sram_words(self, channels: int) -> int:
        """Words of the weight bank the recurrence keeps: planes, state, temporary and D."""
        planes = 4 if self.complex else 3
        rows = planes * self.plane_rows + self.state_rows + self.temporary_rows
        return rows * channels + channels


# Where the real and imaginary parts of each complex plane go in the stacked f32 planes: per
# scan plane (Abar, Bbar, C), (stacked plane index, first row, part, sign) for each block of N
# rows. A1 = [Re a; Re a], A2 = [-Im a; Im a], B2 = [Re b; Im b], C2 = [Re c; -Im c].
COMPLEX_BLOCKS: tuple[tuple[tuple[int, int, str, int], ...], ...] = (
    ((0, 0, "re", 1), (0, 1, "re", 1), (1, 0, "im", -1), (1, 1, "im", 1)),
    ((2, 0, "re", 1), (2, 1, "im", 1)),
    ((3, 0, "re", 1), (3, 1, "im", -1)),
)


def stacked_planes(abar: np.ndarray, bbar: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    """The recurrence's f32 planes (modes x channels) from the H x N coefficients."""
    if not np.iscomplexobj(abar):
        return [np.ascontiguousarray(plane.T, np.float32) for plane in (abar, bbar, c)]
    modes = abar.shape[1]
    stacked = [np.zeros((2 * modes, abar.shape[0]), np.float32) for _ in range(4)]
    for plane, blocks in zip((abar, bbar, c), COMPLEX_BLOCKS, strict=True):
        for index, block, part, sign in blocks:
            values = np.real(plane.T) if part == "re" else np.imag(plane.T)
            stacked[index][block * modes : (block + 1) * modes] = sign * values
    return stacked


def step_cycles(layout: RecurrentLayout, channels: int, machine: Machine) -> int:
    """Vector-unit cycles of one timestep of the recurrence (the body emitted below)."""

    def vector(function: str, rows: int) -> int:
        return instruction_cycles(f"v{function}", machine, rows=rows, cols=channels)

    plane, modes = layout.plane_rows, layout.modes
    # D*u, then the column sum (over the extra row of D*u too when onto an addend)
    cycles = vector("mul", 1) + vector("csum", layout.temporary_rows)
    if layout.complex:
        return cycles + 4 * vector("mul", plane) + 2 * vector("add", plane) + vector("copy", modes)
    return cycles + 3 * vector("mul", plane) + vector("add", plane)


def emit_recurrent(
    ops: OpList,
    scan: Scan,
    layout: RecurrentLayout,
    dataflow: str,
    bank_limit: int,
    requested_chunk: int = 0,
) -> None:
    """The recurrent mode of `scan` (the weight bank's room for `layout` checked by the caller).

    Raises ValueError when the requested chunk does not fit `bank_limit` words of each stream
    bank.
    """
    machine = ops.machine
    channels = scan.channels
    planes = _planes(ops, scan, layout, dataflow)
    d = ops.alloc("weight", (channels,), "d_row")
    ops.add(LoadOp(scan.d, d, (1, channels)))
    state = _initial_state(ops, scan, layout, dataflow)
    temporary = ops.alloc("weight", (layout.temporary_rows, channels), "t")

    per_step = step_cycles(layout, channels, machine)

    def transfer(steps: int) -> int:
        return instruction_cycles("load", machine, rows=steps, cols=channels)

    chunk = choose_chunk(
        scan.length,
        bank_limit // (2 * channels),
        transfer,
        lambda steps, _first: steps * per_step,
        transfer,
        "vector",
        requested_chunk,
        machine.dram_latency_cycles,
    )
    several = scan.length > chunk
    u_buffers = [ops.alloc("input", (chunk, channels), f"u{i}") for i in range(1 + several)]
    y_buffers = [ops.alloc("output", (chunk, channels), f"y{i}") for i in range(1 + several)]

    def load(at: ChunkStep) -> None:
        ops.add(
            LoadOp(
                scan.u,
                u_buffers[at.index % 2],
                (at.rows, channels),
                src_offsets=(at.row, 0),
                src_step=(at.step, 0),
            )
        )

    def compute(at: ChunkStep) -> None:
        u, y = u_buffers[at.index % 2], y_buffers[at.index % 2]
        with ops.chunk_loop(at.rows):
            _step(ops, layout, channels, planes, d, state, temporary, u, y)
        ops.add(
            StoreOp(y, scan.y, (at.rows, channels), dst_offsets=(at.row, 0), dst_step=(at.step, 0))
        )

    stream_chunks(ops, scan.length, chunk, load, compute)
    if scan.s_last is not None:
        _store_state(ops, scan, state, dataflow)


def _initial_state(ops: OpList, scan: Scan, layout: RecurrentLayout, df: str) -> SSAValue:
    """The stacked state buffer, zero or filled from s0 ([Re s0; Im s0; Re s0] or s0, modes x
    channels, made as the stacked planes are)."""
    shape = (layout.state_rows, scan.channels)
    if scan.s0 is None:
        zeros = ops.constant(np.zeros(shape, np.float32), "zero_state")
        state = ops.alloc("weight", shape, "state")
        ops.add(LoadOp(zeros, state, shape))
        return state
    state = ops.alloc("weight", shape, "state")
    s0 = Plane("s0", scan.s0, None)
    if scan.complex:
        _split_complex(ops, [(s0, STATE_BLOCKS)], [state], scan.channels, scan.modes, df)
    else:
        _transpose(ops, [(s0, state)], scan.channels, scan.modes, df)
    return state


# The stacked state's rows from s0: [Re s0; Im s0; Re s0] (the last block is the rotation's
# copy of the real parts), in `_split_complex`'s (plane index, first row, part, sign) form.
STATE_BLOCKS = ((0, 0, "re", 1), (0, 1, "im", 1), (0, 2, "re", 1))


def _store_state(ops: OpList, scan: Scan, state: SSAValue, df: str) -> None:
    """Write the recurrence's last state (modes x channels rows of f32: [Re s; Im s] or s) to
    `scan.s_last` (H x N, complex or f32).

    The rows are transposed on the array (I @ rows^T, one identity tile per block of channels)
    into an H x rows buffer; a real state is then stored. A complex one is [Re s^T | Im s^T],
    whose columns are interleaved by vector copies (column n and N + n to words 2n and 2n + 1)
    into the words of a complex buffer, which is stored.
    """
    assert scan.s_last is not None
    machine = ops.machine
    channels, modes = scan.channels, scan.modes
    rows = 2 * modes if scan.complex else modes
    block = min(machine.rows, machine.cols, channels)
    identity = ops.constant(np.eye(block, dtype=np.float32), "state_identity")
    eye = ops.alloc("weight", (block, block), "state_eye")
    ops.add(LoadOp(identity, eye, (block, block)))
    transposed = ops.alloc("weight", (channels, rows), "last_state_hn")
    row_tile = rows if df == "is" else machine.cols  # is streams the stage's rows
    slot = 0
    with ops.configure(ArrayConfigAttr("mac", df)):
        for k0, kb in folds(channels, block):
            for r0, rb in folds(rows, row_tile):
                for op in transpose_fold(df, eye, state, transposed, k0, kb, r0, rb, slot):
                    ops.add(op)
                slot ^= 1
    if not scan.complex:
        ops.add(StoreOp(transposed, scan.s_last, (channels, modes)))
        return
    words = ops.alloc("weight", (channels, 2 * modes), "last_state_words")
    for mode in range(modes):
        for part in (0, 1):  # the real part, then the imaginary one
            ops.add(
                VectorOp(
                    "copy",
                    transposed,
                    words,
                    (channels, 1),
                    a_offsets=(0, part * modes + mode),
                    dst_offsets=(0, 2 * mode + part),
                )
            )
    last = alloc(ops, "weight", (channels, modes), "last_state", ComplexType(f32))
    ops.add(VectorOp("copy", words, last, (channels, 2 * modes)))
    ops.add(StoreOp(last, scan.s_last, (channels, modes)))


def _step(
    ops: OpList,
    layout: RecurrentLayout,
    channels: int,
    planes: Sequence[SSAValue],
    d: SSAValue,
    state: SSAValue,
    temporary: SSAValue,
    u: SSAValue,
    y: SSAValue,
) -> None:
    """One timestep: u[k] and y[k] are row k of the chunk's buffers (windows step one row)."""
    rows, modes = layout.plane_rows, layout.modes
    sizes = (rows, channels)
    if layout.complex:
        a1, a2, b2, c2 = planes
        ops.add(VectorOp("mul", a2, temporary, sizes, b=state, b_offsets=(modes, 0)))
        ops.add(VectorOp("mul", a1, state, sizes, b=state))
        ops.add(VectorOp("add", state, state, sizes, b=temporary))
        ops.add(VectorOp("mul", b2, temporary, sizes, b=u, b_step=NEXT_ROW, b_broadcast="row"))
        ops.add(VectorOp("add", state, state, sizes, b=temporary))
        ops.add(VectorOp("copy", state, state, (modes, channels), dst_offsets=(2 * modes, 0)))
        c_plane = c2
    else:
        a, b, c_plane = planes
        ops.add(VectorOp("mul", a, state, sizes, b=state))
        ops.add(VectorOp("mul", b, temporary, sizes, b=u, b_step=NEXT_ROW, b_broadcast="row"))
        ops.add(VectorOp("add", state, state, sizes, b=temporary))
    ops.add(VectorOp("mul", c_plane, temporary, sizes, b=state))
    if layout.onto_addend:  # y[k] = sum of C * state and D * u, in one write
        ops.add(
            VectorOp(
                "mul", d, temporary, (1, channels), b=u, b_step=NEXT_ROW, dst_offsets=(rows, 0)
            )
        )
        summed = (rows + 1, channels)
        ops.add(VectorOp("csum", temporary, y, summed, dst_step=NEXT_ROW, imm=1.0))
        return
    ops.add(VectorOp("mul", d, y, (1, channels), b=u, b_step=NEXT_ROW, dst_step=NEXT_ROW))
    ops.add(VectorOp("csum", temporary, y, sizes, dst_step=NEXT_ROW, imm=1.0, accumulate=True))


def _planes(ops: OpList, scan: Scan, layout: RecurrentLayout, dataflow: str) -> list[SSAValue]:
    """The recurrence's f32 planes in SRAM: constants rearranged at compile time and loaded,
    run-time planes rearranged on the array (real: transposed; complex: split and transposed)."""
    channels, modes = scan.channels, scan.modes
    shape = (layout.plane_rows, channels)
    names = ("a1", "a2", "b2", "c2") if scan.complex else ("abar_nh", "bbar_nh", "c_nh")
    values = [plane.value for plane in scan.planes]
    if scan.complex:  # the stacked planes filled by constant planes are constants
        zero = np.zeros((channels, modes), np.complex64)
        arrays = stacked_planes(*(zero if value is None else value for value in values))
        known = {
            index
            for value, blocks in zip(values, COMPLEX_BLOCKS, strict=True)
            if value is not None
            for index, *_ in blocks
        }
    else:
        arrays = [None if value is None else np.ascontiguousarray(value.T) for value in values]
        known = {index for index, value in enumerate(values) if value is not None}
    buffers = []
    for index, name in enumerate(names):
        array = arrays[index] if index in known else None
        tensor = ops.constant(array, f"{name}_values") if array is not None else None
        buffers.append(ops.alloc("weight", shape, name))
        if tensor is not None:
            ops.add(LoadOp(tensor, buffers[-1], shape))
    if not scan.complex:
        pending = [
            (plane, buffer)
            for plane, buffer in zip(scan.planes, buffers, strict=True)
            if plane.value is None
        ]
        if pending:
            _transpose(ops, pending, channels, modes, dataflow)
        return buffers
    runtime = [
        (plane, blocks)
        for plane, blocks in zip(scan.planes, COMPLEX_BLOCKS, strict=True)
        if plane.value is None
    ]
    if runtime:
        _split_complex(ops, runtime, buffers, channels, modes, dataflow)
    return buffers


def split_block(machine: Machine, modes: int) -> int:
    """Word columns of a complex plane per GEMM fold of `_split_complex` (even, >= 2)."""
    return min(machine.rows, machine.cols, 2 * modes) // 2 * 2


def _split_complex(
    ops: OpList,
    planes: Sequence[tuple[Plane, Sequence[tuple[int, int, str, int]]]],
    stacked: Sequence[SSAValue],
    channels: int,
    modes: int,
    df: str,
) -> None:
    """Write the rows of the stacked planes from complex planes known only at run time.

    Each plane is loaded (H x N complex), its words copied into an f32 buffer W (H x 2N: real
    and imaginary words interleaved; copies count words), and every block of N stacked rows is
    the GEMM  S @ W^T  against a constant selection matrix S (N x 2N) with one +-1 per row (row
    n picks word 2n, the real part, or 2n + 1, the imaginary one): a transpose that also splits
    and negates, exact in fp32 (products by +-1 and 0, sums with zeros). Each fold takes a
    block of `kb` words (kb/2 modes) and of the channels, like `_transpose`.
    """
    machine = ops.machine
    block = split_block(machine, modes)
    selections: dict[tuple[str, int], SSAValue] = {}
    for part, sign in sorted({(part, sign) for _, blocks in planes for *_, part, sign in blocks}):
        matrix = np.zeros((block // 2, block), np.float32)
        matrix[np.arange(block // 2), 2 * np.arange(block // 2) + (part == "im")] = sign
        name = f"select_{'minus_' if sign < 0 else ''}{part}"
        buffer = ops.alloc("weight", matrix.shape, name)
        ops.add(LoadOp(ops.constant(matrix, f"{name}_values"), buffer, matrix.shape))
        selections[part, sign] = buffer
    column_tile = channels if df == "is" else machine.cols  # is streams the channels
    slot = 0
    for plane, blocks in planes:
        name = plane.name.lower()
        loaded = alloc(ops, "weight", (channels, modes), f"{name}_hn", ComplexType(f32))
        ops.add(LoadOp(plane.dram, loaded, (channels, modes)))
        words = ops.alloc("weight", (channels, 2 * modes), f"{name}_words")
        ops.add(VectorOp("copy", loaded, words, (channels, 2 * modes)))
        with ops.configure(ArrayConfigAttr("mac", df)):
            for k0, kb in folds(2 * modes, block):
                for h0, hb in folds(channels, column_tile):
                    if df == "ws":  # one stationary block of W^T serves every selection
                        ops.add(
                            PreloadTileOp(words, (hb, kb), slot, offsets=(h0, k0), transpose=True)
                        )
                    for index, row_block, part, sign in blocks:
                        select = selections[part, sign]
                        dst = (row_block * modes + k0 // 2, h0)
                        m = kb // 2
                        if df == "ws":
                            ops.add(
                                MatmulTileOp(
                                    stacked[index], m, hb, kb, a=select, slot=slot, dst_offsets=dst
                                )
                            )
                        elif df == "is":  # the slot holds S^T (k x m)
                            ops.add(PreloadTileOp(select, (m, kb), slot, transpose=True))
                            ops.add(
                                MatmulTileOp(
                                    stacked[index],
                                    m,
                                    hb,
                                    kb,
                                    b=words,
                                    b_offsets=(h0, k0),
                                    slot=slot,
                                    dst_offsets=dst,
                                )
                            )
                            slot ^= 1
                        else:
                            ops.add(
                                MatmulTileOp(
                                    stacked[index],
                                    m,
                                    hb,
                                    kb,
                                    a=select,
                                    b=words,
                                    b_offsets=(h0, k0),
                                    dst_offsets=dst,
                                )
                            )
                    if df == "ws":
                        slot ^= 1


def _transpose(
    ops: OpList, planes: Sequence[tuple[Plane, SSAValue]], channels: int, modes: int, df: str
) -> None:
    """P^T = I @ P^T on the array, one identity tile per block of modes (D = A @ B^T)."""
    machine = ops.machine
    block = min(machine.rows, machine.cols, modes)
    identity = ops.constant(np.eye(block, dtype=np.float32), "identity")
    eye = ops.alloc("weight", (block, block), "eye")
    ops.add(LoadOp(identity, eye, (block, block)))
    staged = []
    for plane, buffer in planes:
        stage = ops.alloc("weight", (channels, modes), f"{plane.name.lower()}_hn")
        ops.add(LoadOp(plane.dram, stage, (channels, modes)))
        staged.append((stage, buffer))
    column_tile = channels if df == "is" else machine.cols  # is streams the channels
    slot = 0
    with ops.configure(ArrayConfigAttr("mac", df)):
        for stage, buffer in staged:
            for k0, kb in folds(modes, block):
                for h0, hb in folds(channels, column_tile):
                    for op in transpose_fold(df, eye, stage, buffer, k0, kb, h0, hb, slot):
                        ops.add(op)
                    slot ^= 1


def transpose_fold(
    df: str,
    eye: SSAValue,
    stage: SSAValue,
    dst: SSAValue,
    k0: int,
    kb: int,
    h0: int,
    hb: int,
    slot: int,
    step: int = 0,
) -> list[PreloadTileOp | MatmulTileOp]:
    """dst[k0:k0+kb, h0:h0+hb] = I_kb @ stage[h0:h0+hb, k0:k0+kb]^T as one GEMM fold; in a
    chunk loop the windows move `step` rows of `stage` (columns of `dst`) per iteration."""
    stage_step, dst_step = (step, 0), (0, step)
    if df == "ws":  # the slot holds B^T (k x n): the plane's block, transposed
        return [
            PreloadTileOp(stage, (hb, kb), slot, offsets=(h0, k0), step=stage_step, transpose=True),
            MatmulTileOp(
                dst, kb, hb, kb, a=eye, slot=slot, dst_offsets=(k0, h0), dst_step=dst_step
            ),
        ]
    is_slot = slot if df == "is" else None  # is: the slot holds A^T (k x m), the identity
    fold = MatmulTileOp(
        dst,
        kb,
        hb,
        kb,
        a=eye if df != "is" else None,
        b=stage,
        slot=is_slot,
        b_offsets=(h0, k0),
        b_step=stage_step,
        dst_offsets=(k0, h0),
        dst_step=dst_step,
    )
    if df == "is":
        return [PreloadTileOp(eye, (kb, kb), slot, transpose=True), fold]
    return [fold]
