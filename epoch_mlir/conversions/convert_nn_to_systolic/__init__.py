"""convert-nn-to-systolic: the conventional layers as GEMM folds and vector-unit work.

`nn.linear` runs on the array in the requested conventional dataflow (kernels/gemm.py's folds,
gemm.py); every other `nn` op runs on the vector unit, as kernels/vector.py does layer norm. All
of them stream the sequence through SRAM in double-buffered chunks with the steady state in one
`systolic.chunk_loop` (tiling.py), so the IR does not grow with L. docs/compiler.md ("nn
lowering") describes each op's mapping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import BytesAttr, DenseIntOrFPElementsAttr, ModuleOp, TensorType, f32
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.gemm import Window, gemm_folds, stationary_folds
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    INPUT,
    OUTPUT,
    VECTOR_CHUNK_ROWS,
    WEIGHT,
    Chunk,
    Emit,
    Stream,
    Tiling,
    check_banks,
    check_fits,
    choose_chunk,
    field_limit,
    padded,
    pipeline,
)
from epoch_mlir.conversions.systolic_common.lowering import (
    KeepSourceLocation,
    LoweringError,
    dram_operand,
    folds,
    replace_with_dram,
    target_of,
)
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    AllocDramOp,
    AllocOp,
    ArrayConfigAttr,
    ConfigureOp,
    ConstantOp,
    DramType,
    LoadOp,
    SramType,
    StoreOp,
    TargetAttr,
    VectorOp,
)
from epoch_mlir.pipelines import PRODF_GEMM_DATAFLOW  # SPEC: GEMMs' documented default

GEMM_DATAFLOWS = ("ws", "os", "is")


@dataclass(frozen=True)
class _Options:
    dataflow: str  # ws, os or is
    chunk_rows: int  # a cap on rows per chunk; 0 = as many as the banks hold


# region building blocks ----------------------------------------------------------------------


@dataclass
class _Layer:
    """The ops replacing one `nn` op, collected in program order, and how to place them."""

    op: Operation
    rewriter: PatternRewriter
    options: _Options
    ops: list[Operation] = field(default_factory=list)
    length: int = 0  # rows of the sequence, once tiled
    tiling: Tiling | None = None

    @property
    def target(self) -> TargetAttr:
        return target_of(self.op)

    def dram(self, value: SSAValue) -> SSAValue:
        return dram_operand(value, self.rewriter, self.op)

    def result(self, shape: Sequence[int]) -> SSAValue:
        tensor = AllocDramOp(DramType(shape))
        tensor.tensor.name_hint = self.op.results[0].name_hint
        self.ops.append(tensor)
        return tensor.tensor

    def alloc(self, bank: str, shape: Sequence[int], name: str) -> SSAValue:
        """A buffer named after the op and its role (`%layer_norm_mean`), for readable IR."""
        buffer = AllocOp(SramType(bank, shape))
        buffer.buffer.name_hint = f"{self.op.name.removeprefix('nn.')}_{name}"
        self.ops.append(buffer)
        return buffer.buffer

    def tile(
        self,
        length: int,
        streams: Sequence[Stream],
        fixed: dict[str, list[int]] | None = None,
        *,
        cap: int = VECTOR_CHUNK_ROWS,
        min_rows: int = 1,
    ) -> int:
        """Cut the op's sequence of `length` rows into chunks; returns the rows per chunk."""
        self.length = length
        self.tiling = choose_chunk(
            self.op,
            length,
            streams,
            fixed or {},
            cap=cap,
            requested=self.options.chunk_rows,
            min_rows=min_rows,
        )
        return self.tiling.chunk

    def buffers(self, stream: Stream, name: str) -> tuple[SSAValue, SSAValue]:
        """The stream's buffer for even and for odd chunks (one buffer when one suffices)."""
        assert self.tiling is not None, "tile() first"
        shape = (self.tiling.chunk + stream.extra_rows, stream.cols)
        if stream.double and self.tiling.double and self.tiling.several(self.length):
            return self.alloc(stream.bank, shape, f"{name}0"), self.alloc(
                stream.bank, shape, f"{name}1"
            )
        buffer = self.alloc(stream.bank, shape, name)
        return buffer, buffer

    def pipeline(self, load: Emit, compute: Emit) -> list[Operation]:
        assert self.tiling is not None, "tile() first"
        return pipeline(self.length, self.tiling.chunk, load, compute, double=self.tiling.double)

    def finish(self, *results: SSAValue) -> None:
        for new in self.ops:
            for nested in new.walk():  # errors downstream point at the nn op's line
                nested.location = self.op.location
        replace_with_dram(self.op, list(results), self.rewriter, self.ops)


