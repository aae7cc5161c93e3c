"""DMA: loads and stores between a DRAM window and an SRAM window, and the row gather."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    IntegerAttr,
    i32,
    i64,
)
from xdsl.ir import (
    Attribute,
    Operation,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
)
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.systolic.attrs import (
    DramType,
    MemoryType,
    SramType,
    int_array,
)
from epoch_mlir.dialects.systolic.buffers import (
    ConstantOp,
)
from epoch_mlir.dialects.systolic.window import (
    ZERO_STEP,
    StridedWindow,
    Window,
    check_sizes,
    check_window,
    window_properties,
)


class _TransferOp(IRDLOperation):
    """What loads and stores share: a rows x cols window copied between two memories."""

    src_offsets = prop_def(DenseArrayBase.constr(I64))
    src_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))
    src_row_stride = opt_prop_def(IntegerAttr[I64])  # elements; absent: the buffer's rows
    dst_row_stride = opt_prop_def(IntegerAttr[I64])

    custom_directives = (StridedWindow,)
    assembly_format = (
        "custom<StridedWindow>($src, $src_offsets, $src_step, $src_row_stride) `->` "
        "custom<StridedWindow>($dst, $dst_offsets, $dst_step, $dst_row_stride) `sizes` $sizes "
        "attr-dict `:` type($src) `,` type($dst)"
    )

    def __init__(
        self,
        src: SSAValue | Operation,
        dst: SSAValue | Operation,
        sizes: Sequence[int],
        *,
        src_offsets: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        src_step: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
        src_row_stride: int | None = None,
        dst_row_stride: int | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {
            **window_properties(src=(src_offsets, src_step), dst=(dst_offsets, dst_step)),
            "sizes": int_array(sizes),
        }
        for role, stride in (("src", src_row_stride), ("dst", dst_row_stride)):
            if stride is not None:
                properties[f"{role}_row_stride"] = IntegerAttr(stride, i64)
        super().__init__(operands=[src, dst], properties=properties)

    def verify_(self) -> None:
        src, dst = self.operands
        src_type, dst_type = cast(MemoryType, src.type), cast(MemoryType, dst.type)
        if src_type.element_type != dst_type.element_type:
            raise VerifyException(
                f"src has {src_type.element_type} elements but dst has {dst_type.element_type}"
            )
        sizes = check_sizes(self.sizes)
        check_window(self, "src", src, self.src_offsets, sizes, self.src_step, self.src_row_stride)
        check_window(self, "dst", dst, self.dst_offsets, sizes, self.dst_step, self.dst_row_stride)


@irdl_op_definition
class LoadOp(_TransferOp):
    """Copies a window of a DRAM tensor into a window of an SRAM buffer (the DMA engine).

    dst[d0 + i, d1 + j] = src[s0 + i, s1 + j]   for i < sizes[0], j < sizes[1]
    (a window with a `stride` S reads or writes its row i at element `corner + i * S`)
    """

    name = "systolic.load"

    src = operand_def(DramType)
    dst = operand_def(SramType)


@irdl_op_definition
class StoreOp(_TransferOp):
    """Copies a window of an SRAM buffer into a window of a DRAM tensor (the DMA engine).

    dst[d0 + i, d1 + j] = src[s0 + i, s1 + j]   for i < sizes[0], j < sizes[1]
    """

    name = "systolic.store"

    src = operand_def(SramType)
    dst = operand_def(DramType)

    def verify_(self) -> None:
        # Constants are Pure, so cse may merge equal ones: writing into one would change both.
        if isinstance(self.dst.owner, ConstantOp):
            raise VerifyException("dst is a systolic.constant, which is read-only")
        super().verify_()


@irdl_op_definition
class GatherOp(IRDLOperation):
    """Copies the table rows a run of int32 indices names into a window of an SRAM buffer (the
    DMA engine's gather: an embedding lookup).

    dst[d0 + i, d1 + j] = table[ids[i0, i1 + i], j]   for i < sizes[0], j < sizes[1]

    The indices are a window of one row of the `ids` tensor (a 1-D tensor is one row); sizes[1]
    is the table's row length. An index outside the table is a fault at run time.
    """

    name = "systolic.gather"

    table = operand_def(DramType)
    ids = operand_def(DramType)
    dst = operand_def(SramType)
    ids_offsets = prop_def(DenseArrayBase.constr(I64))
    ids_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))

    custom_directives = (Window,)
    assembly_format = (
        "$table `rows` custom<Window>($ids, $ids_offsets, $ids_step) `->` "
        "custom<Window>($dst, $dst_offsets, $dst_step) `sizes` $sizes "
        "attr-dict `:` type($table) `,` type($ids) `,` type($dst)"
    )

    def __init__(
        self,
        table: SSAValue | Operation,
        ids: SSAValue | Operation,
        dst: SSAValue | Operation,
        sizes: Sequence[int],
        *,
        ids_offsets: Sequence[int] = (0, 0),
        ids_step: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
    ) -> None:
        properties: dict[str, Attribute] = {
            **window_properties(ids=(ids_offsets, ids_step), dst=(dst_offsets, dst_step)),
            "sizes": int_array(sizes),
        }
        super().__init__(operands=[table, ids, dst], properties=properties)

    def verify_(self) -> None:
        table_type = cast(DramType, self.table.type)
        ids_type, dst_type = cast(DramType, self.ids.type), cast(SramType, self.dst.type)
        if ids_type.element_type != i32:
            raise VerifyException(f"ids must have i32 elements, got {ids_type.element_type}")
        if table_type.element_type != dst_type.element_type:
            raise VerifyException(
                f"table has {table_type.element_type} elements but dst has {dst_type.element_type}"
            )
        rows, cols = check_sizes(self.sizes)
        if cols != table_type.matrix[1]:
            raise VerifyException(
                f"sizes[1] must be the table's row length {table_type.matrix[1]}, got {cols}"
            )
        check_window(self, "ids", self.ids, self.ids_offsets, (1, rows), self.ids_step)
        check_window(self, "dst", self.dst, self.dst_offsets, (rows, cols), self.dst_step)
