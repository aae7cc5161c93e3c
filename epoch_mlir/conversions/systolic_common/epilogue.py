"""Epilogues: an activation applied by its operand's producer to each output chunk in SRAM.

`nn-fuse-elementwise` marks a gelu (silu, sigmoid, softplus, relu) whose operand a GEMM or scan
lowering writes and nothing else reads. Once that producer is lowered, every store of an output
chunk into the operand's DRAM tensor gets the activation as one in-place vector op on the
chunk's buffer just before it, and stores into the activation's tensor instead: the vector work
is the same as the activation's own pass, but the operand never goes to DRAM and back. Stores
through `systolic.reverse` views (a bidirectional layer's backward half) keep their view.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from xdsl.dialects.builtin import UnrealizedConversionCastOp
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter
from xdsl.rewriter import InsertPoint, Rewriter

from epoch_mlir.conversions.systolic_common.lowering import dram_type
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    AllocDramOp,
    LoadOp,
    MatmulTileOp,
    ReverseOp,
    SelectiveStreamOp,
    StoreOp,
    StreamOp,
    VectorOp,
)
from epoch_mlir.dialects.systolic.attrs import int_values


class VectorFunction(NamedTuple):
    """A vector-unit function and its immediate operand, if it takes one (`muli` by -1)."""

    name: str
    imm: float | None = None


def _gelu(op: Operation) -> VectorFunction:
    assert isinstance(op, nn.GeluOp)
    return VectorFunction("gelut" if op.approximate.data == "tanh" else "gelu")


# one-operand nn op -> the vector function computing it (from the op, when its properties choose)
UNARY_FUNCTIONS: dict[type[Operation], Callable[[Operation], VectorFunction]] = {
    nn.GeluOp: _gelu,
    nn.SiluOp: lambda op: VectorFunction("silu"),
    nn.SigmoidOp: lambda op: VectorFunction("sigmoid"),
    nn.SoftplusOp: lambda op: VectorFunction("softplus"),
    nn.ReluOp: lambda op: VectorFunction("relu"),
    nn.ExpOp: lambda op: VectorFunction("exp"),
    nn.NegOp: lambda op: VectorFunction("muli", -1.0),  # exact: only the sign bit changes
}


def marked_epilogue(value: SSAValue) -> Operation | None:
    """The activation `nn-fuse-elementwise` marked to run on `value`'s chunks, if any."""
    user = value.get_user_of_unique_use()
    if user is None or nn.EPILOGUE not in user.attributes or type(user) not in UNARY_FUNCTIONS:
        return None
    return user


def _stores(tensor: SSAValue) -> list[tuple[StoreOp, bool]] | None:
    """Every store into `tensor` (and whether through a reversal view), when nothing but its
    stores and the cast to its tensor value touch it; None otherwise (e.g. a fold's reload)."""
    found: list[tuple[StoreOp, bool]] = []
    for use in tensor.uses:
        user = use.operation
        if isinstance(user, StoreOp) and use.index == 1:
            found.append((user, False))
        elif isinstance(user, ReverseOp):
            for view_use in user.result.uses:
                store = view_use.operation
                if not (isinstance(store, StoreOp) and view_use.index == 1):
                    return None
                found.append((store, True))
        elif not isinstance(user, UnrealizedConversionCastOp):
            return None
    return found or None


def _only_filled_and_stored(buffer: SSAValue, tensor: SSAValue) -> bool:
    """Whether the chunk buffer is only written (array ops, loads, in-place vector ops) and
    stored into `tensor`: then changing it in place just before each store is invisible."""
    for use in buffer.uses:
        user = use.operation
        if isinstance(user, StoreOp):
            target = user.dst
            if isinstance(target.owner, ReverseOp):
                target = target.owner.source
            if target is not tensor:
                return False
        elif isinstance(user, StreamOp | MatmulTileOp | SelectiveStreamOp):
            if user.operands[-1] is not buffer or buffer in user.operands[:-1]:
                return False
        elif isinstance(user, LoadOp):
            continue
        elif isinstance(user, VectorOp):
            if user.dst is not buffer or user.b is buffer:
                return False
        else:
            return False
    return True


def fuse_epilogue(activation: Operation, tensor: SSAValue, rewriter: PatternRewriter) -> bool:
    """Apply `activation` to every chunk stored into `tensor` (a DRAM tensor a producer's
    lowering just wrote) and make the activation's result the tensor those stores fill; False
    (nothing changed) when the stores are not of the shape this knows."""
    stores = _stores(tensor)
    alloc = tensor.owner
    if stores is None or not isinstance(alloc, AllocDramOp):
        return False
    for store, _ in stores:
        if store.src_row_stride is not None or not _only_filled_and_stored(store.src, tensor):
            return False
    function = UNARY_FUNCTIONS[type(activation)](activation)
    (value,) = activation.results
    result = AllocDramOp(dram_type(value.type))
    result.tensor.name_hint = value.name_hint
    # a view only when a store needs one: an op, even one never inserted, uses its operand
    view = ReverseOp(result.tensor) if any(r for _, r in stores) else None
    new_ops: list[Operation] = [result] if view is None else [result, view]
    for op in new_ops:
        op.location = activation.location
    rewriter.insert(new_ops, InsertPoint.before(alloc))
    for store, reversed_rows in stores:
        rows, cols = int_values(store.sizes)
        corner, step = int_values(store.src_offsets), int_values(store.src_step)
        apply = VectorOp(
            function.name,
            store.src,
            store.src,
            (rows, cols),
            a_offsets=corner,
            dst_offsets=corner,
            a_step=step,
            dst_step=step,
            imm=function.imm,
        )
        apply.location = activation.location
        Rewriter.insert_op(apply, InsertPoint.before(store))
        old_view = store.dst.owner if reversed_rows else None
        store.operands[1] = result.tensor if view is None or not reversed_rows else view.result
        if isinstance(old_view, ReverseOp) and not old_view.result.uses:
            rewriter.erase(old_view)
    cast = UnrealizedConversionCastOp.get([result.tensor], [value.type])
    rewriter.replace(activation, [cast], [cast.results[0]])
    for use in list(tensor.uses):  # the cast the activation read, read by nothing now
        rewriter.erase(use.operation)
    rewriter.erase(alloc)
    return True
