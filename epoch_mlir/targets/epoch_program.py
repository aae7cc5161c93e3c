"""Serialization between the `epoch` dialect and the program container (isa/program.py).

`module_to_program` encodes through `ProgramBuilder`, so instruction encoding, loop lengths and
(when the IR leaves DRAM addresses out) DRAM layout and the data segment are done by the same
code as every other program producer. `program_to_module` is its inverse: any valid program
becomes a module that serializes back to the identical bytes, with addresses, version, data
segment and loop nesting kept.

`-t epoch-bin -o FILE` writes the bytes from `epoch opt`. xDSL targets write text, so this
target also offers `emit_bytes`, which the opt driver uses for it (cli/opt.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.utils.target import Target

from epoch_mlir.diagnostics import op_error, verify_module
from epoch_mlir.dialects.epoch.attrs import MACHINE_ATTRIBUTE, MachineAttr
from epoch_mlir.dialects.epoch.formats import InstructionOp, LoopInstructionOp
from epoch_mlir.dialects.epoch.ops import INSTRUCTION_OPS
from epoch_mlir.dialects.epoch.program import DataOp, ProgramOp, SymbolOp, program_op
from epoch_mlir.errors import OutputError
from epoch_mlir.isa.asm import LOOP_LENGTH
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.encoding import Instruction
from epoch_mlir.isa.program import (
    Program,
    Symbol,
    SymbolKind,
    check_loops,
    check_symbols,
)

_OP_OF_MNEMONIC = {op.row().mnemonic: op for op in INSTRUCTION_OPS}


# region module -> program


def find_program(module: ModuleOp) -> ProgramOp:
    """The module's one `epoch.program`."""
    programs = [op for op in module.ops if isinstance(op, ProgramOp)]
    if len(programs) != 1:
        found = len(programs) or "none"
        raise op_error(module, f"serializes one epoch.program, but the module has {found}")
    return programs[0]


def module_to_program(module: ModuleOp) -> Program:
    """The program the module's `epoch.program` describes; IRError if it cannot be encoded."""
    verify_module(module)
    program_op = find_program(module)
    declarations = program_op.declarations()
    builder = ProgramBuilder()
    if program_op.laid_out_at_serialization():
        symbols = [_declare(builder, op) for op in declarations]
    else:
        symbols = [op.symbol() for op in declarations]
    addresses = {symbol.name: symbol.address for symbol in symbols}
    for op in program_op.body_ops:
        if isinstance(op, InstructionOp | LoopInstructionOp):
            _emit(builder, op, addresses.__getitem__)
    if program_op.laid_out_at_serialization():
        program = builder.build()
    else:
        base, data = _data_segment(program_op, declarations)
        program = Program(tuple(builder.words), tuple(symbols), base, data)
    machine = module.attributes.get(MACHINE_ATTRIBUTE)
    program = dataclasses.replace(
        program,
        version=program_op.format_version,
        machine=machine.record() if isinstance(machine, MachineAttr) else None,
    )
    try:
        check_symbols(program.symbols, program.data_base, len(program.data))
    except ValueError as error:
        raise op_error(program_op, str(error)) from None
    return program


def _declare(builder: ProgramBuilder, op: SymbolOp) -> Symbol:
    """Declare a symbol to the builder, which lays out DRAM in declaration order."""
    name, shape, dtype = op.sym_name.data, tuple(op.type.get_shape()), op.dtype
    kind = op.symbol_kind
    if kind is SymbolKind.SRAM:
        return builder.sram(name, op.symbol().address, shape, dtype)
    if kind is SymbolKind.CONST:
        return builder.const(name, op.array())
    declare = {
        SymbolKind.ARG: builder.arg,
        SymbolKind.RESULT: builder.result,
        SymbolKind.DRAM: builder.dram,
    }[kind]
    return declare(name, shape, dtype)


