"""Base classes of the instruction ops: everything instruction-specific comes from the table row.

xDSL's riscv dialect has one base class per encoding format (R-type, I-type, ...), each with its
own operands and syntax. EpochCore has a single encoding format (opcode, then the row's fields
packed in table order, isa/encoding.py), so the only difference in shape left is how an
instruction is written: on one line (`InstructionOp`), or as a block (`LoopInstructionOp`, the
hardware loop, whose `len` field is the size of its body and so is never stored).

A concrete op is a short class naming its mnemonic (ops.py). The `instruction_op` decorator
gives it one property per field of its row, its docstring (the row's summary and semantics) and
its IRDL definition, so the properties cannot drift from the table. Each field kind has one
property constraint, one custom syntax and one conversion to and from the ISA's values (the
per-kind functions below, as disasm.py has one formatter and asm.py one reader per kind):

| kind | property | custom syntax |
|---|---|---|
| REG | IntegerAttr i64 | `r3` |
| UINT, SINT | IntegerAttr i64 (`imm` also `#epoch.addr`) | `64`, `-8` (`@x+4`) |
| MEM | `#epoch.mem` | `16(r1)`, `@x+4(r1)` |
| ENUM | StringAttr | `lima` |
| MASK | ArrayAttr of StringAttr | `dma\\|vector`, `none` |
| F32 | `#epoch.f32` | `-0.5`, `0x7F800001` |
| FLAG | optional UnitAttr | `acc` after the operands |

Instruction ops carry no effect trait (in particular they are not `Pure`), so xDSL treats them
as having unknown side effects and DCE never erases them.
"""

from __future__ import annotations

import difflib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Self, TypeVar

from xdsl.dialects.builtin import I64, ArrayAttr, IntegerAttr, StringAttr, UnitAttr, i64
from xdsl.ir import Attribute, Block, Operation, Region
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
)
from xdsl.parser import AttrParser, Parser
from xdsl.printer import Printer
from xdsl.traits import NoTerminator
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.epoch.attrs import (
    AddressAttr,
    F32Attr,
    MemAttr,
    f32_literal,
    parse_address,
    parse_f32,
    parse_memory,
    parse_register,
    print_address,
    print_memory,
)
from epoch_mlir.errors import IsaTableError
from epoch_mlir.isa.asm import (
    ADDRESS_IMMEDIATES,
    LOOP_COUNT,
    LOOP_LENGTH,
    LOOP_MNEMONIC,
    LOOP_STRIDES,
    NO_UNITS,
    memory_space,
)
from epoch_mlir.isa.builder import Operand
from epoch_mlir.isa.encoding import Value, f32_bits, field_bits
from epoch_mlir.isa.fields import FIELDS, NUM_REGS, Field, Kind, Mem
from epoch_mlir.isa.table import BY_MNEMONIC, Instr

