"""nn.causal_conv1d: K shifted multiply-adds per row chunk on the vector unit."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.common import (
    Layer,
    Options,
    constant,
    constant_value,
    dense_f32,
    load_rows,
    matrix,
    store_rows,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.gemm import Window, gemm_folds
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    INPUT,
    OUTPUT,
    WEIGHT,
    Chunk,
    Stream,
    check_fits,
    chunk_sizes,
)
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    ArrayConfigAttr,
    ConfigureOp,
    ConstantOp,
    LoadOp,
    StoreOp,
)


@dataclass
class LowerNnCausalConv1d(RewritePattern):
    """K shifted multiply-adds per row chunk on the vector unit.

    Each chunk's buffer holds K-1 halo rows above the chunk: the previous rows, reloaded with
    the chunk (one DMA), or for the first chunk zeros (a constant) or the state c0. The state
    out, the last K-1 rows of [c0; x], is the bottom of the last chunk's buffer: one store.
    Tap j multiplies the buffer rows j.. by w[:, j], which broadcasts down the rows, so the taps
    are needed as the rows of w^T (K x H): transposed at compile time when w is a constant,
    otherwise on the array as the GEMM I_K @ w^T in the pass's dataflow (the DMA cannot
    transpose).
    """

    options: Options
    # w^T made on the array, by w's DRAM tensor: the convolutions of a batch's sequences
    # (nn-split-batch) share one transpose, the later ones reading the first one's buffer
    transposed: dict[SSAValue, SSAValue] = field(default_factory=dict)

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.CausalConv1dOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        length, channels = matrix(op, op.x)
        _, taps = matrix(op, op.w)
        halo = taps - 1
        x, w = layer.dram(op.x), layer.dram(op.w)
        b = layer.dram(op.b) if op.b is not None else None
        c0 = layer.dram(op.c0) if op.c0 is not None else None
        # the taps first: transposing them needs scratch that is dead once the chunks stream
        taps_buffer = self._taps(layer, w, taps, channels)
        fixed = [taps * channels] + ([channels] if b is not None else [])
        x_stream = Stream(INPUT, channels, extra_rows=halo)
        y_stream = Stream(OUTPUT, channels)
        streams = [x_stream, y_stream] + ([Stream(OUTPUT, channels, double=False)] if halo else [])
        chunk = layer.tile(length, streams, {WEIGHT: fixed}, min_rows=max(1, halo))
        y = layer.result((length, channels))
        bb = layer.alloc(WEIGHT, (channels,), "b") if b is not None else None
        if b is not None and bb is not None:
            layer.ops.append(LoadOp(b, bb, (1, channels)))
        xb = layer.buffers(x_stream, "x")
        yb = layer.buffers(y_stream, "y")
        product = layer.alloc(OUTPUT, (chunk, channels), "product") if halo else None
        zeros = None
        if halo and c0 is None:
            zeros = constant(layer, dense_f32(np.zeros((halo, channels))), "zeros")

        def load(c: Chunk) -> list[Operation]:
            buffer = xb[c.buffer]
            if not halo:
                return [load_rows(x, c.row, c.step, buffer, c.rows, channels)]
            if c.first:  # before the start: the state, or zeros
                before = c0 if c0 is not None else zeros
                assert before is not None
                return [
                    LoadOp(before, buffer, (halo, channels)),
                    LoadOp(x, buffer, (c.rows, channels), dst_offsets=(halo, 0)),
                ]
            return [load_rows(x, c.row - halo, c.step, buffer, c.rows + halo, channels)]

        def compute(c: Chunk) -> list[Operation]:
            buffer, out, rows = xb[c.buffer], yb[c.buffer], c.rows
            ops: list[Operation] = [
                vector("mul", buffer, out, rows, channels, b=taps_buffer, b_broadcast="row")
            ]
            for tap in range(1, taps):
                assert product is not None
                ops += [
                    vector(
                        "mul",
                        buffer,
                        product,
                        rows,
                        channels,
                        a_offsets=(tap, 0),
                        b=taps_buffer,
                        b_offsets=(tap, 0),
                        b_broadcast="row",
                    ),
                    vector("add", out, out, rows, channels, b=product),
                ]
            if bb is not None:
                ops.append(vector("add", out, out, rows, channels, b=bb, b_broadcast="row"))
            return [*ops, store_rows(out, y, c, channels)]

        layer.ops += layer.pipeline(load, compute)
        if c0 is None:
            layer.finish(y)
            return
        # the state out: the last K-1 rows of [c0; x], at the bottom of the last chunk's buffer
        sizes = chunk_sizes(length, chunk)
        last = xb[(len(sizes) - 1) % 2]  # the two are one buffer when single-buffered
        c_last = layer.result((halo, channels))
        layer.ops.append(StoreOp(last, c_last, (halo, channels), src_offsets=(sizes[-1], 0)))
        layer.finish(y, c_last)

    def _taps(self, layer: Layer, w: SSAValue, taps: int, channels: int) -> SSAValue:
        """A K x H weight buffer holding w^T: row j is tap j of every channel."""
        owner = w.owner
        # w and the identity are dead once transposed: they borrow the input bank
        check_fits(layer.op, {WEIGHT: [taps * channels]}, "its taps need")
        if not isinstance(owner, ConstantOp):
            if w in self.transposed:
                return self.transposed[w]
            scratch = {INPUT: [channels * taps, taps * taps]}
            check_fits(layer.op, scratch, "transposing w on the array needs")
        wt = layer.alloc(WEIGHT, (taps, channels), "taps")
        if isinstance(owner, ConstantOp):
            transposed = constant(layer, dense_f32(constant_value(owner).T), "w_t")
            layer.ops.append(LoadOp(transposed, wt, (taps, channels)))
            return wt
        wb = layer.alloc(INPUT, (channels, taps), "w")
        eye = layer.alloc(INPUT, (taps, taps), "identity")
        identity = constant(layer, dense_f32(np.eye(taps)), "eye")
        dataflow = self.options.dataflow
        layer.ops += [
            LoadOp(w, wb, (channels, taps)),
            LoadOp(identity, eye, (taps, taps)),
            ConfigureOp(
                ArrayConfigAttr("mac", dataflow),
                gemm_folds(
                    layer.target,
                    dataflow,
                    Window(eye),
                    Window(wb),
                    Window(wt),
                    taps,
                    channels,
                    taps,
                ),
            ),
        ]
        self.transposed[w] = wt
        return wt
