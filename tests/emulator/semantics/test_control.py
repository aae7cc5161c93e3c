"""Control instructions: registers (`li`, `addi`), hardware loops, `sync` and `halt`.

Registers are only observable through memory operands (`offset(rN)` = r[N] + offset), so every
test moves data with a register-addressed instruction and checks where it landed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest

from epoch_mlir.emulator.core import dynamic_instruction_count
from epoch_mlir.errors import EmulatorFault
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.fields import Mem
from epoch_mlir.machine import Machine

if TYPE_CHECKING:
    from tests.emulator.conftest import EmulatorHarness

SRC, DST = 0, 1000  # SRAM word addresses
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def _copy_one(builder: ProgramBuilder, dst: Mem | int, src: Mem | int, words: int = 1) -> None:
    builder.emit("vcopy", dst, src, 1, words, 0, 0)


def test_li_sets_a_register(emu: EmulatorHarness, tiny: Machine) -> None:
    data = np.arange(10, dtype=np.float32)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 5, SRC + 7)
        builder.emit("li", 6, DST - 3)
        _copy_one(builder, Mem(6, 3), Mem(5, 0))  # DST <- SRC[7]
        builder.emit("li", 5, -4)  # negative immediates too
        _copy_one(builder, Mem(6, 4), Mem(5, SRC + 6))  # DST+1 <- SRC[2]

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 2)]).windows[0]
    assert got.tolist() == [7.0, 2.0]


def test_r0_always_reads_zero(emu: EmulatorHarness, tiny: Machine) -> None:
    data = np.arange(10, dtype=np.float32)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 0, 5)
        builder.emit("addi", 0, 0, 3)
        with builder.loop(2, ra=0, sa=7):
            builder.emit("vaddi", DST, DST, 1.0, 1, 1, 0, 0)
        _copy_one(builder, Mem(0, DST + 1), Mem(0, SRC + 4))

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 2)]).windows[0]
    assert got.tolist() == [2.0, 4.0]


def test_addi_adds_to_another_register(emu: EmulatorHarness, tiny: Machine) -> None:
    data = np.arange(20, dtype=np.float32)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 1, 10)
        builder.emit("addi", 2, 1, 5)  # r2 = 15, r1 unchanged
        builder.emit("addi", 1, 1, -8)  # r1 = 2
        _copy_one(builder, Mem(0, DST), Mem(2, SRC))
        _copy_one(builder, Mem(0, DST + 1), Mem(1, SRC))

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 2)]).windows[0]
    assert got.tolist() == [15.0, 2.0]


@pytest.mark.parametrize(
    ("start", "steps", "back"),
    [
        (INT32_MAX, [INT32_MAX], 2),  # 2^32 - 2 wraps to -2
        (INT32_MIN + 3, [INT32_MIN], -3),  # 3 - 2^32 wraps to 3
        (-5, [INT32_MIN, INT32_MIN], 5),  # two half-turns come back to -5
        (INT32_MIN, [INT32_MIN, 7], -7),  # -2^32 wraps to 0, then 7
    ],
)
def test_addi_wraps_around_32_bits(
    emu: EmulatorHarness, tiny: Machine, start: int, steps: list[int], back: int
) -> None:
    """Only the wrapped r3 makes `SRC + 2 + back(r3)` address SRC + 2; unwrapped, every case
    leaves the SRAM (a fault)."""
    data = np.arange(4, dtype=np.float32) + 1

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 3, start)
        for step in steps:
            builder.emit("addi", 3, 3, step)
        _copy_one(builder, DST, Mem(3, SRC + 2 + back), 1)

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 1)]).windows[0]
    assert got.tolist() == [3.0]


def test_loop_strides_wrap_around_32_bits(emu: EmulatorHarness, tiny: Machine) -> None:
    data = np.arange(4, dtype=np.float32) + 1

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 3, INT32_MIN + 5)
        with builder.loop(2, ra=3, sa=-(2**30)):  # -2^31 + 5 - 2^31 = 5 - 2^32 wraps to 5
            builder.emit("sync", "none")
        _copy_one(builder, DST, Mem(3, SRC - 5 + 1))

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 1)]).windows[0]
    assert got.tolist() == [2.0]


def test_loop_advances_two_registers_per_iteration(emu: EmulatorHarness, tiny: Machine) -> None:
    """Copy 5 rows of 3 in reverse order: r1 walks the source down, r2 the destination up."""
    matrix = np.arange(15, dtype=np.float32).reshape(5, 3)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 1, SRC)
        builder.emit("li", 2, DST + 12)
        with builder.loop(5, ra=1, sa=3, rb=2, sb=-3):
            _copy_one(builder, Mem(2, 0), Mem(1, 0), 3)
        # after the loop: r1 = SRC + 15, r2 = DST - 3 (the strides apply after every iteration)
        _copy_one(builder, Mem(2, 18), Mem(1, -15), 1)  # DST + 15 <- SRC[0]

    result = emu.run_sram(tiny, {SRC: matrix}, body, [(DST, 16)])
    got = result.windows[0]
    np.testing.assert_array_equal(got[:15].reshape(5, 3), matrix[::-1])
    assert got[15] == matrix[0, 0]
    # li, li, loop, 5 bodies, vcopy, plus the harness's load, store, halt
    assert result.stats.instructions == 2 + 1 + 5 + 1 + 3


def test_loop_with_the_same_register_twice_adds_both_strides(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    data = np.arange(40, dtype=np.float32)

    def body(builder: ProgramBuilder) -> None:
        with builder.loop(3, ra=4, sa=2, rb=4, sb=5):  # r4 += 7 per iteration
            builder.emit("sync", "none")
        _copy_one(builder, DST, Mem(4, SRC))

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 1)]).windows[0]
    assert got.tolist() == [21.0]


def test_nested_loops_transpose_a_matrix(emu: EmulatorHarness, tiny: Machine) -> None:
    """Outer loop over rows (r3, r4), inner loop over columns (r1, r2), element by element."""
    matrix = np.arange(12, dtype=np.float32).reshape(3, 4) * 1.5

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 3, SRC)
        builder.emit("li", 4, DST)
        with builder.loop(3, ra=3, sa=4, rb=4, sb=1):
            builder.emit("addi", 1, 3, 0)
            builder.emit("addi", 2, 4, 0)
            with builder.loop(4, ra=1, sa=1, rb=2, sb=3):  # ends where the outer body ends
                _copy_one(builder, Mem(2, 0), Mem(1, 0))

    result = emu.run_sram(tiny, {SRC: matrix}, body, [(DST, 12)])
    np.testing.assert_array_equal(result.windows[0].reshape(4, 3), matrix.T)
    assert result.stats.instructions == 2 + 1 + 3 * (2 + 1 + 4) + 3


def test_nested_loop_followed_by_more_outer_body(emu: EmulatorHarness, tiny: Machine) -> None:
    """loop 3 { loop 2 { x += 1 }; y += 10 }: x = 6, y = 30; then three-deep nesting."""

    def body(builder: ProgramBuilder) -> None:
        with builder.loop(3):
            with builder.loop(2):
                builder.emit("vaddi", DST, DST, 1.0, 1, 1, 0, 0)
            builder.emit("vaddi", DST + 1, DST + 1, 10.0, 1, 1, 0, 0)
        with builder.loop(2), builder.loop(3), builder.loop(4):
            builder.emit("vaddi", DST + 2, DST + 2, 1.0, 1, 1, 0, 0)

    result = emu.run_sram(tiny, {}, body, [(DST, 3)])
    assert result.windows[0].tolist() == [6.0, 30.0, 24.0]
    assert result.stats.instructions_by_mnemonic["vaddi"] == 6 + 3 + 24
    assert result.stats.instructions_by_mnemonic["loop"] == 1 + 3 + 1 + 2 + 6


def test_loop_count_zero_skips_the_body_and_the_strides(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    data = np.arange(40, dtype=np.float32)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 1, SRC + 5)
        with builder.loop(0, ra=1, sa=10):
            builder.emit("vaddi", DST, DST, 100.0, 1, 1, 0, 0)
            builder.emit("vaddi", DST, DST, 100.0, 1, 1, 0, 0)
        _copy_one(builder, DST + 1, Mem(1, 0))

    result = emu.run_sram(tiny, {SRC: data}, body, [(DST, 2)])
    assert result.windows[0].tolist() == [0.0, 5.0]
    assert result.stats.instructions == 1 + 1 + 1 + 3  # the loop itself counts once
    assert "vaddi" not in result.stats.instructions_by_mnemonic


def test_loop_count_zero_inside_a_loop(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        with builder.loop(3):
            with builder.loop(0):
                builder.emit("vaddi", DST, DST, 100.0, 1, 1, 0, 0)
            builder.emit("vaddi", DST + 1, DST + 1, 1.0, 1, 1, 0, 0)

    assert emu.run_sram(tiny, {}, body, [(DST, 2)]).windows[0].tolist() == [0.0, 3.0]


def test_sync_has_no_architectural_effect(emu: EmulatorHarness, tiny: Machine) -> None:
    data = np.arange(8, dtype=np.float32)

    def body(builder: ProgramBuilder) -> None:
        builder.emit("sync", "dma|array|vector")
        builder.emit("vaddi", DST, SRC, 1.0, 1, 8, 8, 8)
        builder.emit("sync", "vector")
        builder.emit("sync", "none")

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 8)]).windows[0]
    np.testing.assert_array_equal(got, data + 1)


def test_halt_stops_the_program(emu: EmulatorHarness, tiny: Machine) -> None:
    """Nothing after halt runs, not even an instruction that would fault."""

    def body(builder: ProgramBuilder) -> None:
        builder.arg("x", (4,))
        out = builder.result("y", (4,))
        builder.emit("vaddi", 0, 0, 2.0, 1, 4, 4, 4)
        builder.emit("store", out, 0, 1, 4, 4, 4)
        builder.emit("halt")
        builder.emit("vaddi", 0, 0, 5.0, 1, 4, 4, 4)
        builder.emit("store", out, 0, 1, 4, 4, 4)
        builder.emit("load", 0, 10**7, 1, 4, 4, 4)  # outside DRAM: would fault

    result = emu.run(body, tiny, [np.zeros(4, np.float32)])
    np.testing.assert_array_equal(result.outputs["res0"], [2.0] * 4)
    assert result.stats.instructions == 3


def test_halt_inside_a_loop_stops_the_first_iteration(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.result("y", (1,))
        with builder.loop(5):
            builder.emit("vaddi", 0, 0, 1.0, 1, 1, 0, 0)
            builder.emit("store", 0, 0, 1, 1, 1, 1)
            builder.emit("halt")

    result = emu.run(body, tiny)
    assert result.outputs["res0"].tolist() == [1.0]
    assert result.stats.instructions == 4


def test_dynamic_instruction_count_agrees_with_the_run(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 1, 0)
        with builder.loop(3):
            with builder.loop(0):
                builder.emit("sync", "none")
            with builder.loop(4):
                builder.emit("addi", 1, 1, 1)
                builder.emit("sync", "none")
        builder.emit("halt")
        builder.emit("sync", "none")

    program = emu.program(body)
    result = emu.run(program, tiny)
    expected = 1 + 1 + 3 * (1 + 1 + 4 * 2) + 1
    assert result.stats.instructions == expected
    assert dynamic_instruction_count(program.decoded()) == expected


def test_registers_start_at_zero(emu: EmulatorHarness, tiny: Machine) -> None:
    data = np.arange(4, dtype=np.float32) + 7

    def body(builder: ProgramBuilder) -> None:
        for register in range(1, 16):
            _copy_one(builder, Mem(register, DST + register), Mem(register, SRC + register % 4))

    got = emu.run_sram(tiny, {SRC: data}, body, [(DST, 16)]).windows[0]
    np.testing.assert_array_equal(got[1:], data[np.arange(1, 16) % 4])


def test_negative_register_address_faults_naming_the_register_operand(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 7, -1)
        _copy_one(builder, DST, Mem(7, 0))

    with pytest.raises(EmulatorFault, match=r"operand a: SRAM words \[-1, 0\)"):
        emu.run_sram(tiny, {}, body, [])
