"""The disassembler: its output reassembles to the identical bytes, for any program and word."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.isa.asm import assemble
from epoch_mlir.isa.disasm import (
    _FORMATTERS,
    WORDS_PER_LINE,
    disassemble,
    format_f32,
    format_instruction,
)
from epoch_mlir.isa.encoding import decode, encode, f32_bits, f32_from_bits
from epoch_mlir.isa.fields import FIELDS, Kind, Mem
from epoch_mlir.isa.program import VERSION, Program, Symbol, SymbolKind, load_program
from epoch_mlir.isa.table import INSTRUCTIONS, Instr
from epoch_mlir.machine import load_machine
from tests.isa.strategies import LOOP, PLAIN_ROWS, programs, row_words


@settings(max_examples=120, deadline=None)
@given(programs())
def test_disassembly_reassembles_to_identical_bytes(program: Program) -> None:
    data = program.to_bytes()
    text = disassemble(load_program(data))
    assert assemble(text, "<disasm>").to_bytes() == data


@given(st.sampled_from(PLAIN_ROWS).flatmap(row_words))
def test_every_instruction_line_reassembles_to_its_word(word: int) -> None:
    line = format_instruction(decode(word))
    assert "\n" not in line
    assert assemble(line).words == (word,)


@given(row_words(LOOP))
def test_every_loop_header_reassembles_with_its_body(word: int) -> None:
    header = decode(word)  # len is not printed: the assembler counts the body
    expected = encode("loop", {**header.values, "len": 1})
    assert assemble(f"{format_instruction(header)}\nhalt\n}}\n").words == (
        expected,
        encode("halt", {}),
    )


def test_every_field_kind_has_a_printer() -> None:
    assert set(_FORMATTERS) == set(Kind) - {Kind.FLAG}


@pytest.mark.parametrize(
    ("values", "line"),
    [
        ({"count": 4, "ra": 1, "sa": 64, "rb": 0, "sb": 0}, "loop 4, r1 += 64 {"),
        ({"count": 4, "ra": 0, "sa": 0, "rb": 0, "sb": 0}, "loop 4 {"),
        ({"count": 3, "ra": 0, "sa": 0, "rb": 2, "sb": -8}, "loop 3, r0 += 0, r2 += -8 {"),
    ],
)
def test_loop_headers_leave_out_unused_strides(values: dict, line: str) -> None:
    assert format_instruction(decode(encode("loop", {**values, "len": 1}))) == line


def test_operands_print_by_field_kind() -> None:
    mm = {"slot": 1, "dst": Mem(2, -8), "a": Mem(0, 16), "b": Mem(15, 0)}
    shape = {"m": 1, "n": 2, "k": 3, "dst_stride": -4, "a_stride": 5, "b_stride": 6}
    word = encode("mm", {**mm, **shape, "tout": 1})
    expected = "mm 1, -8(r2), 16(r0), 0(r15), 1, 2, 3, -4, 5, 6 tout"
    assert format_instruction(decode(word)) == expected
    assert format_instruction(decode(encode("sync", {"units": 0b110}))) == "sync array|vector"
    assert format_instruction(decode(encode("sync", {"units": 0}))) == "sync none"
    cfg = encode("cfg", {"mode": 1, "dataflow": 3, "seg": 0})
    assert format_instruction(decode(cfg)) == "cfg lima, prodf, 0"
    assert format_instruction(decode(encode("halt", {}))) == "halt"


@pytest.mark.parametrize(
    ("bits", "text"),
    [
        (f32_bits(1e-5), "1e-05"),
        (f32_bits(0.1), "0.1"),
        (f32_bits(2.0), "2.0"),
        (0x80000000, "-0.0"),
        (0x00000001, "1e-45"),
        (0x7F7FFFFF, "3.4028235e+38"),
        (0x7F800000, "inf"),
        (0xFF800000, "-inf"),
        (0x7FC00000, "nan"),
        (0xFFC00000, "-nan"),
        (0x7FC00001, "0f7fc00001"),
        (0x7F800001, "0f7f800001"),
    ],
)
def test_f32_prints_the_shortest_exact_literal_else_raw_bits(bits: int, text: str) -> None:
    assert format_f32(f32_from_bits(bits)) == text


def test_layout_directives_data_and_indented_loops() -> None:
    source = """\