def _emit(
    builder: ProgramBuilder, op: InstructionOp | LoopInstructionOp, address_of: Callable[[str], int]
) -> None:
    operands = op.builder_operands(address_of)
    try:
        if isinstance(op, InstructionOp):
            builder.emit(op.row().mnemonic, **operands)
            return
        counts = {name: value for name, value in operands.items() if isinstance(value, int)}
        assert len(counts) == len(operands), "a loop's fields are all integers"
        with builder.loop(**counts):
            for child in op.body_ops:
                assert isinstance(child, InstructionOp | LoopInstructionOp)
                _emit(builder, child, address_of)
    except ValueError as error:  # a resolved symbolic operand that does not fit its field
        raise op_error(op, str(error)) from None


def _data_segment(
    program_op: ProgramOp, declarations: Sequence[SymbolOp]
) -> tuple[int, np.ndarray]:
    """The data base and words: every constant and data chunk, zero-filled between them."""
    pieces: list[tuple[Operation, int, np.ndarray]] = [
        (op, op.symbol().address, op.words())
        for op in declarations
        if op.symbol_kind is SymbolKind.CONST
    ]
    pieces += [
        (op, op.address.value.data, op.values())
        for op in program_op.body_ops
        if isinstance(op, DataOp)
    ]
    starts = [start for _, start, _ in pieces]
    ends = [start + len(words) for _, start, words in pieces]
    explicit_base = program_op.data_base
    base = explicit_base.value.data if explicit_base is not None else min(starts, default=0)
    if starts and min(starts) < base:
        raise op_error(program_op, f"data at {min(starts)} lies before data_base {base}")
    data = np.zeros(max(ends, default=base) - base, np.uint32)
    owner = np.full(len(data), -1, np.int32)
    for index, (op, start, words) in enumerate(pieces):
        window = slice(start - base, start - base + len(words))
        clash = (owner[window] >= 0) & (data[window] != words)
        if clash.any():
            other = pieces[owner[window][clash][0]][0]
            address = start + int(np.argmax(clash))
            raise op_error(
                op,
                f"{_describe(op)} overlaps {_describe(other)} with different data at "
                f"address {address}",
            )
        data[window] = words
        owner[window] = index
    return base, data


def _describe(op: Operation) -> str:
    if isinstance(op, SymbolOp):
        return f"@{op.sym_name.data}"
    assert isinstance(op, DataOp)
    return f"the data at {op.address.value.data}"


# endregion

# region program -> module


def program_to_module(program: Program) -> ModuleOp:
    """A module that `module_to_program` turns back into the identical program."""
    instructions = program.decoded()
    check_loops(instructions)
    module = ModuleOp(
        [program_op(program, _instruction_ops(iter(instructions), len(instructions)))]
    )
    if program.machine is not None:
        module.attributes[MACHINE_ATTRIBUTE] = MachineAttr.from_record(program.machine)
    return module


def _instruction_ops(instructions: Iterator[Instruction], count: int) -> list[Operation]:
    """The next `count` instruction words as ops, a loop taking its body's words with it."""
    ops: list[Operation] = []
    while count > 0:
        instruction = next(instructions)
        op_class = _OP_OF_MNEMONIC[instruction.mnemonic]
        if issubclass(op_class, LoopInstructionOp):
            length = instruction.integer(LOOP_LENGTH)
            body = _instruction_ops(instructions, length)
            ops.append(op_class.from_values(instruction.values, body))
            count -= 1 + length
        else:
            ops.append(op_class.from_values(instruction.values))
            count -= 1
    return ops


# endregion


@dataclass(frozen=True)
class EpochBinTarget(Target):
    """`-t epoch-bin -o FILE`: the program file itself, written atomically by `epoch opt`."""

    name = "epoch-bin"

    def emit_bytes(self, ctx: Context, module: ModuleOp) -> bytes:
        return module_to_program(module).to_bytes()

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        raise OutputError("epoch-bin writes a binary program file: use `epoch opt -o FILE`")
