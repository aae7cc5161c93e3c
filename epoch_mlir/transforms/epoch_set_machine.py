"""epoch-set-machine: name the machine a module is compiled for, once, in the IR."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from epoch_mlir.conversions.systolic_common.lowering import LoweringError
from epoch_mlir.dialects.epoch.attrs import MACHINE_ATTRIBUTE, MachineAttr
from epoch_mlir.errors import MachineError
from epoch_mlir.machine import load_machine


@dataclass(frozen=True)
class EpochSetMachinePass(ModulePass):
    """Attach the whole machine description to the module as `epoch.machine`.

    The one place a pipeline reads a machine file: every later pass reads the machine from
    the module, and a module dumped mid-pipeline (`epoch opt -p ...`) keeps its machine.
    `hw` is a preset name or a TOML file path, as `--hw` takes.

    #### Input invariant
    Any module; one that already names a machine gets the new one.
    #### Output IR
    The same module with `epoch.machine = #epoch.machine<"SOURCE", {description}>`.
    """

    name = "epoch-set-machine"

    hw: str = "epochcore"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        try:
            machine = load_machine(self.hw)
        except MachineError as error:
            raise LoweringError(str(error)) from None
        op.attributes[MACHINE_ATTRIBUTE] = MachineAttr.from_record(machine.record)
