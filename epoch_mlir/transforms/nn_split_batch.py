"""nn-split-batch: run each sequence of a batched sequence op as an op of its own.

A batch (B x L x H) is B independent sequences laid one after another in memory. Ops that
treat every row alike (linear, the norms, the elementwise ops, slice, glu) lower a batch as
B*L rows, which is what fills the array: at decode (L = 1) a batch of 16 gives each GEMM 16
rows instead of one. Ops that run along the sequence (the scans, the causal convolution, the
reversal, the mean) and the embedding lookup (whose ids are a B x L grid) are lowered one
sequence at a time: this pass rewrites such an op into `nn.unstack` of its batched operands,
one unbatched op per sequence, and `nn.stack` of their results. The conversions make every
unstacked part a view of its rows and let each op write its rows of the stacked result, so no
data moves for the split or the stack (docs/compiler.md, "Batches").

The pass leaves unbatched ops alone, so a batch of one sequence without the leading dimension
compiles exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, TensorType
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import InsertPoint, Rewriter

from epoch_mlir.dialects import nn, ssm

# The ops run per sequence, and the operands that carry the batch (the others are parameters).
SEQUENCE_OPERANDS: dict[type[Operation], tuple[str, ...]] = {
    ssm.ScanOp: ("u", "s0"),
    ssm.SelectiveScanOp: ("u", "delta", "B", "C", "z", "x0"),
    nn.CausalConv1dOp: ("x", "c0"),
    nn.ReverseOp: ("x",),
    nn.MeanOp: ("x",),
    nn.EmbeddingOp: ("ids",),
}
# result 0's rank when the op is batched (B x L x H, or B x 1 x H for the mean)
BATCHED_RANK = 3


def batch_of(op: Operation) -> int | None:
    """The batch size of a sequence op (None when it is unbatched or no sequence op)."""
    if type(op) not in SEQUENCE_OPERANDS:
        return None
    result_type = op.results[0].type
    assert isinstance(result_type, TensorType)
    shape = result_type.get_shape()
    return shape[0] if len(shape) == BATCHED_RANK else None


def _without_batch(value_type: object) -> TensorType:
    assert isinstance(value_type, TensorType)
    return TensorType(value_type.element_type, value_type.get_shape()[1:])


@dataclass
class _Parts:
    """One `nn.unstack` per batched value, shared by every op that reads it."""

    unstacks: dict[SSAValue, nn.UnstackOp]

    def of(self, value: SSAValue) -> tuple[SSAValue, ...]:
        if isinstance(value.owner, nn.StackOp):  # a sequence op's result read per sequence
            return tuple(value.owner.parts)
        if value not in self.unstacks:
            unstack = nn.UnstackOp(value)
            for index, part in enumerate(unstack.parts):
                part.name_hint = f"{value.name_hint}_{index}" if value.name_hint else None
            owner = value.owner
            if isinstance(owner, Block):
                point = InsertPoint.at_start(owner)
            else:
                unstack.location = owner.location
                point = InsertPoint.after(owner)
            Rewriter.insert_op(unstack, point)
            self.unstacks[value] = unstack
        return tuple(self.unstacks[value].parts)


def _split(op: Operation, batch: int, parts: _Parts) -> None:
    """Replace `op` by one op per sequence between unstacks and stacks."""
    batched = {
        value for name in SEQUENCE_OPERANDS[type(op)] if (value := getattr(op, name)) is not None
    }
    operand_parts = [parts.of(value) if value in batched else None for value in op.operands]
    result_types = [_without_batch(result.type) for result in op.results]
    sequences: list[Operation] = []
    for index in range(batch):
        operands = [
            value if split is None else split[index]
            for value, split in zip(op.operands, operand_parts, strict=True)
        ]
        sequence = type(op).create(
            operands=operands,
            result_types=result_types,
            properties=dict(op.properties),
            attributes=dict(op.attributes),
        )
        sequence.location = op.location
        for result, original in zip(sequence.results, op.results, strict=True):
            if original.name_hint:
                result.name_hint = f"{original.name_hint}_{index}"
        sequences.append(sequence)
    stacks = [
        nn.StackOp([sequence.results[i] for sequence in sequences]) for i in range(len(op.results))
    ]
    for stack in stacks:
        stack.location = op.location
    for stack, original in zip(stacks, op.results, strict=True):
        stack.y.name_hint = original.name_hint
    Rewriter.replace_op(op, [*sequences, *stacks], [stack.y for stack in stacks])


@dataclass(frozen=True)
class NnSplitBatchPass(ModulePass):
    """Run batched sequence ops (`ssm.scan`, `ssm.selective_scan`, `nn.causal_conv1d`,
    `nn.reverse`, `nn.mean`, `nn.embedding`) one sequence at a time.

    #### Input invariant
    Verified ssm/nn IR (before `convert-func-to-systolic`).
    #### Output IR
    Each batched sequence op is B unbatched ops of the same kind and properties, reading
    `nn.unstack` parts of its batched operands (one unstack per value) and feeding one
    `nn.stack` per result. Every other op is unchanged.
    """

    name = "nn-split-batch"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        parts = _Parts({})
        for nested in list(op.walk()):
            batch = batch_of(nested)
            if batch is not None:
                _split(nested, batch, parts)
