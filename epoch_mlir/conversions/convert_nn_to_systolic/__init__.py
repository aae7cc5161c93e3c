"""convert-nn-to-systolic: the conventional layers as GEMM folds and vector-unit work.

`nn.linear` runs on the array in the requested conventional dataflow (kernels/gemm.py's folds,
gemm.py, gemm_lowering.py); every other `nn` op runs on the vector unit, as kernels/vector.py does
layer norm: the elementwise ops through one table (elementwise.py), normalization.py,
sequence.py (mean, reverse, slice, embedding), conv1d.py, batch.py (the views of a batch's
sequences); common.py holds what they share. All
of them stream the sequence through SRAM in double-buffered chunks with the steady state in one
`systolic.chunk_loop` (tiling.py), so the IR does not grow with L. docs/compiler.md ("nn
lowering") describes each op's mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriteWalker,
    RewritePattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.batch import LowerNnStack, LowerNnUnstack
from epoch_mlir.conversions.convert_nn_to_systolic.common import Options
from epoch_mlir.conversions.convert_nn_to_systolic.conv1d import LowerNnCausalConv1d
from epoch_mlir.conversions.convert_nn_to_systolic.elementwise import LowerNnElementwise, LowerNnGlu
from epoch_mlir.conversions.convert_nn_to_systolic.gemm_lowering import LowerNnLinear
from epoch_mlir.conversions.convert_nn_to_systolic.normalization import LowerNnLayerNorm
from epoch_mlir.conversions.convert_nn_to_systolic.sequence import (
    LowerNnEmbedding,
    LowerNnMean,
    LowerNnReverse,
    LowerNnSlice,
)
from epoch_mlir.conversions.systolic_common.lowering import KeepSourceLocation
from epoch_mlir.machine.vocabulary import CONVENTIONAL_DATAFLOWS, PRODF
from epoch_mlir.pipelines import PRODF_GEMM_DATAFLOW  # SPEC: GEMMs' documented default


@dataclass(frozen=True)
class ConvertNnToSystolicPass(ModulePass):
    """Lower every `nn` op to GEMM folds on the array and vector-unit work, chunked over L.

    `dataflow` (ws, os or is) is that of the GEMMs (`nn.linear`, and the transpose of a causal
    convolution's non-constant weights); `prodf` names the documented GEMM default under ProDF,
    ws. `chunk-rows` caps the rows per sequence chunk (0: as many as the SRAM banks hold).

    #### Input invariant
    After `convert-func-to-systolic`: the module names its `systolic.target`; `nn` ops read
    tensors that are DRAM tensors behind `builtin.unrealized_conversion_cast`s.
    #### Output IR
    No `nn` ops. Each became a DRAM result (`systolic.alloc_dram`), its SRAM buffers
    (`systolic.alloc` without addresses, sized to the banks), and loads, GEMM folds inside a
    `systolic.configure <mac, DF>`, vector ops and stores, with the steady state of the sequence
    in one `systolic.chunk_loop`; users see the result through a cast.
    """

    name = "convert-nn-to-systolic"

    dataflow: str = "ws"
    chunk_rows: int = 0

    def __post_init__(self) -> None:
        if self.dataflow not in (*CONVENTIONAL_DATAFLOWS, PRODF):
            raise ValueError(f"dataflow must be ws, os, is or prodf, got '{self.dataflow}'")
        if self.chunk_rows < 0:
            raise ValueError(f"chunk-rows must be 0 (automatic) or positive, got {self.chunk_rows}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        dataflow = PRODF_GEMM_DATAFLOW if self.dataflow == PRODF else self.dataflow
        options = Options(dataflow, self.chunk_rows)
        patterns: list[RewritePattern] = [
            LowerNnLinear(options),
            LowerNnElementwise(options),
            LowerNnLayerNorm(options),
            LowerNnGlu(options),
            LowerNnMean(options),
            LowerNnReverse(options),
            LowerNnSlice(options),
            LowerNnEmbedding(options),
            LowerNnCausalConv1d(options),
            LowerNnUnstack(options),
            LowerNnStack(options),
        ]
        located: list[RewritePattern] = [KeepSourceLocation(pattern) for pattern in patterns]
        PatternRewriteWalker(GreedyRewritePatternApplier(located)).rewrite_module(op)
