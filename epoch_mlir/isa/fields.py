"""The field look-up table: every operand field an instruction may have, defined once.

This is the `arg_lut.csv` of the ISA (riscv-opcodes' model): a row of the instruction table names
its fields, and the width, kind and meaning of each name come from here, so the same name means the
same thing in every instruction, and the encoder, decoder, assembler and docs agree.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NamedTuple

from epoch_mlir.machine.vocabulary import CONVENTIONAL_DATAFLOWS, LIMA, MAC, PRODF


class Kind(enum.Enum):
    """How a field's bits are read and how it is written in assembly."""

    UINT = "uint"  # unsigned integer
    SINT = "sint"  # two's-complement signed integer
    REG = "reg"  # address register r0..r15
    MEM = "mem"  # memory operand: base register (4 bits) + signed offset (the rest)
    ENUM = "enum"  # a small integer written as a keyword
    FLAG = "flag"  # one bit, written as a trailing keyword when set
    MASK = "mask"  # a set of keywords, one bit each
    F32 = "f32"  # IEEE-754 binary32 immediate


class Mem(NamedTuple):
    """A decoded memory operand: the effective address is `regs[reg] + offset`."""

    reg: int
    offset: int


@dataclass(frozen=True)
class Field:
    """One entry of the look-up table."""

    name: str
    kind: Kind
    width: int
    meaning: str
    keywords: tuple[str, ...] = ()  # ENUM values (by code) or MASK bits (by bit position)

    @property
    def signed(self) -> bool:
        return self.kind in (Kind.SINT, Kind.MEM)

    def fits(self, value: int) -> bool:
        """Whether a raw integer value fits this field."""
        if self.kind is Kind.SINT:
            return -(1 << (self.width - 1)) <= value < (1 << (self.width - 1))
        if self.kind is Kind.ENUM:
            return 0 <= value < len(self.keywords)
        return 0 <= value < (1 << self.width)


REG_BITS = 4
NUM_REGS = 1 << REG_BITS
MEM_OFFSET_BITS = 28
UNITS = ("dma", "array", "vector")
# the encodings of cfg's mode and dataflow fields: the keywords in field-value order
PE_MODES = (MAC, LIMA)
DATAFLOWS = (*CONVENTIONAL_DATAFLOWS, PRODF)


def _field(
    name: str, kind: Kind, width: int, meaning: str, keywords: tuple[str, ...] = ()
) -> Field:
    return Field(name, kind, width, meaning, keywords)


_FIELDS: tuple[Field, ...] = (
    # control
    _field("rd", Kind.REG, REG_BITS, "destination address register"),
    _field("rs", Kind.REG, REG_BITS, "source address register"),
    _field("imm", Kind.SINT, 32, "signed 32-bit immediate (or a symbol's address)"),
    _field("count", Kind.UINT, 24, "number of loop iterations (0 skips the body)"),
    _field("len", Kind.UINT, 16, "number of instructions in the loop body"),
    _field("ra", Kind.REG, REG_BITS, "register advanced after each iteration (r0: none)"),
    _field("sa", Kind.SINT, 32, "stride added to ra after each iteration"),
    _field("rb", Kind.REG, REG_BITS, "second register advanced after each iteration (r0: none)"),
    _field("sb", Kind.SINT, 32, "stride added to rb after each iteration"),
    _field("units", Kind.MASK, 3, "units whose earlier instructions must finish", UNITS),
    # memory operands and 2-D shapes
    _field("dst", Kind.MEM, 32, "destination address: offset(reg)"),
    _field("src", Kind.MEM, 32, "source address: offset(reg)"),
    _field("a", Kind.MEM, 32, "first operand address: offset(reg)"),
    _field("ids", Kind.MEM, 32, "address of int32 row indices (a gather's ids): offset(reg)"),
    _field("b", Kind.MEM, 32, "second operand address: offset(reg)"),
    _field("rows", Kind.UINT, 24, "rows of the 2-D region"),
    _field("cols", Kind.UINT, 24, "elements per row of the 2-D region"),
    _field("dst_stride", Kind.SINT, 24, "words between destination rows (may be 0 or negative)"),
    _field("src_stride", Kind.SINT, 24, "words between source rows (may be 0 or negative)"),
    _field("a_stride", Kind.SINT, 24, "words between rows of operand a"),
    _field("b_stride", Kind.SINT, 24, "words between rows of operand b"),
    _field("vocab", Kind.UINT, 24, "rows of the table a gather indexes (ids must be below it)"),
    # array
    _field("mode", Kind.ENUM, 1, "PE mode", PE_MODES),
    _field("dataflow", Kind.ENUM, 2, "dataflow", DATAFLOWS),
    _field("seg", Kind.UINT, 16, "rows per column segment for channel packing (0: whole column)"),
    _field("slot", Kind.UINT, 1, "stationary-operand buffer (double buffering)"),
    _field("m", Kind.UINT, 16, "GEMM tile: rows of A and of the result"),
    _field("n", Kind.UINT, 16, "GEMM tile: rows of B, columns of the result"),
    _field("k", Kind.UINT, 16, "GEMM tile: reduction length"),
    _field("nch", Kind.UINT, 16, "channels held by the array in this fold"),
    _field("nm", Kind.UINT, 16, "state modes per channel in this fold"),
    _field("steps", Kind.UINT, 24, "timesteps streamed"),
    # vector
    _field("fimm", Kind.F32, 32, "fp32 immediate"),
    # flags
    _field("trans", Kind.FLAG, 1, "the SRAM tile is stored transposed"),
    _field("acc", Kind.FLAG, 1, "add into the destination instead of overwriting it"),
    _field("tout", Kind.FLAG, 1, "write the result transposed"),
    _field("reset", Kind.FLAG, 1, "zero the PE states first (first chunk of a fold)"),
    _field("abc", Kind.FLAG, 1, "operand a has one column, broadcast along the row"),
    _field("bbc", Kind.FLAG, 1, "operand b has one column, broadcast along the row"),
)

FIELDS: dict[str, Field] = {field.name: field for field in _FIELDS}
