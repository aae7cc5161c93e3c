"""`load` and `store`: 2-D strided copies between DRAM and SRAM, against numpy index arithmetic.

SRAM[dst + i*dst_stride + j] = DRAM[src + i*src_stride + j]  (load; store the other way round).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.errors import EmulatorFault
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.fields import Mem
from epoch_mlir.machine import Machine

if TYPE_CHECKING:
    from tests.emulator.conftest import EmulatorHarness

SRAM_BASE = 100  # an SRAM window inside the input bank of every preset
WINDOW = 64


def _source(words: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(words).astype(np.float32)


def _run_load(
    emu: EmulatorHarness,
    machine: Machine,
    x: np.ndarray,
    src: int,
    dst: int,
    rows: int,
    cols: int,
    dst_stride: int,
    src_stride: int,
) -> np.ndarray:
    """load x[src...] into SRAM_BASE + dst with the given shape, return the whole SRAM window."""

    def body(builder: ProgramBuilder) -> None:
        arg = builder.arg("x", x.shape)
        out = builder.result("y", (WINDOW,))
        builder.emit("load", SRAM_BASE + dst, arg.address + src, rows, cols, dst_stride, src_stride)
        builder.emit("store", out, SRAM_BASE, 1, WINDOW, WINDOW, WINDOW)
        builder.emit("halt")

    return emu.run(body, machine, [x]).outputs["res0"]


@pytest.mark.parametrize(
    ("src", "dst", "rows", "cols", "dst_stride", "src_stride"),
    [
        (0, 0, 1, 16, 16, 16),  # one contiguous row
        (0, 0, 3, 5, 5, 5),  # dense 3x5
        (2, 1, 3, 4, 6, 10),  # a sub-block of a 10-wide matrix into a padded 6-wide buffer
        (7, 0, 4, 3, 3, 0),  # stride-0 source: one row broadcast to four
        (30, 0, 4, 5, 5, -10),  # negative source stride: rows come in reverse order
        (0, 40, 3, 5, -8, 5),  # negative destination stride: rows land in reverse order
        (0, 0, 5, 3, 3, 1),  # overlapping source rows (sliding windows, as a conv needs)
        (3, 2, 1, 1, 0, 0),  # a single word
    ],
)
def test_load_copies_a_strided_region(
    emu: EmulatorHarness,
    tiny: Machine,
    src: int,
    dst: int,
    rows: int,
    cols: int,
    dst_stride: int,
    src_stride: int,
) -> None:
    x = _source(48)
    got = _run_load(emu, tiny, x, src, dst, rows, cols, dst_stride, src_stride)
    region = emu.gather(x, src, rows, cols, src_stride)
    expected = emu.scatter(np.zeros(WINDOW, np.float32), dst, region, dst_stride)
    np.testing.assert_array_equal(got, expected)


def test_load_with_stride_zero_destination_faults(emu: EmulatorHarness, tiny: Machine) -> None:
    """Destination rows that overlap have no defined order: the machine refuses them."""
    with pytest.raises(EmulatorFault, match="destination rows overlap"):
        _run_load(emu, tiny, _source(48), 0, 4, 3, 5, 0, 7)


@given(
    rows=st.integers(1, 5),
    cols=st.integers(1, 6),
    src_stride=st.integers(-8, 8),
    dst_stride=st.integers(-8, 8),
    data=st.data(),
)
@settings(max_examples=25, deadline=None)
def test_load_matches_the_pseudo_code_for_any_strides(
    emu: EmulatorHarness,
    tiny: Machine,
    rows: int,
    cols: int,
    src_stride: int,
    dst_stride: int,
    data: st.DataObject,
) -> None:
    if rows > 1 and abs(dst_stride) < cols:  # overlapping destination rows are refused
        src = (rows - 1) * max(0, -src_stride)
        with pytest.raises(EmulatorFault, match="destination rows overlap"):
            _run_load(emu, tiny, _source(64), src, 8, rows, cols, dst_stride, src_stride)
        return
    # place each region so that it stays inside the argument and the window
    src = (rows - 1) * max(0, -src_stride)
    dst = (rows - 1) * max(0, -dst_stride)
    src += data.draw(st.integers(0, 4), label="src shift")
    x = _source(64, seed=rows * 100 + cols)
    got = _run_load(emu, tiny, x, src, dst, rows, cols, dst_stride, src_stride)
    expected = np.zeros(WINDOW, np.float32)
    index = emu.indices(dst, rows, cols, dst_stride)
    values = emu.gather(x, src, rows, cols, src_stride)
    for i in range(rows):  # sequential semantics: a later row overwrites an earlier one
        expected[index[i]] = values[i]
    np.testing.assert_array_equal(got, expected)


def test_overlapping_destination_rows_are_written_in_program_order_or_fault(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    """Rows [1, 2] then [3, 4] to words 1.. then 0..: in program order the window is 3 4 2.

    The pseudo-code is a loop over i; a DMA engine writes row 0 before row 1. The emulator
    gives 3 1 2 (np.copyto reverses the negative-stride axis). Either order or a fault would
    be a defined behaviour; silently depending on numpy's iteration order is not.
    """
    x = np.array([1, 2, 3, 4], np.float32)
    with pytest.raises(EmulatorFault, match="destination rows overlap"):
        _run_load(emu, tiny, x, 0, 1, 2, 2, -1, 2)


@pytest.mark.parametrize(
    ("dst", "rows", "cols", "dst_stride", "src_stride"),
    [
        (0, 3, 5, 5, 5),
        (1, 3, 4, 9, 4),  # padded rows in DRAM: the gaps stay untouched (zero)
        (36, 4, 4, -12, 4),  # negative DRAM stride
        (0, 4, 6, 6, 0),  # stride-0 SRAM source: one row stored four times
        (2, 2, 3, 5, -6),  # negative SRAM stride
    ],
)
def test_store_copies_a_strided_region(
    emu: EmulatorHarness,
    tiny: Machine,
    dst: int,
    rows: int,
    cols: int,
    dst_stride: int,
    src_stride: int,
) -> None:
    x = _source(WINDOW, seed=3)
    sram_offset = 20  # the SRAM region starts here within the loaded window

    def body(builder: ProgramBuilder) -> None:
        arg = builder.arg("x", x.shape)
        out = builder.result("y", (48,))
        builder.emit("load", SRAM_BASE, arg, 1, WINDOW, WINDOW, WINDOW)
        builder.emit(
            "store",
            out.address + dst,
            SRAM_BASE + sram_offset,
            rows,
            cols,
            dst_stride,
            src_stride,
        )
        builder.emit("halt")

    got = emu.run(body, tiny, [x]).outputs["res0"]
    region = emu.gather(x, sram_offset, rows, cols, src_stride)
    expected = emu.scatter(np.zeros(48, np.float32), dst, region, dst_stride)
    np.testing.assert_array_equal(got, expected)


def test_complex_tensors_move_as_word_pairs(emu: EmulatorHarness, tiny: Machine) -> None:
    """A c64 argument is 2 words per element: rows of 2*cols words, re then im."""
    rng = np.random.default_rng(5)
    z = (rng.standard_normal((4, 6)) + 1j * rng.standard_normal((4, 6))).astype(np.complex64)

    def body(builder: ProgramBuilder) -> None:
        arg = builder.arg("z", (4, 6), "c64")
        out = builder.result("w", (2, 3), "c64")
        # columns 2..4 of rows 1 and 3 (every other row), i.e. words 4..9 of rows 1, 3
        builder.emit("load", SRAM_BASE, arg.address + 1 * 12 + 4, 2, 6, 6, 24)
        builder.emit("store", out, SRAM_BASE, 2, 6, 6, 6)
        builder.emit("halt")

    got = emu.run(body, tiny, [z]).outputs["res0"]
    assert got.dtype == np.complex64
    np.testing.assert_array_equal(got, z[1::2, 2:5])


def test_dma_operands_use_the_base_register(emu: EmulatorHarness, tiny: Machine) -> None:
    """Effective addresses are r[reg] + offset for both the DRAM and the SRAM side."""
    x = _source(32, seed=9)

    def body(builder: ProgramBuilder) -> None:
        arg = builder.arg("x", x.shape)
        out = builder.result("y", (8,))
        builder.emit("li", 3, arg.address + 10)
        builder.emit("li", 4, SRAM_BASE + 50)
        builder.emit("load", Mem(4, -50), Mem(3, 6), 1, 8, 8, 8)  # x[16:24] to SRAM_BASE
        builder.emit("store", out, SRAM_BASE, 1, 8, 8, 8)
        builder.emit("halt")

    np.testing.assert_array_equal(emu.run(body, tiny, [x]).outputs["res0"], x[16:24])


def test_results_not_written_stay_zero_and_inputs_are_not_outputs(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.arg("x", (4,))
        builder.result("y", (2, 3))
        builder.result("z", (5,), "c64")
        builder.emit("halt")

    outputs = emu.run(body, tiny, [np.ones(4, np.float32)]).outputs
    assert sorted(outputs) == ["res0", "res1"]
    np.testing.assert_array_equal(outputs["res0"], np.zeros((2, 3), np.float32))
    assert outputs["res1"].dtype == np.complex64
    assert outputs["res1"].shape == (5,)
    assert not outputs["res1"].any()


def test_constants_are_in_dram_before_the_run(emu: EmulatorHarness, tiny: Machine) -> None:
    table = np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5

    def body(builder: ProgramBuilder) -> None:
        constant = builder.const("table", table)
        out = builder.result("y", (3, 4))
        builder.emit("load", SRAM_BASE, constant, 3, 4, 4, 4)
        builder.emit("store", out, SRAM_BASE, 3, 4, 4, 4)
        builder.emit("halt")

    np.testing.assert_array_equal(emu.run(body, tiny).outputs["res0"], table)


def _run_gather(
    emu: EmulatorHarness, machine: Machine, table: np.ndarray, ids: np.ndarray, dst_stride: int
) -> tuple[np.ndarray, object]:
    """gather table rows by ids into SRAM_BASE (rows `dst_stride` words apart); the window."""
    vocab, cols = table.shape

    def body(builder: ProgramBuilder) -> None:
        t = builder.arg("table", table.shape)
        i = builder.arg("ids", ids.shape, "i32")
        out = builder.result("y", (WINDOW,))
        builder.emit("gather", SRAM_BASE, t, i, len(ids), cols, dst_stride, vocab)
        builder.emit("store", out, SRAM_BASE, 1, WINDOW, WINDOW, WINDOW)
        builder.emit("halt")

    result = emu.run(body, machine, [table, ids])
    return result.outputs["res0"], result.stats


def test_gather_copies_the_rows_the_ids_name(emu: EmulatorHarness, tiny: Machine) -> None:
    table = np.arange(30, dtype=np.float32).reshape(10, 3)
    ids = np.array([7, 0, 7, 9], np.int32)  # repeats and both ends of the table
    got, stats = _run_gather(emu, tiny, table, ids, 5)
    expected = np.zeros(WINDOW, np.float32)
    for i, row in enumerate(ids):
        expected[i * 5 : i * 5 + 3] = table[row]
    np.testing.assert_array_equal(got, expected)
    # DRAM traffic: the ids and the rows named, not the whole table (plus the result's store)
    assert stats.dram_read_bytes == 4 * (len(ids) + len(ids) * 3)


@pytest.mark.parametrize(("bad", "position"), [(10, 2), (-1, 0)])
def test_gather_faults_naming_the_position_of_an_id_outside_the_table(
    emu: EmulatorHarness, tiny: Machine, bad: int, position: int
) -> None:
    table = np.zeros((10, 3), np.float32)
    ids = np.array([1, 2, 3, 4], np.int32)
    ids[position] = bad
    with pytest.raises(
        EmulatorFault, match=rf"index {bad} at ids\[{position}\] is outside the table's 10 rows"
    ):
        _run_gather(emu, tiny, table, ids, 3)
