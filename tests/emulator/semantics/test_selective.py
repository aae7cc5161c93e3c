"""The selective ProDF stream `lsel` (and `vdexp` feeding it) against a float64 loop over timesteps.

The reference steps the table's pseudo-code one timestep at a time in float64:
x = abar_t * x + B_t (x) u_t;  y_t = C_t . x  (rtol 1e-4, atol 1e-5 of the output's magnitude,
as for `lima`). The emulator computes it as a blocked scan (emulator/selective.py), so streams
are drawn across block boundaries and split across instructions that continue the held states.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.emulator.selective import block_length, selective_scan
from epoch_mlir.errors import EmulatorFault
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.machine import Machine

if TYPE_CHECKING:
    from tests.emulator.conftest import EmulatorHarness


@dataclass
class Stream:
    """One selective stream: abar (steps x nm x nch), B and C (steps x nm), u (steps x nch)."""

    abar: np.ndarray
    b: np.ndarray
    c: np.ndarray
    u: np.ndarray

    @staticmethod
    def random(steps: int, nm: int, nch: int, seed: int, signed: bool = False) -> Stream:
        """|abar| <= 1: exp(-delta A) like a discretization, or any sign in [-1, 1]."""
        rng = np.random.default_rng(seed)
        if signed:
            abar = rng.uniform(-1.0, 1.0, (steps, nm, nch))
        else:
            abar = np.exp(-rng.uniform(0.0, 1.5, (steps, nm, nch)))
        return Stream(
            abar.astype(np.float32),
            rng.standard_normal((steps, nm)).astype(np.float32),
            rng.standard_normal((steps, nm)).astype(np.float32),
            rng.standard_normal((steps, nch)).astype(np.float32),
        )

    @property
    def shape(self) -> tuple[int, int, int]:
        steps, nm, nch = self.abar.shape
        return steps, nm, nch

    def modes(self, which: slice) -> Stream:
        """The stream of a subset of the modes (one fold of a mode-folded stream)."""
        return Stream(
            np.ascontiguousarray(self.abar[:, which]),
            np.ascontiguousarray(self.b[:, which]),
            np.ascontiguousarray(self.c[:, which]),
            self.u,
        )

    def reference(self, state: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """float64 loop over timesteps: (y, final state)."""
        steps, nm, nch = self.shape
        a, b, c, u = (p.astype(np.float64) for p in (self.abar, self.b, self.c, self.u))
        x = np.zeros((nm, nch)) if state is None else state.astype(np.float64)
        y = np.empty((steps, nch))
        for t in range(steps):
            x = a[t] * x + b[t][:, None] * u[t][None, :]
            y[t] = c[t] @ x
        return y, x


def _assert_close(got: np.ndarray, want: np.ndarray) -> None:
    scale = max(float(np.max(np.abs(want), initial=0.0)), 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * scale)


# ------------------------------------------------------------------------ the scan itself
@pytest.mark.parametrize("block", [1, 2, 3, 7, 16, 63, 64, 65, 200])
@pytest.mark.parametrize("steps", [1, 5, 64, 130])
def test_scan_is_exact_for_any_block_length(steps: int, block: int) -> None:
    """Full blocks, a tail, one block longer than the stream: the same recurrence."""
    stream = Stream.random(steps, 3, 5, seed=steps * 1000 + block, signed=True)
    start = np.random.default_rng(block).standard_normal((3, 5)).astype(np.float32)
    y, x = selective_scan(stream.abar, stream.b, stream.c, stream.u, start, block=block)
    want_y, want_x = stream.reference(start)
    assert y.dtype == x.dtype == np.float32
    _assert_close(y, want_y)
    _assert_close(x, want_x)


def test_scan_of_an_array_sized_fold() -> None:
    """nch 512 x nm 16 (the working-set bound picks few, long blocks) over 300 steps."""
    steps, nm, nch = 300, 16, 512
    assert block_length(steps, nm * nch) > 2 * int(np.sqrt(steps))
    stream = Stream.random(steps, nm, nch, seed=5)
    y, x = selective_scan(stream.abar, stream.b, stream.c, stream.u, np.zeros((nm, nch)))
    want_y, want_x = stream.reference()
    _assert_close(y, want_y)
    _assert_close(x, want_x)


def test_scan_zero_abar_forgets_and_zero_steps_keep_the_state() -> None:
    """abar = 0 (an underflowed exp): no division by products, the state restarts from B u."""
    stream = Stream.random(40, 2, 3, seed=6)
    stream.abar[[0, 17, 18, 39]] = 0.0
    start = np.full((2, 3), 1e30, np.float32)
    y, x = selective_scan(stream.abar, stream.b, stream.c, stream.u, start, block=8)
    assert np.all(np.isfinite(y))
    _assert_close(y, stream.reference(start)[0])
    empty = Stream.random(0, 2, 3, seed=7)
    y, x = selective_scan(empty.abar, empty.b, empty.c, empty.u, start)
    assert y.shape == (0, 3)
    np.testing.assert_array_equal(x, start)


# ------------------------------------------------------------------ lsel on the emulator
def _run_lsel(
    emu: EmulatorHarness,
    machine: Machine,
    stream: Stream,
    chunks: list[int],
    *,
    seg: int = 0,
    acc_init: np.ndarray | None = None,
    pad: int = 0,
    b_pad: int = 0,
) -> np.ndarray:
    """cfg lima, prodf, seg; one lsel per chunk (the first resets); returns y (steps x nch).

    u and y rows are nch + pad words apart (src_stride), B|C rows 2 nm + b_pad (b_stride); abar is
    dense planes. The padding words of y must stay untouched.
    """
    steps, nm, nch = stream.shape
    stride, b_stride = nch + pad, 2 * nm + b_pad
    u_base = machine.bank("input").base
    a_base = u_base + steps * stride
    bc_base = machine.bank("weight").base
    y_base = machine.bank("output").base
    u_buffer = np.zeros((steps, stride), np.float32)
    u_buffer[:, :nch] = stream.u
    bc_buffer = np.full((steps, b_stride), 7.0, np.float32)
    bc_buffer[:, :nm], bc_buffer[:, nm : 2 * nm] = stream.b, stream.c
    y_buffer = np.full((steps, stride), -3.0, np.float32)
    y_buffer[:, :nch] = 0.0 if acc_init is None else acc_init

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", seg)
        t0 = 0
        for index, chunk in enumerate(chunks):
            builder.emit(
                "lsel",
                y_base + t0 * stride,
                u_base + t0 * stride,
                a_base + t0 * nm * nch,
                bc_base + t0 * b_stride,
                chunk,
                nch,
                nm,
                stride,
                b_stride,
                reset=index == 0,
                acc=acc_init is not None,
            )
            t0 += chunk

    placed = {u_base: u_buffer, a_base: stream.abar, bc_base: bc_buffer, y_base: y_buffer}
    window = emu.run_sram(machine, placed, body, [(y_base, y_buffer.size)]).windows[0]
    y = window.reshape(steps, stride)
    np.testing.assert_array_equal(y[:, nch:], -3.0)
    return y[:, :nch]


def test_lsel_hand_computed(emu: EmulatorHarness, tiny: Machine) -> None:
    """One channel, one mode, abar = 0.5, B = 1, C = 2: an impulse, then a step."""
    steps = 5
    stream = Stream(
        np.full((steps, 1, 1), 0.5, np.float32),
        np.ones((steps, 1), np.float32),
        np.full((steps, 1), 2.0, np.float32),
        np.array([[1.0], [0.0], [0.0], [1.0], [1.0]], np.float32),
    )
    got = _run_lsel(emu, tiny, stream, [steps])
    # x = 1, .5, .25, 1.125, 1.5625;  y = 2 x
    np.testing.assert_allclose(got[:, 0], [2.0, 1.0, 0.5, 2.25, 3.125], rtol=1e-6)


def test_lsel_coefficients_change_every_step(emu: EmulatorHarness, tiny: Machine) -> None:
    """Two modes, two channels, every coefficient different per step: exact small integers."""
    abar = np.array([[[1, 0], [0.5, 1]], [[0, 1], [1, 0.5]], [[1, 1], [0, 2]]], np.float32)
    b = np.array([[1, 2], [3, 0], [0, 1]], np.float32)
    c = np.array([[1, 0], [0, 1], [1, -1]], np.float32)
    u = np.array([[1, 2], [1, 0], [2, 1]], np.float32)
    stream = Stream(abar, b, c, u)
    # t0: x = [[1, 2], [2, 4]], y = [1, 2];  t1: x = [[3, 2], [2, 2]], y = [2, 2]
    # t2: x = [[3, 2], [2, 5]], y = [1, -3]
    got = _run_lsel(emu, tiny, stream, [3], pad=1)
    np.testing.assert_array_equal(got, [[1, 2], [2, 2], [1, -3]])


@pytest.mark.parametrize(
    "chunks",
    [[1, 1, 1], [8, 8], [5, 60, 1, 70], [199, 1], [100, 100]],
    ids=lambda chunks: "+".join(map(str, chunks)),
)
def test_lsel_continuation_equals_one_stream(
    emu: EmulatorHarness, small: Machine, chunks: list[int]
) -> None:
    """The states stay in the PEs between lsel instructions without reset."""
    stream = Stream.random(sum(chunks), 3, 6, seed=sum(chunks))
    split = _run_lsel(emu, small, stream, chunks, seg=4, pad=2, b_pad=1)
    whole = _run_lsel(emu, small, stream, [sum(chunks)], seg=4, pad=2, b_pad=1)
    want = stream.reference()[0]
    _assert_close(split, want)
    _assert_close(whole, want)


def test_lsel_reset_zeroes_the_states(emu: EmulatorHarness, tiny: Machine) -> None:
    """The same stream twice with reset gives the same y; a third without reset carries on."""
    stream = Stream.random(12, 2, 3, seed=21)
    a_base, bc_base, y_base = 1000, tiny.bank("weight").base, tiny.bank("output").base

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("lsel", y_base, 0, a_base, bc_base, 12, 3, 2, 3, 4, reset=1)
        builder.emit("lsel", y_base + 36, 0, a_base, bc_base, 12, 3, 2, 3, 4, reset=1)
        builder.emit("lsel", y_base + 72, 0, a_base, bc_base, 12, 3, 2, 3, 4)

    placed = {0: stream.u, a_base: stream.abar, bc_base: np.concatenate([stream.b, stream.c], 1)}
    got = emu.run_sram(tiny, placed, body, [(y_base, 108)]).windows[0].reshape(3, 12, 3)
    want, state = stream.reference()
    _assert_close(got[0], want)
    np.testing.assert_array_equal(got[1], got[0])
    _assert_close(got[2], stream.reference(state)[0])
    assert not np.allclose(got[2], got[0], rtol=1e-3)


def test_lsel_state_is_separate_from_the_lima_state(emu: EmulatorHarness, tiny: Machine) -> None:
    """A lima fold between two lsel chunks leaves the selective stream's states alone."""
    from tests.emulator.semantics.test_array import Ssm

    stream = Stream.random(10, 2, 3, seed=22)
    ssm = Ssm.random(3, 2, seed=22)
    a_base, coef_base = 1000, tiny.bank("weight").base
    bc_base, y_base = coef_base + 1000, tiny.bank("output").base
    bc = np.concatenate([stream.b, stream.c], 1)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("lsel", y_base, 0, a_base, bc_base, 4, 3, 2, 3, 4, reset=1)
        builder.emit("ldc", 0, coef_base, 3, 2)
        builder.emit("lima", 0, y_base + 100, 0, 10, 3, 3, reset=1)
        builder.emit("lsel", y_base + 12, 12, a_base + 24, bc_base + 16, 6, 3, 2, 3, 4)

    placed = {0: stream.u, a_base: stream.abar, coef_base: ssm.words, bc_base: bc}
    got = emu.run_sram(tiny, placed, body, [(y_base, 30)]).windows[0].reshape(10, 3)
    _assert_close(got, stream.reference()[0])


