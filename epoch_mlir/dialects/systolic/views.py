"""Views: DRAM tensors seen in another order without moving a word.

A view costs nothing at run time: `systolic-fold-views` rewrites every transfer through a view
into a transfer on the viewed tensor with the addressing the view implies (a DMA can walk a
tensor backwards), so no data moves and no instruction is spent on the reordering itself.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.ir import SSAValue
from xdsl.irdl import (
    IRDLOperation,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
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
