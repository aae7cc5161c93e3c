"""Array instructions: `cfg`, `ldw`, `mm` (ws/is/os) and `ldc` + `lima` against numpy.

GEMM operands are small integers, so every fp32 result is exact and compared bit for bit with a
float64 matmul. The LIMA stream is compared with a float64 loop over timesteps of the recurrence
s = abar*s + bbar*u;  y = Re(sum_n c*s) + D*u  (rtol 1e-4, as SPEC.md asks of ssm.scan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.emulator.scan import BLOCK, SMALL_TILE
from epoch_mlir.errors import EmulatorFault
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.machine import Machine

if TYPE_CHECKING:
    from tests.emulator.conftest import EmulatorHarness

A_BASE, B_BASE, DST_BASE, TILE_BASE = 0, 2000, 4000, 6000


# --------------------------------------------------------------------------------- GEMM
@dataclass(frozen=True)
class Gemm:
    dataflow: str
    m: int
    n: int
    k: int
    acc: bool = False
    tout: bool = False
    pad: int = 0  # extra words per row of A, B and D
    slot: int = 0

    @property
    def a_stride(self) -> int:
        return self.k + self.pad

    @property
    def b_stride(self) -> int:
        return self.k + self.pad

    @property
    def dst_stride(self) -> int:
        return (self.m if self.tout else self.n) + self.pad


def _integers(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(-4, 5, shape).astype(np.float32)


def _run_gemm(emu: EmulatorHarness, machine: Machine, case: Gemm) -> tuple[np.ndarray, np.ndarray]:
    """D = A @ B^T (+ D0) as the program computes it, and the float64 reference."""
    m, n, k = case.m, case.n, case.k
    a = _integers((m, k), 1)
    b = _integers((n, k), 2)
    out_rows, out_cols = (n, m) if case.tout else (m, n)
    d0 = _integers((out_rows, case.dst_stride), 3)
    a_buffer = np.zeros((m, case.a_stride), np.float32)
    a_buffer[:, :k] = a
    b_buffer = np.zeros((n, case.b_stride), np.float32)
    b_buffer[:, :k] = b

    def body(builder: ProgramBuilder) -> None:
        emit = builder.emit
        emit("cfg", "mac", case.dataflow, 0)
        if case.dataflow == "ws":  # B^T (k x n) stationary, read transposed from B's rows
            emit("ldw", case.slot, B_BASE, k, n, case.b_stride, trans=1)
        elif case.dataflow == "is":  # A^T (k x m) stationary
            emit("ldw", case.slot, A_BASE, k, m, case.a_stride, trans=1)
        emit(
            "mm",
            case.slot,
            DST_BASE,
            A_BASE,
            B_BASE,
            m,
            n,
            k,
            case.dst_stride,
            case.a_stride,
            case.b_stride,
            acc=case.acc,
            tout=case.tout,
        )

    placed = {A_BASE: a_buffer, B_BASE: b_buffer, DST_BASE: d0}
    got = emu.run_sram(machine, placed, body, [(DST_BASE, d0.size)]).windows[0]
    product = a.astype(np.float64) @ b.astype(np.float64).T
    expected = d0.astype(np.float64).copy()
    result = product.T if case.tout else product
    expected[:, :out_cols] = result + (expected[:, :out_cols] if case.acc else 0)
    return got.reshape(d0.shape), expected


GEMMS = [
    # ws: k <= R, n <= C, m streams (any length)
    Gemm("ws", 4, 4, 4),
    Gemm("ws", 7, 3, 2),  # partial tile: k < R, n < C
    Gemm("ws", 1, 1, 1),
    Gemm("ws", 5, 4, 3, acc=True, pad=2, slot=1),
    Gemm("ws", 6, 2, 4, tout=True),
    Gemm("ws", 3, 4, 4, acc=True, tout=True, pad=1),
    # is: k <= R, m <= C, n streams
    Gemm("is", 4, 4, 4),
    Gemm("is", 3, 9, 2),
    Gemm("is", 2, 5, 4, acc=True, pad=3, slot=1),
    Gemm("is", 4, 6, 1, tout=True, acc=True),
    # os: m <= R, n <= C, k streams
    Gemm("os", 4, 4, 4),
    Gemm("os", 3, 2, 11),
    Gemm("os", 1, 4, 1, acc=True),
    Gemm("os", 4, 3, 6, tout=True, pad=2),
    Gemm("os", 2, 2, 5, acc=True, tout=True),
]


@pytest.mark.parametrize("case", GEMMS, ids=str)
def test_mm(emu: EmulatorHarness, tiny: Machine, case: Gemm) -> None:
    got, expected = _run_gemm(emu, tiny, case)
    np.testing.assert_array_equal(got, expected)


@given(
    dataflow=st.sampled_from(["ws", "is", "os"]),
    tile=st.tuples(st.integers(1, 8), st.integers(1, 4)),  # (rows, cols) of the array's use
    stream=st.integers(1, 13),
    acc=st.booleans(),
    tout=st.booleans(),
    pad=st.integers(0, 2),
)
@settings(max_examples=25, deadline=None)
def test_mm_any_fold_shape_on_an_8x4_array(
    emu: EmulatorHarness,
    small: Machine,
    dataflow: str,
    tile: tuple[int, int],
    stream: int,
    acc: bool,
    tout: bool,
    pad: int,
) -> None:
    rows, cols = tile
    m, n, k = {
        "ws": (stream, cols, rows),
        "is": (cols, stream, rows),
        "os": (rows, cols, stream),
    }[dataflow]
    got, expected = _run_gemm(emu, small, Gemm(dataflow, m, n, k, acc, tout, pad))
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("rows", "cols", "stride", "trans", "offset"),
    [
        (4, 4, 4, False, 0),
        (3, 2, 5, False, 1),  # a partial tile from a padded buffer
        (2, 4, 0, False, 3),  # stride 0: one row repeated
        (3, 3, -4, False, 8),  # rows read bottom-up
        (4, 3, 6, True, 0),  # transposed: the SRAM holds cols x rows
        (2, 4, -3, True, 9),
    ],
)
def test_ldw_puts_the_tile_in_the_slot(
    emu: EmulatorHarness,
    tiny: Machine,
    rows: int,
    cols: int,
    stride: int,
    trans: bool,
    offset: int,
) -> None:
    """An identity A streamed through ws reads the stationary tile back: D = I @ W = W."""
    flat = np.arange(1, 41, dtype=np.float32)
    identity = np.eye(rows, dtype=np.float32)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 1, TILE_BASE + offset, rows, cols, stride, trans=trans)
        builder.emit("mm", 1, DST_BASE, A_BASE, 0, rows, cols, rows, cols, rows, 0)

    placed = {TILE_BASE: flat, A_BASE: identity}
    got = emu.run_sram(tiny, placed, body, [(DST_BASE, rows * cols)]).windows[0]
    if trans:
        tile = emu.gather(flat, offset, cols, rows, stride).T
    else:
        tile = emu.gather(flat, offset, rows, cols, stride)
    np.testing.assert_array_equal(got.reshape(rows, cols), tile)


def test_ldw_copies_the_tile_so_later_sram_writes_do_not_reach_it(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    weights = _integers((4, 4), 7)
    a = _integers((3, 4), 8)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 0, TILE_BASE, 4, 4, 4)
        builder.emit("vmuli", TILE_BASE, TILE_BASE, 0.0, 4, 4, 4, 4)  # clobber the source
        builder.emit("mm", 0, DST_BASE, A_BASE, 0, 3, 4, 4, 4, 4, 0)

    placed = {TILE_BASE: weights, A_BASE: a}
    got = emu.run_sram(tiny, placed, body, [(DST_BASE, 12)]).windows[0]
    np.testing.assert_array_equal(got.reshape(3, 4), a @ weights)


def test_two_slots_hold_two_tiles(emu: EmulatorHarness, tiny: Machine) -> None:
    """Double buffering: each mm uses the tile of its own slot."""
    w0, w1, a = _integers((4, 4), 9), _integers((4, 4), 10), _integers((2, 4), 11)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 0, TILE_BASE, 4, 4, 4)
        builder.emit("ldw", 1, TILE_BASE + 16, 4, 4, 4)
        builder.emit("mm", 1, DST_BASE, A_BASE, 0, 2, 4, 4, 4, 4, 0)
        builder.emit("mm", 0, DST_BASE + 8, A_BASE, 0, 2, 4, 4, 4, 4, 0)

    placed = {TILE_BASE: np.concatenate([w0.ravel(), w1.ravel()]), A_BASE: a}
    got = emu.run_sram(tiny, placed, body, [(DST_BASE, 16)]).windows[0].reshape(4, 4)
    np.testing.assert_array_equal(got[:2], a @ w1)
    np.testing.assert_array_equal(got[2:], a @ w0)


def test_cfg_switches_dataflow_between_folds(emu: EmulatorHarness, tiny: Machine) -> None:
    """The same operands through ws then os give the same product."""
    a, b = _integers((3, 4), 12), _integers((2, 4), 13)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 0, B_BASE, 4, 2, 4, trans=1)
        builder.emit("mm", 0, DST_BASE, A_BASE, 0, 3, 2, 4, 2, 4, 0)
        builder.emit("cfg", "mac", "os", 0)
        builder.emit("mm", 0, DST_BASE + 6, A_BASE, B_BASE, 3, 2, 4, 2, 4, 4)

    got = emu.run_sram(tiny, {A_BASE: a, B_BASE: b}, body, [(DST_BASE, 12)]).windows[0]
    np.testing.assert_array_equal(got[:6].reshape(3, 2), a @ b.T)
    np.testing.assert_array_equal(got[6:].reshape(3, 2), a @ b.T)


# ------------------------------------------------------------------------------ LIMA
@dataclass
class Ssm:
    """Coefficients of one fold: abar, bbar, c (nch x nm complex), D (nch)."""

    abar: np.ndarray
    bbar: np.ndarray
    c: np.ndarray
    d: np.ndarray

    @staticmethod
    def random(nch: int, nm: int, seed: int) -> Ssm:
        rng = np.random.default_rng(seed)
        radius = rng.uniform(0.3, 0.97, (nch, nm))
        angle = rng.uniform(-np.pi, np.pi, (nch, nm))
        abar = (radius * np.exp(1j * angle)).astype(np.complex64)
        bbar = 0.5 * (rng.standard_normal((nch, nm)) + 1j * rng.standard_normal((nch, nm)))
        c = rng.standard_normal((nch, nm)) + 1j * rng.standard_normal((nch, nm))
        d = rng.standard_normal(nch).astype(np.float32)
        return Ssm(abar, bbar.astype(np.complex64), c.astype(np.complex64), d)

    @property
    def words(self) -> np.ndarray:
        """The ldc layout: abar, bbar, c planes (complex64), then D."""
        planes = [
            np.ascontiguousarray(p).view(np.float32).ravel() for p in (self.abar, self.bbar, self.c)
        ]
        return np.concatenate([*planes, self.d])

    def reference(
        self, u: np.ndarray, state: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """float64 loop over timesteps: (y, final state)."""
        a, b, c = (p.astype(np.complex128) for p in (self.abar, self.bbar, self.c))
        d = self.d.astype(np.float64)
        s = np.zeros(a.shape, np.complex128) if state is None else state.copy()
        y = np.empty(u.shape, np.float64)
        for t in range(u.shape[0]):
            s = a * s + b * u[t].astype(np.float64)[:, None]
            y[t] = (c * s).sum(axis=1).real + d * u[t]
        return y, s


def _assert_close_to_reference(got: np.ndarray, want: np.ndarray) -> None:
    """rtol 1e-4, atol 1e-5 of the output's magnitude (SPEC.md's scan agreement)."""
    scale = max(float(np.max(np.abs(want), initial=0.0)), 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale)


def _run_lima(
    emu: EmulatorHarness,
    machine: Machine,
    ssm: Ssm,
    u: np.ndarray,
    chunks: list[int],
    *,
    seg: int = 0,
    acc_init: np.ndarray | None = None,
    slot: int = 0,
    pad: int = 0,
) -> np.ndarray:
    """cfg lima prodf seg; ldc; one lima per chunk (the first resets); returns y (steps x nch)."""
    steps, nch = u.shape
    nm = ssm.abar.shape[1]
    stride = nch + pad
    u_base = machine.bank("input").base
    y_base = machine.bank("output").base
    coef_base = machine.bank("weight").base
    u_buffer = np.zeros((steps, stride), np.float32)
    u_buffer[:, :nch] = u
    y_buffer = np.zeros((steps, stride), np.float32)
    if acc_init is not None:
        y_buffer[:, :nch] = acc_init

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", seg)
        builder.emit("ldc", slot, coef_base, nch, nm)
        t0 = 0
        for index, chunk in enumerate(chunks):
            builder.emit(
                "lima",
                slot,
                y_base + t0 * stride,
                u_base + t0 * stride,
                chunk,
                stride,
                stride,
                reset=index == 0,
                acc=acc_init is not None,
            )
            t0 += chunk

    placed = {u_base: u_buffer, coef_base: ssm.words, y_base: y_buffer}
    window = emu.run_sram(machine, placed, body, [(y_base, y_buffer.size)]).windows[0]
    y = window.reshape(steps, stride)
    np.testing.assert_array_equal(y[:, nch:], 0)  # the padding between rows stays untouched
    return y[:, :nch]


def test_lima_hand_computed(emu: EmulatorHarness, tiny: Machine) -> None:
    """One channel, one mode, abar = 0.5, bbar = 1, c = 2, D = 3: an impulse, then a step."""
    ssm = Ssm(
        np.array([[0.5]], np.complex64),
        np.array([[1.0]], np.complex64),
        np.array([[2.0]], np.complex64),
        np.array([3.0], np.float32),
    )
    u = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]], np.float32)
    got = _run_lima(emu, tiny, ssm, u, [5])
    # s = 1, .5, .25, 1.125, 1.5625;  y = 2 s + 3 u
    np.testing.assert_allclose(got[:, 0], [5.0, 1.0, 0.5, 5.25, 6.125], rtol=1e-6)


def test_lima_real_part_of_complex_modes(emu: EmulatorHarness, tiny: Machine) -> None:
    """abar = i rotates the state: s = 1, i, -1, -i; c = 1 - 2i gives Re(c s) = 1, 2, -1, -2."""
    ssm = Ssm(
        np.array([[1j]], np.complex64),
        np.array([[1.0]], np.complex64),
        np.array([[1 - 2j]], np.complex64),
        np.array([0.0], np.float32),
    )
    u = np.array([[1.0], [0.0], [0.0], [0.0]], np.float32)
    got = _run_lima(emu, tiny, ssm, u, [4])
    np.testing.assert_allclose(got[:, 0], [1.0, 2.0, -1.0, -2.0], atol=1e-6)


@pytest.mark.parametrize(
    "chunks",
    [
        [1],
        [BLOCK - 1],
        [BLOCK],
        [BLOCK + 1],
        [3 * BLOCK + 5],
        [BLOCK, BLOCK],  # continuation at block boundaries
        [5, BLOCK - 5, 1, 2 * BLOCK + 3],  # and off them
        [1, 1, 1, 1],
    ],
    ids=lambda chunks: "+".join(map(str, chunks)),
)
def test_lima_continuation_equals_one_stream(
    emu: EmulatorHarness, tiny: Machine, chunks: list[int]
) -> None:
    """The states stay in the PEs between lima instructions without reset."""
    steps = sum(chunks)
    ssm = Ssm.random(4, 4, seed=steps)
    u = np.random.default_rng(steps).standard_normal((steps, 4)).astype(np.float32)
    got = _run_lima(emu, tiny, ssm, u, chunks, pad=1)
    _assert_close_to_reference(got, ssm.reference(u)[0])


def test_lima_reset_zeroes_the_states(emu: EmulatorHarness, tiny: Machine) -> None:
    """A second fold with reset repeats the first exactly; without reset it would not."""
    ssm = Ssm.random(3, 2, seed=21)
    u = np.random.default_rng(21).standard_normal((10, 3)).astype(np.float32)
    u_base, coef_base, y_base = 0, tiny.bank("weight").base, tiny.bank("output").base

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldc", 0, coef_base, 3, 2)
        builder.emit("lima", 0, y_base, u_base, 10, 3, 3, reset=1)
        builder.emit("lima", 0, y_base + 30, u_base, 10, 3, 3, reset=1)
        builder.emit("lima", 0, y_base + 60, u_base, 10, 3, 3)  # carries on from step 10

    placed = {u_base: u, coef_base: ssm.words}
    got = emu.run_sram(tiny, placed, body, [(y_base, 90)]).windows[0].reshape(3, 10, 3)
    want, state = ssm.reference(u)
    _assert_close_to_reference(got[0], want)
    np.testing.assert_array_equal(got[1], got[0])
    _assert_close_to_reference(got[2], ssm.reference(u, state)[0])
    assert not np.allclose(got[2], got[0], rtol=1e-3)


def test_lds_starts_a_lima_from_a_state_and_sts_hands_on_the_last(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    """lds, lima without reset, sts: y and the last state of the recurrence from that state
    (complex, channels x modes, two words per element)."""
    nch, nm, steps = 3, 2, 7
    ssm = Ssm.random(nch, nm, seed=41)
    rng = np.random.default_rng(41)
    start = (rng.standard_normal((nch, nm)) + 1j * rng.standard_normal((nch, nm))).astype(
        np.complex64
    )
    u = rng.standard_normal((steps, nch)).astype(np.float32)
    coef_base = tiny.bank("weight").base
    u_base, s_base = 0, 64
    y_base = tiny.bank("output").base
    out_base = y_base + steps * nch

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldc", 1, coef_base, nch, nm)
        builder.emit("lds", 1, s_base, nch, nm, 2 * nm)
        builder.emit("lima", 1, y_base, u_base, steps, nch, nch)
        builder.emit("sts", 1, out_base, nch, nm, 2 * nm)

    words = np.stack([start.real, start.imag], axis=-1).reshape(nch, 2 * nm)
    placed = {u_base: u, s_base: words, coef_base: ssm.words}
    run = emu.run_sram(tiny, placed, body, [(y_base, steps * nch), (out_base, 2 * nch * nm)])
    want, last = ssm.reference(u, start.astype(np.complex128))
    _assert_close_to_reference(run.windows[0].reshape(steps, nch), want)
    got_last = run.windows[1].reshape(nch, nm, 2)
    np.testing.assert_allclose(got_last[..., 0] + 1j * got_last[..., 1], last, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("instructions", "message"),
    [
        ([("lds", 0, 64, 3, 2, 4)], "lds: slot 0 holds no LIMA coefficients"),
        ([("ldc", 0, None, 3, 2), ("lds", 0, 64, 3, 1, 4)], "lds of 3 channels x 1 modes"),
        ([("ldc", 0, None, 3, 2), ("sts", 0, 64, 3, 2, 4)], "sts: the PE states do not belong"),
    ],
    ids=["no-coefficients", "wrong-size", "sts-before-a-stream"],
)
def test_lds_and_sts_faults(
    emu: EmulatorHarness, tiny: Machine, instructions: list[tuple], message: str
) -> None:
    coef_base = tiny.bank("weight").base

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        for mnemonic, *fields in instructions:
            builder.emit(mnemonic, *(coef_base if f is None else f for f in fields))

    with pytest.raises(EmulatorFault, match=message):
        emu.run_sram(tiny, {coef_base: Ssm.random(3, 2, seed=1).words}, body, [])


def test_lima_acc_adds_to_the_destination(emu: EmulatorHarness, tiny: Machine) -> None:
    """Mode folding: a second fold over other modes accumulates onto the first one's y."""
    ssm = Ssm.random(4, 4, seed=31)
    low = Ssm(ssm.abar[:, :2], ssm.bbar[:, :2], ssm.c[:, :2], ssm.d)
    high = Ssm(ssm.abar[:, 2:], ssm.bbar[:, 2:], ssm.c[:, 2:], np.zeros(4, np.float32))
    u = np.random.default_rng(31).standard_normal((70, 4)).astype(np.float32)
    first = _run_lima(emu, tiny, low, u, [70])
    both = _run_lima(emu, tiny, high, u, [30, 40], acc_init=first, slot=1)
    _assert_close_to_reference(both, ssm.reference(u)[0])