def test_lsel_acc_adds_to_the_destination(emu: EmulatorHarness, small: Machine) -> None:
    """Mode folding: a second stream over other modes accumulates onto the first one's y."""
    stream = Stream.random(70, 4, 4, seed=31)
    low, high = stream.modes(slice(0, 2)), stream.modes(slice(2, 4))
    first = _run_lsel(emu, small, low, [70])
    both = _run_lsel(emu, small, high, [30, 40], acc_init=first)
    _assert_close(both, stream.reference()[0])


def test_lsel_fills_every_packed_segment(emu: EmulatorHarness, small: Machine) -> None:
    """8x4 array, segments of 2 rows: G = 4 segments x 4 columns = 16 channels of 2 modes."""
    stream = Stream.random(100, 2, 16, seed=61)
    got = _run_lsel(emu, small, stream, [64, 36], seg=2)
    _assert_close(got, stream.reference()[0])


def test_lsel_on_epochcore_with_a_mamba_sized_fold(
    emu: EmulatorHarness, epochcore: Machine
) -> None:
    """128x128, segments of 16 rows: 512 channels x 16 modes, two chunks."""
    stream = Stream.random(96, 16, 512, seed=71)
    got = _run_lsel(emu, epochcore, stream, [40, 56], seg=16)
    _assert_close(got, stream.reference()[0])