def _matrix(op: Operation, value: SSAValue) -> tuple[int, int]:
    """The rows x cols view windows use: a 1-D tensor of n is one row of n."""
    assert isinstance(value.type, TensorType)
    shape = value.type.get_shape()
    if len(shape) == 1:
        return 1, shape[0]
    if len(shape) != 2:
        raise LoweringError.at(
            op,
            f"works on 1-D or 2-D tensors at the systolic level, got {value.type} (rank "
            f"{len(shape)}): reshape it to sequence x channels",
        )
    return shape[0], shape[1]


def _load(src: SSAValue, row: int, step: int, dst: SSAValue, rows: int, cols: int) -> LoadOp:
    return LoadOp(src, dst, (rows, cols), src_offsets=(row, 0), src_step=(step, 0))


def _store(src: SSAValue, dst: SSAValue, chunk: Chunk, cols: int, col: int = 0) -> StoreOp:
    return StoreOp(
        src, dst, (chunk.rows, cols), dst_offsets=(chunk.row, col), dst_step=(chunk.step, 0)
    )


def _vector(
    function: str, a: SSAValue, dst: SSAValue, rows: int, cols: int, **kw: object
) -> VectorOp:
    return VectorOp(function, a, dst, (rows, cols), **kw)  # type: ignore[arg-type]


# compute(chunk, input buffers, output buffer, scratch buffers) -> the chunk's vector ops
ComputeRows = Callable[[Chunk, Sequence[SSAValue], SSAValue, Sequence[SSAValue]], list[Operation]]


def _map_rows(
    layer: _Layer,
    sources: Sequence[SSAValue],
    out_cols: int,
    compute: ComputeRows,
    *,
    scratch: Sequence[Stream] = (),
    scratch_names: Sequence[str] = (),
    fixed: dict[str, list[int]] | None = None,
    reverse: bool = False,
) -> SSAValue:
    """Stream row chunks of `sources` (one shape) through `compute` into a new L x out_cols result.

    `compute` fills the output buffer's rows 0..chunk.rows from the input buffers, with one
    buffer per `scratch` stream to work in; the store follows. With `reverse` output chunk i
    reads the mirror window of the input, walking the sequence backwards.
    """
    op = layer.op
    length, cols = _matrix(op, sources[0])
    drams = [layer.dram(source) for source in sources]
    input_stream = Stream(INPUT, cols)
    output_stream = Stream(OUTPUT, out_cols)
    layer.tile(length, [*(input_stream for _ in drams), output_stream, *scratch], fixed)
    result_type = sources[0].type
    assert isinstance(result_type, TensorType)
    shape = (*result_type.get_shape()[:-1], out_cols)
    result = layer.result(shape)
    inputs = [
        layer.buffers(input_stream, "in" if len(drams) == 1 else f"in{'ab'[i]}")
        for i in range(len(drams))
    ]
    outputs = layer.buffers(output_stream, "out")
    scratch_buffers = [
        layer.buffers(stream, name)[0] for stream, name in zip(scratch, scratch_names, strict=True)
    ]

    def load(c: Chunk) -> list[Operation]:
        row, step = (length - c.row - c.rows, -c.step) if reverse else (c.row, c.step)
        return [
            _load(dram, row, step, buffers[c.buffer], c.rows, cols)
            for dram, buffers in zip(drams, inputs, strict=True)
        ]

    def compute_and_store(c: Chunk) -> list[Operation]:
        out = outputs[c.buffer]
        ops = compute(c, [buffers[c.buffer] for buffers in inputs], out, scratch_buffers)
        return [*ops, _store(out, result, c, out_cols)]

    layer.ops += layer.pipeline(load, compute_and_store)
    return result


