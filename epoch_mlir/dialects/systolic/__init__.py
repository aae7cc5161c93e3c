"""The `systolic` dialect: how tensors map onto EpochCore's array, SRAM banks, DMA and vector unit.

This is the level between `ssm`/`nn` (tensors) and `epoch` (one op per instruction). Every
mapping decision is explicit here: the array's configuration, which SRAM bank holds which
buffer, which 2-D window each DMA transfer, stream, GEMM fold or vector op touches, and how the
sequence is cut into chunks. What is left for `convert-systolic-to-epoch` is instruction
selection (one op -> one instruction, a chunk loop -> a hardware `loop`) and turning windows and
buffers into word addresses and strides. docs/systolic.md describes the level.

Conventions:
- Buffers (`!systolic.sram`) and DRAM tensors (`!systolic.dram`) are 1-D or 2-D, f32 or
  complex<f32>. A window is a 2-D rows x cols region given by its corner `[row, col]`; a 1-D
  shape `[n]` is addressed as one row, `[1, n]`. Sizes and offsets count elements, not words.
- Ops that read or write buffers have no results: like the ISA, they act on memory in program
  order. A window's `step` is added to its corner after every iteration of the innermost
  enclosing `systolic.chunk_loop`.
- A `#systolic.target` in the discardable attribute `systolic.target` of an ancestor (normally
  the module) names the machine; ops then also check what depends on it (bank sizes, the
  array's rows and columns, loop depth). Without one, only machine-independent rules run."""

from __future__ import annotations

from xdsl.ir import Dialect

from epoch_mlir.dialects.systolic.array import (
    MatmulTileOp,
    PreloadCoefficientsOp,
    PreloadTileOp,
    StreamOp,
)
from epoch_mlir.dialects.systolic.attrs import (
    BROADCASTS,
    PE_MODES,
    SLOTS,
    TARGET_ATTRIBUTE,
    ArrayConfigAttr,
    DramType,
    SramType,
    TargetAttr,
)
from epoch_mlir.dialects.systolic.buffers import (
    AllocCoefficientsOp,
    AllocDramOp,
    AllocOp,
    ConstantOp,
)
from epoch_mlir.dialects.systolic.dma import (
    GatherOp,
    LoadOp,
    StoreOp,
)
from epoch_mlir.dialects.systolic.structure import (
    ChunkLoopOp,
    ConfigureOp,
    find_target,
)
from epoch_mlir.dialects.systolic.vector import (
    COLUMN_REDUCTIONS,
    OWN_OP_VECTOR_INSTRUCTIONS,
    ROW_REDUCTIONS,
    VECTOR_FUNCTIONS,
    LimaStateOp,
    SelectiveDiscretizeOp,
    SelectiveStateOp,
    SelectiveStreamOp,
    VectorOp,
)
from epoch_mlir.dialects.systolic.views import VIEWS, ColumnsOp, ReverseOp, RowsOp
from epoch_mlir.dialects.systolic.window import (
    StridedWindow,
    Window,
)
from epoch_mlir.machine.vocabulary import CONVENTIONAL_DATAFLOWS, DATAFLOWS

SYSTOLIC = Dialect(
    "systolic",
    [
        AllocOp,
        AllocCoefficientsOp,
        AllocDramOp,
        ConstantOp,
        ConfigureOp,
        ChunkLoopOp,
        LoadOp,
        StoreOp,
        GatherOp,
        ReverseOp,
        ColumnsOp,
        RowsOp,
        PreloadCoefficientsOp,
        PreloadTileOp,
        StreamOp,
        MatmulTileOp,
        VectorOp,
        SelectiveDiscretizeOp,
        SelectiveStreamOp,
        SelectiveStateOp,
        LimaStateOp,
    ],
    [DramType, SramType, ArrayConfigAttr, TargetAttr],
)

__all__ = [
    "BROADCASTS",
    "COLUMN_REDUCTIONS",
    "CONVENTIONAL_DATAFLOWS",
    "DATAFLOWS",
    "OWN_OP_VECTOR_INSTRUCTIONS",
    "PE_MODES",
    "ROW_REDUCTIONS",
    "SLOTS",
    "SYSTOLIC",
    "TARGET_ATTRIBUTE",
    "VECTOR_FUNCTIONS",
    "VIEWS",
    "AllocCoefficientsOp",
    "AllocDramOp",
    "AllocOp",
    "ArrayConfigAttr",
    "ChunkLoopOp",
    "ColumnsOp",
    "ConfigureOp",
    "ConstantOp",
    "DramType",
    "GatherOp",
    "LimaStateOp",
    "LoadOp",
    "MatmulTileOp",
    "PreloadCoefficientsOp",
    "PreloadTileOp",
    "ReverseOp",
    "RowsOp",
    "SelectiveDiscretizeOp",
    "SelectiveStateOp",
    "SelectiveStreamOp",
    "SramType",
    "StoreOp",
    "StreamOp",
    "StridedWindow",
    "TargetAttr",
    "VectorOp",
    "Window",
    "find_target",
]
