"""Bit layout, encoder and decoder, all derived from the instruction table and checked on import.

Every instruction is one 256-bit word, stored little-endian: the opcode in bits 7..0, then the
row's fields packed from bit 8 upwards in table order; every bit above the last field is reserved
and must be zero. A row's `match`/`mask` pair identifies it (riscv-opcodes' scheme), and the table
is rejected on import (`IsaTableError`) if two rows could match the same word, a field is unknown
or too wide, or a formula names something it cannot see.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from types import CodeType

from epoch_mlir.errors import IsaTableError
from epoch_mlir.isa.fields import FIELDS, MEM_OFFSET_BITS, NUM_REGS, REG_BITS, Field, Kind, Mem
from epoch_mlir.isa.table import INSTRUCTIONS, UNIT_ORDER, Instr, coefficient_block_words

WORD_BITS = 256
WORD_BYTES = WORD_BITS // 8
OPCODE_BITS = 8

Value = int | float | Mem


class DecodeError(ValueError):
    """A word that is not a valid instruction (the caller adds where it came from)."""


# Names a formula may use besides the row's own fields (documented in table.py and docs/isa.md).
FORMULA_NAMES = frozenset(
    {"R", "C", "S", "G", "lanes", "lat", "dram_latency", "dram_bw", "df", "nch", "nm"}
)
FORMULA_FUNCTIONS: dict[str, object] = {
    "ceil": math.ceil,
    "log2": math.log2,
    "max": max,
    "min": min,
    "coefficient_block_words": coefficient_block_words,
}


@dataclass(frozen=True)
class Layout:
    """Where each field of a row sits in the word, and the row's match/mask."""

    row: Instr
    fields: tuple[tuple[Field, int], ...]  # (field, least significant bit)
    match: int
    mask: int
    cycles: CodeType
    latency: CodeType
    macs: CodeType
    pe_cycles: CodeType
    fp_adds: CodeType
    fp_muls: CodeType


@dataclass(frozen=True)
class Instruction:
    """A decoded instruction: its row and the value of each field."""

    row: Instr
    values: Mapping[str, Value]

    @property
    def mnemonic(self) -> str:
        return self.row.mnemonic

    def integer(self, name: str) -> int:
        """The value of an integer field (a loop's count or len, say)."""
        value = self.values[name]
        assert isinstance(value, int), f"{self.mnemonic}.{name} is {value!r}, not an integer"
        return value


def _compile(row: Instr, what: str, expression: str) -> CodeType:
    try:
        code = compile(expression, f"<{row.mnemonic}.{what}>", "eval")
    except SyntaxError as error:
        raise IsaTableError(f"{row.mnemonic}: {what} formula {expression!r}: {error}") from None
    allowed = FORMULA_NAMES | set(FORMULA_FUNCTIONS) | set(row.fields)
    unknown = set(code.co_names) - allowed
    if unknown:
        raise IsaTableError(f"{row.mnemonic}: {what} formula uses unknown {sorted(unknown)}")
    return code


