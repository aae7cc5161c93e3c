"""The emulator core: fetch, hardware loops, operand resolution, checks, issue, timing and stats.

Everything cross-cutting lives here (Spike's `insn_template` role); what an instruction *does*
is its semantics function, and how long it takes is its formula in the instruction table. The
program is decoded once into `Step`s so that the per-instruction work of the hot loop is a dict
update, a few compiled-formula evaluations and one numpy call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from epoch_mlir.emulator.plan import PLANS, Plan
from epoch_mlir.emulator.scan import LimaCoefficients
from epoch_mlir.emulator.semantics import Semantics, load_all
from epoch_mlir.emulator.semantics.dma import IndexFault
from epoch_mlir.emulator.state import Fault, MachineState
from epoch_mlir.emulator.stats import Counters, collect_stats
from epoch_mlir.emulator.timing import Region, Scoreboard
from epoch_mlir.emulator.trace import Slice
from epoch_mlir.errors import EmulatorFault, InputError
from epoch_mlir.io import ArraySpec, check_arrays
from epoch_mlir.isa.encoding import DecodeError, Instruction, decode
from epoch_mlir.isa.fields import FIELDS, Kind, Mem
from epoch_mlir.isa.program import LoopStructureError, Program, SymbolKind, check_loops
from epoch_mlir.machine import Machine
from epoch_mlir.stats import Stats


@dataclass(slots=True)
class Step:
    """One decoded instruction, with everything that does not change between executions."""

    pc: int
    instruction: Instruction
    mnemonic: str
    timeline: str
    execute: Semantics
    plan: Plan
    env: dict[str, Any]  # fields that are not memory operands, machine constants
    memory_fields: tuple[tuple[str, int, int], ...]  # (field, base register, offset)
    control: bool
    reads_slot_shape: bool  # lima: nch/nm come from the coefficients in the slot


# Instructions that still run under timing_only: later cycle formulas read what they set
# (cfg: dataflow and segments; ldc: a slot's channels and modes for lima). ldw keeps a slot's
# tile shape for mm's fault checks. All three are cheap (no arithmetic).
TIMING_STATE = frozenset({"cfg", "ldc", "ldw"})


@dataclass
class RunResult:
    """Outputs (res0, res1, ...), the statistics, and the trace slices if asked for."""

    outputs: dict[str, np.ndarray]
    stats: Stats
    trace: list[Slice] | None


def dynamic_instruction_count(instructions: list[Instruction]) -> int:
    """How many instructions a run executes (loop counts are immediates, so this is static)."""

    def count(start: int, end: int) -> int:
        total, pc = 0, start
        while pc < end:
            instruction = instructions[pc]
            total += 1
            if instruction.mnemonic == "halt":
                return total
            if instruction.mnemonic == "loop":
                body_end = pc + 1 + instruction.integer("len")
                total += instruction.integer("count") * count(pc + 1, body_end)
                pc = body_end
            else:
                pc += 1
        return total

    return count(0, len(instructions))


class Emulator:
    """Runs one program on one machine.

    A program that records the machine it was compiled for runs on that machine only, unless
    `force_machine` (an experiment: the same instructions on other hardware).
    """

    def __init__(
        self,
        program: Program,
        machine: Machine,
        *,
        ideal_memory: bool = False,
        trace: bool = False,
        progress: Callable[[int], None] | None = None,
        timing_only: bool = False,
        force_machine: bool = False,
    ) -> None:
        if program.machine is not None and not force_machine:
            program.machine.check_runs_on(machine)
        if len(program.words) > machine.max_instructions:
            raise InputError(
                f"program has {len(program.words)} instructions, the machine's limit is "
                f"{machine.max_instructions}"
            )
        if program.dram_words > machine.dram_words:
            raise InputError(
                f"program addresses {program.dram_words * 4 / 2**20:.1f} MiB of DRAM, machine "
                f"'{machine.name}' has {machine.dram_words * 4 / 2**20:.0f} MiB"
            )
        self.program = program
        self.machine = machine
        self.ideal_memory = ideal_memory
        self.want_trace = trace
        self.progress = progress
        # cycles, traffic, energy and the trace without the numerics: only the instructions
        # whose state later timing reads (the array's configuration, what a slot holds) run
        self.timing_only = timing_only
        self.instructions = []
        for pc, word in enumerate(program.words):
            try:
                self.instructions.append(decode(word))
            except DecodeError as error:
                raise EmulatorFault(pc, f"word {word:#066x}", str(error)) from None
        self.steps = [self._prepare(pc, ins) for pc, ins in enumerate(self.instructions)]

    # ------------------------------------------------------------------------------- decoding
    def _prepare(self, pc: int, instruction: Instruction) -> Step:
        row = instruction.row
        machine = self.machine
        env: dict[str, Any] = {
            "R": machine.rows,
            "C": machine.cols,
            "lanes": machine.vector_lanes,
            "dram_latency": 0 if self.ideal_memory else machine.dram_latency_cycles,
            "dram_bw": math.inf if self.ideal_memory else machine.dram_bandwidth_bytes_per_cycle,
            "lat": machine.vector_latency[row.latency_class] if row.latency_class else 0,
        }
        memory_fields = []
        for name, value in instruction.values.items():
            field = FIELDS[name]
            if isinstance(value, Mem):
                memory_fields.append((name, value.reg, value.offset))
            elif field.kind is Kind.ENUM:
                env[name] = field.keywords[int(value)]
            elif field.kind is Kind.MASK:
                env[name] = tuple(
                    k for bit, k in enumerate(field.keywords) if int(value) >> bit & 1
                )
            else:
                env[name] = value
        timeline = row.unit
        if row.mnemonic in ("ldw", "ldc") and machine.preload_overlap:
            timeline = "preload"
        return Step(
            pc,
            instruction,
            row.mnemonic,
            timeline,
            self._semantics[row.mnemonic],
            PLANS[row.mnemonic],
            env,
            tuple(memory_fields),
            row.unit == "control",
            row.mnemonic == "lima",
        )

    _semantics: dict[str, Semantics] = load_all()

    # --------------------------------------------------------------------------------- inputs
    def _load_inputs(self, state: MachineState, inputs: Mapping[str, np.ndarray]) -> None:
        program = self.program
        if len(program.data):
            state.dram[program.data_base : program.data_base + len(program.data)] = (
                program.data.view(np.float32)
            )
        arguments = program.args
        check_arrays(
            [
                ArraySpec(f"arg{i}", symbol.shape, np.dtype(symbol.numpy_dtype))
                for i, symbol in enumerate(arguments)
            ],
            inputs,
        )
        for index, symbol in enumerate(arguments):
            array = np.asarray(inputs[f"arg{index}"])
            flat = np.ascontiguousarray(array).reshape(-1).view(np.float32)
            state.dram[symbol.address : symbol.address + symbol.words] = flat

    def _outputs(self, state: MachineState) -> dict[str, np.ndarray]:
        outputs = {}
        for index, symbol in enumerate(
            s for s in self.program.symbols if s.kind is SymbolKind.RESULT
        ):
            words = state.dram[symbol.address : symbol.address + symbol.words].copy()
            outputs[f"res{index}"] = words.view(symbol.numpy_dtype).reshape(symbol.shape)
        return outputs

    # -------------------------------------------------------------------------------- running
    def run(self, inputs: Mapping[str, np.ndarray] | None = None) -> RunResult:
        """Execute the program; raises EmulatorFault naming the pc for a machine fault."""
        machine = self.machine
        try:
            state = MachineState(machine, self.program.dram_words)
        except MemoryError:
            words = machine.sram_words + self.program.dram_words
            raise InputError(
                f"cannot allocate the emulated memories ({words * 4 / 2**30:.1f} GiB of SRAM "
                f"and DRAM) on this host: use a machine with smaller memories"
            ) from None
        timing_only = self.timing_only
        if not timing_only:
            self._load_inputs(state, inputs or {})
        try:
            check_loops(self.instructions)
        except LoopStructureError as error:
            raise self._fault(error.pc, error.cause) from None

        counters = Counters()
        scoreboard = Scoreboard()
        free = dict.fromkeys(counters.busy, 0)
        busy = counters.busy
        executions = [0] * len(self.steps)
        busy_at = [0] * len(self.steps)  # busy cycles each instruction of the program took
        slices: list[Slice] | None = [] if self.want_trace else None
        frontend = 0
        done = dict.fromkeys(counters.busy, 0)  # when each unit's results are all visible
        steps = self.steps
        regs = state.regs
        array = state.array
        sram_banks = tuple((bank.base, bank.end, bank.name) for bank in machine.sram_banks)
        dram_words = len(state.dram)
        progress = self.progress
        executed = 0

        while True:
            pc = state.pc
            if pc >= len(steps):
                raise self._fault(len(steps) - 1, "ran past the end of the program without halt")
            step = steps[pc]
            env = step.env.copy()
            for name, reg, offset in step.memory_fields:
                env[name] = regs[reg] + offset
            state.next_pc = pc + 1
            executed += 1
            executions[pc] += 1
            if progress is not None and executed % 256 == 0:
                progress(executed)

            if step.control:
                try:
                    step.execute(state, env)
                except Fault as fault:
                    raise self._fault(pc, str(fault)) from None
                if step.mnemonic == "sync":
                    for unit in env["units"]:
                        frontend = max(frontend, done[unit])
                        if unit == "array":
                            frontend = max(frontend, done["preload"])
                elif state.halted:
                    break
            else:
                env["df"] = array.dataflow
                env["S"] = array.segment_rows
                env["G"] = array.segments
                if step.reads_slot_shape:
                    coefficients = array.slots[env["slot"]]
                    if isinstance(coefficients, LimaCoefficients):
                        env["nch"], env["nm"] = coefficients.channels, coefficients.modes
                    else:
                        env["nch"] = env["nm"] = 0
                reads: list[Region] = []
                writes: list[Region] = []
                try:
                    cost = step.plan(env)
                    for touch in cost.touches:
                        if touch.rows <= 0 or touch.cols <= 0:
                            continue
                        if not touch.read and touch.rows > 1 and abs(touch.stride) < touch.cols:
                            raise Fault(
                                f"operand {touch.field}: destination rows overlap (row stride "
                                f"{touch.stride}, {touch.cols} words per row)"
                            )
                        region = Region.of(
                            touch.space, env[touch.field], touch.rows, touch.cols, touch.stride
                        )
                        words = region.words if touch.moved is None else touch.moved
                        if touch.space == "sram":
                            _check_sram(region, touch.field, sram_banks)
                            if touch.read:
                                counters.sram_read_words += words
                            else:
                                counters.sram_write_words += words
                        elif touch.space == "dram":
                            _check_dram(region, touch.field, dram_words)
                            if touch.read:
                                counters.dram_read_words += words
                            else:
                                counters.dram_write_words += words
                        (reads if touch.read else writes).append(region)
                    if not timing_only or step.mnemonic in TIMING_STATE:
                        step.execute(state, env)
                except IndexFault as fault:
                    raise self._fault(pc, self._index_cause(fault)) from None
                except Fault as fault:
                    raise self._fault(pc, str(fault)) from None
                timeline = step.timeline
                start = scoreboard.ready(reads, writes, max(frontend, free[timeline]))
                end = start + cost.cycles
                free[timeline] = end
                visible = end + cost.latency
                if visible > done[timeline]:
                    done[timeline] = visible
                busy[timeline] += cost.cycles
                busy_at[pc] += cost.cycles
                scoreboard.record(
                    reads, writes, visible, lambda barrier=frontend: min(barrier, *free.values())
                )
                counters.macs += cost.macs
                counters.pe_cycles += cost.pe_cycles
                counters.fp_adds += cost.fp_adds
                counters.fp_muls += cost.fp_muls
                if slices is not None:
                    slices.append((pc, step.mnemonic, timeline, start, cost.cycles))

            state.pc = self._advance(state, state.next_pc)

        counters.instructions = executed
        for step, count, cycles in zip(steps, executions, busy_at, strict=True):
            if count:
                mnemonic = step.mnemonic
                counters.by_mnemonic[mnemonic] = counters.by_mnemonic.get(mnemonic, 0) + count
            if cycles:
                unit = counters.busy_by_mnemonic.setdefault(step.timeline, {})
                unit[step.mnemonic] = unit.get(step.mnemonic, 0) + cycles
        counters.cycles = max(frontend, *done.values())
        outputs = {} if timing_only else self._outputs(state)
        return RunResult(outputs, collect_stats(counters, machine, self.ideal_memory), slices)

    @staticmethod
    def _advance(state: MachineState, pc: int) -> int:
        """The next pc, after closing every loop body that ends here."""
        loops = state.loops
        while loops and pc == loops[-1].end:
            frame = loops[-1]
            state.set_register(frame.ra, state.regs[frame.ra] + frame.sa)
            state.set_register(frame.rb, state.regs[frame.rb] + frame.sb)
            frame.remaining -= 1
            if frame.remaining:
                return frame.start
            loops.pop()
        return pc

    def _index_cause(self, fault: IndexFault) -> str:
        """The fault's message with the tensor element that held the index (`arg0[7]`)."""
        for symbol in self.program.symbols:
            if symbol.in_dram and symbol.address <= fault.address < symbol.end:
                position = np.unravel_index(fault.address - symbol.address, symbol.shape)
                where = f"{symbol.name}[{', '.join(str(int(i)) for i in position)}]"
                return f"index {fault.index} at {where} is outside the table's {fault.vocab} rows"
        return f"{fault} (DRAM word {fault.address})"

    def _fault(self, pc: int, cause: str) -> EmulatorFault:
        from epoch_mlir.isa.disasm import format_instruction

        if not 0 <= pc < len(self.instructions):
            return EmulatorFault(pc, "end of program", cause)
        return EmulatorFault(pc, format_instruction(self.instructions[pc]), cause)


def _check_sram(region: Region, operand: str, banks: tuple[tuple[int, int, str], ...]) -> None:
    low, high = region.low, region.high
    for base, end, name in banks:
        if base <= low < end:
            if high > end:
                raise Fault(
                    f"operand {operand}: SRAM words [{low}, {high}) overflow "
                    f"bank '{name}' [{base}, {end})"
                )
            return
    end = banks[-1][1]
    raise Fault(
        f"operand {operand}: SRAM words [{region.low}, {region.high}) outside the SRAM [0, {end})"
    )


def _check_dram(region: Region, operand: str, words: int) -> None:
    if region.low < 0 or region.high > words:
        raise Fault(
            f"operand {operand}: DRAM words [{region.low}, {region.high}) outside the "
            f"program's DRAM [0, {words})"
        )