def test_vdexp_then_lsel_is_a_mamba_selective_scan(emu: EmulatorHarness, small: Machine) -> None:
    """abar = exp(delta A) by vdexp, delta*u by vmul, then lsel: Mamba's discretized scan
    x = exp(delta A) x + delta B u;  y = C x  (zero-order hold on A, Euler on B)."""
    steps, nch, nm = 50, 4, 8
    rng = np.random.default_rng(81)
    delta = rng.uniform(0.01, 1.0, (steps, nch)).astype(np.float32)
    a = -rng.uniform(0.5, 4.0, (nch, nm)).astype(np.float32)
    bc = rng.standard_normal((steps, 2 * nm)).astype(np.float32)
    u = rng.standard_normal((steps, nch)).astype(np.float32)
    d_base, a_base, u_base = 0, 1000, 2000
    bc_base, abar_base, y_base = small.bank("weight").base, 4000, small.bank("output").base
    du_base = 3000

    def body(builder: ProgramBuilder) -> None:
        builder.emit("vdexp", abar_base, d_base, a_base, steps, nch, nm, nch, nm)
        builder.emit("vmul", du_base, d_base, u_base, steps, nch, nch, nch, nch)
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit(
            "lsel", y_base, du_base, abar_base, bc_base, steps, nch, nm, nch, 2 * nm, reset=1
        )

    placed = {d_base: delta, a_base: a, u_base: u, bc_base: bc}
    got = emu.run_sram(small, placed, body, [(y_base, steps * nch)]).windows[0]
    d64, a64, u64 = delta.astype(np.float64), a.astype(np.float64), u.astype(np.float64)
    x, want = np.zeros((nch, nm)), np.empty((steps, nch))
    for t in range(steps):
        x = np.exp(d64[t][:, None] * a64) * x + d64[t][:, None] * bc[t, :nm] * u64[t][:, None]
        want[t] = x @ bc[t, nm:]
    _assert_close(got.reshape(steps, nch), want)


