"""The rewrite patterns of convert-systolic-to-epoch: each systolic op family to epoch ops.

The work ops (DMA, array, vector) become the instruction their selection names (selection.py),
preceded by the `li`s their far or stepping windows need (addressing.py); `configure` becomes
`cfg` followed by its body; `chunk_loop` becomes a hardware `epoch.loop` around its converted
body, with the `li`s that start its address registers before it and `addi`s for the registers
beyond its two stride slots at the end of the body. Every instruction keeps the location of the
systolic op it came from (and so of the ssm/nn op before it).

The patterns run in program order with bodies before the op that holds them (the pass's
walker), because registers are handed out and returned in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import LocationAttr
from xdsl.ir import Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.rewriter import InsertPoint

from epoch_mlir.conversions.convert_systolic_to_epoch.addressing import Placement
from epoch_mlir.conversions.convert_systolic_to_epoch.selection import select
from epoch_mlir.dialects import systolic
from epoch_mlir.dialects.epoch.formats import InstructionOp, LoopInstructionOp
from epoch_mlir.dialects.epoch.ops import INSTRUCTION_OPS
from epoch_mlir.isa.builder import Operand, operand_value
from epoch_mlir.isa.fields import Kind, Mem

_OP_OF_MNEMONIC = {op.row().mnemonic: op for op in INSTRUCTION_OPS}
_LOOP_STRIDE_SLOTS = ("a", "b")  # the loop instruction advances two registers itself


def instruction(mnemonic: str, location: LocationAttr, **fields: Operand) -> InstructionOp:
    """The op of one instruction; fields as the program builder takes them, flags default off."""
    op_class = _OP_OF_MNEMONIC[mnemonic]
    assert issubclass(op_class, InstructionOp)
    values = {name: operand_value(name, value) for name, value in fields.items()}
    for field in op_class.property_fields():
        if field.kind is Kind.FLAG:
            values.setdefault(field.name, 0)
    op = op_class.from_values(values)
    op.location = location
    return op


def _broadcast(kind: str, stride: int) -> tuple[int, int]:
    """(row stride, broadcast flag) of a vector operand broadcast as `kind`."""
    return {"none": (stride, 0), "row": (0, 0), "col": (stride, 1), "scalar": (0, 1)}[kind]


@dataclass
class _LowerSelected(RewritePattern):
    """Shared by the work-op families: the selected instruction, its windows placed."""

    placement: Placement

    def lower(self, op: Operation, rewriter: PatternRewriter) -> None:
        selection = select(op)
        assert selection is not None, op.name
        fields: dict[str, Operand] = dict(selection.fields)
        setup: list[tuple[int, int]] = []
        for operand in selection.operands:
            if operand.window is None:  # an operand the instruction does not read
                memory, stride = Mem(0, 0), 0
            elif operand.in_place:
                memory, stride = Mem(0, self.placement.address(operand.window.value)), 0
            else:
                memory, stride = self.placement.operand(op, operand.window, setup)
            fields[operand.field] = memory
            stride, flag = _broadcast(operand.broadcast, stride)
            if operand.stride_field is not None:
                fields[operand.stride_field] = stride
            if operand.flag is not None:
                fields[operand.flag] = flag
        ops = [instruction("li", op.location, rd=register, imm=value) for register, value in setup]
        ops.append(instruction(selection.mnemonic, op.location, **fields))
        rewriter.replace(op, ops, [])


class LowerTransfer(_LowerSelected):
    """`systolic.load`/`store`/`gather` -> `epoch.load`/`store`/`gather`: DMA between DRAM and
    SRAM windows."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: systolic.LoadOp | systolic.StoreOp | systolic.GatherOp, rewriter: PatternRewriter
    ) -> None:
        self.lower(op, rewriter)


class LowerArrayOp(_LowerSelected):
    """The PE array's ops -> `ldc`, `ldw`, `lima`, `lsel`, `ldx`, `stx`, `lds`, `sts`, `mm`."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self,
        op: systolic.PreloadCoefficientsOp
        | systolic.PreloadTileOp
        | systolic.StreamOp
        | systolic.SelectiveStreamOp
        | systolic.SelectiveStateOp
        | systolic.LimaStateOp
        | systolic.MatmulTileOp,
        rewriter: PatternRewriter,
    ) -> None:
        self.lower(op, rewriter)


class LowerVectorOp(_LowerSelected):
    """The vector unit's ops -> `v<function>`, and `vdexp` for the selective discretization."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: systolic.VectorOp | systolic.SelectiveDiscretizeOp, rewriter: PatternRewriter
    ) -> None:
        self.lower(op, rewriter)


class LowerConfigure(RewritePattern):
    """`systolic.configure <mode, dataflow, seg S> {body}` -> `cfg mode, dataflow, S`; body."""

    source = systolic.ConfigureOp
    summary = "`cfg` mode, dataflow, seg from the configuration, then the body"

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: systolic.ConfigureOp, rewriter: PatternRewriter) -> None:
        config = op.config
        cfg = instruction(
            "cfg",
            op.location,
            mode=config.mode.data,
            dataflow=config.dataflow.data,
            seg=config.seg.data,
        )
        rewriter.insert(cfg, InsertPoint.before(op))
        rewriter.inline_block(op.body.block, InsertPoint.before(op))
        rewriter.erase(op)


@dataclass
class LowerChunkLoop(RewritePattern):
    """`systolic.chunk_loop N {body}` -> `li`s; `epoch.loop N, rA += SA, rB += SB {body; addi}`.

    The loop's body is already converted (bodies go first): the registers its windows took
    are known, each set by an `li` before the loop to its first iteration's address.
    """

    placement: Placement

    source = systolic.ChunkLoopOp
    summary = (
        "`loop count, ra += sa, rb += sb` around the body: every distinct (advance, start) of a "
        "stepping window gets an address register, set before the loop (by `li`, or by `addi` "
        "from the enclosing loop's register when the window moves in that loop too) and "
        "advanced by the loop (the first two) or an `addi` at the end of the body (the rest); "
        "`len` is the body's instruction count, counted when the program is encoded"
    )

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: systolic.ChunkLoopOp, rewriter: PatternRewriter) -> None:
        advances = self.placement.close_loop(op)
        location = op.location
        body: list[Operation] = list(op.body.block.ops)
        for child in body:
            child.detach()
        body += [
            instruction("addi", location, rd=register, rs=register, imm=key.advance)
            for key, register in advances[len(_LOOP_STRIDE_SLOTS) :]
        ]
        strides = {"ra": 0, "sa": 0, "rb": 0, "sb": 0}
        for slot, (key, register) in zip(_LOOP_STRIDE_SLOTS, advances, strict=False):
            strides[f"r{slot}"], strides[f"s{slot}"] = register, key.advance
        loop_class = _OP_OF_MNEMONIC["loop"]
        assert issubclass(loop_class, LoopInstructionOp)
        loop = loop_class.from_values({"count": op.count.value.data, **strides}, body)
        loop.location = location
        setup = [
            instruction("addi", location, rd=register, rs=key.source, imm=key.initial)
            if key.source
            else instruction("li", location, rd=register, imm=key.initial)
            for key, register in advances
        ]
        rewriter.replace(op, [*setup, loop], [])
