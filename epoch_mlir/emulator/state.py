"""Architectural state of an EpochCore machine: memories, registers, loops and the PE array.

Semantics functions read and change this state; they never see timing, stats or the trace, which
belong to the core. Memories are flat float32 numpy arrays addressed in 32-bit words, and operands
are numpy views into them, so every instruction is whole-tile numpy work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from epoch_mlir.emulator.scan import LimaCoefficients
from epoch_mlir.isa.fields import NUM_REGS
from epoch_mlir.machine import Machine


class Fault(Exception):
    """Raised by semantics for something the machine cannot do; the core adds pc and text."""


@dataclass
class LoopFrame:
    """One level of the hardware loop stack."""

    start: int  # pc of the first body instruction
    end: int  # pc just past the body
    remaining: int
    ra: int
    sa: int
    rb: int
    sb: int


@dataclass
class ArrayState:
    """The PE array: configuration, the two stationary-operand slots and the PEs' states."""

    rows: int
    cols: int
    mode: str = "mac"
    dataflow: str = "ws"
    segment_rows: int = 0  # S
    slots: list[np.ndarray | LimaCoefficients | None] = field(default_factory=lambda: [None, None])
    lima_state: np.ndarray | None = None  # (nch, nm) complex64, the PEs' state registers
    lima_state_slot: int = -1  # the slot whose coefficients the states belong to
    selective_state: np.ndarray | None = None  # (nm, nch) float32, the states of an `lsel` stream

    def __post_init__(self) -> None:
        self.segment_rows = self.segment_rows or self.rows

    @property
    def segments(self) -> int:
        """G: channels packed per column."""
        return self.rows // self.segment_rows


class MachineState:
    """Everything a program can observe or change."""

    def __init__(self, machine: Machine, dram_words: int) -> None:
        self.machine = machine
        self.sram = np.zeros(machine.sram_words, np.float32)
        self.dram = np.zeros(dram_words, np.float32)
        self.regs = [0] * NUM_REGS
        self.loops: list[LoopFrame] = []
        self.array = ArrayState(machine.rows, machine.cols)
        self.pc = 0
        self.next_pc = 1
        self.halted = False

    def memory(self, space: str) -> np.ndarray:
        return self.sram if space == "sram" else self.dram

    def view(
        self,
        space: str,
        address: int,
        rows: int,
        cols: int,
        stride: int,
        dtype: type[np.generic] = np.float32,
    ) -> np.ndarray:
        """A rows x cols numpy view of memory (bounds were checked by the core)."""
        words = 2 if dtype is np.complex64 else 1
        return np.ndarray(
            (rows, cols),
            dtype,
            buffer=self.memory(space),
            offset=4 * address,
            strides=(4 * stride, 4 * words),
        )

    def set_register(self, index: int, value: int) -> None:
        """Registers are 32-bit two's complement; r0 always reads 0."""
        if index:
            self.regs[index] = ((value + (1 << 31)) % (1 << 32)) - (1 << 31)
