"""Types and attributes of the systolic dialect: DRAM tensors, SRAM buffers, the array's
configuration and the machine (`#systolic.target`), and the helpers they share."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar, cast

from xdsl.dialects.builtin import (
    ArrayAttr,
    ComplexType,
    DenseArrayBase,
    IntAttr,
    IntegerAttr,
    IntegerType,
    StringAttr,
    f32,
    i32,
    i64,
)
from xdsl.ir import (
    Attribute,
    Operation,
    ParametrizedAttribute,
    TypeAttribute,
)
from xdsl.irdl import (
    irdl_attr_definition,
)
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.machine.vocabulary import (
    DATAFLOWS,
    LIMA,
    MAC,
    PE_KINDS,
    PRODF,
)

if TYPE_CHECKING:
    from epoch_mlir.machine import Machine


# the discardable attribute, on the module or another ancestor, holding the target
TARGET_ATTRIBUTE = "systolic.target"
PE_MODES = PE_KINDS
SLOTS = (0, 1)  # the array's two stationary-operand buffers (double buffering)
BROADCASTS = ("none", "row", "col", "scalar")


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")


_OpT = TypeVar("_OpT", bound=Operation)


def int_array(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def int_values(array: DenseArrayBase) -> tuple[int, ...]:
    # the dialect's arrays are all i64 (DenseArrayBase.constr(I64)); the stubs cannot know it
    return tuple(cast(DenseArrayBase[IntegerType], array).get_values())


def ints_text(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(value) for value in values) + "]"


def shape_text(shape: Sequence[int]) -> str:
    """MLIR's spelling of a shape (`4x8`, `?x8` for a dynamic size)."""
    return "x".join(str(size) if size >= 0 else "?" for size in shape)


def element_words(element_type: Attribute) -> int:
    """Words per element: addresses count 32-bit words and a complex64 takes two."""
    return 2 if isinstance(element_type, ComplexType) else 1


def _check_element_type(what: str, element_type: Attribute, integers: bool) -> None:
    """f32 or complex<f32>; also i32 (token ids) where `integers`: DRAM tensors, which only
    DMA transfers read."""
    if element_type in (f32, ComplexType(f32)) or (integers and element_type == i32):
        return
    allowed = "f32, complex<f32> or i32" if integers else "f32 or complex<f32>"
    raise VerifyException(f"{what} must have {allowed} elements, got {element_type}")


def _check_shape(what: str, shape: Sequence[int], batched: bool) -> None:
    if len(shape) not in ((1, 2, 3) if batched else (1, 2)):
        ranks = "1-D, 2-D or 3-D (a batch of sequences)" if batched else "1-D or 2-D"
        raise VerifyException(f"{what} must be {ranks}, got shape {shape_text(shape)}")
    if any(size < 1 for size in shape):
        raise VerifyException(f"{what} must have positive static sizes, got {shape_text(shape)}")


def _print_name(printer: Printer, name: str) -> None:
    """A bank or machine name: bare when it is an identifier, quoted otherwise."""
    if _IDENTIFIER.fullmatch(name):
        printer.print_string(name)
    else:
        printer.print_string_literal(name)


def slot_number(attr: IntegerAttr) -> int:
    slot = attr.value.data
    if slot not in SLOTS:
        raise VerifyException(f"slot must be 0 or 1, got {slot}")
    return slot


class MemoryType(ParametrizedAttribute, TypeAttribute):
    """What DRAM tensors and SRAM buffers share: a 1-D or 2-D shape of f32 or complex<f32>
    (a DRAM tensor may also be 3-D: a batch of sequences, B x L x H).

    Each concrete type declares its own parameters: only those of the decorated class take
    part in equality and hashing.
    """

    if TYPE_CHECKING:
        shape: ArrayAttr[IntAttr]
        element_type: Attribute

    def get_shape(self) -> tuple[int, ...]:
        return tuple(size.data for size in self.shape.data)

    @property
    def matrix(self) -> tuple[int, int]:
        """The shape windows address: a 1-D `[n]` is one row `[1, n]`, and a batch
        `[B, L, H]` the B*L rows its row-major words hold (its sequences one after another)."""
        *rows, cols = self.get_shape()
        return math.prod(rows), cols

    @property
    def words(self) -> int:
        rows, cols = self.matrix
        return rows * cols * element_words(self.element_type)

    def verify(self) -> None:
        dram = self.name == "systolic.dram"
        _check_shape(self.name, self.get_shape(), batched=dram)
        _check_element_type(self.name, self.element_type, integers=dram)


