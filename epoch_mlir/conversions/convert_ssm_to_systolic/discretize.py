"""On-chip discretization: `ssm.discretize` of run-time A, B, delta as vector-unit work.

`ssm-discretize` folds the op when A, B and delta are constants; what remains (operands that are
entry arguments or results of other ops) is lowered here, inside `convert-ssm-to-systolic`, to
DMA transfers and `systolic.vector` instructions that write Abar and Bbar into two
`systolic.alloc_dram` tensors, with SPEC.md's formulas evaluated in fp32 (complex64):

    dA = delta[h] * A[h, n]
    zoh:      Abar = exp(dA);                  Bbar = (Abar - 1) / A * B
    bilinear: Abar = (1 + dA/2) / (1 - dA/2);  Bbar = delta * B / (1 - dA/2)
    euler:    Abar = 1 + dA;                   Bbar = delta * B

- **delta down the rows.** The planes are H x N with channels on rows, so delta[h] multiplies
  row h: a column broadcast (`bcast col`) of an H x 1 buffer. delta arrives as a 1 x H row in
  DRAM and the DMA copies windows of one shape, so the column is filled by H one-word loads in
  a `chunk_loop` (the source window steps along the row, the destination down the column):
  one DMA instruction and one cycle of the DMA unit each. For complex planes the column must be
  complex too (`cmul` multiplies complex by complex): the words land in column 0 of an H x 2
  f32 buffer whose column 1 holds zeros, and one `copy` (copies count words) turns it into the
  H x 1 complex column delta + 0i. Products by delta + 0i are exact scalings, as in the formula.
- **Adding 1 to a complex plane.** The vector unit adds complex numbers word by word (`add` of
  f32), so `1 + x` copies x's words into an f32 window, adds the row [1, 0, 1, 0, ...]
  (`bcast row`, a constant loaded once) and copies the words back. Real planes use `addi`.
- **Tiles.** A tile is `rows x modes` of both planes. The A and B tiles stream through two
  buffers each in bank `input`, the Abar and Bbar tiles through two in `output`, temporaries and
  the delta column sit in `weight`: the same double-buffered pipeline over the channels as a
  scan's chunks over time (chunking.py's `stream_chunks`, the tile height chosen by its cost model
  `choose_chunk`). When a single channel of all N modes does not fit, the modes fold too (an
  unrolled loop of column blocks). A delta column or a one-element tile that does not fit is a
  LoweringError at the op naming the words and the bank.

Accuracy: fp32 evaluation of the formulas, one rounding per instruction. zoh's Abar - 1
cancels for small |dA| (relative error ~ 6e-8 / |dA| in Bbar), as any fp32 evaluation of the
formula does; A = 0 gives 0/0 under zoh (the reference interpreter takes the limit delta * B).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from xdsl.dialects.builtin import ComplexType, TensorType, f32
from xdsl.ir import Attribute, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from epoch_mlir.conversions.convert_ssm_to_systolic.chunking import (
    MAX_COUNT,
    ChunkStep,
    choose_chunk,
    stream_chunks,
)
from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles, unit_cycles
from epoch_mlir.conversions.systolic_common.lowering import (
    LoweringError,
    bank_words,
    dram_operand,
    machine_of,
    replace_with_dram,
    target_of,
)
from epoch_mlir.dialects import ssm
from epoch_mlir.dialects.systolic import (
    AllocDramOp,
    AllocOp,
    DramType,
    LoadOp,
    SramType,
    StoreOp,
    VectorOp,
)

METHODS = ("zoh", "bilinear", "euler")
ALIGN = 2  # systolic-allocate-sram aligns every buffer to two words


def _aligned(words: int) -> int:
    return -(-words // ALIGN) * ALIGN


def alloc(
    ops: OpList, bank: str, shape: Sequence[int], name: str, element: Attribute = f32
) -> SSAValue:
    """`ops.alloc` with an element type (complex<f32> buffers)."""
    op = AllocOp(SramType(bank, shape, element))
    op.buffer.name_hint = name
    ops.add(op)
    return op.buffer


def fill_column(ops: OpList, row: SSAValue, column: SSAValue, count: int) -> None:
    """column[h, 0] = row[0, h] for h < count: one-word DMA loads in a hardware loop.

    `row` is a 1-D DRAM tensor, `column` an SRAM buffer of at least `count` rows. Loops hold at
    most MAX_COUNT iterations, so a longer column takes several.
    """
    start = 0
    while start < count:
        iterations = min(MAX_COUNT, count - start)
        with ops.chunk_loop(iterations):
            ops.add(
                LoadOp(
                    row,
                    column,
                    (1, 1),
                    src_offsets=(0, start),
                    dst_offsets=(start, 0),
                    src_step=(0, 1),
                    dst_step=(1, 0),
                )
            )
        start += iterations


@dataclass(frozen=True)
class _Tile:
    """The SRAM buffers one tile computes with (planes: T-typed rows x modes)."""

    a: SSAValue
    b: SSAValue
    abar: SSAValue
    bbar: SSAValue
    delta: SSAValue  # H x 1 column (T-typed), windowed at the tile's channels
    delta_row: int
    delta_step: int
    temporary: SSAValue  # T-typed rows x modes
    words: Sequence[SSAValue]  # f32 rows x (2 * modes) scratch (complex only)
    ones: SSAValue | None  # f32 1 x (2 * modes): [1, 0, 1, 0, ...] (complex only)


def emit_tile(ops: OpList, method: str, complex_: bool, tile: _Tile, rows: int, modes: int) -> None:
    """The vector instructions of one tile: Abar, Bbar from A, B and the delta column."""
    sizes = (rows, modes)
    words = (rows, 2 * modes)
    column = {
        "b_offsets": (tile.delta_row, 0),
        "b_step": (tile.delta_step, 0),
        "b_broadcast": "col",
    }

    def vector(function: str, a: SSAValue, dst: SSAValue, **kw: Any) -> None:
        ops.add(VectorOp(function, a, dst, kw.pop("sizes", sizes), **kw))

    t = tile.temporary
    if not complex_:
        if method == "zoh":
            vector("mul", tile.a, tile.abar, b=tile.delta, **column)  # dA
            vector("exp", tile.abar, tile.abar)  # Abar
            vector("addi", tile.abar, t, imm=-1.0)  # Abar - 1
            vector("div", t, t, b=tile.a)
            vector("mul", t, tile.bbar, b=tile.b)
        elif method == "bilinear":
            vector("mul", tile.a, t, b=tile.delta, **column)  # dA
            vector("muli", t, t, imm=0.5)  # dA/2 (exact)
            vector("addi", t, tile.abar, imm=1.0)  # 1 + dA/2
            vector("muli", t, t, imm=-1.0)
            vector("addi", t, t, imm=1.0)  # 1 - dA/2
            vector("div", tile.abar, tile.abar, b=t)
            vector("mul", tile.b, tile.bbar, b=tile.delta, **column)  # delta B
            vector("div", tile.bbar, tile.bbar, b=t)
        else:
            vector("mul", tile.a, tile.abar, b=tile.delta, **column)
            vector("addi", tile.abar, tile.abar, imm=1.0)
            vector("mul", tile.b, tile.bbar, b=tile.delta, **column)
        return
    assert tile.ones is not None
    w = tile.words[0]
    ones = {"b": tile.ones, "b_broadcast": "row"}
    if method == "zoh":
        vector("cmul", tile.a, tile.abar, b=tile.delta, **column)  # dA
        vector("cexp", tile.abar, tile.abar)  # Abar
        vector("copy", tile.abar, w, sizes=words)
        vector("sub", w, w, sizes=words, **ones)  # Abar - 1 (real words only)
        vector("copy", w, t, sizes=words)
        vector("cdiv", t, t, b=tile.a)
        vector("cmul", t, tile.bbar, b=tile.b)
    elif method == "bilinear":
        w2 = tile.words[1]
        vector("cmul", tile.a, t, b=tile.delta, **column)  # dA
        vector("copy", t, w, sizes=words)
        vector("muli", w, w, sizes=words, imm=0.5)  # dA/2 (exact)
        vector("add", w, w2, sizes=words, **ones)  # 1 + dA/2
        vector("sub", tile.ones, w, sizes=words, a_broadcast="row", b=w)  # 1 - dA/2
        vector("copy", w2, tile.abar, sizes=words)
        vector("copy", w, t, sizes=words)
        vector("cdiv", tile.abar, tile.abar, b=t)
        vector("cmul", tile.b, tile.bbar, b=tile.delta, **column)  # delta B
        vector("cdiv", tile.bbar, tile.bbar, b=t)
    else:
        vector("cmul", tile.a, t, b=tile.delta, **column)
        vector("copy", t, w, sizes=words)
        vector("add", w, w, sizes=words, **ones)
        vector("copy", w, tile.abar, sizes=words)
        vector("cmul", tile.b, tile.bbar, b=tile.delta, **column)


@dataclass(frozen=True)
class Discretization:
    """One `ssm.discretize` to lower: shapes, method and where its tensors are."""

    method: str
    channels: int
    modes: int
    complex: bool
    a: SSAValue  # DRAM H x N
    b: SSAValue
    delta: SSAValue  # DRAM H f32
    abar: SSAValue  # DRAM H x N, written
    bbar: SSAValue

    @property
    def element(self) -> Attribute:
        return ComplexType(f32) if self.complex else f32

    @property
    def element_words(self) -> int:
        return 2 if self.complex else 1

    def scratch_planes(self) -> int:
        """f32 rows x 2N scratch buffers a tile needs (complex only)."""
        if not self.complex:
            return 0
        return 2 if self.method == "bilinear" else 1

    def column_words(self) -> int:
        """Words of bank `weight` the delta column holds for the whole op (with its staging)."""
        if self.complex:  # H x 2 f32 staging, then the H x 1 complex column
            return 2 * _aligned(2 * self.channels)
        return _aligned(self.channels)

    def tile_words(self, rows: int, modes: int, buffers: int) -> dict[str, int]:
        """Words per bank of tiles of rows x modes, `buffers` (1 or 2) per streamed plane."""
        plane = _aligned(rows * modes * self.element_words)
        scratch = self.scratch_planes() * _aligned(2 * rows * modes)
        ones = _aligned(2 * modes) if self.complex else 0
        return {
            "input": 2 * buffers * plane,
            "output": 2 * buffers * plane,
            "weight": self.column_words() + ones + plane + scratch,
        }


def tile_fits(work: Discretization, banks: dict[str, int]) -> Callable[[int, int], bool]:
    """Whether a tile of rows x modes fits (double-buffered when the channels take several)."""

    def fits(rows: int, modes: int) -> bool:
        buffers = 1 if rows >= work.channels else 2
        needed = work.tile_words(rows, modes, buffers)
        return all(needed[bank] <= banks[bank] for bank in needed)

    return fits


def choose_tile(work: Discretization, fits: Callable[[int, int], bool]) -> tuple[int, int] | None:
    """(rows, modes) of the largest tile: all N modes and the most rows that fit, else one row
    of the most modes; None if not even one element fits."""

    if fits(work.channels, work.modes):
        return work.channels, work.modes
    if fits(1, work.modes):
        low, high = 1, work.channels  # fits(low), not fits(high)
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if fits(middle, work.modes) else (low, middle)
        return low, work.modes
    if not fits(1, 1):
        return None
    low, high = 1, work.modes
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(1, middle) else (low, middle)
    return 1, low


def emit_discretization(
    ops: OpList,
    work: Discretization,
    tile_rows: int,
    tile_modes: int,
    fits: Callable[[int, int], bool],
) -> None:
    """The whole program of one discretization; `fits(rows, modes)` says whether a
    double-buffered tile fits the banks (the largest tile, `tile_rows x tile_modes`, does)."""
    h = work.channels
    if work.complex:
        zeros = ops.constant(np.zeros((h, 2), np.float32), "delta_zeros")
        staging = ops.alloc("weight", (h, 2), "delta_words")
        ops.add(LoadOp(zeros, staging, (h, 2)))
        fill_column(ops, work.delta, staging, h)
        column = alloc(ops, "weight", (h, 1), "delta_col", work.element)
        ops.add(VectorOp("copy", staging, column, (h, 2)))  # delta + 0i (copies count words)
    else:
        column = ops.alloc("weight", (h, 1), "delta_col")
        fill_column(ops, work.delta, column, h)
    for n0 in range(0, work.modes, tile_modes):
        _emit_modes(ops, work, column, n0, min(tile_modes, work.modes - n0), tile_rows, fits)


def _emit_modes(
    ops: OpList,
    work: Discretization,
    column: SSAValue,
    n0: int,
    nm: int,
    tile_rows: int,
    fits: Callable[[int, int], bool],
) -> None:
    """Modes n0 .. n0 + nm of every channel: tiles of rows x nm through the pipeline."""
    machine, h, element = ops.machine, work.channels, work.element
    ones = None
    if work.complex:
        pattern = np.tile(np.array([1, 0], np.float32), nm)[None, :]
        ones = ops.alloc("weight", (1, 2 * nm), "ones_re")
        ops.add(LoadOp(ops.constant(pattern, "ones_re_values"), ones, (1, 2 * nm)))

    def transfers(rows: int) -> int:  # two planes in, or two out
        return 2 * instruction_cycles("load", machine, rows=rows, cols=nm * work.element_words)

    def compute_cycles(rows: int, _first: bool) -> int:
        buffers, body = OpList(machine), OpList(machine)
        emit_tile(body, work.method, work.complex, _scratch_tile(buffers, work, rows, nm), rows, nm)
        return unit_cycles(body.ops, machine)["vector"]

    rows = choose_chunk(
        h, tile_rows, transfers, compute_cycles, transfers, "vector", 0, machine.dram_latency_cycles
    )
    if rows < h and not fits(rows, nm):  # alignment can make two halves larger than one whole
        rows = tile_rows
    count = 1 + (h > rows)
    inputs = [
        [alloc(ops, "input", (rows, nm), f"{name}{i}", element) for i in range(count)]
        for name in ("a", "b")
    ]
    outputs = [
        [alloc(ops, "output", (rows, nm), f"{name}{i}", element) for i in range(count)]
        for name in ("abar", "bbar")
    ]
    temporary = alloc(ops, "weight", (rows, nm), "t", element)
    scratch = [ops.alloc("weight", (rows, 2 * nm), f"w{i}") for i in range(work.scratch_planes())]

    def load(at: ChunkStep) -> None:
        for tensor, buffers in zip((work.a, work.b), inputs, strict=True):
            ops.add(
                LoadOp(
                    tensor,
                    buffers[at.index % 2],
                    (at.rows, nm),
                    src_offsets=(at.row, n0),
                    src_step=(at.step, 0),
                )
            )

    def compute(at: ChunkStep) -> None:
        index = at.index % 2
        tile = _Tile(
            a=inputs[0][index],
            b=inputs[1][index],
            abar=outputs[0][index],
            bbar=outputs[1][index],
            delta=column,
            delta_row=at.row,
            delta_step=at.step,
            temporary=temporary,
            words=scratch,
            ones=ones,
        )
        emit_tile(ops, work.method, work.complex, tile, at.rows, nm)
        for tensor, buffer in zip((work.abar, work.bbar), (tile.abar, tile.bbar), strict=True):
            ops.add(
                StoreOp(
                    buffer, tensor, (at.rows, nm), dst_offsets=(at.row, n0), dst_step=(at.step, 0)
                )
            )

    stream_chunks(ops, h, rows, load, compute)


def _scratch_tile(ops: OpList, work: Discretization, rows: int, modes: int) -> _Tile:
    """Buffers of a tile's shapes, for pricing its instructions (never emitted)."""

    def plane(name: str) -> SSAValue:
        return alloc(ops, "weight", (rows, modes), name, work.element)

    return _Tile(
        a=plane("a"),
        b=plane("b"),
        abar=plane("abar"),
        bbar=plane("bbar"),
        delta=alloc(ops, "weight", (rows, 1), "delta", work.element),
        delta_row=0,
        delta_step=0,
        temporary=plane("t"),
        words=[ops.alloc("weight", (rows, 2 * modes), f"w{i}") for i in range(2)],
        ones=ops.alloc("weight", (1, 2 * modes), "ones"),
    )


