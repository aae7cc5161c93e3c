"""Attributes of the `epoch` dialect: operand values that builtin attributes cannot hold.

Three field kinds of the ISA need their own attribute, each printed exactly as it is written
in an instruction op's custom syntax (so the generic form reads the same way):

- `#epoch.mem<16(r1)>`, `#epoch.mem<@x+4(r1)>`: a memory operand. The symbolic form names an
  `epoch.symbol` whose address is added at serialization, which lets a program leave DRAM
  layout to `ProgramBuilder`.
- `#epoch.addr<@x+4>`: a symbol's address as an immediate (`li r1, @x`), the assembler's
  address immediates.
- `#epoch.f32<0.5>`, `#epoch.f32<0x7F800001>`: an fp32 immediate held as its bits. xDSL 0.74
  prints a `FloatAttr` NaN through a float cast that quiets signalling NaNs, and the ISA keeps
  every payload (encoding.f32_from_bits), so the IR must too.

The attributes accept any register number and offset: whether a value fits its field is the
instruction op's verifier's business (through `encoding.field_bits`), so the messages are the
encoder's, and one rule is written once.
"""

from __future__ import annotations

import functools
import json
import math
import re

import numpy as np
from xdsl.dialects.builtin import (
    ArrayAttr,
    BoolAttr,
    DictionaryAttr,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    IntegerType,
    NoneAttr,
    StringAttr,
    f64,
    i64,
)
from xdsl.ir import Attribute, ParametrizedAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.errors import MachineError
from epoch_mlir.isa.encoding import f32_bits, f32_from_bits
from epoch_mlir.isa.fields import NUM_REGS, Mem
from epoch_mlir.machine import Machine, MachineRecord, description_text

_REGISTER = re.compile(r"r([0-9]+)")
F32_BITS_LIMIT = 1 << 32


# region operand text shared by the attributes and the instruction ops


def parse_register(parser: AttrParser) -> int:
    """`rN` for any N: the verifier, not the parser, says which registers exist."""
    start = parser.pos
    word = parser.parse_optional_identifier()
    match = _REGISTER.fullmatch(word or "")
    if match is None:
        parser.raise_error(f"expected a register r0..r{NUM_REGS - 1}", start, parser.pos)
    return int(match.group(1))


def _parse_signed_offset(parser: AttrParser) -> int:
    """An optional `+ N` or `- N` after a symbol; 0 if absent."""
    if parser.parse_optional_punctuation("+") is not None:
        return parser.parse_integer(allow_boolean=False, allow_negative=False)
    if parser.parse_optional_punctuation("-") is not None:
        return -parser.parse_integer(allow_boolean=False, allow_negative=False)
    return 0


def _print_symbol_offset(printer: Printer, symbol: str, offset: int) -> None:
    printer.print_symbol_name(symbol)
    if offset:
        printer.print_string(f"{offset:+d}")


def parse_memory(parser: AttrParser) -> MemAttr:
    """`OFF(rN)`, or `@sym`, `@sym+OFF`, `@sym-OFF`, each optionally followed by `(rN)`."""
    if (symbol := parser.parse_optional_symbol_name()) is not None:
        offset = _parse_signed_offset(parser)
        register = 0
        if parser.parse_optional_punctuation("(") is not None:
            register = parse_register(parser)
            parser.parse_punctuation(")")
        return MemAttr(offset, register, symbol.data)
    offset = parser.parse_optional_integer(allow_boolean=False)
    if offset is None:
        parser.raise_error("expected a memory operand: OFFSET(rN) or @symbol[+OFFSET][(rN)]")
    parser.parse_punctuation("(", " after the offset of a memory operand, as in 16(r1)")
    register = parse_register(parser)
    parser.parse_punctuation(")")
    return MemAttr(offset, register)