def test_ldc_copies_the_coefficients(emu: EmulatorHarness, tiny: Machine) -> None:
    ssm = Ssm.random(2, 3, seed=41)
    u = np.random.default_rng(41).standard_normal((8, 2)).astype(np.float32)
    coef_base, y_base = tiny.bank("weight").base, tiny.bank("output").base
    words = len(ssm.words)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldc", 1, coef_base, 2, 3)
        builder.emit("vmuli", coef_base, coef_base, 0.0, 1, words, 0, 0)
        builder.emit("lima", 1, y_base, 0, 8, 2, 2, reset=1)

    got = emu.run_sram(tiny, {0: u, coef_base: ssm.words}, body, [(y_base, 16)]).windows[0]
    _assert_close_to_reference(got.reshape(8, 2), ssm.reference(u)[0])


def test_two_slots_keep_their_own_coefficients(emu: EmulatorHarness, tiny: Machine) -> None:
    first, second = Ssm.random(4, 2, seed=51), Ssm.random(4, 2, seed=52)
    u = np.random.default_rng(51).standard_normal((12, 4)).astype(np.float32)
    coef_base, y_base = tiny.bank("weight").base, tiny.bank("output").base
    size = len(first.words)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldc", 0, coef_base, 4, 2)
        builder.emit("ldc", 1, coef_base + size, 4, 2)
        builder.emit("lima", 1, y_base, 0, 12, 4, 4, reset=1)
        builder.emit("lima", 0, y_base + 48, 0, 12, 4, 4, reset=1)

    placed = {0: u, coef_base: np.concatenate([first.words, second.words])}
    got = emu.run_sram(tiny, placed, body, [(y_base, 96)]).windows[0].reshape(2, 12, 4)
    _assert_close_to_reference(got[0], second.reference(u)[0])
    _assert_close_to_reference(got[1], first.reference(u)[0])


