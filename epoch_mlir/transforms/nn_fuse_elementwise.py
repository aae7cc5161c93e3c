"""nn-fuse-elementwise: choose the elementwise ops that the op producing their operand computes.

Adds:

An add costs a vector pass over both operands and a DRAM round trip of its result when it is
its own op. When one operand is made by an op whose lowering writes its result with the
array (`nn.linear`'s GEMM folds, `ssm.scan`'s streams), that lowering can instead start each
output chunk from the other operand (a DMA load into the output buffer) and accumulate onto
it: the residual add of a block and the sum of a bidirectional layer's two directions then
cost one load and no vector work. This pass only decides (MLIR's bufferization analysis marks
ops the same way before rewriting them); the conversions do the rewrite at the systolic level
(conversions/systolic_common/accumulate.py) and lower the add as usual when they cannot.

Activations: a one-operand elementwise op (gelu, silu, sigmoid, softplus, relu, exp, neg) whose
operand is made by such a producer (or by an add it computes) and read by nothing else is
applied by the producer's lowering to each output chunk in SRAM before the store (an epilogue,
conversions/systolic_common/epilogue.py): the vector pass stays, the DRAM round trip of the
operand goes.

Layer norm: a layer norm (or RMS norm) whose input a linear writes (its result, or an add it
computes) is computed by the linear's lowering on each output chunk while it is still in SRAM:
the chunk is stored (other ops may read it) and normalised, so the layer norm's own pass over
DRAM goes and its vector work overlaps the next chunk's GEMM folds.

Removing the pass from the pipeline turns the fusion off.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, TensorType, UnitAttr, i64
from xdsl.ir import Block, Operation, SSAValue
from xdsl.passes import ModulePass

from epoch_mlir.dialects import nn, ssm

# Ops whose lowerings write their result with the array and can accumulate onto an addend.
ACCUMULATING_PRODUCERS = (nn.LinearOp, ssm.ScanOp)
# One-operand elementwise ops a producer can apply to its output chunks (one vector op each).
EPILOGUES = (
    nn.GeluOp,
    nn.SiluOp,
    nn.SigmoidOp,
    nn.SoftplusOp,
    nn.ReluOp,
    nn.ExpOp,
    nn.NegOp,
)


def producer_through_reverse(value: SSAValue) -> tuple[Operation, bool] | None:
    """The op that makes `value` (looking through one single-use `nn.reverse`), and whether the
    reversal is in between; None when `value` is not made by an accumulating producer whose
    result has no other reader."""
    owner = value.owner
    reversed_rows = False
    if isinstance(owner, nn.ReverseOp):
        if not value.has_one_use():
            return None
        value, owner, reversed_rows = owner.x, owner.x.owner, True
    if not isinstance(owner, ACCUMULATING_PRODUCERS) or not value.has_one_use():
        return None
    return owner, reversed_rows


def _defined_before(value: SSAValue, op: Operation) -> bool:
    """Whether `value` is available where `op` runs (so its producer can read it)."""
    owner, block = value.owner, op.parent_block()
    if isinstance(owner, Block):  # an argument of the block holding `op`
        return owner is block
    return owner.parent_block() is block and owner.is_before_in_block(op)


def fusible_operand(add: nn.AddOp) -> int | None:
    """The operand whose producer can compute `add`, or None."""
    if not (add.a.type == add.b.type == add.y.type) or add.a is add.b:
        return None
    tensor_type = add.y.type
    assert isinstance(tensor_type, TensorType)
    for index in (0, 1):
        found = producer_through_reverse(add.operands[index])
        if found is None:
            continue
        producer, reversed_rows = found
        if reversed_rows and len(tensor_type.get_shape()) != 2:
            continue
        if _defined_before(add.operands[1 - index], producer):
            return index
    return None


@dataclass(frozen=True)
class NnFuseElementwisePass(ModulePass):
    """Mark each `nn.add` one of whose operands a GEMM or scan can accumulate onto the other,
    and each activation whose operand such a producer writes.

    #### Input invariant
    Tensor-level IR (`nn`, `ssm`).
    #### Output IR
    The same ops; an `nn.add` whose operand k comes from an `nn.linear` or `ssm.scan` (maybe
    through one `nn.reverse`) read by nothing else, while the other operand is computed before
    that producer, gets `accumulate_into = k`; a gelu, silu, sigmoid, softplus, relu, exp or neg
    whose operand only it reads and such a producer (or such an add) makes gets `epilogue`, and so
    does a layer norm or RMS norm whose input a linear (or an add a linear computes) makes.
    """

    name = "nn-fuse-elementwise"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for nested in op.walk():
            if isinstance(nested, nn.AddOp):
                index = fusible_operand(nested)
                if index is None:
                    nested.attributes.pop(nn.ACCUMULATE_INTO, None)
                else:
                    nested.attributes[nn.ACCUMULATE_INTO] = IntegerAttr(index, i64)
            elif isinstance(nested, nn.LayerNormOp | nn.RmsNormOp):
                if _made_by_a_linear(nested.x):
                    nested.attributes[nn.EPILOGUE] = UnitAttr()
                else:
                    nested.attributes.pop(nn.EPILOGUE, None)
            elif isinstance(nested, EPILOGUES):
                if _made_by_a_producer(nested.operands[0]):
                    nested.attributes[nn.EPILOGUE] = UnitAttr()
                else:
                    nested.attributes.pop(nn.EPILOGUE, None)


def _made_by_a_producer(value: SSAValue) -> bool:
    """Whether only the epilogue reads `value` and a producer's lowering writes it: an
    accumulating producer's result, or an add such a producer computes (marked above, since
    the walk visits the add first)."""
    owner = value.owner
    if not value.has_one_use():
        return False
    if isinstance(owner, nn.AddOp):
        return nn.ACCUMULATE_INTO in owner.attributes
    return isinstance(owner, ACCUMULATING_PRODUCERS)


def _made_by_a_linear(value: SSAValue) -> bool:
    """Whether a linear's lowering writes `value`: its result, or an add it computes. Other
    ops may read the value too (a residual add): the linear stores it and also normalises
    each chunk while it is in SRAM."""
    owner = value.owner
    if isinstance(owner, nn.AddOp):
        index = owner.attributes.get(nn.ACCUMULATE_INTO)
        if not isinstance(index, IntegerAttr):
            return False
        found = producer_through_reverse(owner.operands[index.value.data])
        return found is not None and isinstance(found[0], nn.LinearOp) and not found[1]
    return isinstance(owner, nn.LinearOp)
