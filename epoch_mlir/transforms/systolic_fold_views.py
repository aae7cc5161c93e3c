"""systolic-fold-views: turn every transfer through a view into addressing of the viewed tensor.

The MLIR counterpart is `fold-memref-alias-ops`: a view is bookkeeping, so once the DMA
transfers that read or write through it address the underlying tensor directly, the view has no
users left and disappears. A reversed tensor is then read by DMAs that start at the mirror row
and walk upwards, a slice by DMAs that read a run of each row's columns, and no pass over the
data (copy or vector `rev`) remains.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, ModuleOp, i64
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from epoch_mlir.conversions.systolic_common.lowering import LoweringError
from epoch_mlir.dialects.systolic import (
    VIEWS,
    ColumnsOp,
    DramType,
    GatherOp,
    LoadOp,
    ReverseOp,
    RowsOp,
    StoreOp,
)
from epoch_mlir.dialects.systolic.attrs import int_array, int_values

Transfer = LoadOp | StoreOp | GatherOp


def _window(transfer: Transfer, role: str) -> tuple[list[int], IntegerAttr | None]:
    """The corner and the row stride (None: a row of the tensor) of `role`'s window."""
    offsets = transfer.properties[f"{role}_offsets"]
    stride = transfer.properties.get(f"{role}_row_stride")
    assert isinstance(offsets, DenseArrayBase)
    assert stride is None or isinstance(stride, IntegerAttr)
    return list(int_values(offsets)), stride


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
    (row, col), stride_attr = _window(transfer, role)
    step = transfer.properties[f"{role}_step"]
    assert isinstance(step, DenseArrayBase)
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


def _shift_columns(transfer: Transfer, role: str, view: ColumnsOp) -> None:
    """Address `role`'s window on the tensor `view` takes columns of.

    The window moves `start` columns right, and its rows, a row of the view apart (or a
    multiple of it, the row stride S), become as many rows of the tensor apart. Loop steps
    stay: a row step is a number of rows in both.
    """
    view_type, tensor_type = view.result.type, view.source.type
    assert isinstance(view_type, DramType) and isinstance(tensor_type, DramType)
    width, cols = view_type.matrix[1], tensor_type.matrix[1]
    (row, col), stride_attr = _window(transfer, role)
    stride = width if stride_attr is None else stride_attr.value.data
    if stride % width:
        raise LoweringError.at(
            transfer,
            f"addresses columns of a tensor through a window of row stride {stride}, which is "
            f"not a whole number of the view's rows of {width}",
        )
    transfer.properties[f"{role}_offsets"] = int_array((row, col + view.start.value.data))
    if int_values(transfer.sizes)[0] > 1 or stride_attr is not None:
        transfer.properties[f"{role}_row_stride"] = IntegerAttr(stride // width * cols, i64)


def _shift_rows(transfer: Transfer, role: str, view: RowsOp) -> None:
    """Address `role`'s window on the tensor `view` takes rows of: `start` rows down. Rows are
    as wide in both, so strides and loop steps stay."""
    (row, col), _ = _window(transfer, role)
    transfer.properties[f"{role}_offsets"] = int_array((row + view.start.value.data, col))


def _fold(transfer: Transfer) -> None:
    """Address the transfer on the tensor under its chain of views, outermost view first."""
    if isinstance(transfer, GatherOp):
        role, index = "ids", 1
    else:
        role, index = ("src", 0) if isinstance(transfer, LoadOp) else ("dst", 1)
    value = transfer.operands[index]
    while isinstance(view := value.owner, VIEWS):
        if isinstance(view, ReverseOp):
            _mirror(transfer, role, view.source)
        elif isinstance(view, RowsOp):
            _shift_rows(transfer, role, view)
        else:
            _shift_columns(transfer, role, view)
        value = view.source
    transfer.operands[index] = value
    tensor_type = value.type
    _, stride_attr = _window(transfer, role)
    cols = tensor_type.matrix[1] if isinstance(tensor_type, DramType) else None
    if stride_attr is not None and stride_attr.value.data == cols:  # the default: say nothing
        del transfer.properties[f"{role}_row_stride"]


@dataclass(frozen=True)
class SystolicFoldViewsPass(ModulePass):
    """Fold `systolic.reverse`, `systolic.columns` and `systolic.rows` views into the DMA
    transfers that read or write through them.

    #### Input invariant
    A systolic module whose views are used only by `systolic.load` (source) and
    `systolic.store` (destination), or by other views.
    #### Output IR
    The same transfers addressing the viewed tensors (mirror rows, negative row strides and
    steps; columns to the right, the tensor's row stride; rows further down) and no views. A
    view used any other way (e.g. returned) is an error at its user.
    """

    name = "systolic-fold-views"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        views: list[ReverseOp | ColumnsOp | RowsOp] = []
        for nested in op.walk():
            if isinstance(nested, LoadOp | StoreOp | GatherOp):
                _fold(nested)
            elif isinstance(nested, VIEWS):
                views.append(nested)
        for view in reversed(views):  # users before the views they read
            users = [use.operation for use in view.result.uses]
            if users:
                raise LoweringError.at(
                    users[0],
                    f"uses a {view.name} view, which only DMA transfers "
                    "(systolic.load, systolic.store) can read or write",
                )
            Rewriter.erase_op(view)