@dataclass
class LowerSsmDiscretize(RewritePattern):
    """`ssm.discretize` of run-time operands -> DMA and vector instructions (see module doc)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ssm.DiscretizeOp, rewriter: PatternRewriter) -> None:
        target_of(op)  # the module must name its machine
        machine = machine_of(op)
        method = op.method.data
        if method not in METHODS:
            raise LoweringError.at(op, f"unknown method '{method}' (one of {', '.join(METHODS)})")
        plane_type = cast(TensorType, op.A.type)
        channels, modes = plane_type.get_shape()
        element = plane_type.get_element_type()
        abar = AllocDramOp(DramType([channels, modes], element))
        bbar = AllocDramOp(DramType([channels, modes], element))
        abar.tensor.name_hint, bbar.tensor.name_hint = "abar", "bbar"
        work = Discretization(
            method=method,
            channels=channels,
            modes=modes,
            complex=isinstance(element, ComplexType),
            a=dram_operand(op.A, rewriter, op),
            b=dram_operand(op.B, rewriter, op),
            delta=dram_operand(op.delta, rewriter, op),
            abar=abar.tensor,
            bbar=bbar.tensor,
        )
        banks = {name: bank_words(op, machine, name) for name in ("input", "weight", "output")}
        fixed = work.column_words()
        if fixed > banks["weight"]:
            raise LoweringError.at(
                op,
                f"cannot discretize on chip: the delta column of {channels} channels needs "
                f"{fixed} words, more than the {banks['weight']} words of bank 'weight'",
            )
        fits = tile_fits(work, banks)
        tile = choose_tile(work, fits)
        if tile is None:
            needed = work.tile_words(1, 1, 2)
            bank = next(name for name in needed if needed[name] > banks[name])
            raise LoweringError.at(
                op,
                f"cannot discretize on chip: a tile of one channel x one mode needs "
                f"{needed[bank]} words of bank '{bank}', but machine '{machine.name}' has "
                f"{banks[bank]} there",
            )
        ops = OpList(machine)
        emit_discretization(ops, work, *tile, fits)
        replace_with_dram(op, [abar.tensor, bbar.tensor], rewriter, [abar, bbar, *ops.ops])


def widen_plane(ops: OpList, plane: SSAValue, channels: int, modes: int, words: int) -> SSAValue:
    """A complex<f32> DRAM copy (imaginary parts 0) of the f32 DRAM plane `plane` (H x N).

    ProDF preloads complex planes. The words of a complex plane are an H x 2N f32 matrix whose
    even columns hold the real parts, so: zero an f32 buffer Z of rows x 2N once, DMA column n
    of the plane into column 2n of Z (N transfers of rows x 1 in a `chunk_loop`), copy Z's words
    into a complex buffer (copies count words) and store it. Tiles of rows channels, as many as
    `words` words of bank `weight` hold (Z and the complex tile, 4N words per channel); raises
    ValueError when not even one channel fits.
    """
    per_channel = 4 * modes
    rows = min(channels, (words - 2 * ALIGN) // per_channel)
    if rows < 1:
        raise ValueError(
            f"widening an f32 plane of {modes} modes to complex<f32> needs {per_channel} words "
            f"per channel of bank 'weight', which has {words}"
        )
    complex_type = ComplexType(f32)
    wide = AllocDramOp(DramType([channels, modes], complex_type))
    wide.tensor.name_hint = "widened"
    ops.add(wide)
    zeros = ops.constant(np.zeros((rows, 2 * modes), np.float32), "zeros")
    spread = ops.alloc("weight", (rows, 2 * modes), "spread")
    ops.add(LoadOp(zeros, spread, (rows, 2 * modes)))  # the imaginary words stay 0
    tile = alloc(ops, "weight", (rows, modes), "widened_tile", complex_type)
    for h0 in range(0, channels, rows):
        count = min(rows, channels - h0)
        with ops.chunk_loop(modes):
            ops.add(
                LoadOp(
                    plane,
                    spread,
                    (count, 1),
                    src_offsets=(h0, 0),
                    src_step=(0, 1),
                    dst_step=(0, 2),
                )
            )
        ops.add(VectorOp("copy", spread, tile, (count, 2 * modes)))
        ops.add(StoreOp(tile, wide.tensor, (count, modes), dst_offsets=(h0, 0)))
    return wide.tensor


def narrow_plane(
    ops: OpList, wide: SSAValue, plane: SSAValue, channels: int, modes: int, words: int
) -> None:
    """Write the real parts of the complex<f32> DRAM tensor `wide` (H x N) into the f32 DRAM
    tensor `plane`: `widen_plane` backwards (a real scan's last state leaves the LIMA-PEs
    complex). Tile by tile: load a complex tile, copy its words into an f32 buffer (H x 2N,
    the real parts in the even columns), and DMA column 2n of it into column n of `plane`.
    """
    per_channel = 4 * modes
    rows = min(channels, (words - 2 * ALIGN) // per_channel)
    if rows < 1:
        raise ValueError(
            f"narrowing a complex<f32> state of {modes} modes to f32 needs {per_channel} words "
            f"per channel of bank 'weight', which has {words}"
        )
    tile = alloc(ops, "weight", (rows, modes), "narrowed_tile", ComplexType(f32))
    spread = ops.alloc("weight", (rows, 2 * modes), "narrowed_words")
    for h0 in range(0, channels, rows):
        count = min(rows, channels - h0)
        ops.add(LoadOp(wide, tile, (count, modes), src_offsets=(h0, 0)))
        ops.add(VectorOp("copy", tile, spread, (count, 2 * modes)))
        with ops.chunk_loop(modes):
            ops.add(
                StoreOp(
                    spread,
                    plane,
                    (count, 1),
                    dst_offsets=(h0, 0),
                    src_step=(0, 2),
                    dst_step=(0, 1),
                )
            )