def print_memory(printer: Printer, mem: MemAttr) -> None:
    """Numeric operands always show their register (as the disassembler prints them);
    symbolic ones leave out `(r0)` and `+0`."""
    symbol = mem.symbol_name
    if symbol is None:
        printer.print_string(f"{mem.offset.data}(r{mem.reg.data})")
        return
    _print_symbol_offset(printer, symbol, mem.offset.data)
    if mem.reg.data:
        printer.print_string(f"(r{mem.reg.data})")


def parse_address(parser: AttrParser) -> AddressAttr | None:
    """`@sym`, `@sym+OFF` or `@sym-OFF`, if the next token is a symbol."""
    if (symbol := parser.parse_optional_symbol_name()) is None:
        return None
    return AddressAttr(symbol.data, _parse_signed_offset(parser))


def f32_literal(bits: int) -> str:
    """The shortest MLIR float literal that reads back to `bits`, else the bits in hex.

    numpy gives the shortest decimal that identifies the fp32 value; MLIR wants a `.` in a
    float literal, and a hexadecimal literal in a float position is the bit pattern (MLIR's
    own rule), which covers infinities, NaN payloads and any decimal that would round
    differently through a double.
    """
    value = f32_from_bits(bits)
    if math.isfinite(value):
        mantissa, exponent_mark, exponent = str(np.float32(value)).partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        text = mantissa + exponent_mark + exponent
        if f32_bits(float(text)) == bits:
            return text
    return f"0x{bits:08X}"


def parse_f32(parser: AttrParser) -> int:
    """The bits of a float literal (`-0.5`, `1.0e-05`) or of raw hex bits (`0x7F800001`)."""
    start = parser.pos
    negative = parser.parse_optional_punctuation("-") is not None
    if (value := parser.parse_optional_float(allow_negative=False)) is not None:
        try:
            return f32_bits(-value if negative else value)
        except OverflowError:
            parser.raise_error("the value does not fit fp32", start, parser.pos)
    digits_start = parser.pos
    hexadecimal = parser.lexer.input.content[digits_start : digits_start + 2] in ("0x", "0X")
    integer = parser.parse_optional_integer(allow_boolean=False, allow_negative=False)
    if integer is not None and hexadecimal and not negative:
        if integer >= F32_BITS_LIMIT:
            parser.raise_error("raw fp32 bits need at most 8 hex digits", start, parser.pos)
        return integer
    parser.raise_error(
        "expected a float literal such as 2.0 or raw fp32 bits such as 0x40000000",
        start,
        parser.pos,
    )


# endregion


@irdl_attr_definition
class MemAttr(ParametrizedAttribute):
    """A memory operand: effective address `r[reg] + offset`, plus a symbol's address if named."""

    name = "epoch.mem"

    offset: IntAttr
    reg: IntAttr
    symbol: StringAttr | NoneAttr

    def __init__(self, offset: int, reg: int = 0, symbol: str | None = None) -> None:
        super().__init__(
            IntAttr(offset), IntAttr(reg), NoneAttr() if symbol is None else StringAttr(symbol)
        )

    @property
    def symbol_name(self) -> str | None:
        return self.symbol.data if isinstance(self.symbol, StringAttr) else None

    def resolve(self, address: int = 0) -> Mem:
        """The ISA's value, given the address of the symbol (if any)."""
        return Mem(self.reg.data, self.offset.data + address)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[IntAttr, IntAttr, StringAttr | NoneAttr]:
        with parser.in_angle_brackets():
            mem = parse_memory(parser)
        return mem.offset, mem.reg, mem.symbol

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            print_memory(printer, self)


@irdl_attr_definition
class AddressAttr(ParametrizedAttribute):
    """A symbol's address plus an offset, as an integer immediate (resolved at serialization)."""

    name = "epoch.addr"

    symbol: StringAttr
    offset: IntAttr

    def __init__(self, symbol: str, offset: int = 0) -> None:
        super().__init__(StringAttr(symbol), IntAttr(offset))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[StringAttr, IntAttr]:
        with parser.in_angle_brackets():
            address = parse_address(parser)
            if address is None:
                parser.raise_error("expected a symbol such as @x or @x+4")
        return address.symbol, address.offset

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            print_address(printer, self)


