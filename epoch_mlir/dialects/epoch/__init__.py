"""The `epoch` dialect: the EpochCore ISA, one op per instruction of isa/table.py.

Split as xDSL's riscv package is: `attrs.py` (operand attributes), `formats.py` (the base op
classes that read a row of the table), `ops.py` (one class per row), `program.py` (the program,
its symbols and data). docs/dialects.md describes the syntax.
"""

from __future__ import annotations

from xdsl.ir import Dialect

from epoch_mlir.dialects.epoch.attrs import (
    MACHINE_ATTRIBUTE,
    AddressAttr,
    F32Attr,
    MachineAttr,
    MemAttr,
)
from epoch_mlir.dialects.epoch.formats import InstructionOp, LoopInstructionOp
from epoch_mlir.dialects.epoch.ops import INSTRUCTION_OPS
from epoch_mlir.dialects.epoch.program import DataOp, ProgramOp, SymbolOp

__all__ = [
    "EPOCH",
    "INSTRUCTION_OPS",
    "MACHINE_ATTRIBUTE",
    "AddressAttr",
    "DataOp",
    "F32Attr",
    "InstructionOp",
    "LoopInstructionOp",
    "MachineAttr",
    "MemAttr",
    "ProgramOp",
    "SymbolOp",
]

EPOCH = Dialect(
    "epoch",
    [ProgramOp, SymbolOp, DataOp, *INSTRUCTION_OPS],
    [MemAttr, AddressAttr, F32Attr, MachineAttr],
)