def _layout(row: Instr) -> Layout:
    if not 0 < row.opcode < 1 << OPCODE_BITS:
        raise IsaTableError(f"{row.mnemonic}: opcode {row.opcode:#x} outside 1..255")
    if row.unit not in UNIT_ORDER:
        raise IsaTableError(f"{row.mnemonic}: unknown unit {row.unit!r}")
    if len(set(row.fields)) != len(row.fields):
        raise IsaTableError(f"{row.mnemonic}: a field is listed twice")
    placed: list[tuple[Field, int]] = []
    bit = OPCODE_BITS
    for name in row.fields:
        field = FIELDS.get(name)
        if field is None:
            raise IsaTableError(f"{row.mnemonic}: unknown field {name!r}")
        placed.append((field, bit))
        bit += field.width
    if bit > WORD_BITS:
        raise IsaTableError(f"{row.mnemonic}: fields need {bit} bits, the word has {WORD_BITS}")
    field_mask = sum(((1 << f.width) - 1) << lsb for f, lsb in placed)
    mask = ((1 << WORD_BITS) - 1) & ~field_mask  # opcode and reserved bits are fixed
    for access in row.accesses:
        kind = Kind.UINT if access.space == "slot" else Kind.MEM
        if access.address not in row.fields or FIELDS[access.address].kind is not kind:
            raise IsaTableError(f"{row.mnemonic}: access through unknown field {access.address!r}")
        for part in (access.rows, access.cols, access.stride, access.when):
            _compile(row, "access", part)
    if row.unit == "vector" and row.latency_class is None:
        raise IsaTableError(f"{row.mnemonic}: a vector instruction needs a latency class")
    return Layout(
        row,
        tuple(placed),
        row.opcode,
        mask,
        _compile(row, "cycles", row.cycles),
        _compile(row, "latency", row.latency),
        _compile(row, "macs", row.macs),
        _compile(row, "pe_cycles", row.pe_cycles),
        _compile(row, "fp_adds", row.fp_adds),
        _compile(row, "fp_muls", row.fp_muls),
    )


def _check_table(layouts: list[Layout]) -> None:
    seen_mnemonics: set[str] = set()
    seen_opcodes: dict[int, str] = {}
    for layout in layouts:
        row = layout.row
        if row.mnemonic in seen_mnemonics:
            raise IsaTableError(f"mnemonic {row.mnemonic!r} defined twice")
        if row.opcode in seen_opcodes:
            raise IsaTableError(
                f"{row.mnemonic}: opcode {row.opcode:#x} already used by {seen_opcodes[row.opcode]}"
            )
        seen_mnemonics.add(row.mnemonic)
        seen_opcodes[row.opcode] = row.mnemonic
    for i, first in enumerate(layouts):
        for second in layouts[i + 1 :]:
            if (first.mask & second.mask & (first.match ^ second.match)) == 0:
                raise IsaTableError(f"{first.row.mnemonic} and {second.row.mnemonic} overlap")


LAYOUTS: dict[str, Layout] = {row.mnemonic: _layout(row) for row in INSTRUCTIONS}
_check_table(list(LAYOUTS.values()))
_BY_OPCODE: dict[int, Layout] = {layout.match: layout for layout in LAYOUTS.values()}


_F32_EXPONENT = 0x7F800000
_F32_MANTISSA = 0x007FFFFF
_F32_QUIET = 0x00400000
_F64_EXPONENT = 0x7FF << 52
_MANTISSA_SHIFT = 52 - 23  # fp32 mantissa bits sit at the top of fp64's


def f32_from_bits(bits: int) -> float:
    """The fp32 value of a bit pattern, NaN payload included.

    `struct`'s "f" goes through a C float-to-double cast, which quiets a signalling NaN, so
    decode followed by encode would change such a word. NaNs are therefore widened by hand:
    the sign and payload move into the double unchanged, and `f32_bits` moves them back.
    """
    if bits & _F32_EXPONENT == _F32_EXPONENT and bits & _F32_MANTISSA:
        double = (bits >> 31) << 63 | _F64_EXPONENT | (bits & _F32_MANTISSA) << _MANTISSA_SHIFT
        return struct.unpack("<d", struct.pack("<Q", double))[0]
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def f32_bits(value: float) -> int:
    """The fp32 bit pattern of a number (the inverse of `f32_from_bits`).

    Rounds to nearest; raises OverflowError for a finite value that rounds to infinity. A NaN
    keeps its sign and the top 23 bits of its payload (a payload that would vanish is quieted).
    """
    if math.isnan(value):
        double = struct.unpack("<Q", struct.pack("<d", value))[0]
        payload = (double >> _MANTISSA_SHIFT) & _F32_MANTISSA or _F32_QUIET
        return (double >> 63) << 31 | _F32_EXPONENT | payload
    return struct.unpack("<I", struct.pack("<f", value))[0]