def _boundary_or_any(low: int, high: int, boundaries: list[int]) -> st.SearchStrategy[int]:
    inside = sorted({b for b in boundaries if low <= b <= high})
    return st.one_of(st.sampled_from(inside), st.integers(low, high))


@st.composite
def lsel_cases(draw: st.DrawFn) -> dict[str, Any]:
    preset = draw(st.sampled_from(["tiny", "small"]))
    rows, cols = {"tiny": (4, 4), "small": (8, 4)}[preset]
    seg = draw(st.one_of(st.just(0), st.integers(1, rows)))
    segment = seg or rows
    capacity = (rows // segment) * cols
    nm = draw(_boundary_or_any(1, segment, [1, segment]))
    nch = draw(_boundary_or_any(1, capacity, [1, cols, capacity]))
    steps = draw(
        st.one_of(st.sampled_from([1, 2, 15, 16, 17, 63, 64, 65, 199, 200]), st.integers(1, 200))
    )
    split = draw(st.one_of(st.just(steps), st.integers(1, steps)))
    chunks = [split, steps - split] if split < steps else [steps]
    return dict(
        preset=preset,
        seg=seg,
        nm=nm,
        nch=nch,
        chunks=chunks,
        acc=draw(st.booleans()),
        pad=draw(st.sampled_from([0, 3])),
        b_pad=draw(st.sampled_from([0, 1])),
        signed=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


@given(case=lsel_cases())
@settings(max_examples=50, deadline=None)
def test_lsel_matches_the_float64_recurrence(
    emu: EmulatorHarness, tiny: Machine, small: Machine, case: dict[str, Any]
) -> None:
    machine = {"tiny": tiny, "small": small}[case["preset"]]
    steps = sum(case["chunks"])
    stream = Stream.random(steps, case["nm"], case["nch"], case["seed"], case["signed"])
    rng = np.random.default_rng(case["seed"] + 1)
    y0 = rng.standard_normal(stream.u.shape).astype(np.float32) if case["acc"] else None
    got = _run_lsel(
        emu,
        machine,
        stream,
        case["chunks"],
        seg=case["seg"],
        acc_init=y0,
        pad=case["pad"],
        b_pad=case["b_pad"],
    )
    want = stream.reference()[0] + (0 if y0 is None else y0)
    _assert_close(got, want)


# ------------------------------------------------------------------ ldx / stx: held states
def test_ldx_starts_an_lsel_from_a_state_and_stx_hands_on_the_last(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    """ldx, lsel without reset, stx: y and the last state of the recurrence from that state."""
    steps, nm, nch = 6, 3, 4
    stream = Stream.random(steps, nm, nch, seed=8)
    start = np.random.default_rng(9).standard_normal((nm, nch)).astype(np.float32)
    u_base = tiny.bank("input").base
    a_base = u_base + steps * nch
    bc_base = tiny.bank("weight").base
    x_base = bc_base + steps * 2 * nm
    y_base = tiny.bank("output").base
    out_base = y_base + steps * nch
    bc = np.concatenate([stream.b, stream.c], axis=1)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldx", x_base, nch, nm, nch)
        builder.emit("lsel", y_base, u_base, a_base, bc_base, steps, nch, nm, nch, 2 * nm)
        builder.emit("stx", out_base, nch, nm, nch)

    placed = {u_base: stream.u, a_base: stream.abar, bc_base: bc, x_base: start}
    run = emu.run_sram(tiny, placed, body, [(y_base, steps * nch), (out_base, nm * nch)])
    y, x = selective_scan(stream.abar, stream.b, stream.c, stream.u, start)
    np.testing.assert_allclose(run.windows[0].reshape(steps, nch), y, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run.windows[1].reshape(nm, nch), x, rtol=1e-5, atol=1e-6)


def test_stx_without_a_selective_stream_faults(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("stx", tiny.bank("output").base, 4, 2, 4)

    with pytest.raises(
        EmulatorFault,
        match="stx of 2 modes x 4 channels, but the PE states hold no selective stream",
    ):
        emu.run_sram(tiny, {}, body, [])
