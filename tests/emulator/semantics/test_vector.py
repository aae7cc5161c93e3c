"""Vector-unit instructions against float64 numpy evaluations of the table's pseudo-code.

Every operand lives in its own SRAM buffer; the instruction addresses it with an offset and a row
stride (positive, padded, zero, negative), and the reference gathers the same elements by index
arithmetic. The destination buffer starts with sentinel values, so words the instruction must
not write are checked as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pytest

from epoch_mlir.errors import EmulatorFault
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.table import INSTRUCTIONS
from epoch_mlir.machine import Machine

if TYPE_CHECKING:
    from tests.emulator.conftest import EmulatorHarness

A_BASE, B_BASE, DST_BASE = 0, 300, 600  # SRAM buffers (input bank of every preset)
REAL_WORDS, COMPLEX_WORDS = 64, 128
RTOL_REAL = 2e-6  # fp32 evaluation, rounded once (a few ulp)
RTOL_COMPLEX = 1e-5  # complex64 arithmetic: several roundings per element


class Layout(NamedTuple):
    rows: int
    cols: int
    dst: int  # word offsets into each buffer, and row strides in words
    dst_stride: int
    a: int
    a_stride: int
    b: int = 0
    b_stride: int = 0
    abc: bool = False
    bbc: bool = False


def _id(layout: Layout) -> str:
    flags = "".join(f"-{f}" for f in ("abc", "bbc") if getattr(layout, f))
    return (
        f"{layout.rows}x{layout.cols}-d{layout.dst}s{layout.dst_stride}"
        f"-a{layout.a}s{layout.a_stride}-b{layout.b}s{layout.b_stride}{flags}"
    )


REAL_BINARY_LAYOUTS = [
    Layout(3, 5, 0, 5, 0, 5, 0, 5),  # dense
    Layout(3, 4, 2, 7, 1, 6, 3, 5),  # offsets and padded rows
    Layout(4, 3, 0, 3, 12, -4, 0, 3),  # a's rows in reverse order
    Layout(4, 5, 0, 5, 0, 5, 7, 0),  # b stride 0: one row broadcast down the rows (a bias)
    Layout(4, 5, 0, 5, 0, 5, 2, 1, bbc=True),  # b one column per row (a per-row scalar)
    Layout(3, 4, 1, 4, 9, 0, 0, 4, abc=True),  # a a single scalar (abc, stride 0)
    Layout(2, 3, 0, 3, 0, 2, 5, -1, abc=True, bbc=True),
    Layout(3, 4, 20, -8, 0, 4, 0, 4),  # destination rows in reverse order
    Layout(1, 9, 0, 0, 0, 0, 0, 0),  # one row longer than the lanes, all strides 0
]
COMPLEX_BINARY_LAYOUTS = [  # strides and offsets in words, cols in complex elements
    Layout(3, 4, 0, 8, 0, 8, 0, 8),
    Layout(3, 3, 1, 7, 3, 9, 1, 6),  # odd word offsets: unaligned complex64
    Layout(3, 4, 0, 8, 16, -8, 2, 0),
    Layout(3, 4, 0, 8, 0, 2, 0, 2, abc=True, bbc=True),
    Layout(2, 5, 0, 10, 0, 10, 4, -2, bbc=True),
]
REAL_UNARY_LAYOUTS = [
    Layout(3, 5, 0, 5, 0, 5),
    Layout(4, 3, 1, 6, 2, 5),
    Layout(3, 4, 0, 4, 3, 0),  # stride-0 source: the same row three times
    Layout(3, 4, 20, -6, 16, -5),  # negative strides on both sides
    Layout(1, 7, 3, 0, 5, 0),
]
COMPLEX_UNARY_LAYOUTS = [Layout(3, 4, 0, 8, 0, 8), Layout(3, 3, 1, 7, 17, -7)]


def _erf_gelu(x: np.ndarray) -> np.ndarray:
    erfc = np.vectorize(math.erfc)
    return x / 2 * erfc(-x / math.sqrt(2))


BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "vadd": np.add,
    "vsub": np.subtract,
    "vmul": np.multiply,
    "vdiv": np.divide,
    "vcmul": np.multiply,
    "vcdiv": np.divide,
}
UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "vexp": np.exp,
    "vgelu": _erf_gelu,
    "vgelut": lambda x: x / 2 * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    "vsilu": lambda x: x / (1 + np.exp(-x)),
    "vsigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "vsoftplus": lambda x: np.log1p(np.exp(x)),
    "vrelu": lambda x: np.maximum(x, 0),
    "vcopy": lambda x: x,
    "vrev": lambda x: x[::-1],
    "vcexp": np.exp,
}
IMMEDIATE: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "vaddi": lambda x, imm: x + imm,
    "vmuli": lambda x, imm: x * imm,
    "vrsqrt": lambda x, imm: 1 / np.sqrt(x + imm),
}
COMPLEX = {row.mnemonic for row in INSTRUCTIONS if row.elem_words == 2}


def test_every_vector_mnemonic_has_a_reference_here() -> None:
    vector = {row.mnemonic for row in INSTRUCTIONS if row.unit == "vector"}
    assert vector == set(BINARY) | set(UNARY) | set(IMMEDIATE) | {"vrsum", "vcsum", "vdexp"}
    assert {"vcmul", "vcdiv", "vcexp"} == COMPLEX


def _buffer(complex_: bool, seed: int, positive: bool = False) -> np.ndarray:
    """Flat float32 words of an operand buffer (values away from 0 if `positive`)."""
    rng = np.random.default_rng(seed)
    words = COMPLEX_WORDS if complex_ else REAL_WORDS
    if positive:
        return (rng.uniform(0.5, 2.0, words) * rng.choice([-1, 1], words)).astype(np.float32)
    return rng.uniform(-3, 3, words).astype(np.float32)


def _check_inside(layout: Layout, offset: int, stride: int, cols: int, words: int, ew: int) -> None:
    index = np.concatenate(
        [(offset + i * stride + np.arange(cols * ew)) for i in range(layout.rows)]
    )
    assert index.min() >= 0, "test layout leaves its buffer"
    assert index.max() < words, "test layout leaves its buffer"


def _run_elementwise(
    emu: EmulatorHarness,
    machine: Machine,
    mnemonic: str,
    layout: Layout,
    a_flat: np.ndarray,
    b_flat: np.ndarray | None,
    dst_flat: np.ndarray,
    **extra: object,
) -> np.ndarray:
    """Run one vector instruction on the three buffers, return the destination buffer."""
    fields: dict[str, object] = dict(
        dst=DST_BASE + layout.dst,
        a=A_BASE + layout.a,
        rows=layout.rows,
        cols=layout.cols,
        dst_stride=layout.dst_stride,
        a_stride=layout.a_stride,
    )
    placed = {A_BASE: a_flat, DST_BASE: dst_flat}
    if b_flat is not None:
        placed[B_BASE] = b_flat
        fields |= dict(
            b=B_BASE + layout.b, b_stride=layout.b_stride, abc=layout.abc, bbc=layout.bbc
        )
    fields |= extra

    def body(builder: ProgramBuilder) -> None:
        builder.emit(mnemonic, **fields)  # type: ignore[arg-type]

    return emu.run_sram(machine, placed, body, [(DST_BASE, len(dst_flat))]).windows[0]


@pytest.mark.parametrize("mnemonic", ["vadd", "vsub", "vmul", "vdiv"])
@pytest.mark.parametrize("layout", REAL_BINARY_LAYOUTS, ids=_id)
def test_real_binary(emu: EmulatorHarness, tiny: Machine, mnemonic: str, layout: Layout) -> None:
    a_flat, b_flat = _buffer(False, 1), _buffer(False, 2, positive=True)
    dst_flat = _buffer(False, 3)
    a_cols = 1 if layout.abc else layout.cols
    b_cols = 1 if layout.bbc else layout.cols
    for offset, stride, cols in (
        (layout.a, layout.a_stride, a_cols),
        (layout.b, layout.b_stride, b_cols),
        (layout.dst, layout.dst_stride, layout.cols),
    ):
        _check_inside(layout, offset, stride, cols, REAL_WORDS, 1)
    got = _run_elementwise(emu, tiny, mnemonic, layout, a_flat, b_flat, dst_flat)
    a = emu.gather(a_flat, layout.a, layout.rows, a_cols, layout.a_stride).astype(np.float64)
    b = emu.gather(b_flat, layout.b, layout.rows, b_cols, layout.b_stride).astype(np.float64)
    result = np.broadcast_to(BINARY[mnemonic](a, b), (layout.rows, layout.cols))
    expected = emu.scatter(dst_flat, layout.dst, result, layout.dst_stride)
    np.testing.assert_allclose(got, expected, rtol=RTOL_REAL, atol=0)


@pytest.mark.parametrize("mnemonic", ["vcmul", "vcdiv"])
@pytest.mark.parametrize("layout", COMPLEX_BINARY_LAYOUTS, ids=_id)
def test_complex_binary(emu: EmulatorHarness, tiny: Machine, mnemonic: str, layout: Layout) -> None:
    """cols counts complex elements; every offset and stride counts words."""
    a_flat, b_flat = _buffer(True, 4), _buffer(True, 5, positive=True)
    dst_flat = _buffer(True, 6)
    a_cols = 1 if layout.abc else layout.cols
    b_cols = 1 if layout.bbc else layout.cols
    for offset, stride, cols in (
        (layout.a, layout.a_stride, a_cols),
        (layout.b, layout.b_stride, b_cols),
        (layout.dst, layout.dst_stride, layout.cols),
    ):
        _check_inside(layout, offset, stride, cols, COMPLEX_WORDS, 2)
    got = _run_elementwise(emu, tiny, mnemonic, layout, a_flat, b_flat, dst_flat)
    a = emu.gather(a_flat, layout.a, layout.rows, a_cols, layout.a_stride, True)
    b = emu.gather(b_flat, layout.b, layout.rows, b_cols, layout.b_stride, True)
    result = BINARY[mnemonic](a.astype(np.complex128), b.astype(np.complex128))
    _check_complex(emu, got, dst_flat, layout, np.broadcast_to(result, (layout.rows, layout.cols)))


def _check_complex(
    emu: EmulatorHarness, got: np.ndarray, before: np.ndarray, layout: Layout, want: np.ndarray
) -> None:
    """The destination region holds `want` (to RTOL_COMPLEX of each element's magnitude), and
    every other word of the buffer is unchanged."""
    index = emu.indices(layout.dst, layout.rows, layout.cols, layout.dst_stride, 2)
    got_c = got[index].astype(np.float64) + 1j * got[index + 1]
    np.testing.assert_allclose(got_c, want, rtol=RTOL_COMPLEX, atol=0)
    mask = np.ones(len(before), bool)
    mask[index], mask[index + 1] = False, False
    np.testing.assert_array_equal(got[mask], before[mask])


@pytest.mark.parametrize("mnemonic", [m for m in UNARY if m not in COMPLEX])
@pytest.mark.parametrize("layout", REAL_UNARY_LAYOUTS, ids=_id)
def test_real_unary(emu: EmulatorHarness, tiny: Machine, mnemonic: str, layout: Layout) -> None:
    a_flat, dst_flat = _buffer(False, 7) * 2, _buffer(False, 8)
    _check_inside(layout, layout.a, layout.a_stride, layout.cols, REAL_WORDS, 1)
    _check_inside(layout, layout.dst, layout.dst_stride, layout.cols, REAL_WORDS, 1)
    got = _run_elementwise(emu, tiny, mnemonic, layout, a_flat, None, dst_flat)
    a = emu.gather(a_flat, layout.a, layout.rows, layout.cols, layout.a_stride)
    result = UNARY[mnemonic](a.astype(np.float64))
    expected = emu.scatter(dst_flat, layout.dst, result, layout.dst_stride)
    np.testing.assert_allclose(got, expected, rtol=RTOL_REAL, atol=1e-30)


@pytest.mark.parametrize("layout", COMPLEX_UNARY_LAYOUTS, ids=_id)
def test_complex_exp(emu: EmulatorHarness, tiny: Machine, layout: Layout) -> None:
    a_flat, dst_flat = _buffer(True, 9), _buffer(True, 10)
    got = _run_elementwise(emu, tiny, "vcexp", layout, a_flat, None, dst_flat)
    a = emu.gather(a_flat, layout.a, layout.rows, layout.cols, layout.a_stride, True)
    _check_complex(emu, got, dst_flat, layout, np.exp(a.astype(np.complex128)))


def test_unary_functions_hold_in_the_tails(emu: EmulatorHarness, tiny: Machine) -> None:
    """Large |x|: no overflow to nan, gelu(-x) tiny but accurate, softplus(x) ~ x."""
    x = np.array([-30, -12, -6, -1e-3, 0, 1e-3, 6, 12, 30, 80], np.float32)
    for mnemonic in ("vgelu", "vsilu", "vsigmoid", "vsoftplus", "vgelut"):
        layout = Layout(1, len(x), 0, 0, 0, 0)
        got = _run_elementwise(emu, tiny, mnemonic, layout, x, None, np.zeros(16, np.float32))
        want = UNARY[mnemonic](x.astype(np.float64))
        assert np.all(np.isfinite(got[: len(x)])), mnemonic
        np.testing.assert_allclose(got[: len(x)], want, rtol=1e-5, atol=1e-37, err_msg=mnemonic)
    got = _run_elementwise(
        emu,
        tiny,
        "vexp",
        Layout(1, 3, 0, 0, 0, 0),
        np.array([-120, 80, 100], np.float32),
        None,
        np.zeros(4, np.float32),
    )
    assert got[0] == 0.0  # underflows to zero
    assert got[1] == pytest.approx(np.exp(80.0), rel=1e-6)
    assert got[2] == np.inf  # overflows to +inf, as IEEE fp32 does, not nan


def test_vrev_reverses_rows_in_place(emu: EmulatorHarness, tiny: Machine) -> None:
    """dst == a: every row is read before any is written (A[rows-1-i, j] of the old values)."""
    flat = np.arange(REAL_WORDS, dtype=np.float32)
    layout = Layout(5, 3, 2, 4, 2, 4)
    got = emu.run_sram(
        tiny,
        {DST_BASE: flat},
        lambda b: b.emit("vrev", DST_BASE + 2, DST_BASE + 2, 5, 3, 4, 4),
        [(DST_BASE, REAL_WORDS)],
    ).windows[0]
    rows = emu.gather(flat, layout.a, 5, 3, 4)
    np.testing.assert_array_equal(got, emu.scatter(flat, 2, rows[::-1], 4))


def test_in_place_binary_with_row_broadcast(emu: EmulatorHarness, tiny: Machine) -> None:
    """out = out * gamma with gamma's stride 0 (layer norm's scale), in place."""
    out = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    gamma = np.array([0.5, -1, 2, 3], np.float32)
    got = emu.run_sram(
        tiny,
        {DST_BASE: out, B_BASE: gamma},
        lambda b: b.emit("vmul", DST_BASE, DST_BASE, B_BASE, 3, 4, 4, 4, 0),
        [(DST_BASE, 12)],
    ).windows[0]
    np.testing.assert_array_equal(got.reshape(3, 4), out * gamma)


IMMEDIATE_CASES = [
    ("vaddi", 1 / 3),  # not an fp32 number: the instruction carries float32(1/3)
    ("vaddi", -2.5e7),
    ("vmuli", 0.1),
    ("vmuli", -3.0e-5),
    ("vrsqrt", 1e-5),
    ("vrsqrt", 0.75),
]


@pytest.mark.parametrize(("mnemonic", "immediate"), IMMEDIATE_CASES)
@pytest.mark.parametrize("layout", REAL_UNARY_LAYOUTS[:4], ids=_id)
def test_immediate_operand(
    emu: EmulatorHarness, tiny: Machine, mnemonic: str, immediate: float, layout: Layout
) -> None:
    a_flat, dst_flat = np.abs(_buffer(False, 11)) + 0.01, _buffer(False, 12)
    if mnemonic != "vrsqrt":
        a_flat = _buffer(False, 11)
    got = _run_elementwise(emu, tiny, mnemonic, layout, a_flat, None, dst_flat, fimm=immediate)
    a = emu.gather(a_flat, layout.a, layout.rows, layout.cols, layout.a_stride)
    fimm = np.float32(immediate)  # the encoded immediate is binary32
    if mnemonic == "vrsqrt":
        result = IMMEDIATE[mnemonic](a.astype(np.float64), float(fimm))
        expected = emu.scatter(dst_flat, layout.dst, result, layout.dst_stride)
        np.testing.assert_allclose(got, expected, rtol=RTOL_REAL, atol=0)
    else:  # one fp32 rounding of exact operands: bit-exact
        result = IMMEDIATE[mnemonic](a, fimm)
        assert result.dtype == np.float32
        expected = emu.scatter(dst_flat, layout.dst, result, layout.dst_stride)
        np.testing.assert_array_equal(got, expected)


def test_immediate_is_rounded_to_fp32(emu: EmulatorHarness, tiny: Machine) -> None:
    """0 + 0.1 gives float32(0.1), not the double 0.1 rounded after the addition elsewhere."""
    got = emu.run_sram(
        tiny,
        {A_BASE: np.zeros(4, np.float32)},
        lambda b: b.emit("vaddi", DST_BASE, A_BASE, 0.1, 1, 4, 4, 4),
        [(DST_BASE, 4)],
    ).windows[0]
    assert got.tolist() == [float(np.float32(0.1))] * 4


class Reduction(NamedTuple):
    rows: int
    cols: int
    dst: int
    dst_stride: int
    a: int
    a_stride: int
    fimm: float
    acc: bool


ROW_SUMS = [
    Reduction(3, 5, 0, 1, 0, 5, 1.0, False),
    Reduction(4, 6, 2, 3, 1, 7, 1 / 6, False),  # a mean, strided destination
    Reduction(3, 5, 0, 1, 0, 5, -2.5, True),
    Reduction(4, 3, 10, -2, 0, 0, 0.5, True),  # stride-0 source, reversed destination
    Reduction(2, 9, 5, 1, 30, -12, 0.25, False),  # rows longer than the lanes
]


@pytest.mark.parametrize("case", ROW_SUMS, ids=str)
def test_vrsum(emu: EmulatorHarness, tiny: Machine, case: Reduction) -> None:
    a_flat, dst_flat = _buffer(False, 13), _buffer(False, 14)

    def body(builder: ProgramBuilder) -> None:
        builder.emit(
            "vrsum",
            DST_BASE + case.dst,
            A_BASE + case.a,
            case.fimm,
            case.rows,
            case.cols,
            case.dst_stride,
            case.a_stride,
            acc=case.acc,
        )

    got = emu.run_sram(
        tiny, {A_BASE: a_flat, DST_BASE: dst_flat}, body, [(DST_BASE, REAL_WORDS)]
    ).windows[0]
    a = emu.gather(a_flat, case.a, case.rows, case.cols, case.a_stride).astype(np.float64)
    sums = float(np.float32(case.fimm)) * a.sum(axis=1, keepdims=True)
    if case.acc:
        sums += emu.gather(dst_flat, case.dst, case.rows, 1, case.dst_stride)
    expected = emu.scatter(dst_flat, case.dst, sums, case.dst_stride)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert np.count_nonzero(got != dst_flat) == case.rows  # nothing else written


COLUMN_SUMS = [
    Reduction(4, 5, 0, 0, 0, 5, 1.0, False),
    Reduction(6, 3, 3, 0, 2, 4, 1 / 6, True),  # mean pooling into an accumulator
    Reduction(3, 4, 1, 0, 12, -4, -1.5, False),
    Reduction(5, 2, 0, 0, 0, 0, 0.2, True),  # stride 0: row 0 summed five times
    Reduction(2, 9, 4, 0, 0, 10, 1.0, False),
]


@pytest.mark.parametrize("case", COLUMN_SUMS, ids=str)
def test_vcsum(emu: EmulatorHarness, tiny: Machine, case: Reduction) -> None:
    a_flat, dst_flat = _buffer(False, 15), _buffer(False, 16)

    def body(builder: ProgramBuilder) -> None:
        builder.emit(
            "vcsum",
            DST_BASE + case.dst,
            A_BASE + case.a,
            case.fimm,
            case.rows,
            case.cols,
            case.a_stride,
            acc=case.acc,
        )

    got = emu.run_sram(
        tiny, {A_BASE: a_flat, DST_BASE: dst_flat}, body, [(DST_BASE, REAL_WORDS)]
    ).windows[0]
    a = emu.gather(a_flat, case.a, case.rows, case.cols, case.a_stride).astype(np.float64)
    sums = float(np.float32(case.fimm)) * a.sum(axis=0, keepdims=True)
    if case.acc:
        sums += dst_flat[case.dst : case.dst + case.cols]
    expected = emu.scatter(dst_flat, case.dst, sums, 0)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert np.count_nonzero(got != dst_flat) == case.cols


def test_vrsum_accumulating_every_row_into_one_word(emu: EmulatorHarness, tiny: Machine) -> None:
    """dst[i*0] = sum_j A[i, j] + dst, for i = 0, 1, 2 in order: 10 + 3 + 7 + 11 = 31.

    The emulator gives 10 + 11 = 21. A fault refusing the overlapping destination would be a
    defined behaviour too.
    """
    rows = np.arange(1, 7, dtype=np.float32)  # [1, 2], [3, 4], [5, 6]
    with pytest.raises(EmulatorFault, match="destination rows overlap"):
        emu.run_sram(
            tiny,
            {A_BASE: rows, DST_BASE: np.array([10.0], np.float32)},
            lambda b: b.emit("vrsum", DST_BASE, A_BASE, 1.0, 3, 2, 0, 2, acc=1),
            [(DST_BASE, 1)],
        )


class Discretization(NamedTuple):
    """vdexp operands: delta rows x cols at a (a_stride), A cols x nm at b (b_stride)."""

    rows: int
    cols: int
    nm: int
    dst: int
    a: int
    a_stride: int
    b: int
    b_stride: int


DISCRETIZATIONS = [
    Discretization(1, 1, 1, 0, 0, 1, 0, 1),
    Discretization(3, 4, 2, 0, 0, 4, 0, 2),  # dense delta and A
    Discretization(4, 3, 5, 3, 2, 6, 1, 7),  # offsets and padded rows on both operands
    Discretization(3, 5, 3, 1, 40, -6, 30, -4),  # both operands' rows in reverse order
    Discretization(5, 2, 4, 0, 9, 0, 3, 0),  # stride 0: one delta row, one row of A for all
    Discretization(2, 9, 1, 4, 0, 11, 0, 1),  # one mode: planes are the rows of delta * A
    Discretization(2, 1, 7, 3, 5, 2, 0, 7),  # one channel
]


@pytest.mark.parametrize("case", DISCRETIZATIONS, ids=str)
def test_vdexp(emu: EmulatorHarness, tiny: Machine, case: Discretization) -> None:
    """exp(delta (x) A): rows planes of nm x cols, mode-major, contiguous from dst."""
    rng = np.random.default_rng(case.rows * 100 + case.cols * 10 + case.nm)
    a_flat = rng.uniform(0.0, 2.0, REAL_WORDS).astype(np.float32)  # delta > 0
    b_flat = -rng.uniform(0.0, 4.0, REAL_WORDS).astype(np.float32)  # A < 0
    dst_flat = _buffer(False, 17)
    plane = case.nm * case.cols
    assert case.dst + case.rows * plane <= REAL_WORDS
    for offset, stride, rows, cols in (
        (case.a, case.a_stride, case.rows, case.cols),
        (case.b, case.b_stride, case.cols, case.nm),
    ):
        index = offset + np.arange(rows)[:, None] * stride + np.arange(cols)[None, :]
        assert index.min() >= 0 and index.max() < REAL_WORDS, "test layout leaves its buffer"

    def body(builder: ProgramBuilder) -> None:
        builder.emit(
            "vdexp",
            DST_BASE + case.dst,
            A_BASE + case.a,
            B_BASE + case.b,
            case.rows,
            case.cols,
            case.nm,
            case.a_stride,
            case.b_stride,
        )

    placed = {A_BASE: a_flat, B_BASE: b_flat, DST_BASE: dst_flat}
    got = emu.run_sram(tiny, placed, body, [(DST_BASE, REAL_WORDS)]).windows[0]
    delta = emu.gather(a_flat, case.a, case.rows, case.cols, case.a_stride)  # t, q
    a = emu.gather(b_flat, case.b, case.cols, case.nm, case.b_stride)  # q, n
    expected_planes = np.empty((case.rows, case.nm, case.cols))
    for t in range(case.rows):  # the pseudo-code's indices, spelled out
        for n in range(case.nm):
            for q in range(case.cols):
                product = np.float32(delta[t, q] * a[q, n])  # the product is rounded to fp32
                expected_planes[t, n, q] = np.exp(np.float64(product))
    expected = emu.scatter(dst_flat, case.dst, expected_planes.reshape(case.rows, plane), plane)
    np.testing.assert_allclose(got, expected, rtol=RTOL_REAL, atol=0)


def test_vdexp_in_place_over_delta(emu: EmulatorHarness, tiny: Machine) -> None:
    """dst == a with one mode: every delta is read before any plane is written."""
    delta = np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 8
    a = np.array([-1.0, -0.5, -2.0, -0.25], np.float32)
    got = emu.run_sram(
        tiny,
        {DST_BASE: delta, B_BASE: a},
        lambda b: b.emit("vdexp", DST_BASE, DST_BASE, B_BASE, 3, 4, 1, 4, 1),
        [(DST_BASE, 12)],
    ).windows[0]
    np.testing.assert_allclose(got.reshape(3, 4), np.exp(delta * a), rtol=RTOL_REAL)


def test_vdexp_underflows_to_zero_and_overflows_to_inf(emu: EmulatorHarness, tiny: Machine) -> None:
    delta = np.array([[200.0, 1.0]], np.float32)
    a = np.array([[-1.0, 100.0]], np.float32).T  # 2 channels x 1 mode
    got = emu.run_sram(
        tiny,
        {A_BASE: delta, B_BASE: a},
        lambda b: b.emit("vdexp", DST_BASE, A_BASE, B_BASE, 1, 2, 1, 2, 1),
        [(DST_BASE, 2)],
    ).windows[0]
    assert got[0] == 0.0
    assert got[1] == np.inf
