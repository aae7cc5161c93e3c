"""The EpochCore disassembler: a `Program` back to assembly that reassembles to the same bytes.

Operands are printed per field kind (Spike's per-format printers), so every row of the table
prints without code of its own. Memory operands are always numeric (`OFF(rN)`): the symbols they
point into go in a trailing comment, because a symbolic operand would have to be re-resolved on
assembly and could round differently or hit a symbol that shadows a register name.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence

import numpy as np

from epoch_mlir.errors import EpochError
from epoch_mlir.isa.asm import (
    ADDRESS_IMMEDIATES,
    DATA_DIRECTIVE,
    ELEMENT_TYPES,
    F32_WORDS,
    LOOP_COUNT,
    LOOP_LENGTH,
    LOOP_MNEMONIC,
    LOOP_STRIDES,
    MACHINE_DIRECTIVE,
    NO_UNITS,
    RAW_F32_PREFIX,
    VERSION_DIRECTIVE,
    WORD_DIRECTIVE,
    f32_literal_bits,
    memory_space,
    symbol_directive,
    symbol_space,
)
from epoch_mlir.isa.encoding import Instruction, Value, f32_bits
from epoch_mlir.isa.fields import FIELDS, Field, Kind, Mem
from epoch_mlir.isa.program import VERSION, Program, Symbol, check_loops
from epoch_mlir.machine import MachineRecord

INDENT = "    "
WORDS_PER_LINE = 8


def format_f32(value: float) -> str:
    """The shortest literal that assembles to the same fp32 bits, else the raw bits.

    numpy prints the shortest decimal that identifies the fp32 value; it is kept only if the
    assembler's own reading of it gives the same bits (so -0.0, denormals and NaN payloads
    cannot be lost).
    """
    bits = f32_bits(value)
    words = [f"{sign}{word}" for word in F32_WORDS for sign in ("", "-")]
    candidates = words if math.isinf(value) or math.isnan(value) else [str(np.float32(value))]
    for text in candidates:
        if f32_literal_bits(text) == bits:
            return text
    return f"{RAW_F32_PREFIX}{bits:08x}"


def _units(field: Field, mask: Value) -> str:
    assert isinstance(mask, int)
    names = [name for bit, name in enumerate(field.keywords) if mask >> bit & 1]
    return "|".join(names) or NO_UNITS


def _memory(field: Field, value: Value) -> str:
    assert isinstance(value, Mem)
    return f"{value.offset}(r{value.reg})"


def _keyword(field: Field, value: Value) -> str:
    assert isinstance(value, int)
    return field.keywords[value]


def _f32(field: Field, value: Value) -> str:
    assert isinstance(value, int | float)
    return format_f32(value)


_FORMATTERS: dict[Kind, Callable[[Field, Value], str]] = {
    Kind.REG: lambda field, value: f"r{value}",
    Kind.UINT: lambda field, value: str(value),
    Kind.SINT: lambda field, value: str(value),
    Kind.MEM: _memory,
    Kind.ENUM: _keyword,
    Kind.MASK: _units,
    Kind.F32: _f32,
}


def format_instruction(instruction: Instruction) -> str:
    """One line of assembly for one instruction; a loop prints its header (`loop 4, r1 += 64 {`).

    Used in the emulator's fault messages, so it relies on nothing but the decoded values.
    """
    row, values = instruction.row, instruction.values
    if row.mnemonic == LOOP_MNEMONIC:
        return _loop_header(instruction)
    fields = [FIELDS[name] for name in row.fields]
    operands = [_FORMATTERS[f.kind](f, values[f.name]) for f in fields if f.kind is not Kind.FLAG]
    flags = [f.name for f in fields if f.kind is Kind.FLAG and values.get(f.name)]
    text = row.mnemonic + (" " + ", ".join(operands) if operands else "")
    return " ".join([text, *flags])


def _loop_header(instruction: Instruction) -> str:
    """`loop COUNT, rA += SA, rB += SB {`, leaving out trailing pairs that are r0 += 0."""
    values = instruction.values
    pairs = [(values[register], values[stride]) for register, stride in LOOP_STRIDES]
    while pairs and pairs[-1] == (0, 0):
        pairs.pop()
    strides = "".join(f", r{register} += {stride}" for register, stride in pairs)
    return f"{LOOP_MNEMONIC} {values[LOOP_COUNT]}{strides} {{"


def format_tensor_type(symbol: Symbol) -> str:
    dims = "".join(f"{dim}x" for dim in symbol.shape)
    return f"tensor<{dims}{ELEMENT_TYPES[symbol.dtype]}>"


def disassemble(program: Program) -> str:
    """Directives, the data segment, then the instructions with loop blocks indented."""
    lines: list[str] = []
    if program.version != VERSION:
        lines.append(f"{VERSION_DIRECTIVE} {program.version[0]}.{program.version[1]}")
    if program.machine is not None:
        lines.extend(machine_lines(program.machine))
    for symbol in program.symbols:
        directive = symbol_directive(symbol.kind)
        lines.append(f"{directive} {symbol.name} @{symbol.address} : {format_tensor_type(symbol)}")
    if program.data_base or len(program.data):
        lines.append(f"{DATA_DIRECTIVE} @{program.data_base}")
    for start in range(0, len(program.data), WORDS_PER_LINE):
        chunk = program.data[start : start + WORDS_PER_LINE]
        lines.append(f"{WORD_DIRECTIVE} " + ", ".join(f"0x{int(word):08x}" for word in chunk))
    if lines:
        lines.append("")
    lines.extend(_instruction_lines(program.decoded(), program.symbols))
    return "\n".join(lines) + "\n"


def machine_lines(record: MachineRecord) -> list[str]:
    """A readable comment on the machine, then the directive that records it exactly."""
    try:
        machine = record.machine("the machine record")
        shape = f"{machine.rows}x{machine.cols} {machine.pe} PEs, {machine.clock_ghz:g} GHz, "
    except EpochError:  # a record this toolchain cannot build still disassembles
        shape = ""
    return [
        f"# compiled for machine '{record.name}' ({shape}from {record.source}; "
        f"description sha256 {record.digest})",
        f"{MACHINE_DIRECTIVE} {json.dumps(record.source)} {record.description}",
    ]


def _instruction_lines(instructions: list[Instruction], symbols: Sequence[Symbol]) -> list[str]:
    check_loops(instructions)  # the block structure below relies on well-nested bodies
    lines: list[str] = []
    loop_ends: list[int] = []
    for pc, instruction in enumerate(instructions):
        while loop_ends and loop_ends[-1] == pc:
            loop_ends.pop()
            lines.append(INDENT * len(loop_ends) + "}")
        text = INDENT * len(loop_ends) + format_instruction(instruction)
        if notes := _symbol_notes(instruction, symbols):
            text += f"  # {', '.join(notes)}"
        lines.append(text)
        if instruction.mnemonic == LOOP_MNEMONIC:
            loop_ends.append(pc + 1 + instruction.integer(LOOP_LENGTH))
    while loop_ends:
        loop_ends.pop()
        lines.append(INDENT * len(loop_ends) + "}")
    return lines


def _symbol_notes(instruction: Instruction, symbols: Sequence[Symbol]) -> list[str]:
    """`field: symbol+offset` for each r0-based memory operand inside a symbol of its space,
    and `imm: symbol` for an address immediate equal to exactly one symbol's address."""
    notes: list[str] = []
    row, values = instruction.row, instruction.values
    for name in row.fields:
        value = values[name]
        if isinstance(value, Mem) and value.reg == 0:
            space = memory_space(row, name)
            inside = [
                s for s in symbols if symbol_space(s) == space and s.address <= value.offset < s.end
            ]
            if inside:
                offset = value.offset - inside[0].address
                notes.append(f"{name}: {inside[0].name}" + (f"+{offset}" if offset else ""))
        elif name in ADDRESS_IMMEDIATES:
            starting = [s.name for s in symbols if s.address == value]
            if len(starting) == 1:
                notes.append(f"{name}: {starting[0]}")
    return notes