def print_address(printer: Printer, address: AddressAttr) -> None:
    _print_symbol_offset(printer, address.symbol.data, address.offset.data)


@irdl_attr_definition
class F32Attr(ParametrizedAttribute):
    """An fp32 immediate as its IEEE-754 bits, so NaN payloads survive every round trip."""

    name = "epoch.f32"

    bits: IntAttr

    def __init__(self, bits: int) -> None:
        super().__init__(IntAttr(bits))

    @staticmethod
    def from_float(value: float) -> F32Attr:
        """Rounded to the nearest fp32; a NaN keeps its payload as `f32_bits` defines."""
        return F32Attr(f32_bits(value))

    @property
    def value(self) -> float:
        return f32_from_bits(self.bits.data)

    def verify(self) -> None:
        if not 0 <= self.bits.data < F32_BITS_LIMIT:
            raise VerifyException(f"fp32 bits {self.bits.data:#x} do not fit 32 bits")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[IntAttr]:
        with parser.in_angle_brackets():
            return (IntAttr(parse_f32(parser)),)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(f32_literal(self.bits.data))


# region the machine a program is built for


@irdl_attr_definition
class MachineAttr(ParametrizedAttribute):
    """The machine a module is compiled for: `#epoch.machine<"tpu", {clock_ghz = 1.0, ...}>`.

    A module carries it as its `epoch.machine` attribute from `epoch-set-machine` on, at every
    level down to the epoch program, whose file records it; passes read the machine from it.

    The source (a preset name or TOML path) and the whole description as a dictionary, so the
    IR, like the program file it becomes, names its machine exactly and needs no file to
    rebuild it. The description is the machine's canonical form (machine.py): builtin
    integers, floats (printed exactly), strings, bools, tables and arrays of tables.
    """

    name = "epoch.machine"

    source: StringAttr
    description: DictionaryAttr

    @staticmethod
    def from_record(record: MachineRecord) -> MachineAttr:
        description = _to_attribute(json.loads(record.description))
        assert isinstance(description, DictionaryAttr)
        return MachineAttr(StringAttr(record.source), description)

    def machine(self) -> Machine:
        """The machine itself (rebuilt once per description: passes ask often)."""
        return _machine_of(self.record())

    def record(self) -> MachineRecord:
        value = _from_attribute(self.description)
        assert isinstance(value, dict)
        return MachineRecord(description_text(value), self.source.data)

    def verify(self) -> None:
        try:
            self.record().machine("#epoch.machine")
        except (MachineError, ValueError) as error:
            raise VerifyException(f"invalid machine description: {error}") from None


MACHINE_ATTRIBUTE = "epoch.machine"  # the module attribute naming the machine, at every level


@functools.cache
def _machine_of(record: MachineRecord) -> Machine:
    return record.machine("#epoch.machine")


def _to_attribute(value: object) -> Attribute:
    if isinstance(value, bool):
        return BoolAttr.from_bool(value)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, list):
        return ArrayAttr([_to_attribute(item) for item in value])
    assert isinstance(value, dict), f"not a machine description value: {value!r}"
    return DictionaryAttr({key: _to_attribute(item) for key, item in value.items()})


def _from_attribute(attribute: Attribute) -> object:
    if isinstance(attribute, IntegerAttr):
        width = attribute.type.width.data if isinstance(attribute.type, IntegerType) else 64
        return bool(attribute.value.data) if width == 1 else attribute.value.data
    if isinstance(attribute, FloatAttr):
        return float(attribute.value.data)
    if isinstance(attribute, StringAttr):
        return attribute.data
    if isinstance(attribute, ArrayAttr):
        return [_from_attribute(item) for item in attribute.data]
    if isinstance(attribute, DictionaryAttr):
        return {key: _from_attribute(item) for key, item in attribute.data.items()}
    raise ValueError(f"unexpected {attribute} in a machine description")


# endregion
