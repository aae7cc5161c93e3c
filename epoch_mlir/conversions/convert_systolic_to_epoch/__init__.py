"""convert-systolic-to-epoch: instruction selection, addresses and hardware loops, as IR.

The entry function's systolic ops become `epoch` ops, one instruction per op that does work
(selection.py is the mapping), inside one `epoch.program` whose symbols say where every buffer
and tensor lives (layout.py). Windows become memory operands, through address registers where
they are far or step with a loop (addressing.py); `chunk_loop` becomes a hardware `epoch.loop`.
The rewrite patterns are in patterns.py. Encoding into words is the business of targets/, which
serialize the program this pass leaves (`-t epoch-bin`, `-t epoch-asm`).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, UnrealizedConversionCastOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import GreedyRewritePatternApplier, PatternRewriteWalker

from epoch_mlir.conversions.convert_systolic_to_epoch.addressing import Placement
from epoch_mlir.conversions.convert_systolic_to_epoch.layout import lay_out
from epoch_mlir.conversions.convert_systolic_to_epoch.patterns import (
    LowerArrayOp,
    LowerChunkLoop,
    LowerConfigure,
    LowerTransfer,
    LowerVectorOp,
    instruction,
)
from epoch_mlir.conversions.systolic_common.lowering import LoweringError, module_machine
from epoch_mlir.dialects import systolic
from epoch_mlir.dialects.epoch.attrs import MACHINE_ATTRIBUTE
from epoch_mlir.dialects.epoch.formats import InstructionOp, LoopInstructionOp
from epoch_mlir.dialects.epoch.program import program_op
from epoch_mlir.entry import find_entry


@dataclass(frozen=True)
class ConvertSystolicToEpochPass(ModulePass):
    """Select one instruction per systolic op and place every buffer and tensor.

    #### Input invariant
    The entry function is at the systolic level (no tensor ops left, no casts), and every SRAM
    buffer has an address (`systolic-allocate-sram`).
    #### Output IR
    An `epoch.program`: symbols for the entry's arguments (arg0...), constants (c<n>, with
    their data), results (res0...), DRAM intermediates (t<n>: one per region of the pool the
    intermediates share by liveness) and SRAM buffers (buf<n>), then the instructions, each
    with the location of the op it came from, `halt` last. The module keeps `epoch.machine`.
    """

    name = "convert-systolic-to-epoch"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for nested in op.walk():
            if nested.name.startswith(("ssm.", "nn.")) or isinstance(
                nested, UnrealizedConversionCastOp
            ):
                raise LoweringError.at(nested, "was not lowered to the systolic level")
            if isinstance(nested, systolic.VIEWS):
                raise LoweringError.at(
                    nested, "is a view: run systolic-fold-views before convert-systolic-to-epoch"
                )
        entry = find_entry(op)
        layout = lay_out(entry, module_machine(op))
        placement = Placement(dict(layout.addresses))
        patterns = GreedyRewritePatternApplier(
            [
                LowerTransfer(placement),
                LowerArrayOp(placement),
                LowerVectorOp(placement),
                LowerConfigure(),
                LowerChunkLoop(placement),
            ],
            dce_enabled=False,
        )
        # program order, bodies before the op holding them: registers go and return in order
        PatternRewriteWalker(
            patterns, walk_regions_first=True, apply_recursively=False
        ).rewrite_region(entry.body)
        instructions: list[Operation] = []
        for child in list(entry.body.block.ops):
            if isinstance(child, InstructionOp | LoopInstructionOp):
                child.detach()
                instructions.append(child)
        instructions.append(instruction("halt", entry.location))
        program = program_op(layout.program, instructions)
        for child in list(op.body.block.ops):
            child.detach()
            child.erase()
        op.body.block.add_op(program)
        machine = op.attributes.get(MACHINE_ATTRIBUTE)
        op.attributes.clear()
        if machine is not None:  # the program file records it
            op.attributes[MACHINE_ATTRIBUTE] = machine
