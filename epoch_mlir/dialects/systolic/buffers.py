"""Storage: SRAM buffers and coefficient blocks, DRAM tensors, constants."""

from __future__ import annotations

from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    I64,
    ComplexType,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    TensorType,
    f32,
    i64,
)
from xdsl.ir import (
    Operation,
)
from xdsl.irdl import (
    IRDLOperation,
    VarConstraint,
    base,
    irdl_op_definition,
    opt_prop_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import MemoryAllocEffect, Pure
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.systolic.attrs import (
    DramType,
    SramType,
)
from epoch_mlir.dialects.systolic.structure import (
    find_target,
)
from epoch_mlir.isa.table import coefficient_block_words


def _check_bank(op: Operation, buffer: SramType, words: int, address: IntegerAttr | None) -> None:
    """Refuse a buffer that cannot fit its bank, or whose assigned address runs past it."""
    start = address.value.data if address is not None else 0
    if start < 0:
        raise VerifyException(f"address must be non-negative, got {start}")
    target = find_target(op)
    if target is None:
        return
    bank = buffer.bank.data
    bank_words = target.bank_size(bank)
    if bank_words is None:
        names = ", ".join(name for name, _ in target.banks)
        raise VerifyException(
            f'bank "{bank}" is not a bank of target "{target.machine.data}" ({names})'
        )
    if words > bank_words:
        raise VerifyException(
            f'buffer of {words} words does not fit bank "{bank}" of {bank_words} words'
        )
    if start + words > bank_words:
        raise VerifyException(
            f"buffer at address {start} of {words} words ends at {start + words}, past the end "
            f'of bank "{bank}" ({bank_words} words)'
        )


@irdl_op_definition
class AllocOp(IRDLOperation):
    """Reserves a buffer in an SRAM bank; `address` (words from the bank's start) is set later.

    buffer = SRAM[bank][address : address + words(type)]   # address chosen by allocation
    """

    name = "systolic.alloc"

    buffer = result_def(SramType)
    address = opt_prop_def(IntegerAttr[I64])

    traits = traits_def(MemoryAllocEffect())
    assembly_format = "(`at` $address^)? attr-dict `:` type($buffer)"

    def __init__(self, buffer_type: SramType, address: int | None = None) -> None:
        properties = {} if address is None else {"address": IntegerAttr(address, i64)}
        super().__init__(result_types=[buffer_type], properties=properties)

    def verify_(self) -> None:
        buffer_type = cast(SramType, self.buffer.type)
        _check_bank(self, buffer_type, buffer_type.words, self.address)


@irdl_op_definition
class AllocCoefficientsOp(IRDLOperation):
    """Reserves one coefficient block for `ldc`: three complex planes and D, contiguous in a bank.

    abar, bbar, c: channels x modes complex<f32>;  d: channels f32;  laid out back to back,
    abar | bbar | c | d, from `address` (words from the bank's start): 6*channels*modes +
    channels words, the layout `ldc` reads.
    """

    name = "systolic.alloc_coefficients"

    P: ClassVar = VarConstraint("P", base(SramType))

    abar = result_def(P)
    bbar = result_def(P)
    c = result_def(P)
    d = result_def(SramType)
    address = opt_prop_def(IntegerAttr[I64])

    traits = traits_def(MemoryAllocEffect())
    assembly_format = "(`at` $address^)? attr-dict `:` type($abar) `,` type($d)"

    def __init__(self, bank: str, channels: int, modes: int, address: int | None = None) -> None:
        plane = SramType(bank, [channels, modes], ComplexType(f32))
        properties = {} if address is None else {"address": IntegerAttr(address, i64)}
        super().__init__(
            result_types=[plane, plane, plane, SramType(bank, [channels])],
            properties=properties,
        )

    @property
    def channels(self) -> int:
        return cast(SramType, self.abar.type).get_shape()[0]

    @property
    def modes(self) -> int:
        return cast(SramType, self.abar.type).get_shape()[-1]

    @property
    def words(self) -> int:
        return coefficient_block_words(self.channels, self.modes)

    def verify_(self) -> None:
        plane = cast(SramType, self.abar.type)
        d = cast(SramType, self.d.type)
        if len(plane.get_shape()) != 2 or plane.element_type != ComplexType(f32):
            raise VerifyException(
                f"abar, bbar and c must be 2-D complex<f32> buffers (channels x modes), got {plane}"
            )
        if d.get_shape() != (self.channels,) or d.element_type != f32:
            raise VerifyException(
                f"d must be a 1-D f32 buffer of the {self.channels} channels, got {d}"
            )
        if d.bank != plane.bank:
            raise VerifyException(
                f'd must be in bank "{plane.bank.data}" with the planes, got "{d.bank.data}"'
            )
        _check_bank(self, plane, self.words, self.address)


@irdl_op_definition
class AllocDramOp(IRDLOperation):
    """Reserves a DRAM tensor for an intermediate or a result of the program.

    tensor = DRAM[address : address + words(type)]   # placed at program emission
    """

    name = "systolic.alloc_dram"

    tensor = result_def(DramType)

    traits = traits_def(MemoryAllocEffect())
    assembly_format = "attr-dict `:` type($tensor)"

    def __init__(self, tensor_type: DramType) -> None:
        super().__init__(result_types=[tensor_type])


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A DRAM tensor initialised from the program's data segment (weights, folded constants).

    tensor = DRAM[address : ...] = value   # written into the data segment at emission
    Syntax: `%w = systolic.constant dense<...> : tensor<16x32xf32>`; the result is the
    `!systolic.dram` of the value's shape and element type.
    """

    name = "systolic.constant"

    tensor = result_def(DramType)
    value = prop_def(DenseIntOrFPElementsAttr)

    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr) -> None:
        value_type = cast(TensorType, value.type)
        super().__init__(
            result_types=[DramType(value_type.get_shape(), value_type.element_type)],
            properties={"value": value},
        )

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        start = parser.pos
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr) or not isinstance(
            value.type, TensorType
        ):
            parser.raise_error("expected a dense<...> : tensor<...> value", start, parser.pos)
        op = cls(value)
        op.attributes |= parser.parse_optional_attr_dict()
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)

    def verify_(self) -> None:
        value_type = self.value.type
        expected = DramType(value_type.get_shape(), value_type.get_element_type())
        if self.tensor.type != expected:
            raise VerifyException(
                f"tensor has type {self.tensor.type} but the value makes {expected}"
            )
