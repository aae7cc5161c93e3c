"""systolic-fold-views: turn every transfer through a view into addressing of the viewed tensor.

The MLIR counterpart is `fold-memref-alias-ops`: a view is bookkeeping, so once the DMA
transfers that read or write through it address the underlying tensor directly, the view has no
users left and disappears. A reversed tensor is then read by DMAs that start at the mirror row
and walk upwards, and no pass over the data (copy or vector `rev`) remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from epoch_mlir.conversions.systolic_common.lowering import LoweringError
from epoch_mlir.dialects.systolic import DramType, LoadOp, ReverseOp, StoreOp
from epoch_mlir.dialects.systolic.attrs import int_array, int_values

Transfer = LoadOp | StoreOp


def _through_views(value: SSAValue) -> tuple[SSAValue, bool]:
    """The tensor under a chain of reversals, and whether they leave its rows reversed."""
    reversed_rows = False
    while isinstance(value.owner, ReverseOp):
        value = value.owner.source
        reversed_rows = not reversed_rows
    return value, reversed_rows


def _mirror(transfer: Transfer, role: str, tensor: SSAValue) -> None:
    """Address `role`'s window on the rows of `tensor` read last-first.

    Row i of a window at [r, c] with row stride S (elements; default a row of the tensor) lies
    in row r + i*S/cols of the view, which is row rows-1-r-i*S/cols of the tensor: the window
    starts at the mirror row, its stride and its row step in every loop change sign, and its
    columns stay. A stride that is not a whole number of rows cannot be mirrored this way.
    """
    tensor_type = tensor.type
    assert isinstance(tensor_type, DramType)
    rows, cols = tensor_type.matrix
    if role == "src":
        offsets, step, stride_attr = (
            transfer.src_offsets,
            transfer.src_step,
            transfer.src_row_stride,
        )
    else:
        offsets, step, stride_attr = (
            transfer.dst_offsets,
            transfer.dst_step,
            transfer.dst_row_stride,
        )
    row, col = int_values(offsets)
    steps = list(int_values(step))
    steps[0::2] = [-row_step for row_step in steps[0::2]]  # every loop's row step
    window_rows = int_values(transfer.sizes)[0]
    stride = cols if stride_attr is None else stride_attr.value.data
    if stride % cols:
        raise LoweringError.at(
            transfer,
            f"addresses a reversed tensor through a window of row stride {stride}, which is not a "
            f"whole number of its rows of {cols}",
        )
    transfer.properties[f"{role}_offsets"] = int_array((rows - 1 - row, col))
    transfer.properties[f"{role}_step"] = int_array(steps)
    if window_rows > 1 or stride_attr is not None:
        transfer.properties[f"{role}_row_stride"] = IntegerAttr(-stride, i64)


def _fold(transfer: Transfer) -> None:
    role, index = ("src", 0) if isinstance(transfer, LoadOp) else ("dst", 1)
    view = transfer.operands[index]
    tensor, reversed_rows = _through_views(view)
    if tensor is view:
        return
    if reversed_rows:
        _mirror(transfer, role, tensor)
    transfer.operands[index] = tensor


@dataclass(frozen=True)
class SystolicFoldViewsPass(ModulePass):
    """Fold `systolic.reverse` views into the DMA transfers that read or write through them.

    #### Input invariant
    A systolic module whose views are used only by `systolic.load` (source) and
    `systolic.store` (destination), or by other views.
    #### Output IR
    The same transfers addressing the viewed tensors (mirror rows, negative row strides and
    steps) and no views. A view used any other way (e.g. returned) is an error at its user.
    """

    name = "systolic-fold-views"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        views: list[ReverseOp] = []
        for nested in op.walk():
            if isinstance(nested, LoadOp | StoreOp):
                _fold(nested)
            elif isinstance(nested, ReverseOp):
                views.append(nested)
        for view in reversed(views):  # users before the views they read
            users = [use.operation for use in view.result.uses]
            if users:
                raise LoweringError.at(
                    users[0],
                    "uses a systolic.reverse view, which only DMA transfers "
                    "(systolic.load, systolic.store) can read or write",
                )
            Rewriter.erase_op(view)
