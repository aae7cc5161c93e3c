"""Every fault path: an `EmulatorFault` naming the pc, the disassembled instruction and the cause.

The expected disassembly is written out by hand (`mnemonic operands [flags]`, memory operands as
`offset(rN)`), so a fault message that names the wrong instruction or garbles it fails here.
Input mistakes are `InputError`s naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pytest

from epoch_mlir.emulator.core import Emulator
from epoch_mlir.errors import EmulatorFault, EpochError, InputError
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.encoding import encode
from epoch_mlir.isa.fields import Mem
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine

if TYPE_CHECKING:
    from tests.emulator.conftest import EmulatorHarness

Body = Callable[[ProgramBuilder], None]


def _fault(
    emu: EmulatorHarness,
    machine: Machine,
    body: Body | Program,
    pc: int,
    instruction: str,
    cause: str,
    inputs: list[np.ndarray] | None = None,
) -> EmulatorFault:
    """Run and check the fault: pc, disassembly, and a cause matching the regex `cause`."""
    with pytest.raises(EmulatorFault) as caught:
        emu.run(body, machine, inputs)
    fault = caught.value
    assert fault.pc == pc
    assert fault.instruction == instruction
    assert re.search(cause, fault.cause), fault.cause
    assert str(fault) == f"fault at pc {pc} ({instruction}): {fault.cause}"
    assert "\n" not in str(fault)
    return fault


# ------------------------------------------------------------------------------ memory
def test_sram_region_crossing_a_bank_end(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("vaddi", 200, 16380, 1.0, 1, 8, 8, 8)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        0,
        "vaddi 200(r0), 16380(r0), 1.0, 1, 8, 8, 8",
        re.escape("operand a: SRAM words [16380, 16388) overflow bank 'input' [0, 16384)"),
    )


def test_strided_write_crossing_into_the_next_bank(emu: EmulatorHarness, tiny: Machine) -> None:
    """The weight bank ends at 32768; the last row of dst lands in the output bank."""

    def body(builder: ProgramBuilder) -> None:
        builder.emit("sync", "none")
        builder.emit("vcopy", 32000, 0, 3, 4, 500, 4)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        1,
        "vcopy 32000(r0), 0(r0), 3, 4, 500, 4",
        re.escape("operand dst: SRAM words [32000, 33004) overflow bank 'weight'"),
    )


def test_complex_operand_counts_two_words_per_element(emu: EmulatorHarness, tiny: Machine) -> None:
    """8 complex elements from 16376 need words up to 16392: past the input bank."""

    def body(builder: ProgramBuilder) -> None:
        builder.emit("vcexp", 100, 16376, 1, 8, 16, 16)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        0,
        "vcexp 100(r0), 16376(r0), 1, 8, 16, 16",
        re.escape("operand a: SRAM words [16376, 16392) overflow bank 'input'"),
    )


@pytest.mark.parametrize(
    ("address", "rows", "stride", "interval"),
    [
        (49152, 1, 1, "[49152, 49153)"),  # just past the last bank
        (-1, 1, 1, "[-1, 0)"),  # negative
        (10, 2, -20, "[-10, 11)"),  # a negative stride walks below 0 (bounding interval)
        (2**27 - 1, 1, 1, "[134217727, 134217728)"),  # the largest offset
    ],
)
def test_sram_address_outside_the_sram(
    emu: EmulatorHarness, tiny: Machine, address: int, rows: int, stride: int, interval: str
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("vrelu", 0, address, rows, 1, 1, stride)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        0,
        f"vrelu 0(r0), {address}(r0), {rows}, 1, 1, {stride}",
        re.escape(f"operand a: SRAM words {interval} outside the SRAM [0, 49152)"),
    )


def test_dram_read_past_the_programs_extent(emu: EmulatorHarness, tiny: Machine) -> None:
    """The program's DRAM is exactly its symbols: 15 words for one 3x5 argument."""

    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (3, 5))
        builder.emit("load", 0, x, 1, 15, 15, 15)  # fine: words [0, 15)
        builder.emit("load", 0, x, 1, 16, 16, 16)  # one word too many
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        1,
        "load 0(r0), 0(r0), 1, 16, 16, 16",
        re.escape("operand src: DRAM words [0, 16) outside the program's DRAM [0, 15)"),
        [np.zeros((3, 5), np.float32)],
    )


