"""Turning windows into memory operands: offsets, address registers and their loop strides.

An instruction's memory operand is `offset(rN)`: a register plus an offset of at most
OFFSET_LIMIT words. A window that stays put is `address(r0)`, or, beyond the offset's reach,
`low(rS)` after `li rS, high` into one of three scratch registers taken in turn. A window that
steps inside a `chunk_loop` needs a register that moves with the loop: one register per distinct
(advance per iteration, initial value) in each loop, handed out from a pool in program order and
returned when the loop ends. The loop's two stride slots advance the first two; `addi`s at the
end of the body advance any more (chunk_loop's pattern writes both, and the `li`s that set them).

A window that moves in several nested loops gets a register in each loop that moves it: the
outermost one starts at the window's `high` part (`li`), each inner one from the register of
the loop around it (`addi rI, rO, 0` before the inner loop), so every iteration of the outer
loop restarts the inner walk where the outer one has got to.
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


@dataclass(frozen=True)
class LoopRegister:
    """What a register of one loop does: it starts at `source` + `initial` before the loop
    (`source` 0: the constant, as r0 is 0) and moves by `advance` per iteration."""

    advance: int
    initial: int
    source: int = 0


@dataclass
class LoopRegisters:
    """The registers one hardware loop advances, in the order they were first needed."""

    registers: dict[LoopRegister, int] = field(default_factory=dict)


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
    # per open loop, the registers loops nested in it have used (see `register`)
    used_inside: dict[Operation, set[int]] = field(default_factory=dict)

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
        steps = window.step
        advances = [
            (steps[i] * row + steps[i + 1]) * words for i in range(0, len(steps) - 1, 2)
        ]  # per enclosing loop, innermost first
        while advances and not advances[-1]:
            advances.pop()
        if address >= ADDRESS_REGISTER_LIMIT:
            raise LoweringError.at(
                op,
                f"needs DRAM word {address}, beyond what a 32-bit address register reaches "
                "(try a shorter sequence)",
            )
        # an address beyond the instruction's offset field starts in a register
        high = 0 if abs(address) < OFFSET_LIMIT else address - address % OFFSET_LIMIT
        if not advances:
            if not high:
                return Mem(0, address), stride
            register = SCRATCH[self.scratch_turn % len(SCRATCH)]
            self.scratch_turn += 1
            setup.append((register, high))
            return Mem(register, address - high), stride
        loops = _enclosing_loops(op)
        if len(advances) > len(loops):
            raise LoweringError.at(op, "a window steps outside any chunk_loop")
        register, initial = 0, high
        for level in reversed(range(len(advances))):  # outermost first
            if advances[level]:
                key = LoopRegister(advances[level], initial, register)
                register, initial = self.register(op, loops[level], key), 0
        return Mem(register, address - high), stride

    def register(self, op: Operation, loop: Operation, key: LoopRegister) -> int:
        """The register that starts as `key` says before `loop` and moves with it.

        Loops nested in `loop` are converted (and give their registers back) before the ops
        that follow them in `loop`'s body ask for one, but at run time they run while every
        register of `loop` holds its value: a register a nested loop used is never given to
        a loop around it.
        """
        registers = self.loops.setdefault(loop, LoopRegisters()).registers
        if key not in registers:
            taken = self.used_inside.get(loop, set())
            free = [register for register in self.free_registers if register not in taken]
            if not free:
                raise LoweringError.at(op, "too many windows step at different rates in one loop")
            register = free[-1]
            self.free_registers.remove(register)
            registers[key] = register
            for outer in _enclosing_loops(loop):
                self.used_inside.setdefault(outer, set()).add(register)
        return registers[key]

    def close_loop(self, loop: Operation) -> Sequence[tuple[LoopRegister, int]]:
        """The loop's registers (what each does, its number), returned to the pool."""
        advances = list(self.loops.pop(loop, LoopRegisters()).registers.items())
        self.free_registers.extend(register for _, register in advances)
        self.used_inside.pop(loop, None)
        return advances


def _row_length(value: SSAValue) -> int:
    return memory_type(value).matrix[1]


def _enclosing_loops(op: Operation) -> list[Operation]:
    """The chunk loops around `op`, innermost first (the order of a window's step pairs)."""
    loops: list[Operation] = []
    parent = op.parent_op()
    while parent is not None:
        if isinstance(parent, systolic.ChunkLoopOp):
            loops.append(parent)
        parent = parent.parent_op()
    return loops
