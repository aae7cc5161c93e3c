"""Turning windows into memory operands: offsets, address registers and their loop strides.

An instruction's memory operand is `offset(rN)`: a register plus an offset of at most
OFFSET_LIMIT words. A window that stays put is `address(r0)`, or, beyond the offset's reach,
`low(rS)` after `li rS, high` into one of three scratch registers taken in turn. A window that
steps inside a `chunk_loop` needs a register that moves with the loop: one register per distinct
(advance per iteration, initial value) in each loop, handed out from a pool in program order and
returned when the loop ends. The loop's two stride slots advance the first two; `addi`s at the
end of the body advance any more (chunk_loop's pattern writes both, and the `li`s that set them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from xdsl.ir import Operation, SSAValue

from epoch_mlir.conversions.convert_systolic_to_epoch.layout import (
    ADDRESS_REGISTER_LIMIT,
    memory_type,
)
from epoch_mlir.conversions.convert_systolic_to_epoch.selection import Window, element_words
from epoch_mlir.conversions.systolic_common.lowering import LoweringError
from epoch_mlir.dialects import systolic
from epoch_mlir.isa.fields import MEM_OFFSET_BITS, NUM_REGS, Mem

OFFSET_LIMIT = 1 << (MEM_OFFSET_BITS - 2)  # addresses from here on go through a register
SCRATCH = (13, 14, 15)  # registers for addresses too far for an offset, one per operand


@dataclass
class LoopRegisters:
    """The registers one hardware loop advances: (advance per iteration, initial value) ->
    register, in the order they were first needed."""

    registers: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class Placement:
    """Where storage lives and which registers windows use, shared by the patterns of one
    conversion (they run in program order, so registers are handed out in that order)."""

    addresses: dict[SSAValue, int]
    loops: dict[Operation, LoopRegisters] = field(default_factory=dict)
    free_registers: list[int] = field(
        default_factory=lambda: list(range(NUM_REGS - 1 - len(SCRATCH), 0, -1))
    )
    scratch_turn: int = 0

    def address(self, value: SSAValue) -> int:
        if value not in self.addresses:
            raise LoweringError(f"{value.name_hint or 'a value'} was never placed in memory")
        return self.addresses[value]

    def operand(
        self, op: Operation, window: Window, setup: list[tuple[int, int]]
    ) -> tuple[Mem, int]:
        """The memory operand of `window`'s corner in `op` and its row stride, in words.

        `li`s the operand needs first are appended to `setup` as (register, value).
        """
        value = window.value
        words, row = element_words(value), _row_length(value)
        stride = (row if window.row_stride is None else window.row_stride) * words
        address = self.address(value) + (window.corner[0] * row + window.corner[1]) * words
        advance = (window.step[0] * row + window.step[1]) * words
        if address >= ADDRESS_REGISTER_LIMIT:
            raise LoweringError.at(
                op,
                f"needs DRAM word {address}, beyond what a 32-bit address register reaches "
                "(try a shorter sequence)",
            )
        # an address beyond the instruction's offset field starts in a register
        high = 0 if abs(address) < OFFSET_LIMIT else address - address % OFFSET_LIMIT
        if not advance:
            if not high:
                return Mem(0, address), stride
            register = SCRATCH[self.scratch_turn % len(SCRATCH)]
            self.scratch_turn += 1
            setup.append((register, high))
            return Mem(register, address - high), stride
        loop = _innermost_loop(op)
        if loop is None:
            raise LoweringError.at(op, "a window steps outside any chunk_loop")
        return Mem(self.register(op, loop, advance, high), address - high), stride

    def register(self, op: Operation, loop: Operation, advance: int, initial: int) -> int:
        """The register that starts at `initial` and moves by `advance` in `loop`."""
        registers = self.loops.setdefault(loop, LoopRegisters()).registers
        key = (advance, initial)
        if key not in registers:
            if not self.free_registers:
                raise LoweringError.at(op, "too many windows step at different rates in one loop")
            registers[key] = self.free_registers.pop()
        return registers[key]

    def close_loop(self, loop: Operation) -> Sequence[tuple[tuple[int, int], int]]:
        """The loop's ((advance, initial), register) pairs, its registers returned to the pool."""
        advances = list(self.loops.pop(loop, LoopRegisters()).registers.items())
        self.free_registers.extend(register for _, register in advances)
        return advances


def _row_length(value: SSAValue) -> int:
    return memory_type(value).matrix[1]


def _innermost_loop(op: Operation) -> Operation | None:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, systolic.ChunkLoopOp):
        parent = parent.parent_op()
    return parent