def _unary(
    op: Operation, x: SSAValue, function: str, rewriter: PatternRewriter, options: _Options
) -> None:
    """One vector function applied to every element, chunk by chunk."""
    layer = _Layer(op, rewriter, options)
    _, cols = _matrix(op, x)

    def compute(
        c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
    ) -> list[Operation]:
        return [_vector(function, inputs[0], out, c.rows, cols)]

    result = _map_rows(layer, [x], cols, compute)
    layer.finish(result)


def _binary(
    op: Operation,
    a: SSAValue,
    b: SSAValue,
    function: str,
    rewriter: PatternRewriter,
    options: _Options,
) -> None:
    layer = _Layer(op, rewriter, options)
    _, cols = _matrix(op, a)

    def compute(
        c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
    ) -> list[Operation]:
        return [_vector(function, inputs[0], out, c.rows, cols, b=inputs[1])]

    result = _map_rows(layer, [a, b], cols, compute)
    layer.finish(result)


def _dense(array: np.ndarray) -> DenseIntOrFPElementsAttr:
    data = np.ascontiguousarray(array, np.float32)
    return DenseIntOrFPElementsAttr(TensorType(f32, data.shape), BytesAttr(data.tobytes()))


def _constant_value(constant: ConstantOp) -> np.ndarray:
    value = constant.value
    shape = tuple(value.get_shape())
    data = np.frombuffer(value.data.data, np.float32)
    if data.size == 1 and int(np.prod(shape)) != 1:  # a splat stores one element
        return np.full(shape, data[0], np.float32)
    return data.reshape(shape)


def _constant(layer: _Layer, value: DenseIntOrFPElementsAttr, name: str) -> SSAValue:
    constant = ConstantOp(value)
    constant.tensor.name_hint = f"{layer.op.name.removeprefix('nn.')}_{name}"
    layer.ops.append(constant)
    return constant.tensor


# endregion
# region patterns -----------------------------------------------------------------------------


