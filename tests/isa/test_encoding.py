"""Encoder/decoder round trips over every row, and the table checks that run on import."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epoch_mlir.errors import IsaTableError
from epoch_mlir.isa import encoding
from epoch_mlir.isa.encoding import (
    LAYOUTS,
    OPCODE_BITS,
    WORD_BITS,
    DecodeError,
    decode,
    encode,
    f32_bits,
    f32_from_bits,
)
from epoch_mlir.isa.fields import FIELDS, Field, Kind, Mem
from epoch_mlir.isa.table import BY_MNEMONIC, BY_OPCODE, INSTRUCTIONS, Access, Instr
from tests.isa.strategies import row_values, row_words

rows = st.sampled_from(INSTRUCTIONS)


def comparable(values: dict) -> dict:
    """Field values with floats replaced by their fp32 bits, so NaNs compare equal."""
    return {k: f32_bits(v) if isinstance(v, float) else v for k, v in values.items()}


@given(rows.flatmap(lambda row: st.tuples(st.just(row), row_values(row))))
def test_encode_then_decode_gives_back_every_field(case: tuple[Instr, dict]) -> None:
    row, values = case
    instruction = decode(encode(row.mnemonic, values))
    assert instruction.row is row
    assert comparable(dict(instruction.values)) == comparable(values)


@given(rows.flatmap(row_words))
def test_decode_then_encode_gives_back_the_word(word: int) -> None:
    instruction = decode(word)
    assert encode(instruction.mnemonic, instruction.values) == word


@given(st.integers(0, (1 << 32) - 1))
def test_every_fp32_bit_pattern_survives_the_trip_through_a_python_float(bits: int) -> None:
    assert f32_bits(f32_from_bits(bits)) == bits


@pytest.mark.parametrize("bits", [0x7F800001, 0xFF800001, 0x7FBFFFFF, 0x7FC00001, 0x00000001])
def test_nan_payloads_and_denormals_keep_their_bits(bits: int) -> None:
    word = encode("vaddi", {**_zeros("vaddi"), "fimm": f32_from_bits(bits)})
    assert f32_bits(decode(word).values["fimm"]) == bits  # type: ignore[arg-type]


def test_fp32_values_round_to_nearest_and_overflow_is_a_value_error() -> None:
    assert f32_bits(0.1) == struct.unpack("<I", struct.pack("<f", 0.1))[0]
    assert f32_bits(-0.0) == 0x80000000
    with pytest.raises(ValueError, match=r"fimm = 1e\+40 does not fit fp32"):
        encode("vaddi", {**_zeros("vaddi"), "fimm": 1e40})


def _zeros(mnemonic: str) -> dict:
    """Every field of a row at its zero value."""
    row = BY_MNEMONIC[mnemonic]
    zero = {Kind.MEM: Mem(0, 0), Kind.F32: 0.0}
    return {name: zero.get(FIELDS[name].kind, 0) for name in row.fields}


@pytest.mark.parametrize("row", INSTRUCTIONS, ids=lambda row: row.mnemonic)
def test_a_reserved_bit_makes_the_word_invalid(row: Instr) -> None:
    layout = LAYOUTS[row.mnemonic]
    reserved = layout.mask & ~((1 << OPCODE_BITS) - 1)
    assert reserved, f"{row.mnemonic} leaves no reserved bit"
    word = encode(row.mnemonic, _zeros(row.mnemonic))
    for bit in (reserved.bit_length() - 1, (reserved & -reserved).bit_length() - 1):
        with pytest.raises(DecodeError, match="reserved bits are set"):
            decode(word | 1 << bit)


@pytest.mark.parametrize(
    "opcode", [code for code in range(1 << OPCODE_BITS) if code not in BY_OPCODE]
)
def test_an_unknown_opcode_is_a_decode_error(opcode: int) -> None:
    with pytest.raises(DecodeError, match=f"unknown opcode {opcode:#04x}"):
        decode(opcode | 1 << (WORD_BITS - 1))


def test_an_enum_code_without_a_keyword_is_a_decode_error() -> None:
    three_of_four = Field("df", Kind.ENUM, 2, "a dataflow", ("ws", "os", "is"))
    assert encoding.field_value(three_of_four, 2) == 2
    with pytest.raises(DecodeError, match="df = 3 is not one of ws, os, is"):
        encoding.field_value(three_of_four, 3)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"rd": 1}, "li needs field imm"),
        ({"rd": 1, "imm": 0, "rows": 1}, "li has no field rows"),
        ({"rd": 16, "imm": 0}, "rd = 16 does not fit its 4-bit field"),
        ({"rd": 1, "imm": 1 << 31}, "imm = 2147483648 does not fit its 32-bit field"),
        ({"rd": 1, "imm": 1.5}, "imm needs an integer"),
    ],
)
def test_encode_rejects_bad_values_by_field_name(values: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        encode("li", values)


def test_encode_rejects_an_unknown_mnemonic_and_bad_memory_operands() -> None:
    with pytest.raises(ValueError, match="unknown mnemonic 'nop'"):
        encode("nop", {})
    values = _zeros("load")
    with pytest.raises(ValueError, match="dst needs a memory operand"):
        encode("load", {**values, "dst": 0})
    with pytest.raises(ValueError, match=r"dst: offset 134217728 outside"):
        encode("load", {**values, "dst": Mem(0, 1 << 27)})


# region table checks: the helpers that run on import, fed rows that break one rule each

_VADD = BY_MNEMONIC["vadd"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"opcode": 0}, "opcode 0x0 outside 1..255"),
        ({"opcode": 0x100}, "opcode 0x100 outside 1..255"),
        ({"unit": "gpu"}, "unknown unit 'gpu'"),
        ({"fields": ("dst", "dst")}, "a field is listed twice"),
        ({"fields": ("dst", "bogus")}, "unknown field 'bogus'"),
        (
            {"fields": ("imm", "sa", "sb", "dst", "src", "a", "b", "fimm"), "accesses": ()},
            "fields need 264 bits, the word has 256",
        ),
        ({"accesses": (Access("read", "sram", "src", "1", "1", "0"),)}, "unknown field 'src'"),
        ({"accesses": (Access("read", "slot", "a", "1", "1", "0"),)}, "unknown field 'a'"),
        ({"cycles": "rows +"}, r"cycles formula 'rows \+': invalid syntax"),
        ({"cycles": "rows * bogus"}, r"cycles formula uses unknown \['bogus'\]"),
        ({"macs": "open('x')"}, r"macs formula uses unknown \['open'\]"),
        ({"latency_class": None}, "a vector instruction needs a latency class"),
    ],
)
def test_a_bad_row_is_an_isa_table_error(change: dict, message: str) -> None:
    with pytest.raises(IsaTableError, match=message):
        encoding._layout(dataclasses.replace(_VADD, **change))


def test_duplicate_mnemonics_opcodes_and_overlaps_are_isa_table_errors() -> None:
    vadd = LAYOUTS["vadd"]
    twin = encoding._layout(dataclasses.replace(_VADD, opcode=0x7F))
    with pytest.raises(IsaTableError, match="mnemonic 'vadd' defined twice"):
        encoding._check_table([vadd, twin])
    copy = encoding._layout(dataclasses.replace(_VADD, mnemonic="vadd2"))
    with pytest.raises(IsaTableError, match="vadd2: opcode 0x30 already used by vadd"):
        encoding._check_table([vadd, copy])
    wildcard = dataclasses.replace(
        encoding._layout(dataclasses.replace(_VADD, mnemonic="any", opcode=0x7F)), mask=0
    )
    with pytest.raises(IsaTableError, match="vadd and any overlap"):
        encoding._check_table([vadd, wildcard])


def test_the_shipped_table_passes_its_own_checks() -> None:
    encoding._check_table([encoding._layout(row) for row in INSTRUCTIONS])
    assert set(LAYOUTS) == set(BY_MNEMONIC)


# endregion