.arg x @0 : tensor<2x4xf32>
.const w @100 : tensor<3xcomplex<f32>>
.sram buf @8 : 64
.data @100
.word 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
loop 2, r1 += 4 {
    loop 3 {
        load buf+4, x+2, 1, 4, 0, 0
    }
    li r2, w
}
vcopy 8(r1), buf, 1, 1, 0, 0
"""
    expected = """\
.arg x @0 : tensor<2x4xf32>
.const w @100 : tensor<3xcomplex<f32>>
.sram buf @8 : tensor<64xf32>
.data @100
.word 0x00000001, 0x00000002, 0x00000003, 0x00000004, 0x00000005, 0x00000006, 0x00000007, \
0x00000008
.word 0x00000009, 0x0000000a

loop 2, r1 += 4 {
    loop 3 {
        load 12(r0), 2(r0), 1, 4, 0, 0  # dst: buf+4, src: x+2
    }
    li r2, 100  # imm: w
}
vcopy 8(r1), 8(r0), 1, 1, 0, 0  # a: buf
"""
    assert WORDS_PER_LINE == 8
    assert disassemble(assemble(source)) == expected


def test_version_and_an_empty_data_segment_are_kept_only_when_needed() -> None:
    assert disassemble(Program(())) == "\n"
    assert disassemble(Program((), data_base=12)) == ".data @12\n\n"
    newer = disassemble(Program((), version=(VERSION[0], 9)))
    assert newer.startswith(f".version {VERSION[0]}.9\n")


def test_symbol_comments_stay_in_the_fields_address_space() -> None:
    program = Program(
        (encode("store", {"dst": Mem(0, 0), "src": Mem(0, 0), **ONE_BY_ONE}),),
        (Symbol("d", SymbolKind.DRAM, 0, (4,)), Symbol("s", SymbolKind.SRAM, 0, (4,))),
    )
    assert disassemble(program).endswith("store 0(r0), 0(r0), 1, 1, 0, 0  # dst: d, src: s\n")


ONE_BY_ONE = {"rows": 1, "cols": 1, "dst_stride": 0, "src_stride": 0}


def test_crossing_loops_built_in_memory_are_refused() -> None:
    loop = {"count": 1, "ra": 0, "sa": 0, "rb": 0, "sb": 0}
    words = (encode("loop", {**loop, "len": 2}), encode("loop", {**loop, "len": 2}))
    halt = encode("halt", {})
    with pytest.raises(ValueError, match="crosses the end of an enclosing loop"):
        disassemble(Program((*words, halt, halt)))


def test_every_row_appears_in_a_disassembly() -> None:
    words = [encode(row.mnemonic, _some_values(row)) for row in PLAIN_ROWS]
    text = disassemble(Program((*words,), data=np.zeros(0, np.uint32)))
    mnemonics = [line.split()[0] for line in text.splitlines() if line]
    assert mnemonics == [row.mnemonic for row in INSTRUCTIONS if row is not LOOP]
    assert assemble(text).words == tuple(words)


def _some_values(row: Instr) -> dict:
    """A value every field of the row accepts: 1, or a memory operand, or an fp32 number."""
    special = {Kind.MEM: Mem(1, 2), Kind.F32: 0.5}
    return {name: special.get(FIELDS[name].kind, 1) for name in row.fields}


def test_the_machine_is_shown_and_reassembles_exactly(tmp_path: Path) -> None:
    machine = load_machine(
        _write(tmp_path / "my machine.toml", 'base = "small"\nname = "mine"\nclock_ghz = 0.8\n')
    )
    program = Program((encode("halt", {}),), machine=machine.record)
    text = disassemble(program)
    comment, directive = text.splitlines()[:2]
    assert comment == (
        f"# compiled for machine 'mine' (8x4 lima PEs, 0.8 GHz, from {tmp_path}/my machine.toml;"
        f" description sha256 {machine.digest})"
    )
    assert directive.startswith(f'.machine "{tmp_path}/my machine.toml" {{"array":')
    again = assemble(text)
    assert again.machine == machine.record
    assert again.to_bytes() == program.to_bytes()


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