def test_dram_write_past_the_programs_extent(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        y = builder.result("y", (4, 4))
        builder.emit("store", y, 0, 2, 4, 20, 4)  # second row at 20..24 > 16
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        0,
        "store 0(r0), 0(r0), 2, 4, 20, 4",
        re.escape("operand dst: DRAM words [0, 24) outside the program's DRAM [0, 16)"),
    )


def test_negative_dram_address_through_a_register(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.arg("x", (4,))
        builder.emit("li", 2, -100)
        builder.emit("load", 0, Mem(2, 96), 1, 4, 4, 4)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        1,
        "load 0(r0), 96(r2), 1, 4, 4, 4",
        re.escape("operand src: DRAM words [-4, 0) outside the program's DRAM [0, 4)"),
        [np.zeros(4, np.float32)],
    )


def test_fault_inside_a_loop_names_the_body_instruction(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    """The third iteration's addresses (r1 = 2 * 8000) are past the input bank; sources are
    checked before destinations."""

    def body(builder: ProgramBuilder) -> None:
        with builder.loop(3, ra=1, sa=8000):
            builder.emit("vrelu", Mem(1, 10), Mem(1, 0), 1, 400, 400, 400)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        1,
        "vrelu 10(r1), 0(r1), 1, 400, 400, 400",
        re.escape("operand a: SRAM words [16000, 16400) overflow bank 'input' [0, 16384)"),
    )


# ------------------------------------------------------------------------------- array
def test_lima_without_ldc(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("lima", 0, 200, 0, 4, 1, 1, reset=1)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        1,
        "lima 0, 200(r0), 0(r0), 4, 1, 1 reset",
        r"slot 0 holds no LIMA coefficients \(ldc first\)",
    )


def test_lima_on_a_slot_holding_a_weight_tile(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 1, 0, 2, 2, 2)
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("lima", 1, 200, 0, 4, 1, 1, reset=1)
        builder.emit("halt")

    _fault(emu, tiny, body, 3, "lima 1, 200(r0), 0(r0), 4, 1, 1 reset", "slot 1 holds no LIMA")


def _two_folds(builder: ProgramBuilder, second_reset: bool, second_slot: int = 1) -> None:
    builder.emit("cfg", "lima", "prodf", 0)
    builder.emit("ldc", 0, 16384, 2, 2)
    builder.emit("ldc", 1, 16384, 2, 2)
    builder.emit("lima", 0, 200, 0, 3, 2, 2, reset=1)
    builder.emit("lima", second_slot, 200, 0, 3, 2, 2, reset=second_reset)
    builder.emit("halt")


def test_lima_continuing_another_slots_states(emu: EmulatorHarness, tiny: Machine) -> None:
    _fault(
        emu,
        tiny,
        lambda b: _two_folds(b, second_reset=False),
        4,
        "lima 1, 200(r0), 0(r0), 3, 2, 2",
        r"the PE states do not belong to slot 1: start the fold with reset",
    )


