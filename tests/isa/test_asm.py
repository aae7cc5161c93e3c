"""The assembler: every operand form and directive, and every error naming its line:col."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epoch_mlir.errors import AsmError
from epoch_mlir.isa.asm import (
    _READERS,
    DATA_DIRECTIVE,
    MACHINE_DIRECTIVE,
    SYMBOL_DIRECTIVES,
    VERSION_DIRECTIVE,
    WORD_DIRECTIVE,
    _parser,
    assemble,
    describe_terminal,
)
from epoch_mlir.isa.encoding import Instruction, f32_bits
from epoch_mlir.isa.fields import FIELDS, Kind, Mem
from epoch_mlir.isa.program import VERSION, Symbol, SymbolKind
from epoch_mlir.machine import load_machine
from tests.isa.strategies import symbol_names

DOCS = Path(__file__).parents[2] / "docs" / "asm.md"

SYMBOLS = """\
.arg x @0 : tensor<4x8xf32>
.result y @32 : tensor<4x8xf32>
.const w @64 : tensor<2xcomplex<f32>>
.dram scratch @0x100 : 64
.sram buf @16 : 256
.data @64
.word 1, 2, 3, 4
"""


def only(source: str) -> Instruction:
    """The single instruction of a source (after the shared symbol directives)."""
    (instruction,) = assemble(SYMBOLS + source).decoded()
    return instruction


# region operands


@pytest.mark.parametrize(
    ("operand", "expected"),
    [
        ("12(r3)", Mem(3, 12)),
        ("-4(r15)", Mem(15, -4)),
        ("0x10(r1)", Mem(1, 16)),
        ("40", Mem(0, 40)),
        ("buf", Mem(0, 16)),
        ("buf+4", Mem(0, 20)),
        ("buf - 4", Mem(0, 12)),
        ("buf(r2)", Mem(2, 16)),
        ("buf+8(r2)", Mem(2, 24)),
        ("buf-16(r2)", Mem(2, 0)),
    ],
)
def test_memory_operand_forms(operand: str, expected: Mem) -> None:
    instruction = only(f"vcopy {operand}, 0, 1, 1, 0, 0")
    assert instruction.values["dst"] == expected


def test_memory_operands_take_their_space_from_the_rows_accesses() -> None:
    instruction = only("load buf+1, x+2(r1), 1, 8, 0, 0\n")
    assert instruction.values["dst"] == Mem(0, 17)  # SRAM symbol where load writes SRAM
    assert instruction.values["src"] == Mem(1, 2)  # DRAM symbol where load reads DRAM


@pytest.mark.parametrize(
    ("operand", "value"),
    [("-7", -7), ("0x7fffffff", 2**31 - 1), ("scratch", 256), ("w+3", 67), ("buf-16", 0)],
)
def test_imm_takes_integers_and_symbol_addresses(operand: str, value: int) -> None:
    assert only(f"li r5, {operand}").values == {"rd": 5, "imm": value}


@pytest.mark.parametrize(
    ("operand", "bits"),
    [
        ("2", 0x40000000),
        ("-0.5", 0xBF000000),
        ("1e-5", f32_bits(1e-5)),
        (".25", 0x3E800000),
        ("-0.0", 0x80000000),
        ("inf", 0x7F800000),
        ("-inf", 0xFF800000),
        ("nan", 0x7FC00000),
        ("0f7f800001", 0x7F800001),
        ("0fFFFFFFFF", 0xFFFFFFFF),
        ("3.4028235e38", 0x7F7FFFFF),
    ],
)
def test_f32_literals(operand: str, bits: int) -> None:
    value = only(f"vaddi 0, 0, {operand}, 1, 1, 0, 0").values["fimm"]
    assert f32_bits(value) == bits  # type: ignore[arg-type]


def test_registers_enums_masks_and_flags() -> None:
    assert only("addi r15, r0, -1").values == {"rd": 15, "rs": 0, "imm": -1}
    cfg = only("cfg lima, prodf, 16").values
    assert (cfg["mode"], cfg["dataflow"], cfg["seg"]) == (1, 3, 16)
    assert only("sync none").values["units"] == 0
    assert only("sync vector|dma").values["units"] == 0b101
    plain = only("mm 1, 0, 0, 0, 1, 2, 3, 4, 5, 6").values
    assert (plain["acc"], plain["tout"], plain["slot"]) == (0, 0, 1)
    flagged = only("mm 1, 0, 0, 0, 1, 2, 3, 4, 5, 6 tout acc").values
    assert (flagged["acc"], flagged["tout"]) == (1, 1)


def test_symbols_may_be_named_like_keywords_and_used_before_their_directive() -> None:
    source = "li r1, loop\nload r1, tensor, 1, 1, 0, 0\n"
    program = assemble(source + ".sram r1 @5 : 1\n.dram tensor @9 : 1\n.dram loop @3 : 1")
    li, load = program.decoded()
    assert li.values["imm"] == 3
    assert (load.values["dst"], load.values["src"]) == (Mem(0, 5), Mem(0, 9))


@given(symbol_names)
def test_every_legal_symbol_name_assembles(name: str) -> None:
    program = assemble(f".dram {name} @8 : 2\nli r1, {name}+1\n")
    assert program.symbols[0].name == name
    assert program.decoded()[0].values["imm"] == 9


# endregion

# region directives and layout


def test_directives_build_the_symbol_table_in_source_order() -> None:
    program = assemble(SYMBOLS + ".sram rank0 @0 : tensor<f32>\n")
    assert program.symbols == (
        Symbol("x", SymbolKind.ARG, 0, (4, 8)),
        Symbol("y", SymbolKind.RESULT, 32, (4, 8)),
        Symbol("w", SymbolKind.CONST, 64, (2,), "c64"),
        Symbol("scratch", SymbolKind.DRAM, 256, (64,)),
        Symbol("buf", SymbolKind.SRAM, 16, (256,)),
        Symbol("rank0", SymbolKind.SRAM, 0, ()),
    )
    assert [s.name for s in program.args] == ["x"]
    assert [s.name for s in program.results] == ["y"]
    assert (program.data_base, program.data.tolist()) == (64, [1, 2, 3, 4])


def test_every_symbol_kind_has_its_directive() -> None:
    assert sorted(SYMBOL_DIRECTIVES.values()) == sorted(SymbolKind)
    for directive, kind in SYMBOL_DIRECTIVES.items():
        source = f".data @0\n.word 0, 0\n{directive} v @0 : tensor<2xf32>\n"
        assert assemble(source).symbols[0].kind is kind


def test_data_words_take_decimal_hex_and_negative_values() -> None:
    program = assemble(".data @7\n.word 0xffffffff, -1, 0\n.word 4294967295\n")
    assert program.data.tolist() == [0xFFFFFFFF] * 2 + [0, 0xFFFFFFFF]
    assert assemble(".data @7\n").data_base == 7
    assert len(assemble(".data @7\n").data) == 0


def test_version_defaults_to_the_current_one_and_may_name_a_minor() -> None:
    assert assemble("halt").version == VERSION
    assert assemble(f"{VERSION_DIRECTIVE} {VERSION[0]}.7\nhalt").version == (VERSION[0], 7)


def test_comments_blank_lines_crlf_and_a_missing_final_newline() -> None:
    source = "# a program\r\n\r\n  halt   # stop\r\n\n# the end"
    assert [i.mnemonic for i in assemble(source).decoded()] == ["halt"]
    assert assemble("").words == ()


def test_loop_blocks_compute_len_and_default_missing_strides_to_r0() -> None:
    source = """\
