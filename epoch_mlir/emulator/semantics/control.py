"""Control-unit semantics: registers, hardware loops, halt. (Timing of `sync` is the core's.)"""

from __future__ import annotations

from epoch_mlir.emulator.semantics import Env, semantics
from epoch_mlir.emulator.state import Fault, LoopFrame, MachineState


@semantics("halt")
def exec_halt(state: MachineState, env: Env) -> None:
    state.halted = True


@semantics("sync")
def exec_sync(state: MachineState, env: Env) -> None:
    """No architectural effect: `sync` only orders time, which the core models."""


@semantics("li")
def exec_li(state: MachineState, env: Env) -> None:
    state.set_register(env["rd"], env["imm"])


@semantics("addi")
def exec_addi(state: MachineState, env: Env) -> None:
    state.set_register(env["rd"], state.regs[env["rs"]] + env["imm"])


@semantics("loop")
def exec_loop(state: MachineState, env: Env) -> None:
    """Push a loop frame; the core checked the body's structure before the run."""
    end = state.pc + 1 + env["len"]
    if env["count"] == 0:
        state.next_pc = end
        return
    if len(state.loops) >= state.machine.loop_depth:
        raise Fault(f"loops nested deeper than the machine's {state.machine.loop_depth} levels")
    state.loops.append(
        LoopFrame(state.pc + 1, end, env["count"], env["ra"], env["sa"], env["rb"], env["sb"])
    )
