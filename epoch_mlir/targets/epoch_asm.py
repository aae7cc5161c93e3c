"""`-t epoch-asm`: the module's program as EpochCore assembly, accepted by `epoch asm`.

The text is the disassembly of the serialized program, so the assembly language is defined
once (isa/disasm.py) and `epoch asm` of this output gives the very bytes `-t epoch-bin`
writes: addresses laid out, loops as blocks, constants as `.word` data, symbols named in
comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.target import Target

from epoch_mlir.isa.disasm import disassemble
from epoch_mlir.targets.epoch_program import module_to_program


@dataclass(frozen=True)
class EpochAsmTarget(Target):
    """Prints the module's `epoch.program` as assembly."""

    name = "epoch-asm"

    def emit(self, ctx: Context, module: ModuleOp, output: IO[str]) -> None:
        output.write(disassemble(module_to_program(module)))