@irdl_attr_definition
class DramType(MemoryType):
    """A tensor in DRAM: entry arguments and results, constants, and intermediates.

    Syntax: `!systolic.dram<1024x32xf32>`.
    """

    name = "systolic.dram"

    shape: ArrayAttr[IntAttr]
    element_type: Attribute

    def __init__(self, shape: Sequence[int], element_type: Attribute = f32) -> None:
        super().__init__(ArrayAttr([IntAttr(size) for size in shape]), element_type)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            shape, element_type = parser.parse_ranked_shape()
        return (ArrayAttr([IntAttr(size) for size in shape]), element_type)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(f"{shape_text(self.get_shape())}x")
            printer.print_attribute(self.element_type)


@irdl_attr_definition
class SramType(MemoryType):
    """A buffer in one bank of the on-chip scratchpad.

    Syntax: `!systolic.sram<input, 64x16xf32>` (the bank's name is quoted when it is not an
    identifier).
    """

    name = "systolic.sram"

    shape: ArrayAttr[IntAttr]
    element_type: Attribute
    bank: StringAttr

    def __init__(self, bank: str, shape: Sequence[int], element_type: Attribute = f32) -> None:
        super().__init__(
            ArrayAttr([IntAttr(size) for size in shape]), element_type, StringAttr(bank)
        )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            bank = parser.parse_identifier_or_str_literal()
            parser.parse_punctuation(",")
            shape, element_type = parser.parse_ranked_shape()
        return (ArrayAttr([IntAttr(size) for size in shape]), element_type, StringAttr(bank))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            _print_name(printer, self.bank.data)
            printer.print_string(f", {shape_text(self.get_shape())}x")
            printer.print_attribute(self.element_type)

    def verify(self) -> None:
        if not self.bank.data:
            raise VerifyException("systolic.sram needs a bank name")
        super().verify()


@irdl_attr_definition
class ArrayConfigAttr(ParametrizedAttribute):
    """The PE array's configuration: PE mode, dataflow, and rows per column segment.

    Syntax: `#systolic.array<lima, prodf, seg 4>`, `#systolic.array<mac, ws>`. `seg` S > 0 packs
    G = rows // S channels into each column (ProDF only); 0, the default, is the whole column.
    """

    name = "systolic.array"

    mode: StringAttr
    dataflow: StringAttr
    seg: IntAttr

    def __init__(self, mode: str, dataflow: str, seg: int = 0) -> None:
        super().__init__(StringAttr(mode), StringAttr(dataflow), IntAttr(seg))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            mode = parser.parse_identifier()
            parser.parse_punctuation(",")
            dataflow = parser.parse_identifier()
            seg = 0
            if parser.parse_optional_punctuation(","):
                parser.parse_keyword("seg")
                seg = parser.parse_integer(allow_boolean=False)
        return (StringAttr(mode), StringAttr(dataflow), IntAttr(seg))

    def print_parameters(self, printer: Printer) -> None:
        seg = f", seg {self.seg.data}" if self.seg.data else ""
        printer.print_string(f"<{self.mode.data}, {self.dataflow.data}{seg}>")

    def verify(self) -> None:
        mode, dataflow, seg = self.mode.data, self.dataflow.data, self.seg.data
        if mode not in PE_MODES:
            raise VerifyException(f'PE mode must be "lima" or "mac", got "{mode}"')
        if dataflow not in DATAFLOWS:
            raise VerifyException(f'dataflow must be one of prodf, ws, os, is, got "{dataflow}"')
        if dataflow == PRODF and mode != LIMA:
            raise VerifyException(f"dataflow prodf needs PE mode lima, got {mode}")
        if dataflow != PRODF and mode != MAC:
            raise VerifyException(f"dataflow {dataflow} needs PE mode mac, got {mode}")
        if seg < 0:
            raise VerifyException(f"seg must be non-negative, got {seg}")
        if seg and dataflow != PRODF:
            raise VerifyException(
                f"seg packs channels for prodf only, got seg {seg} with {dataflow}"
            )

    def segment_rows(self, rows: int) -> int:
        """S: rows per column segment on an array of `rows` rows."""
        return self.seg.data or rows

    def segments(self, rows: int) -> int:
        """G: channels one column holds, one per segment."""
        return rows // self.segment_rows(rows)