def field_bits(field: Field, value: Value) -> int:
    """The raw bits of one field value; raises ValueError naming the problem if it does not fit."""
    if field.kind is Kind.MEM:
        if not isinstance(value, Mem):
            raise ValueError(f"{field.name} needs a memory operand, got {value!r}")
        if not 0 <= value.reg < NUM_REGS:
            raise ValueError(f"{field.name}: register r{value.reg} does not exist")
        low, high = -(1 << (MEM_OFFSET_BITS - 1)), 1 << (MEM_OFFSET_BITS - 1)
        if not low <= value.offset < high:
            raise ValueError(f"{field.name}: offset {value.offset} outside [{low}, {high})")
        return value.reg | ((value.offset & ((1 << MEM_OFFSET_BITS) - 1)) << REG_BITS)
    if field.kind is Kind.F32:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError(f"{field.name} needs a number, got {value!r}")
        try:
            return f32_bits(value)
        except OverflowError:
            raise ValueError(f"{field.name} = {value} does not fit fp32") from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{field.name} needs an integer, got {value!r}")
    if not field.fits(value):
        raise ValueError(f"{field.name} = {value} does not fit its {field.width}-bit field")
    return value & ((1 << field.width) - 1)


def field_value(field: Field, bits: int) -> Value:
    """The value of one field from its raw bits (the inverse of `field_bits`)."""
    if field.kind is Kind.MEM:
        offset = bits >> REG_BITS
        if offset >= 1 << (MEM_OFFSET_BITS - 1):
            offset -= 1 << MEM_OFFSET_BITS
        return Mem(bits & (NUM_REGS - 1), offset)
    if field.kind is Kind.F32:
        return f32_from_bits(bits)
    if field.kind is Kind.SINT and bits >= 1 << (field.width - 1):
        return bits - (1 << field.width)
    if field.kind is Kind.ENUM and bits >= len(field.keywords):
        raise DecodeError(f"{field.name} = {bits} is not one of {', '.join(field.keywords)}")
    return bits


def encode(mnemonic: str, values: Mapping[str, Value]) -> int:
    """The word of one instruction; every field of the row must be given (flags default to 0)."""
    layout = LAYOUTS.get(mnemonic)
    if layout is None:
        raise ValueError(f"unknown mnemonic {mnemonic!r}")
    unknown = set(values) - set(layout.row.fields)
    if unknown:
        raise ValueError(f"{mnemonic} has no field {', '.join(sorted(unknown))}")
    word = layout.match
    for field, lsb in layout.fields:
        if field.name not in values:
            if field.kind is Kind.FLAG:
                continue
            raise ValueError(f"{mnemonic} needs field {field.name}")
        word |= field_bits(field, values[field.name]) << lsb
    return word


def decode(word: int) -> Instruction:
    """The instruction in one word; raises DecodeError for a bad opcode or reserved bits."""
    opcode = word & ((1 << OPCODE_BITS) - 1)
    layout = _BY_OPCODE.get(opcode)
    if layout is None:
        raise DecodeError(f"unknown opcode {opcode:#04x}")
    if word & layout.mask != layout.match:
        raise DecodeError(f"{layout.row.mnemonic}: reserved bits are set")
    values: dict[str, Value] = {}
    for name, lsb, mask, field in _EXTRACTORS[opcode]:
        bits = (word >> lsb) & mask
        values[name] = bits if field is None else field_value(field, bits)
    return Instruction(layout.row, values)


# Per opcode: (name, lsb, mask, field-or-None); None marks fields whose value is their bits.
_PLAIN_KINDS = (Kind.UINT, Kind.REG, Kind.FLAG, Kind.MASK)
_EXTRACTORS: dict[int, list[tuple[str, int, int, Field | None]]] = {
    opcode: [
        (f.name, lsb, (1 << f.width) - 1, None if f.kind in _PLAIN_KINDS else f)
        for f, lsb in layout.fields
    ]
    for opcode, layout in _BY_OPCODE.items()
}


def to_bytes(word: int) -> bytes:
    return word.to_bytes(WORD_BYTES, "little")


def from_bytes(data: bytes) -> int:
    return int.from_bytes(data, "little")