DIALECT_PREFIX = "epoch."
# A bare word without a `.` and not followed by `(`: a flag. Op names always carry their
# dialect, so the op on the next line is never mistaken for a flag, nor is a `loc(...)`.
_FLAG_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(?![A-Za-z0-9_$.]|\s*\()")

_OpT = TypeVar("_OpT", bound=IRDLOperation)


def one_of(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def did_you_mean(word: str, candidates: Sequence[str], prefix: str = "") -> str:
    matches = [prefix + match for match in difflib.get_close_matches(word, sorted(candidates), n=3)]
    return f" (did you mean {one_of(matches)}?)" if matches else ""


# region field kinds: constraint, syntax, conversions and checks


def _property_def(field: Field) -> object:
    """The property definition that holds one field (xDSL's definition types are private)."""
    if field.kind is Kind.FLAG:
        return opt_prop_def(UnitAttr)
    if field.kind is Kind.MEM:
        return prop_def(MemAttr)
    if field.kind is Kind.ENUM:
        return prop_def(StringAttr)
    if field.kind is Kind.MASK:
        return prop_def(ArrayAttr[StringAttr])
    if field.kind is Kind.F32:
        return prop_def(F32Attr)
    if field.name in ADDRESS_IMMEDIATES:
        return prop_def(IntegerAttr[I64] | AddressAttr)
    return prop_def(IntegerAttr[I64])


def _integer(value: int) -> IntegerAttr:
    return IntegerAttr(value, i64)


def parse_field(parser: AttrParser, field: Field) -> Attribute:
    """One positional operand (not a flag) in the custom syntax."""
    if field.kind is Kind.REG:
        return _integer(parse_register(parser))
    if field.kind is Kind.MEM:
        return parse_memory(parser)
    if field.kind is Kind.ENUM:
        return StringAttr(parser.parse_identifier(f" ({field.name}: {one_of(field.keywords)})"))
    if field.kind is Kind.MASK:
        names = [parser.parse_identifier(f" ({field.name}: names joined by '|', or none)")]
        while parser.parse_optional_punctuation("|") is not None:
            names.append(parser.parse_identifier())
        if names == [NO_UNITS]:
            names = []
        return ArrayAttr(StringAttr(name) for name in names)
    if field.kind is Kind.F32:
        return F32Attr(parse_f32(parser))
    if field.name in ADDRESS_IMMEDIATES and (address := parse_address(parser)) is not None:
        return address
    return _integer(parser.parse_integer(allow_boolean=False, context_msg=f" ({field.name})"))


def print_field(printer: Printer, field: Field, attribute: Attribute) -> None:
    if isinstance(attribute, MemAttr):
        print_memory(printer, attribute)
    elif isinstance(attribute, AddressAttr):
        print_address(printer, attribute)
    elif isinstance(attribute, F32Attr):
        printer.print_string(f32_literal(attribute.bits.data))
    elif isinstance(attribute, StringAttr):
        printer.print_string(attribute.data)
    elif isinstance(attribute, ArrayAttr):
        names = [name.data for name in attribute.data if isinstance(name, StringAttr)]
        printer.print_string("|".join(names) or NO_UNITS)
    elif isinstance(attribute, IntegerAttr):
        value = attribute.value.data
        printer.print_string(f"r{value}" if field.kind is Kind.REG else str(value))
    else:  # only reachable with verification disabled; keep the text parseable as generic
        printer.print_attribute(attribute)


def attribute_of(field: Field, value: Value) -> Attribute | None:
    """The property holding a decoded ISA value (None: an unset flag, left out)."""
    if field.kind is Kind.FLAG:
        return UnitAttr() if value else None
    if isinstance(value, Mem):
        return MemAttr(value.offset, value.reg)
    if field.kind is Kind.F32:
        return F32Attr(f32_bits(float(value)))
    if field.kind is Kind.ENUM:
        return StringAttr(field.keywords[int(value)])
    if field.kind is Kind.MASK:
        bits = int(value)
        return ArrayAttr(
            StringAttr(name) for bit, name in enumerate(field.keywords) if bits >> bit & 1
        )
    return _integer(int(value))


def builder_operand(
    field: Field, attribute: Attribute | None, address_of: Callable[[str], int]
) -> Operand:
    """The value `ProgramBuilder.emit` takes for a property; symbols resolved by `address_of`."""
    if field.kind is Kind.FLAG:
        return attribute is not None
    if isinstance(attribute, MemAttr):
        symbol = attribute.symbol_name
        return attribute.resolve(0 if symbol is None else address_of(symbol))
    if isinstance(attribute, AddressAttr):
        return address_of(attribute.symbol.data) + attribute.offset.data
    if isinstance(attribute, F32Attr):
        return attribute.value
    if isinstance(attribute, StringAttr):
        return attribute.data
    if isinstance(attribute, ArrayAttr):
        names = [name.data for name in attribute.data if isinstance(name, StringAttr)]
        return "|".join(names) or NO_UNITS
    assert isinstance(attribute, IntegerAttr), f"{field.name} is {attribute}"
    return attribute.value.data


def check_field(field: Field, attribute: Attribute) -> None:
    """Raise VerifyException if the value cannot be encoded (the encoder's own words)."""
    try:
        if field.kind is Kind.REG:
            assert isinstance(attribute, IntegerAttr)
            register = attribute.value.data
            if not 0 <= register < NUM_REGS:
                raise ValueError(
                    f"{field.name}: register r{register} does not exist (r0..r{NUM_REGS - 1})"
                )
        elif isinstance(attribute, MemAttr):
            field_bits(field, attribute.resolve())
        elif isinstance(attribute, AddressAttr):
            field_bits(field, attribute.offset.data)
        elif field.kind is Kind.ENUM:
            assert isinstance(attribute, StringAttr)
            if attribute.data not in field.keywords:
                suggestion = did_you_mean(attribute.data, field.keywords)
                raise ValueError(
                    f"{field.name} must be {one_of(field.keywords)}, "
                    f"got '{attribute.data}'{suggestion}"
                )
        elif field.kind is Kind.MASK:
            assert isinstance(attribute, ArrayAttr)
            _check_mask(field, [name.data for name in attribute.data])
        elif isinstance(attribute, IntegerAttr):
            field_bits(field, attribute.value.data)
    except ValueError as error:
        raise VerifyException(str(error)) from None


def _check_mask(field: Field, names: list[str]) -> None:
    for index, name in enumerate(names):
        if name not in field.keywords:
            choices = ", ".join(field.keywords)
            raise ValueError(
                f"{field.name}: unknown '{name}', expected {choices} (an empty list is {NO_UNITS})"
            )
        if name in names[:index]:
            raise ValueError(f"{field.name}: '{name}' named twice")


# endregion


class SymbolScope(ABC):
    """An op declaring the symbols that instruction operands such as `@x+4(r1)` refer to.

    Implemented by `epoch.program`; instruction ops look it up among their ancestors, so a
    wrong symbol is reported at the instruction that names it.
    """

    @abstractmethod
    def symbol_space(self, name: str) -> str | None:
        """`"dram"` or `"sram"` for a declared symbol, None if `name` is not declared."""

    @abstractmethod
    def symbol_names(self) -> list[str]:
        """Every declared name, for suggestions."""


class _RowOp(IRDLOperation, ABC):
    """What both shapes share: the row, the fields held as properties, their checks."""

    @classmethod
    def row(cls) -> Instr:
        return BY_MNEMONIC[cls.name.removeprefix(DIALECT_PREFIX)]

    @classmethod
    def property_fields(cls) -> tuple[Field, ...]:
        """The row's fields that are stored as properties, in table order."""
        return tuple(FIELDS[name] for name in cls.row().fields)

    @classmethod
    def properties_of(cls, values: Mapping[str, Value]) -> dict[str, Attribute]:
        """Properties from decoded ISA values (`encoding.Instruction.values`)."""
        properties: dict[str, Attribute] = {}
        for field in cls.property_fields():
            if (attribute := attribute_of(field, values[field.name])) is not None:
                properties[field.name] = attribute
        return properties

    def builder_operands(self, address_of: Callable[[str], int]) -> dict[str, Operand]:
        """Every property as `ProgramBuilder` takes it, symbols resolved by `address_of`."""
        return {
            field.name: builder_operand(field, self.properties.get(field.name), address_of)
            for field in self.property_fields()
        }

    def verify_(self) -> None:
        scope = self._symbol_scope()
        row = self.row()
        for field in self.property_fields():
            if (attribute := self.properties.get(field.name)) is None:
                continue
            check_field(field, attribute)
            if scope is not None:
                _check_symbol(row, field, attribute, scope)

    def _symbol_scope(self) -> SymbolScope | None:
        parent = self.parent_op()
        while parent is not None and not isinstance(parent, SymbolScope):
            parent = parent.parent_op()
        return parent


def _check_symbol(row: Instr, field: Field, attribute: Attribute, scope: SymbolScope) -> None:
    """A symbolic operand must name a declared symbol in the field's address space."""
    if isinstance(attribute, MemAttr):
        name = attribute.symbol_name
    elif isinstance(attribute, AddressAttr):
        name = attribute.symbol.data
    else:
        return
    if name is None:
        return
    space = scope.symbol_space(name)
    if space is None:
        suggestion = did_you_mean(name, scope.symbol_names(), prefix="@")
        raise VerifyException(f"{field.name}: unknown symbol @{name}{suggestion}")
    expected = memory_space(row, field.name) if isinstance(attribute, MemAttr) else None
    if expected is not None and expected != space:
        raise VerifyException(
            f"{row.mnemonic} {field.name} must be in {expected.upper()}, "
            f"but @{name} is in {space.upper()}"
        )


class InstructionOp(_RowOp, ABC):
    """An instruction written on one line: `epoch.MNEMONIC operand, ... flag ...`.

    The operands are the row's non-flag fields in table order, then the flags that are set,
    as in the assembly language (docs/asm.md); the generic form holds the same properties.
    """

    @classmethod
    def from_values(cls, values: Mapping[str, Value]) -> Self:
        """The op of one decoded instruction."""
        return cls.create(properties=cls.properties_of(values))

    @classmethod
    def parse(cls, parser: Parser) -> InstructionOp:
        row = cls.row()
        fields = cls.property_fields()
        positional = [field for field in fields if field.kind is not Kind.FLAG]
        usage = f" ({row.mnemonic} takes {', '.join(field.name for field in positional)})"
        properties: dict[str, Attribute] = {}
        for index, field in enumerate(positional):
            if index:
                parser.parse_punctuation(",", usage)
            properties[field.name] = parse_field(parser, field)
        flags = [field.name for field in fields if field.kind is Kind.FLAG]
        while (word := _next_flag_word(parser)) is not None:
            start = parser.pos
            parser.parse_identifier()
            if word not in flags:
                known = f"its flags: {', '.join(flags)}" if flags else f"{row.mnemonic} has none"
                parser.raise_error(f"unknown flag '{word}' ({known})", start, parser.pos)
            if word in properties:
                parser.raise_error(f"flag '{word}' given twice", start, parser.pos)
            properties[word] = UnitAttr()
        attributes = parser.parse_optional_attr_dict()
        return cls.create(properties=properties, attributes=attributes)

    def print(self, printer: Printer) -> None:
        fields = self.property_fields()
        positional = [field for field in fields if field.kind is not Kind.FLAG]
        if positional:
            printer.print_string(" ")
            printer.print_list(
                positional,
                lambda field: print_field(printer, field, self.properties[field.name]),
            )
        for field in fields:
            if field.kind is Kind.FLAG and field.name in self.properties:
                printer.print_string(f" {field.name}")
        printer.print_op_attributes(self.attributes)


def _next_flag_word(parser: Parser) -> str | None:
    """The bare word (no `.`) the next token is, without consuming it."""
    match = _FLAG_WORD.match(parser.lexer.input.content, parser.pos)
    return match.group() if match else None


class LoopInstructionOp(_RowOp, ABC):
    """The hardware loop as a region: `epoch.loop COUNT[, rA += SA[, rB += SB]] { ... }`.

    The body holds instruction ops and nested loops. Its instruction count becomes the `len`
    field when the program is serialized, so `len` is not a property and cannot disagree
    with the body; the stride pairs are the row's (register, stride) field pairs.
    """

    body = region_def()
    traits = traits_def(NoTerminator())

    @classmethod
    def property_fields(cls) -> tuple[Field, ...]:
        return tuple(field for field in super().property_fields() if field.name != LOOP_LENGTH)

    @classmethod
    def from_values(cls, values: Mapping[str, Value], body: Sequence[Operation]) -> Self:
        """The loop of one decoded `loop` instruction around already built body ops."""
        return cls.create(
            properties=cls.properties_of(values),
            regions=[Region(Block(body))],
        )

    @property
    def body_ops(self) -> list[Operation]:
        return [op for block in self.body.blocks for op in block.ops]

    def body_length(self) -> int:
        """Instruction words in the body, nested loops included: the `len` field's value."""
        return sum(
            1 + op.body_length() if isinstance(op, LoopInstructionOp) else 1 for op in self.body_ops
        )

    @classmethod
    def parse(cls, parser: Parser) -> LoopInstructionOp:
        properties: dict[str, Attribute] = {
            LOOP_COUNT: _integer(parser.parse_integer(allow_boolean=False))
        }
        for register, stride in LOOP_STRIDES:
            if parser.parse_optional_punctuation(",") is None:
                properties.setdefault(register, _integer(0))
                properties.setdefault(stride, _integer(0))
                continue
            properties[register] = _integer(parse_register(parser))
            parser.parse_punctuation("+", " in a loop stride such as r1 += 8")
            parser.parse_punctuation("=", " in a loop stride such as r1 += 8")
            properties[stride] = _integer(parser.parse_integer(allow_boolean=False))
        attributes = parser.parse_optional_attr_dict_with_keyword()
        region = parser.parse_region()
        return cls.create(
            properties=properties,
            attributes=attributes.data if attributes else {},
            regions=[region],
        )

    def print(self, printer: Printer) -> None:
        """Trailing `r0 += 0` pairs are left out, as the disassembler does."""
        values = {name: attr.value.data for name, attr in self._integer_properties().items()}
        pairs = [(values[register], values[stride]) for register, stride in LOOP_STRIDES]
        while pairs and pairs[-1] == (0, 0):
            pairs.pop()
        printer.print_string(f" {values[LOOP_COUNT]}")
        for register, stride in pairs:
            printer.print_string(f", r{register} += {stride}")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def _integer_properties(self) -> dict[str, IntegerAttr]:
        return {
            name: attr for name, attr in self.properties.items() if isinstance(attr, IntegerAttr)
        }

    def verify_(self) -> None:
        super().verify_()
        ops = self.body_ops
        if not ops:
            raise VerifyException("empty loop body")
        for op in ops:
            if not isinstance(op, InstructionOp | LoopInstructionOp):
                raise VerifyException(f"a loop body holds only instructions, found '{op.name}'")
        length = self.body_length()
        try:
            field_bits(FIELDS[LOOP_LENGTH], length)
        except ValueError:
            limit = (1 << FIELDS[LOOP_LENGTH].width) - 1
            raise VerifyException(
                f"loop body of {length} instructions is longer than the "
                f"{FIELDS[LOOP_LENGTH].width}-bit {LOOP_LENGTH} field allows ({limit})"
            ) from None


def instruction_op(cls: type[_OpT]) -> type[_OpT]:
    """Make `cls` the op of its row: one property per field, the row's docs, IRDL definition.

    Properties are added here rather than written in each class so that a field added to or
    removed from a row changes the op with it; tests/dialects/test_epoch.py checks the result.
    """
    assert issubclass(cls, _RowOp), f"{cls.__name__} is not an instruction op base"
    mnemonic = cls.name.removeprefix(DIALECT_PREFIX)
    if mnemonic not in BY_MNEMONIC:
        raise IsaTableError(f"{cls.__name__}: no instruction {mnemonic!r} in the table")
    if (mnemonic == LOOP_MNEMONIC) != issubclass(cls, LoopInstructionOp):
        raise IsaTableError(f"{cls.__name__}: only {LOOP_MNEMONIC!r} is written as a block")
    for field in cls.property_fields():
        if hasattr(IRDLOperation, field.name):
            raise IsaTableError(f"{cls.__name__}: field {field.name!r} clashes with xDSL")
        setattr(cls, field.name, _property_def(field))
    row = cls.row()
    cls.__doc__ = f"{row.summary}\n\n{row.semantics}"
    return irdl_op_definition(cls)
