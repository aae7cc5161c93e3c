"""Views: DRAM tensors seen in another order without moving a word.

A view costs nothing at run time: `systolic-fold-views` rewrites every transfer through a view
into a transfer on the viewed tensor with the addressing the view implies (a DMA can walk a
tensor backwards, read a run of each row's columns, or start some rows down), so no data
moves and no instruction is spent on the reordering itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from xdsl.dialects.builtin import I64, IntegerAttr
from xdsl.ir import SSAValue
from xdsl.irdl import (
    IRDLOperation,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.systolic.attrs import DramType


@irdl_op_definition
class ReverseOp(IRDLOperation):
    """The rows of a 2-D DRAM tensor in reverse order, as a view of the same words.

    result[i, j] = source[rows - 1 - i, j]

    Reading row i of the view reads row rows - 1 - i of the source, so a window of the view is
    a window of the source that starts at the mirror row and walks upwards (a negative row
    stride); writing through the view writes the source the same way.
    """

    name = "systolic.reverse"

    T: ClassVar = VarConstraint("T", base(DramType))

    source = operand_def(T)
    result = result_def(T)

    traits = traits_def(Pure())
    assembly_format = "$source attr-dict `:` type($result)"

    def __init__(self, source: SSAValue) -> None:
        super().__init__(operands=[source], result_types=[source.type])

    def verify_(self) -> None:
        source_type = self.source.type
        assert isinstance(source_type, DramType)
        if len(source_type.get_shape()) != 2:
            raise VerifyException(
                f"reverses the rows of a 2-D tensor (sequence x channels), got {source_type}"
            )


@irdl_op_definition
class ColumnsOp(IRDLOperation):
    """A run of columns of every row of a 2-D DRAM tensor, as a view of the same words.

    result[i, j] = source[i, start + j]

    A window of the view is the window of the source `start` columns to the right, whose rows
    are the source's rows apart: `nn.slice` costs no transfer of its own.
    """

    name = "systolic.columns"

    source = operand_def(DramType)
    result = result_def(DramType)
    start = prop_def(IntegerAttr[I64])

    traits = traits_def(Pure())
    assembly_format = "$source `start` $start attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, start: int, width: int) -> None:
        source_type = source.type
        assert isinstance(source_type, DramType)
        rows = source_type.get_shape()[0]
        super().__init__(
            operands=[source],
            result_types=[DramType((rows, width), source_type.element_type)],
            properties={"start": IntegerAttr(start, 64)},
        )

    def verify_(self) -> None:
        source_type, result_type = self.source.type, self.result.type
        assert isinstance(source_type, DramType) and isinstance(result_type, DramType)
        source_shape, result_shape = source_type.get_shape(), result_type.get_shape()
        if len(source_shape) != 2 or len(result_shape) != 2:
            raise VerifyException(
                f"takes columns of a 2-D tensor into a 2-D view, got {source_type} -> {result_type}"
            )
        same_elements = source_type.element_type == result_type.element_type
        if source_shape[0] != result_shape[0] or not same_elements:
            raise VerifyException(
                f"the view {result_type} must have the rows and elements of {source_type}"
            )
        start, width = self.start.value.data, result_shape[1]
        if start < 0 or start + width > source_shape[1]:
            raise VerifyException(
                f"columns {start} .. {start + width - 1} are not all in {source_type}"
            )


@irdl_op_definition
class RowsOp(IRDLOperation):
    """A run of whole rows of a DRAM tensor, as a view of the same words: one sequence (or one
    state) of a batch.

    result[i, j] = source[start + i, j]   (both as the rows x cols their windows address)

    The result may have a shape of its own (the source is B x L x H, the view L x H), as long
    as its rows are as wide as the source's: a window of the view is the window of the source
    `start` rows down, so a batch costs no transfer to split or to put together.
    """

    name = "systolic.rows"

    source = operand_def(DramType)
    result = result_def(DramType)
    start = prop_def(IntegerAttr[I64])

    traits = traits_def(Pure())
    assembly_format = "$source `start` $start attr-dict `:` type($source) `->` type($result)"

    def __init__(self, source: SSAValue, start: int, shape: Sequence[int]) -> None:
        source_type = source.type
        assert isinstance(source_type, DramType)
        super().__init__(
            operands=[source],
            result_types=[DramType(shape, source_type.element_type)],
            properties={"start": IntegerAttr(start, 64)},
        )

    def verify_(self) -> None:
        source_type, result_type = self.source.type, self.result.type
        assert isinstance(source_type, DramType) and isinstance(result_type, DramType)
        (source_rows, source_cols), (rows, cols) = source_type.matrix, result_type.matrix
        if source_cols != cols or source_type.element_type != result_type.element_type:
            raise VerifyException(
                f"the view {result_type} must have rows of the width and elements of {source_type}"
            )
        start = self.start.value.data
        if start < 0 or start + rows > source_rows:
            raise VerifyException(
                f"rows {start} .. {start + rows - 1} are not all in {source_type} "
                f"({source_rows} rows of {source_cols})"
            )


# the views systolic-fold-views folds into DMA addressing
VIEWS = (ReverseOp, ColumnsOp, RowsOp)
