"""nn.layer_norm and nn.rms_norm per row chunk: row sums on the array, elementwise work on the
vector unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.common import (
    Layer,
    Options,
    constant,
    dense_f32,
    map_rows,
    matrix,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    VECTOR_CHUNK_ROWS,
    WEIGHT,
    Chunk,
    Stream,
    field_limit,
)
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles
from epoch_mlir.conversions.systolic_common.lowering import machine_of
from epoch_mlir.dataflows import folds
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    ArrayConfigAttr,
    LoadOp,
    MatmulTileOp,
    PreloadTileOp,
)

# the ops normalising each row: layer norm centres and shifts, RMS norm only scales
Norm = nn.LayerNormOp | nn.RmsNormOp


@dataclass
class LayerNormChunks:
    """What a layer norm (or RMS norm) keeps in SRAM, and the ops that normalise one chunk.

    Used by the norm's own lowering and by a linear that normalises its output chunks while
    they are still in SRAM (`nn-fuse-elementwise`'s `epilogue` on the norm).
    """

    op: Norm
    channels: int
    gamma: SSAValue
    beta: SSAValue | None  # None for RMS norm
    averaging: SSAValue | None  # the 1 x H row of 1/H when the array takes the row sums
    k_folds: list[tuple[int, int]]

    @staticmethod
    def setup(layer: Layer, op: Norm, length: int, array_allowed: bool) -> LayerNormChunks:
        """Allocate and load gamma, beta (and w for the array's row sums) into `layer.ops`."""
        channels = matrix(op, op.x)[1]
        gb = layer.alloc(WEIGHT, (channels,), "gamma")
        bb = layer.alloc(WEIGHT, (channels,), "beta") if isinstance(op, nn.LayerNormOp) else None
        layer.ops.append(LoadOp(layer.dram(op.gamma), gb, (1, channels)))
        if isinstance(op, nn.LayerNormOp) and bb is not None:
            layer.ops.append(LoadOp(layer.dram(op.beta), bb, (1, channels)))
        k_folds = folds(channels, layer.target.rows.data)
        wb = None
        if array_allowed and _row_sums_on_array(
            op, length, channels, k_folds, layer.options.chunk_rows
        ):
            row = dense_f32(np.full((1, channels), 1.0 / channels, np.float32))
            averaging = constant(layer, row, "averaging")
            wb = layer.alloc(WEIGHT, (1, channels), "avg")
            layer.ops.append(LoadOp(averaging, wb, (1, channels)))
        return LayerNormChunks(op, channels, gb, bb, wb, k_folds)

    @property
    def fixed_words(self) -> list[int]:
        """Weight-bank words besides the chunk buffers: gamma, beta (and w)."""
        rows = [self.gamma, self.beta, self.averaging]
        return [self.channels for row in rows if row is not None]

    @property
    def vector_passes(self) -> int:
        """Elementwise vector passes over a chunk, besides the row sums."""
        return vector_passes(self.op)

    @property
    def row_sums(self) -> int:
        """Row sums per chunk: the mean and the variance, or the mean square."""
        return row_sums(self.op)

    def preloads(self) -> list[Operation]:
        """w's k-folds into slots 0, 1 (a `configure <mac, ws>` around the chunk ops)."""
        if self.averaging is None:
            return []
        return [
            PreloadTileOp(self.averaging, (1, kr), slot, offsets=(0, k0), transpose=True)
            for slot, (k0, kr) in enumerate(self.k_folds)
        ]

    def chunk(
        self, xb: SSAValue, out: SSAValue, mean: SSAValue, rstd: SSAValue, rows: int
    ) -> list[Operation]:
        """Normalise `rows` rows of `xb` (overwritten: it ends holding the squares) into `out`."""
        return [*self.centre(xb, out, mean, rows), *self.scale(xb, out, rstd, rows)]

    def centre(self, xb: SSAValue, out: SSAValue, mean: SSAValue, rows: int) -> list[Operation]:
        """First half: `xb` = the squares of the centred rows; `out` = the centred rows (layer
        norm: the mean is a row sum) or the rows times gamma (RMS norm)."""
        channels = self.channels
        if self.beta is None:
            return [
                vector("mul", xb, out, rows, channels, b=self.gamma, b_broadcast="row"),
                vector("mul", xb, xb, rows, channels, b=xb),
            ]
        return [
            *self._row_sums(xb, mean, rows),
            vector("sub", xb, out, rows, channels, b=mean, b_broadcast="col"),
            vector("mul", out, xb, rows, channels, b=out),
        ]

    def scale(self, xb: SSAValue, out: SSAValue, rstd: SSAValue, rows: int) -> list[Operation]:
        """Second half, on what `centre` left: the variance (mean square) from the squares in
        `xb`, and `out` scaled by gamma (while the array sums, so the in-order vector unit does
        not wait for the variance; RMS norm did it in `centre`), by 1/sqrt(var + eps), plus
        beta."""
        channels, eps = self.channels, self.op.eps.value.data
        ops = self._row_sums(xb, rstd, rows)
        if self.beta is not None:
            ops.append(vector("mul", out, out, rows, channels, b=self.gamma, b_broadcast="row"))
        ops += [
            vector("rsqrt", rstd, rstd, rows, 1, imm=eps),
            vector("mul", out, out, rows, channels, b=rstd, b_broadcast="col"),
        ]
        if self.beta is not None:
            ops.append(vector("add", out, out, rows, channels, b=self.beta, b_broadcast="row"))
        return ops

    def _row_sums(self, src: SSAValue, dst: SSAValue, rows: int) -> list[Operation]:
        if self.averaging is None:
            return [vector("rsum", src, dst, rows, self.channels, imm=1.0 / self.channels)]
        return [
            MatmulTileOp(dst, rows, 1, kr, a=src, slot=slot, a_offsets=(0, k0), accumulate=slot > 0)
            for slot, (k0, kr) in enumerate(self.k_folds)
        ]


def vector_passes(op: Norm) -> int:
    """Elementwise vector passes of one norm over a chunk, besides the row sums: centre,
    square, gamma, 1/sqrt, beta; RMS norm: square, gamma, 1/sqrt."""
    return 5 if isinstance(op, nn.LayerNormOp) else 3


def row_sums(op: Norm) -> int:
    return 2 if isinstance(op, nn.LayerNormOp) else 1


# mean and rstd, per chunk buffer: the array sums chunk i+1 while the vector unit still reads
# chunk i's statistics
STATISTICS = (Stream(WEIGHT, 1), Stream(WEIGHT, 1))


@dataclass
class LowerNnLayerNorm(RewritePattern):
    """Layer norm (and RMS norm) per row chunk, kernels/vector.py's sequence, with its row sums
    on the array.

    The mean and the variance (RMS norm: the mean square) are row sums scaled by 1/H: x @ w^T
    with w a 1 x H row of 1/H, which the otherwise idle array computes (weight-stationary, w's
    k-folds preloaded once into the two slots) while the vector unit does the elementwise
    work: the centring (column broadcast), the squares, gamma (row broadcast, while the array
    sums the squares), `rsqrt` adding eps, the scaling by it and beta.
    The row sums stay on the vector unit under the os and is GEMM dataflows, when w has more
    than two k-folds (H > 2 x rows, so the slots cannot hold it), or when the array's sums of a
    chunk would cost more than the vector unit's other passes over it (short sequences: an
    array pass costs at least R + C cycles, so the array would be the bottleneck).
    """

    options: Options

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not isinstance(op, nn.LayerNormOp | nn.RmsNormOp):
            return
        layer = Layer(op, rewriter, self.options)
        length, channels = matrix(op, op.x)
        # the array's row sums are weight-stationary: under os or is (a user studying those
        # dataflows) the array keeps to the dataflow asked for and the sums stay vector work
        ws = self.options.dataflow == "ws"
        norm = LayerNormChunks.setup(layer, op, length, array_allowed=ws)
        preloads = norm.preloads()
        array = (ArrayConfigAttr("mac", "ws"), preloads) if preloads else None

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            (xb,), (mean, rstd) = inputs, scratch
            return norm.chunk(xb, out, mean, rstd, c.rows)

        result = map_rows(
            layer,
            [op.x],
            channels,
            compute,
            scratch=STATISTICS,
            scratch_names=("mean", "rstd"),
            fixed={WEIGHT: norm.fixed_words},
            array=array,
        )
        layer.finish(result)


def _row_sums_on_array(
    op: Norm, length: int, channels: int, k_folds: list[tuple[int, int]], cap: int
) -> bool:
    """Whether the array should take the row sums (see LowerNnLayerNorm), by the cost model."""
    if len(k_folds) > 2:
        return False
    machine = machine_of(op)
    rows = min(length, VECTOR_CHUNK_ROWS, cap or VECTOR_CHUNK_ROWS, field_limit("m"))
    ws = ArrayConfigAttr("mac", "ws")
    one_sum = sum(instruction_cycles("mm", machine, ws, m=rows, n=1, k=kr) for _, kr in k_folds)
    vector = vector_passes(op) * instruction_cycles("vmul", machine, rows=rows, cols=channels)
    return row_sums(op) * one_sum <= vector