loop 3 {
    halt
    loop 2, r1 += 64 {
        halt
    }
}
loop 0x10, r1 += -8, r2 += 4 {
    halt
}
"""
    outer, _, inner, _, last, _ = assemble(source).decoded()
    assert outer.values == {"count": 3, "len": 3, "ra": 0, "sa": 0, "rb": 0, "sb": 0}
    assert inner.values == {"count": 2, "len": 1, "ra": 1, "sa": 64, "rb": 0, "sb": 0}
    assert last.values == {"count": 16, "len": 1, "ra": 1, "sa": -8, "rb": 2, "sb": 4}


# endregion

# region errors


def error_of(source: str) -> AsmError:
    with pytest.raises(AsmError) as caught:
        assemble(source, "t.s")
    assert "\n" not in str(caught.value)
    return caught.value


ERRORS = [
    # syntax, with what was expected
    ("halt 1 2", "1:8", "unexpected '2', expected '(', ',', a name or end of line"),
    ("li r1, 5;", "1:9", "unexpected character ';'"),
    (".arg x @0 : f32", "1:13", "unexpected 'f32', expected a tensor type or an integer"),
    ("loop 4, r1 = 4 {\nhalt\n}", "1:12", "expected '+='"),
    # mnemonics, operand counts, flags
    ("vad 0, 0, 0, 1, 1, 0, 0, 0", "1:1", "unknown mnemonic 'vad' (did you mean vadd or vaddi?)"),
    ("LI r1, 0", "1:1", "unknown mnemonic 'LI' (did you mean li or lima?)"),
    ("li r1", "1:1", "li takes 2 operands (rd, imm), got 1"),
    ("halt r1", "1:6", "halt takes no operands, got 1"),
    (
        "vrsum 0, 0, 1, 1, 1, 0, 0, acc",
        "1:28",
        "vrsum takes 7 operands (dst, a, fimm, rows, cols, dst_stride, a_stride) then optional "
        "flags acc, got 8; write the flag 'acc' without a comma",
    ),
    ("vrsum 0, 0, 1, 1, 1, 0, 0 acc acc", "1:31", "flag 'acc' given twice"),
    ("vrsum 0, 0, 1, 1, 1, 0, 0 tout", "1:27", "unknown flag 'tout' for vrsum (its flags: acc)"),
    ("load 0, 0, 1, 1, 0, 0 acc", "1:23", "unknown flag 'acc' for load (load has none)"),
    # values that do not fit, by field name and width
    ("li r1, 0x80000000", "1:8", "imm = 2147483648 does not fit its 32-bit field"),
    ("load 0, 0, -1, 1, 0, 0", "1:12", "rows = -1 does not fit its 24-bit field"),
    ("load 0, 0, 1, 1, 8388608, 0", "1:18", "dst_stride = 8388608 does not fit its 24-bit"),
    ("ldw 2, 0, 1, 1, 0", "1:5", "slot = 2 does not fit its 1-bit field"),
    ("load 0x8000000(r1), 0, 1, 1, 0, 0", "1:6", "dst: offset 134217728 outside"),
    ("vaddi 0, 0, 1e39, 1, 1, 0, 0", "1:13", "fimm: 1e39 does not fit fp32"),
    ("loop 0x1000000 {\nhalt\n}", "1:6", "count = 16777216 does not fit its 24-bit field"),
    ("loop 1, r1 += 0x80000000 {\nhalt\n}", "1:15", "sa = 2147483648 does not fit its 32"),
    # operands of the wrong kind
    ("li r16, 0", "1:4", "rd needs a register r0..r15, got 'r16'"),
    ("li 5, 0", "1:4", "rd needs a register r0..r15, got '5'"),
    ("load 0(x1), 0, 1, 1, 0, 0", "1:8", "dst needs a register r0..r15, got 'x1'"),
    ("load 0, 0, buf, 1, 0, 0", "1:12", "rows needs an integer, got 'buf'"),
    ("li r1, 4(r2)", "1:8", "imm needs an integer or a symbol(+offset), got '4(r2)'"),
    ("load 1.5, 0, 1, 1, 0, 0", "1:6", "dst needs a memory operand such as 16(r1)"),
    ("cfg lim, ws, 0", "1:5", "mode must be mac or lima, got 'lim' (did you mean lima?)"),
    ("sync dma|gpu", "1:10", "units: unknown 'gpu', expected dma, array, vector"),
    ("sync dma|array|dma", "1:16", "units: 'dma' named twice"),
    ("sync 3", "1:6", "units needs names joined by '|' or 'none', got '3'"),
    ("vaddi 0, 0, infinity, 1, 1, 0, 0", "1:13", "fimm needs an fp32 literal"),
    ("vaddi 0, 0, buf(r1), 1, 1, 0, 0", "1:13", "fimm needs an fp32 literal"),
    ("vaddi 0, 0, 0f1234, 1, 1, 0, 0", "1:13", "fimm: raw fp32 bits '0f1234' need exactly 8"),
    ("load 0, 0, 0f00000001, 1, 0, 0", "1:12", "rows needs an integer, got '0f00000001'"),
    # symbols
    ("load bu, 0, 1, 1, 0, 0\n.sram buf @0 : 1", "1:6", "unknown symbol 'bu' (did you mean buf?)"),
    ("load r1, 0, 1, 1, 0, 0", "1:6", "unknown symbol 'r1'; for the address in r1 write 0(r1)"),
    (
        ".sram buf @0 : 4\nload 0, buf, 1, 1, 0, 0",
        "2:9",
        "load src must be in DRAM, but 'buf' is in SRAM (.sram)",
    ),
    (
        ".arg x @0 : tensor<4xf32>\nvcopy x+1(r2), 0, 1, 1, 0, 0",
        "2:7",
        "vcopy dst must be in SRAM, but 'x' is in DRAM (.arg)",
    ),
    (".dram a @0 : 4\n.sram a @0 : 4", "2:1", "symbol 'a' is defined twice"),
    (".const c @0 : tensor<4xf32>", "1:1", "constant 'c' lies outside the data segment"),
    (".data @0\n.word 1\n.const c @0 : tensor<2xf32>", "3:1", "constant 'c' lies outside"),
    (".dram a @0 : tensor<0xf32>", "1:1", "symbol 'a' has invalid shape [0]"),
    (".dram a @0xffffffff : 2", "1:1", "symbol 'a' lies outside the 32-bit address space"),
    # directives
    (".args x @0 : tensor<f32>", "1:1", "unknown directive '.args' (did you mean .arg?)"),
    (".word 1", "1:1", "'.word' before '.data'"),
    (".data @0\n.data @4", "2:1", "'.data' may appear only once"),
    (".data x @0 : 4", "1:1", "'.data' is written '.data @ADDR'"),
    (".arg x @0 : 4", "1:13", "'.arg' needs a tensor type, not a word count"),
    (
        ".arg x @0 : tensor<4x8>",
        "1:22",
        "unknown element type '8' (expected f32, complex<f32> or i32)",
    ),
    (".arg x @0 : tensor<4xf64>", "1:22", "unknown element type 'f64'"),
    (".arg x @0 : tensor<4xf32", "1:13", "malformed tensor type 'tensor<4xf32'"),
    (".data @0\n.word 0x100000000", "2:7", "data word 4294967296 does not fit 32 bits"),
    (".data @0xfffffffe\n.word 1, 2", "2:10", "the data segment runs past the 32-bit"),
    (".dram a @1 : 0xffffffff", "1:1", "symbol 'a' lies outside the 32-bit address space"),
    (".dram a @0 : tensor<65536x65536xf32>", "1:1", "symbol 'a' lies outside the 32-bit"),
    (f".dram {'a' * 65536} @0 : 1", "1:1", "is over 65535 bytes"),
    (".version 2.0", "1:10", "unsupported program version 2.0"),
    (".version 1.0\n.version 1.0", "2:1", "'.version' may appear only once"),
    ('.machine "x" {"name": }', "1:14", "machine description is not JSON"),
    ('.machine "x" {"name": "x"}', "1:14", "invalid machine description: missing key"),
    ('.machine "x" {"name": "x"', "1:14", "unexpected '{', expected a JSON object"),
    (".machine x {}", "1:12", "unexpected '{}', expected '@'"),
    ('.data "x" {}', "1:1", "'.data' is written '.data @ADDR'"),
    # loop blocks
    ("halt\n}", "2:1", "'}' without an open loop"),
    ("loop 2 {\nhalt\nloop 3 {\nhalt\n}", "1:1", "loop is never closed: missing '}'"),
    ("loop 2 {\n  # nothing\n}", "1:1", "empty loop body"),
    ("loop 2, r1 += 1, r2 += 2, r3 += 3 {\nhalt\n}", "1:27", "advances at most 2 registers"),
]


@pytest.mark.parametrize(("source", "position", "message"), ERRORS, ids=[e[2][:60] for e in ERRORS])
def test_errors_name_line_and_column(source: str, position: str, message: str) -> None:
    error = error_of(source)
    assert error.where == f"t.s:{position}"
    assert message in error.message


def test_the_machine_directive_records_a_checked_machine_once() -> None:
    machine = load_machine("tiny")
    line = f'.machine "tiny" {machine.description}'
    assert assemble(line).machine == machine.record
    error = error_of(f"{line}\n{line}")
    assert (error.where, error.message) == ("t.s:2:1", "'.machine' may appear only once")


def test_a_loop_body_too_long_for_len_is_an_error_at_the_loop() -> None:
    width = FIELDS["len"].width
    body = "halt\n" * (1 << width)
    error = error_of(f"halt\nloop 1 {{\n{body}}}\n")
    assert error.where == "t.s:2:1"
    assert f"len = {1 << width} does not fit its {width}-bit field" in error.message


def test_every_grammar_terminal_has_a_readable_name() -> None:
    for terminal in _parser().terminals:
        description = describe_terminal(terminal.name)
        assert description != terminal.name or terminal.name.startswith("__"), terminal.name


def test_every_field_kind_has_an_operand_reader() -> None:
    assert set(_READERS) == set(Kind) - {Kind.FLAG}  # flags are trailing keywords, not operands


# endregion

# region the reference


def doc_examples() -> list[str]:
    return re.findall(r"```asm\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)


def test_docs_examples_assemble() -> None:
    examples = doc_examples()
    assert examples, "docs/asm.md has no ```asm examples"
    for example in examples:
        assemble(example, str(DOCS))


def test_docs_name_every_directive() -> None:
    text = DOCS.read_text()
    directives = [*SYMBOL_DIRECTIVES, DATA_DIRECTIVE, WORD_DIRECTIVE, VERSION_DIRECTIVE]
    for directive in [*directives, MACHINE_DIRECTIVE]:
        assert f"`{directive}" in text, directive


# endregion


@given(st.integers(-(2**31), 2**31 - 1))
def test_imm_accepts_its_whole_range_in_decimal(value: int) -> None:
    assert only(f"li r1, {value}").values["imm"] == value