def test_lima_fold_switches_are_fine_with_reset_or_on_the_same_slot(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    emu.run(lambda b: _two_folds(b, second_reset=True), tiny)
    emu.run(lambda b: _two_folds(b, second_reset=False, second_slot=0), tiny)


def test_first_lima_without_reset(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldc", 0, 16384, 1, 1)
        builder.emit("lima", 0, 200, 0, 3, 1, 1, acc=1)
        builder.emit("halt")

    _fault(emu, tiny, body, 2, "lima 0, 200(r0), 0(r0), 3, 1, 1 acc", "do not belong to slot 0")


def test_lima_continuing_after_ldc_changed_the_fold_shape(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldc", 0, 16384, 2, 2)
        builder.emit("lima", 0, 200, 0, 5, 2, 2, reset=1)
        builder.emit("ldc", 0, 16384, 3, 2)
        builder.emit("lima", 0, 200, 0, 5, 3, 3)
        builder.emit("halt")

    _fault(emu, tiny, body, 4, "lima 0, 200(r0), 0(r0), 5, 3, 3", "slot 0|reset|states")


def test_mm_with_a_mismatched_tile(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 0, 0, 4, 3, 3)  # a 4x3 tile: k = 4, n = 3
        builder.emit("mm", 0, 200, 0, 0, 5, 4, 4, 4, 4, 0)  # asks for n = 4
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        2,
        "mm 0, 200(r0), 0(r0), 0(r0), 5, 4, 4, 4, 4, 0",
        re.escape("ws needs a 4x4 tile in slot 0, it holds a 4x3 tile"),
    )


def test_mm_is_with_an_empty_slot(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "is", 0)
        builder.emit("ldw", 0, 0, 2, 3, 3)
        builder.emit("mm", 1, 200, 0, 0, 3, 5, 2, 5, 0, 2, acc=1, tout=1)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        2,
        "mm 1, 200(r0), 0(r0), 0(r0), 3, 5, 2, 5, 0, 2 acc tout",
        re.escape("is needs a 2x3 tile in slot 1, it holds nothing"),
    )


@pytest.mark.parametrize(
    ("dataflow", "m", "n", "k", "cause"),
    [
        ("os", 5, 4, 2, "an 5x4 output tile does not fit the 4x4 array"),
        ("os", 4, 5, 2, "an 4x5 output tile does not fit the 4x4 array"),
        ("os", 0, 4, 2, "empty GEMM tile 0x4x2"),
        ("ws", 3, 4, 0, "empty GEMM tile 3x4x0"),
    ],
)
def test_mm_shape_faults(
    emu: EmulatorHarness, tiny: Machine, dataflow: str, m: int, n: int, k: int, cause: str
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", dataflow, 0)
        builder.emit("mm", 0, 200, 0, 0, m, n, k, 8, 8, 8)
        builder.emit("halt")

    text = f"mm 0, 200(r0), 0(r0), 0(r0), {m}, {n}, {k}, 8, 8, 8"
    _fault(emu, tiny, body, 1, text, re.escape(cause))


@pytest.mark.parametrize(
    ("rows", "cols"), [(5, 4), (4, 5), (0, 2), (2, 0)], ids=["rows", "cols", "no-rows", "no-cols"]
)
def test_ldw_tile_must_fit_the_array(
    emu: EmulatorHarness, tiny: Machine, rows: int, cols: int
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 0, 0, rows, cols, 8, trans=1)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        1,
        f"ldw 0, 0(r0), {rows}, {cols}, 8 trans",
        re.escape(f"a {rows}x{cols} tile does not fit the 4x4 array"),
    )


@pytest.mark.parametrize(
    ("seg", "nch", "nm", "cause"),
    [
        (0, 5, 4, "5 channels exceed the array's 1 segments x 4 columns"),
        (2, 9, 2, "9 channels exceed the array's 2 segments x 4 columns"),
        (2, 8, 3, "3 modes exceed the 2-row column segment"),
        (0, 4, 5, "5 modes exceed the 4-row column segment"),
        (0, 0, 1, "0 channels exceed"),
        (0, 1, 0, "0 modes exceed"),
    ],
)
def test_ldc_fold_must_fit_the_segments(
    emu: EmulatorHarness, tiny: Machine, seg: int, nch: int, nm: int, cause: str
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", seg)
        builder.emit("ldc", 0, 16384, nch, nm)
        builder.emit("halt")

    _fault(emu, tiny, body, 1, f"ldc 0, 16384(r0), {nch}, {nm}", re.escape(cause))


@pytest.mark.parametrize(
    ("seg", "nch", "nm", "cause"),
    [
        (0, 5, 4, "5 channels exceed the array's 1 segments x 4 columns"),
        (2, 9, 2, "9 channels exceed the array's 2 segments x 4 columns"),
        (2, 8, 3, "3 modes exceed the 2-row column segment"),
        (0, 4, 5, "5 modes exceed the 4-row column segment"),
        (0, 0, 1, "0 channels exceed"),
        (0, 1, 0, "0 modes exceed"),
    ],
)
def test_lsel_fold_must_fit_the_segments(
    emu: EmulatorHarness, tiny: Machine, seg: int, nch: int, nm: int, cause: str
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", seg)
        builder.emit("lsel", 1000, 0, 16384, 32768, 2, nch, nm, nch, 2 * nm, reset=1)
        builder.emit("halt")

    text = f"lsel 1000(r0), 0(r0), 16384(r0), 32768(r0), 2, {nch}, {nm}, {nch}, {2 * nm} reset"
    _fault(emu, tiny, body, 1, text, re.escape(cause))


def test_lsel_without_cfg_is_in_the_wrong_dataflow(emu: EmulatorHarness, tiny: Machine) -> None:
    """The array starts in mac/ws: a selective stream needs `cfg lima, prodf` first."""

    def body(builder: ProgramBuilder) -> None:
        builder.emit("lsel", 1000, 0, 16384, 32768, 2, 1, 1, 1, 2, reset=1)
        builder.emit("halt")

    text = "lsel 1000(r0), 0(r0), 16384(r0), 32768(r0), 2, 1, 1, 1, 2 reset"
    _fault(emu, tiny, body, 0, text, "lsel needs dataflow prodf, the array is configured for ws")


def test_first_lsel_without_reset(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("ldc", 0, 16384, 1, 1)
        builder.emit("lima", 0, 200, 0, 3, 1, 1, reset=1)  # lima's states are not lsel's
        builder.emit("lsel", 1000, 0, 16384, 32768, 3, 1, 1, 1, 2, acc=1)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        3,
        "lsel 1000(r0), 0(r0), 16384(r0), 32768(r0), 3, 1, 1, 1, 2 acc",
        re.escape("the PE states hold no selective stream: start the stream with reset"),
    )


@pytest.mark.parametrize(("nch", "nm"), [(3, 2), (2, 3), (2, 1)])
def test_lsel_continuing_a_stream_of_another_shape(
    emu: EmulatorHarness, tiny: Machine, nch: int, nm: int
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("lsel", 1000, 0, 16384, 32768, 4, 2, 2, 2, 4, reset=1)
        builder.emit("lsel", 1000, 0, 16384, 32768, 4, nch, nm, nch, 2 * nm)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        2,
        f"lsel 1000(r0), 0(r0), 16384(r0), 32768(r0), 4, {nch}, {nm}, {nch}, {2 * nm}",
        re.escape(
            f"the PE states hold a selective stream of 2 modes x 2 channels, not {nm} x {nch}: "
            "start the stream with reset"
        ),
    )


def test_lsel_output_rows_must_not_overlap(emu: EmulatorHarness, tiny: Machine) -> None:
    """y rows use src_stride: a stride shorter than nch would overlap them."""

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 0)
        builder.emit("lsel", 1000, 0, 16384, 32768, 3, 4, 1, 2, 2, reset=1)
        builder.emit("halt")

    _fault(
        emu,
        tiny,
        body,
        1,
        "lsel 1000(r0), 0(r0), 16384(r0), 32768(r0), 3, 4, 1, 2, 2 reset",
        re.escape("operand dst: destination rows overlap (row stride 2, 4 words per row)"),
    )


@pytest.mark.parametrize(
    ("dataflow", "mode", "instruction", "text", "cause"),
    [
        ("os", "mac", ("ldw", 0, 0, 2, 2, 2), "ldw 0, 0(r0), 2, 2, 2", "ldw needs dataflow ws/is"),
        ("ws", "mac", ("ldc", 0, 0, 1, 1), "ldc 0, 0(r0), 1, 1", "ldc needs dataflow prodf"),
        (
            "prodf",
            "lima",
            ("mm", 0, 200, 0, 0, 2, 2, 2, 2, 2, 2),
            "mm 0, 200(r0), 0(r0), 0(r0), 2, 2, 2, 2, 2, 2",
            "mm needs dataflow ws/os/is, the array is configured for prodf",
        ),
        (
            "is",
            "mac",
            ("lima", 0, 200, 0, 1, 1, 1),
            "lima 0, 200(r0), 0(r0), 1, 1, 1",
            "lima needs dataflow prodf, the array is configured for is",
        ),
        (
            "ws",
            "mac",
            ("lsel", 200, 0, 100, 300, 1, 1, 1, 1, 2),
            "lsel 200(r0), 0(r0), 100(r0), 300(r0), 1, 1, 1, 1, 2",
            "lsel needs dataflow prodf, the array is configured for ws",
        ),
    ],
)
def test_array_instruction_in_the_wrong_dataflow(
    emu: EmulatorHarness,
    tiny: Machine,
    dataflow: str,
    mode: str,
    instruction: tuple,
    text: str,
    cause: str,
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", mode, dataflow, 0)
        builder.emit(*instruction)
        builder.emit("halt")

    _fault(emu, tiny, body, 1, text, re.escape(cause))


def test_lima_mode_on_a_mac_only_machine(emu: EmulatorHarness, tpu: Machine) -> None:
    _fault(
        emu,
        tpu,
        lambda b: b.emit("cfg", "lima", "prodf", 0),
        0,
        "cfg lima, prodf, 0",
        re.escape("machine 'tpu' has MAC-only PEs: LIMA mode is unavailable"),
    )


@pytest.mark.parametrize(
    ("mode", "dataflow", "cause"),
    [
        ("mac", "prodf", "dataflow prodf needs PE mode lima, not mac"),
        ("lima", "ws", "dataflow ws needs PE mode mac, not lima"),
        ("lima", "os", "dataflow os needs PE mode mac, not lima"),
        ("lima", "is", "dataflow is needs PE mode mac, not lima"),
    ],
)
def test_cfg_mode_and_dataflow_must_agree(
    emu: EmulatorHarness, tiny: Machine, mode: str, dataflow: str, cause: str
) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", mode, dataflow, 0)
        builder.emit("halt")

    _fault(emu, tiny, body, 0, f"cfg {mode}, {dataflow}, 0", re.escape(cause))


@pytest.mark.parametrize(("preset", "seg"), [("tiny", 5), ("small", 9), ("tiny", 65535)])
def test_cfg_segment_taller_than_the_array(
    emu: EmulatorHarness, tiny: Machine, small: Machine, preset: str, seg: int
) -> None:
    machine = {"tiny": tiny, "small": small}[preset]
    _fault(
        emu,
        machine,
        lambda b: b.emit("cfg", "lima", "prodf", seg),
        0,
        f"cfg lima, prodf, {seg}",
        re.escape(f"segment of {seg} rows is taller than the array's {machine.rows} rows"),
    )


def test_cfg_segment_equal_to_the_array_is_fine(emu: EmulatorHarness, small: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 8)
        builder.emit("ldc", 0, 16384, 4, 8)
        builder.emit("halt")

    emu.run(body, small)


# -------------------------------------------------------------------------------- loops
def _nested(builder: ProgramBuilder, depth: int) -> None:
    if depth == 0:
        builder.emit("sync", "none")
        return
    with builder.loop(2):
        _nested(builder, depth - 1)


def test_loops_nested_deeper_than_the_machine_allows(emu: EmulatorHarness, tiny: Machine) -> None:
    assert tiny.loop_depth == 4
    emu.run(lambda b: (_nested(b, 4), b.emit("halt")), tiny)  # four levels are fine

    def body(builder: ProgramBuilder) -> None:
        _nested(builder, 5)
        builder.emit("halt")

    _fault(emu, tiny, body, 4, "loop 2 {", "loops nested deeper than the machine's 4 levels")


def test_loop_depth_comes_from_the_machine_file(
    emu: EmulatorHarness, machine_file: Callable[[str], Machine]
) -> None:
    machine = machine_file('base = "tiny"\n[control]\nloop_depth = 1\n')

    def sequential(builder: ProgramBuilder) -> None:  # one level at a time is fine
        _nested(builder, 1)
        _nested(builder, 1)
        builder.emit("halt")

    emu.run(sequential, machine)

    def body(builder: ProgramBuilder) -> None:
        with builder.loop(3, ra=1, sa=4):
            _nested(builder, 1)
        builder.emit("halt")

    _fault(emu, machine, body, 1, "loop 2 {", "deeper than the machine's 1 levels")


def _words(*instructions: tuple[str, dict]) -> Program:
    return Program(tuple(encode(mnemonic, values) for mnemonic, values in instructions))


def _loop(count: int, length: int) -> tuple[str, dict]:
    return ("loop", dict(count=count, len=length, ra=0, sa=0, rb=0, sb=0))


SYNC = ("sync", {"units": 0})
HALT = ("halt", {})


def test_loop_body_crossing_its_parents_end(emu: EmulatorHarness, tiny: Machine) -> None:
    """loop { loop { sync; } sync ... }: the inner body (pcs 2..4) overruns the outer (2..3)."""
    program = _words(_loop(2, 2), _loop(2, 3), SYNC, SYNC, SYNC, HALT)
    _fault(
        emu,
        tiny,
        program,
        1,
        "loop 2 {",
        "loop body crosses the end of an enclosing loop",
    )


def test_loop_body_running_past_the_program(emu: EmulatorHarness, tiny: Machine) -> None:
    program = _words(SYNC, _loop(2, 3), SYNC, HALT)
    _fault(emu, tiny, program, 1, "loop 2 {", "loop body runs past the end of the program")


def test_loop_with_an_empty_body(emu: EmulatorHarness, tiny: Machine) -> None:
    program = _words(_loop(3, 0), HALT)
    _fault(emu, tiny, program, 0, "loop 3 {", "loop with an empty body")


def test_loop_structure_is_checked_before_anything_runs(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    """A bad loop at the end faults even though an earlier instruction would fault too."""
    program = _words(
        ("vrelu", dict(dst=Mem(0, 0), a=Mem(0, -5), rows=1, cols=1, dst_stride=1, a_stride=1)),
        _loop(1, 2),
        HALT,
    )
    _fault(emu, tiny, program, 1, "loop 1 {", "runs past the end")


def test_running_past_the_end_without_halt(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 1, 5)
        builder.emit("vrelu", 0, 0, 1, 4, 4, 4)

    _fault(
        emu,
        tiny,
        body,
        1,
        "vrelu 0(r0), 0(r0), 1, 4, 4, 4",
        "ran past the end of the program without halt",
    )


def test_running_past_the_end_after_a_final_loop(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        with builder.loop(2, ra=3, sa=-7):
            builder.emit("sync", "dma|vector")

    _fault(emu, tiny, body, 1, "sync dma|vector", "without halt")


def test_empty_program_is_a_user_error(tiny: Machine) -> None:
    with pytest.raises(EpochError, match=r"halt|empty"):
        Emulator(Program(()), tiny).run({})


@pytest.mark.parametrize("word", [0xFF, encode("halt", {}) | 1 << 200], ids=["opcode", "reserved"])
def test_bad_instruction_word_names_its_pc(tiny: Machine, word: int) -> None:
    program = Program((encode("sync", {"units": 0}), word))
    with pytest.raises(EpochError, match=r"\b1\b"):
        Emulator(program, tiny).run({})


# ------------------------------------------------------------------------------- inputs
def _two_args(builder: ProgramBuilder) -> None:
    builder.arg("x", (2, 3))
    builder.arg("z", (4,), "c64")
    builder.result("y", (1,))
    builder.emit("halt")


GOOD_X = np.zeros((2, 3), np.float32)
GOOD_Z = np.zeros(4, np.complex64)


@pytest.mark.parametrize(
    ("inputs", "patterns"),
    [
        ({"arg0": GOOD_X}, [r"missing input 'arg1'", r"complex64|c64", r"\b4\b"]),
        ({"arg1": GOOD_Z}, [r"missing input 'arg0'", r"float32|f32", r"2, 3|2x3"]),
        ({"arg0": GOOD_X, "arg1": GOOD_Z, "arg2": GOOD_X}, [r"unexpected input 'arg2'"]),
        ({"x": GOOD_X, "arg1": GOOD_Z}, [r"'x'|'arg0'"]),  # the stray key, or the missing one
        ({"arg0": GOOD_X.T, "arg1": GOOD_Z}, [r"'arg0'", r"shape", r"3, 2", r"2, 3"]),
        ({"arg0": GOOD_X, "arg1": GOOD_Z[:3]}, [r"'arg1'", r"shape", r"3", r"4"]),
        (
            {"arg0": GOOD_X.astype(np.float64), "arg1": GOOD_Z},
            [r"'arg0'", r"dtype", r"float64", r"float32"],
        ),
        (
            {"arg0": GOOD_X, "arg1": GOOD_Z.real.astype(np.float32)},
            [r"'arg1'", r"dtype", r"float32", r"complex64"],
        ),
        (
            {"arg0": GOOD_X, "arg1": GOOD_Z.astype(np.complex128)},
            [r"'arg1'", r"dtype", r"complex128", r"complex64"],
        ),
        ({"arg0": GOOD_X.astype(np.int32), "arg1": GOOD_Z}, [r"'arg0'", r"int32"]),
    ],
)
def test_input_errors_name_the_key(
    emu: EmulatorHarness, tiny: Machine, inputs: dict, patterns: list[str]
) -> None:
    """SPEC.md: a missing or extra key, a wrong shape or dtype is a user error naming the key."""
    with pytest.raises(InputError) as caught:
        emu.run(_two_args, tiny, inputs)
    message = str(caught.value)
    assert "\n" not in message
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)


def test_good_inputs_pass(emu: EmulatorHarness, tiny: Machine) -> None:
    outputs = emu.run(_two_args, tiny, {"arg0": GOOD_X, "arg1": GOOD_Z}).outputs
    assert list(outputs) == ["res0"]


def test_no_inputs_for_a_program_with_arguments(tiny: Machine) -> None:
    builder = ProgramBuilder()
    builder.arg("x", (1,))
    builder.emit("halt")
    with pytest.raises(InputError, match="missing input 'arg0'"):
        Emulator(builder.build(), tiny).run()


def test_program_larger_than_the_machine(
    machine_file: Callable[[str], Machine], emu: EmulatorHarness
) -> None:
    machine = machine_file('base = "tiny"\n[control]\nmax_instructions = 3\n')

    def syncs(count: int) -> Body:
        def body(builder: ProgramBuilder) -> None:
            for _ in range(count):
                builder.emit("sync", "none")
            builder.emit("halt")

        return body

    emu.run(syncs(2), machine)  # three instructions fit
    program = emu.program(syncs(3))
    with pytest.raises(InputError, match="program has 4 instructions, the machine's limit is 3"):
        Emulator(program, machine)


def test_program_dram_larger_than_the_machine(emu: EmulatorHarness, tiny: Machine) -> None:
    """tiny has 64 MiB = 2^24 words; one argument of 2^24 + 1 words does not fit."""
    program = emu.program(lambda b: (b.arg("x", (2**24 + 1,)), b.emit("halt")))
    with pytest.raises(InputError, match="of DRAM, machine 'tiny' has 64 MiB"):
        Emulator(program, tiny)