@dataclass
class LowerNnLinear(RewritePattern):
    """y = x @ W^T (+ b): GEMM folds on the array per row chunk of x, the bias on the vector unit.

    W (or, when it does not fit the weight bank, one block of its rows at a time) stays in SRAM;
    x streams in chunks; each chunk folds as kernels/gemm.py folds the whole GEMM, and a chunk
    that holds the whole sequence folds exactly like it.
    """

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LinearOp, rewriter: PatternRewriter) -> None:
        layer = _Layer(op, rewriter, self.options)
        length, features = _matrix(op, op.x)
        outputs, _ = _matrix(op, op.W)
        x, w = layer.dram(op.x), layer.dram(op.W)
        b = layer.dram(op.b) if op.b is not None else None
        target = layer.target
        dataflow = self.options.dataflow
        check_banks(op, target, [INPUT, WEIGHT, OUTPUT])
        block = self._block(op, target, outputs, features, b is not None)
        x_stream, y_stream = Stream(INPUT, features), Stream(OUTPUT, block)
        fixed = {WEIGHT: [block * features] + ([block] if b is not None else [])}
        chunk = layer.tile(length, [x_stream, y_stream], fixed, cap=field_limit("m"))
        y = layer.result((length, outputs))
        xb = layer.buffers(x_stream, "x")
        yb = layer.buffers(y_stream, "y")
        wb = layer.alloc(WEIGHT, (block, features), "w")
        bb = layer.alloc(WEIGHT, (block,), "b") if b is not None else None
        body: list[Operation] = []
        for n0, size in folds(outputs, block):
            body.append(LoadOp(w, wb, (size, features), src_offsets=(n0, 0)))
            if b is not None and bb is not None:
                body.append(LoadOp(b, bb, (1, size), src_offsets=(0, n0)))

            def load(c: Chunk) -> list[Operation]:
                return [_load(x, c.row, c.step, xb[c.buffer], c.rows, features)]

            def compute(c: Chunk, n0: int = n0, size: int = size) -> list[Operation]:
                out = yb[c.buffer]
                # full chunks all fold alike: chunk i starts on the slot where i - 1 ended
                slot = c.buffer * stationary_folds(target, dataflow, chunk, size, features) % 2
                ops = gemm_folds(
                    target,
                    dataflow,
                    Window(xb[c.buffer]),
                    Window(wb),
                    Window(out),
                    c.rows,
                    size,
                    features,
                    loop_depth=1 if c.in_loop else 0,
                    first_slot=slot,
                )
                if bb is not None:
                    ops.append(_vector("add", out, out, c.rows, size, b=bb, b_broadcast="row"))
                return [*ops, _store(out, y, c, size, n0)]

            body += layer.pipeline(load, compute)
        layer.ops.append(ConfigureOp(ArrayConfigAttr("mac", dataflow), body))
        layer.finish(y)

    def _block(
        self, op: nn.LinearOp, target: TargetAttr, outputs: int, features: int, bias: bool
    ) -> int:
        """Rows of W (outputs) kept in SRAM at once: all of them, or what the weight bank holds."""
        words = target.bank_size(WEIGHT) or 0

        def size(rows: int) -> int:  # W's block and b's, as the allocator places them
            return padded(rows * features) + (padded(rows) if bias else 0)

        block = min(outputs, words // (features + (1 if bias else 0)))
        while block > 0 and size(block) > words:
            block -= 1
        if block < 1:
            what = "one row of W with its bias needs" if bias else "one row of W needs"
            raise LoweringError.at(
                op,
                f'cannot be tiled into the machine: {what} {size(1)} words of SRAM bank "{WEIGHT}"'
                f', but target "{target.machine.data}" has {words} words there',
            )
        if self.options.dataflow == "is":  # is streams the rows of W through one mm
            block = min(block, field_limit("n"))
        cols = target.cols.data
        if block < outputs and block >= cols:
            block -= block % cols  # whole column folds
        return block


@dataclass
class LowerNnGelu(RewritePattern):
    """GELU on the vector unit: `gelu` (erf) or `gelut` (tanh approximation)."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.GeluOp, rewriter: PatternRewriter) -> None:
        function = "gelut" if op.approximate.data == "tanh" else "gelu"
        _unary(op, op.x, function, rewriter, self.options)


@dataclass
class LowerNnSilu(RewritePattern):
    """SiLU on the vector unit."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SiluOp, rewriter: PatternRewriter) -> None:
        _unary(op, op.x, "silu", rewriter, self.options)


@dataclass
class LowerNnSigmoid(RewritePattern):
    """The logistic function on the vector unit."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SigmoidOp, rewriter: PatternRewriter) -> None:
        _unary(op, op.x, "sigmoid", rewriter, self.options)


@dataclass
class LowerNnSoftplus(RewritePattern):
    """Softplus on the vector unit."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.SoftplusOp, rewriter: PatternRewriter) -> None:
        _unary(op, op.x, "softplus", rewriter, self.options)


@dataclass
class LowerNnRelu(RewritePattern):
    """ReLU on the vector unit."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReluOp, rewriter: PatternRewriter) -> None:
        _unary(op, op.x, "relu", rewriter, self.options)


@dataclass
class LowerNnAdd(RewritePattern):
    """a + b on the vector unit, both operands streamed."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.AddOp, rewriter: PatternRewriter) -> None:
        _binary(op, op.a, op.b, "add", rewriter, self.options)


@dataclass
class LowerNnMul(RewritePattern):
    """a * b on the vector unit, both operands streamed."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MulOp, rewriter: PatternRewriter) -> None:
        _binary(op, op.a, op.b, "mul", rewriter, self.options)


@dataclass
class LowerNnLayerNorm(RewritePattern):
    """Layer norm per row chunk, kernels/vector.py's sequence of vector instructions.

    Row sums give the mean, which is subtracted in place (column broadcast); the squares' row
    sums give the variance, `rsqrt` adds eps; gamma and beta broadcast down the rows.
    """

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LayerNormOp, rewriter: PatternRewriter) -> None:
        layer = _Layer(op, rewriter, self.options)
        _, channels = _matrix(op, op.x)
        gamma, beta = layer.dram(op.gamma), layer.dram(op.beta)
        eps = op.eps.value.data
        scale = 1.0 / channels
        stats = [Stream(WEIGHT, 1, double=False), Stream(WEIGHT, 1, double=False)]  # mean, rstd
        fixed = {WEIGHT: [channels, channels]}
        gb = layer.alloc(WEIGHT, (channels,), "gamma")
        bb = layer.alloc(WEIGHT, (channels,), "beta")
        layer.ops += [
            LoadOp(gamma, gb, (1, channels)),
            LoadOp(beta, bb, (1, channels)),
        ]

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            (xb,), (mean, rstd), rows = inputs, scratch, c.rows
            return [
                _vector("rsum", xb, mean, rows, channels, imm=scale),
                _vector("sub", xb, xb, rows, channels, b=mean, b_broadcast="col"),
                _vector("mul", xb, out, rows, channels, b=xb),
                _vector("rsum", out, rstd, rows, channels, imm=scale),
                _vector("rsqrt", rstd, rstd, rows, 1, imm=eps),
                _vector("mul", xb, out, rows, channels, b=rstd, b_broadcast="col"),
                _vector("mul", out, out, rows, channels, b=gb, b_broadcast="row"),
                _vector("add", out, out, rows, channels, b=bb, b_broadcast="row"),
            ]

        result = _map_rows(
            layer,
            [op.x],
            channels,
            compute,
            scratch=stats,
            scratch_names=("mean", "rstd"),
            fixed=fixed,
        )
        layer.finish(result)


@dataclass
class LowerNnGlu(RewritePattern):
    """First half times sigmoid(second half): two vector instructions per row chunk."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.GluOp, rewriter: PatternRewriter) -> None:
        layer = _Layer(op, rewriter, self.options)
        _, channels = _matrix(op, op.x)
        half = channels // 2

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            (xb,) = inputs
            return [
                _vector("sigmoid", xb, out, c.rows, half, a_offsets=(0, half)),
                _vector("mul", xb, out, c.rows, half, b=out),
            ]

        result = _map_rows(layer, [op.x], half, compute)
        layer.finish(result)


@dataclass
class LowerNnMean(RewritePattern):
    """Mean over the sequence: column sums scaled by 1/L, accumulated across the chunks."""

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.MeanOp, rewriter: PatternRewriter) -> None:
        layer = _Layer(op, rewriter, self.options)
        length, channels = _matrix(op, op.x)
        x = layer.dram(op.x)
        stream = Stream(INPUT, channels)
        layer.tile(length, [stream], {OUTPUT: [channels]})
        y = layer.result((1, channels))
        xb = layer.buffers(stream, "in")
        total = layer.alloc(OUTPUT, (1, channels), "sum")
        scale = 1.0 / length

        def load(c: Chunk) -> list[Operation]:
            return [_load(x, c.row, c.step, xb[c.buffer], c.rows, channels)]

        def compute(c: Chunk) -> list[Operation]:
            return [
                _vector(
                    "csum", xb[c.buffer], total, c.rows, channels, imm=scale, accumulate=not c.first
                )
            ]

        layer.ops += layer.pipeline(load, compute)
        layer.ops.append(StoreOp(total, y, (1, channels)))
        layer.finish(y)