def test_channel_packing_fills_every_segment(emu: EmulatorHarness, small: Machine) -> None:
    """8x4 array, segments of 2 rows: G = 4 segments x 4 columns = 16 channels of 2 modes."""
    ssm = Ssm.random(16, 2, seed=61)
    u = np.random.default_rng(61).standard_normal((100, 16)).astype(np.float32)
    got = _run_lima(emu, small, ssm, u, [64, 36], seg=2)
    _assert_close_to_reference(got, ssm.reference(u)[0])


def test_large_fold_carries_state_block_by_block(emu: EmulatorHarness, epochcore: Machine) -> None:
    """More than SMALL_TILE PEs: the scan carries states in a loop, not by prefix doubling."""
    nch, nm = 64, 40
    assert nch * nm > SMALL_TILE
    ssm = Ssm.random(nch, nm, seed=71)
    u = np.random.default_rng(71).standard_normal((3 * BLOCK + 2, nch)).astype(np.float32)
    got = _run_lima(emu, epochcore, ssm, u, [2 * BLOCK + 1, BLOCK + 1])
    _assert_close_to_reference(got, ssm.reference(u)[0])


def _boundary_or_any(low: int, high: int, boundaries: list[int]) -> st.SearchStrategy[int]:
    inside = sorted({b for b in boundaries if low <= b <= high})
    return st.one_of(st.sampled_from(inside), st.integers(low, high))