@irdl_attr_definition
class TargetAttr(ParametrizedAttribute):
    """The machine a module is mapped onto: what the verifiers check machine limits against.

    Syntax: `#systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, ...]>`;
    bank sizes are in 32-bit words, banks in address order. Built from a machine description
    with `TargetAttr.from_machine`.
    """

    name = "systolic.target"

    machine: StringAttr
    rows: IntAttr
    cols: IntAttr
    pe: StringAttr
    loop_depth: IntAttr
    bank_names: ArrayAttr[StringAttr]
    bank_words: ArrayAttr[IntAttr]

    def __init__(
        self,
        machine: str,
        rows: int,
        cols: int,
        pe: str,
        loop_depth: int,
        banks: Sequence[tuple[str, int]],
    ) -> None:
        super().__init__(
            StringAttr(machine),
            IntAttr(rows),
            IntAttr(cols),
            StringAttr(pe),
            IntAttr(loop_depth),
            ArrayAttr([StringAttr(name) for name, _ in banks]),
            ArrayAttr([IntAttr(words) for _, words in banks]),
        )

    @staticmethod
    def from_machine(machine: Machine) -> TargetAttr:
        return TargetAttr(
            machine.name,
            machine.rows,
            machine.cols,
            machine.pe,
            machine.loop_depth,
            [(bank.name, bank.words) for bank in machine.sram_banks],
        )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        def parse_bank() -> tuple[str, int]:
            return parser.parse_identifier_or_str_literal(), parser.parse_integer(
                allow_boolean=False
            )

        with parser.in_angle_brackets():
            machine = parser.parse_str_literal()
            parser.parse_punctuation(",")
            dims = parser.parse_dimension_list()
            if len(dims) != 2:
                parser.raise_error("expected the array's size as ROWSxCOLS")
            parser.parse_punctuation(",")
            pe = parser.parse_identifier()
            parser.parse_punctuation(",")
            parser.parse_keyword("loop_depth")
            loop_depth = parser.parse_integer(allow_boolean=False)
            parser.parse_punctuation(",")
            parser.parse_keyword("banks")
            banks = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parse_bank)
        return (
            StringAttr(machine),
            IntAttr(dims[0]),
            IntAttr(dims[1]),
            StringAttr(pe),
            IntAttr(loop_depth),
            ArrayAttr([StringAttr(name) for name, _ in banks]),
            ArrayAttr([IntAttr(words) for _, words in banks]),
        )

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_string_literal(self.machine.data)
        printer.print_string(
            f", {self.rows.data}x{self.cols.data}, {self.pe.data}, "
            f"loop_depth {self.loop_depth.data}, banks ["
        )
        for index, (name, words) in enumerate(self.banks):
            if index:
                printer.print_string(", ")
            _print_name(printer, name)
            printer.print_string(f" {words}")
        printer.print_string("]>")

    def verify(self) -> None:
        if self.rows.data < 1 or self.cols.data < 1:
            raise VerifyException(
                f"target array must have at least one row and column, got "
                f"{self.rows.data}x{self.cols.data}"
            )
        if self.pe.data not in PE_MODES:
            raise VerifyException(f'target PE kind must be "lima" or "mac", got "{self.pe.data}"')
        if self.loop_depth.data < 1:
            raise VerifyException(f"target loop_depth must be positive, got {self.loop_depth.data}")
        names = [name.data for name in self.bank_names.data]
        if not names or len(names) != len(self.bank_words.data):
            raise VerifyException("target needs one size for each of at least one bank")
        if len(set(names)) != len(names):
            raise VerifyException(f"target bank names must be unique, got {', '.join(names)}")
        for name, words in self.banks:
            if words < 1:
                raise VerifyException(f'target bank "{name}" must have words, got {words}')

    @property
    def banks(self) -> list[tuple[str, int]]:
        """(name, words) per bank, in address order."""
        return [
            (name.data, words.data)
            for name, words in zip(self.bank_names.data, self.bank_words.data, strict=True)
        ]

    def bank_size(self, bank: str) -> int | None:
        """Words of `bank`, or None when the target has no such bank."""
        return dict(self.banks).get(bank)

    def bank_base(self, bank: str) -> int:
        """The flat SRAM word address where `bank` starts (banks follow one another)."""
        base = 0
        for name, words in self.banks:
            if name == bank:
                return base
            base += words
        raise KeyError(bank)