@dataclass
class LowerNnReverse(RewritePattern):
    """The sequence backwards: chunk i of the output is `rev` of the mirror chunk of the input.

    The input's DRAM window walks from the end with a negative step, the output's from the
    start, so the loop stays one body.
    """

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.ReverseOp, rewriter: PatternRewriter) -> None:
        layer = _Layer(op, rewriter, self.options)
        _, channels = _matrix(op, op.x)

        def compute(
            c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
        ) -> list[Operation]:
            return [_vector("rev", inputs[0], out, c.rows, channels)]

        result = _map_rows(layer, [op.x], channels, compute, reverse=True)
        layer.finish(result)


@dataclass
class LowerNnCausalConv1d(RewritePattern):
    """K shifted multiply-adds per row chunk on the vector unit.

    Each chunk's buffer holds K-1 halo rows above the chunk: the previous rows, reloaded with
    the chunk (one DMA), or zeros (a constant) for the first chunk. Tap j multiplies the
    buffer rows j.. by w[:, j], which broadcasts down the rows, so the taps are needed as the
    rows of w^T (K x H): transposed at compile time when w is a constant, otherwise on the array
    as the GEMM I_K @ w^T in the pass's dataflow (the DMA cannot transpose).
    """

    options: _Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.CausalConv1dOp, rewriter: PatternRewriter) -> None:
        layer = _Layer(op, rewriter, self.options)
        length, channels = _matrix(op, op.x)
        _, taps = _matrix(op, op.w)
        halo = taps - 1
        x, w = layer.dram(op.x), layer.dram(op.w)
        b = layer.dram(op.b) if op.b is not None else None
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
        zeros = _constant(layer, _dense(np.zeros((halo, channels))), "zeros") if halo else None

        def load(c: Chunk) -> list[Operation]:
            buffer = xb[c.buffer]
            if not halo:
                return [_load(x, c.row, c.step, buffer, c.rows, channels)]
            if c.first:  # nothing before the start: the halo is zeros
                assert zeros is not None
                return [
                    LoadOp(zeros, buffer, (halo, channels)),
                    LoadOp(x, buffer, (c.rows, channels), dst_offsets=(halo, 0)),
                ]
            return [_load(x, c.row - halo, c.step, buffer, c.rows + halo, channels)]

        def compute(c: Chunk) -> list[Operation]:
            buffer, out, rows = xb[c.buffer], yb[c.buffer], c.rows
            ops: list[Operation] = [
                _vector("mul", buffer, out, rows, channels, b=taps_buffer, b_broadcast="row")
            ]
            for tap in range(1, taps):
                assert product is not None
                ops += [
                    _vector(
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
                    _vector("add", out, out, rows, channels, b=product),
                ]
            if bb is not None:
                ops.append(_vector("add", out, out, rows, channels, b=bb, b_broadcast="row"))
            return [*ops, _store(out, y, c, channels)]

        layer.ops += layer.pipeline(load, compute)
        layer.finish(y)

    def _taps(self, layer: _Layer, w: SSAValue, taps: int, channels: int) -> SSAValue:
        """A K x H weight buffer holding w^T: row j is tap j of every channel."""
        owner = w.owner
        # w and the identity are dead once transposed: they borrow the input bank
        check_fits(layer.op, {WEIGHT: [taps * channels]}, "its taps need")
        if not isinstance(owner, ConstantOp):
            scratch = {INPUT: [channels * taps, taps * taps]}
            check_fits(layer.op, scratch, "transposing w on the array needs")
        wt = layer.alloc(WEIGHT, (taps, channels), "taps")
        if isinstance(owner, ConstantOp):
            transposed = _constant(layer, _dense(_constant_value(owner).T), "w_t")
            layer.ops.append(LoadOp(transposed, wt, (taps, channels)))
            return wt
        wb = layer.alloc(INPUT, (channels, taps), "w")
        eye = layer.alloc(INPUT, (taps, taps), "identity")
        identity = _constant(layer, _dense(np.eye(taps)), "eye")
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
        return wt


# endregion


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
        if self.dataflow not in (*GEMM_DATAFLOWS, "prodf"):
            raise ValueError(f"dataflow must be ws, os, is or prodf, got '{self.dataflow}'")
        if self.chunk_rows < 0:
            raise ValueError(f"chunk-rows must be 0 (automatic) or positive, got {self.chunk_rows}")

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        dataflow = PRODF_GEMM_DATAFLOW if self.dataflow == "prodf" else self.dataflow
        options = _Options(dataflow, self.chunk_rows)
        patterns: list[RewritePattern] = [
            LowerNnLinear(options),
            LowerNnGelu(options),
            LowerNnSilu(options),
            LowerNnSigmoid(options),
            LowerNnSoftplus(options),
            LowerNnRelu(options),
            LowerNnAdd(options),
            LowerNnMul(options),
            LowerNnLayerNorm(options),
            LowerNnGlu(options),
            LowerNnMean(options),
            LowerNnReverse(options),
            LowerNnCausalConv1d(options),
        ]
        located = [KeepSourceLocation(pattern) for pattern in patterns]
        PatternRewriteWalker(GreedyRewritePatternApplier(located)).rewrite_module(op)