@st.composite
def lima_cases(draw: st.DrawFn) -> dict[str, Any]:
    preset = draw(st.sampled_from(["tiny", "small"]))
    rows, cols = {"tiny": (4, 4), "small": (8, 4)}[preset]
    seg = draw(st.one_of(st.just(0), st.integers(1, rows)))
    segment = seg or rows
    capacity = (rows // segment) * cols
    nm = draw(_boundary_or_any(1, segment, [1, segment - 1, segment, rows - 1, rows]))
    nch = draw(_boundary_or_any(1, capacity, [1, rows - 1, rows, cols, capacity]))
    step_sizes = st.one_of(
        st.sampled_from([1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK]), st.integers(1, 150)
    )
    chunks = draw(st.lists(step_sizes, min_size=1, max_size=3))
    return dict(
        preset=preset,
        seg=seg,
        nm=nm,
        nch=nch,
        chunks=chunks,
        acc=draw(st.booleans()),
        slot=draw(st.integers(0, 1)),
        pad=draw(st.sampled_from([0, 3])),
        seed=draw(st.integers(0, 2**16)),
    )


@given(case=lima_cases())
@settings(max_examples=25, deadline=None)
def test_lima_matches_the_float64_recurrence(
    emu: EmulatorHarness, tiny: Machine, small: Machine, case: dict[str, Any]
) -> None:
    machine = {"tiny": tiny, "small": small}[case["preset"]]
    ssm = Ssm.random(case["nch"], case["nm"], case["seed"])
    rng = np.random.default_rng(case["seed"])
    steps = sum(case["chunks"])
    u = rng.standard_normal((steps, case["nch"])).astype(np.float32)
    y0 = rng.standard_normal(u.shape).astype(np.float32) if case["acc"] else None
    got = _run_lima(
        emu,
        machine,
        ssm,
        u,
        case["chunks"],
        seg=case["seg"],
        acc_init=y0,
        slot=case["slot"],
        pad=case["pad"],
    )
    want = ssm.reference(u)[0] + (0 if y0 is None else y0)
    _assert_close_to_reference(got, want)
