"""What the nn lowerings share: one op's replacement ops, its chunking, row-streaming helpers.

A `Layer` collects the systolic ops that replace one `nn` op in program order, with its SRAM
buffers and the chunking of its sequence (tiling.py); `map_rows` streams row chunks of the
inputs through a compute step into a new result, which most vector-unit lowerings are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects.builtin import BytesAttr, DenseIntOrFPElementsAttr, TensorType, f32
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
)

from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    INPUT,
    OUTPUT,
    VECTOR_CHUNK_ROWS,
    WEIGHT,
    Chunk,
    Emit,
    Stream,
    Tiling,
    choose_chunk,
    pipeline,
)
from epoch_mlir.conversions.systolic_common.epilogue import VectorFunction
from epoch_mlir.conversions.systolic_common.fusion import Fusion
from epoch_mlir.conversions.systolic_common.lowering import (
    LoweringError,
    dram_operand,
    dram_type,
    replace_with_dram,
    target_of,
)
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


@dataclass(frozen=True)
class Options:
    dataflow: str  # ws, os or is
    chunk_rows: int  # a cap on rows per chunk; 0 = as many as the banks hold


@dataclass
class Layer:
    """The ops replacing one `nn` op, collected in program order, and how to place them."""

    op: Operation
    rewriter: PatternRewriter
    options: Options
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

    def several_chunks(self) -> bool:
        """Whether the sequence takes several double-buffered chunks (chunk i - 1's buffers
        are then still intact while chunk i is computed)."""
        assert self.tiling is not None, "tile() first"
        return self.tiling.double and self.tiling.several(self.length)

    def pipeline(self, load: Emit, compute: Emit, loop_from: int = 1) -> list[Operation]:
        assert self.tiling is not None, "tile() first"
        return pipeline(
            self.length,
            self.tiling.chunk,
            load,
            compute,
            double=self.tiling.double,
            loop_from=loop_from,
        )

    def finish(self, *results: SSAValue) -> bool:
        """Replace the op by `results`, the DRAM tensors its ops wrote; when `nn-fuse-elementwise`
        marked an add for it to compute, its ops accumulate onto the add's other operand (False
        when they could not: the add stays its own op)."""
        for new in self.ops:
            for nested in new.walk():  # errors downstream point at the nn op's line
                nested.location = self.op.location
        fusion = Fusion.of(self.op)
        replace_with_dram(self.op, list(results), self.rewriter, self.ops)
        return fusion.apply(results[0], self.rewriter)


def matrix(op: Operation, value: SSAValue) -> tuple[int, int]:
    """The rows x cols view windows use: a 1-D tensor of n is one row of n, a batch B x L x H
    its B*L rows (ops that treat every row alike lower a batch as one longer sequence)."""
    assert isinstance(value.type, TensorType)
    shape = value.type.get_shape()
    if len(shape) not in (1, 2, 3):
        raise LoweringError.at(
            op,
            f"works on 1-D, 2-D or 3-D (batched) tensors at the systolic level, got "
            f"{value.type} (rank {len(shape)})",
        )
    return dram_type(value.type).matrix


def load_rows(src: SSAValue, row: int, step: int, dst: SSAValue, rows: int, cols: int) -> LoadOp:
    return LoadOp(src, dst, (rows, cols), src_offsets=(row, 0), src_step=(step, 0))


def store_rows(src: SSAValue, dst: SSAValue, chunk: Chunk, cols: int, col: int = 0) -> StoreOp:
    return StoreOp(
        src, dst, (chunk.rows, cols), dst_offsets=(chunk.row, col), dst_step=(chunk.step, 0)
    )


def vector(function: str, a: SSAValue, dst: SSAValue, rows: int, cols: int, **kw: Any) -> VectorOp:
    """A `systolic.vector` over rows x cols; `kw` are VectorOp's keywords, passed on."""
    return VectorOp(function, a, dst, (rows, cols), **kw)


# compute(chunk, input buffers, output buffer, scratch buffers) -> the chunk's vector ops
ComputeRows = Callable[[Chunk, Sequence[SSAValue], SSAValue, Sequence[SSAValue]], list[Operation]]


def map_rows(
    layer: Layer,
    sources: Sequence[SSAValue],
    out_cols: int,
    compute: ComputeRows,
    *,
    scratch: Sequence[Stream] = (),
    scratch_names: Sequence[str] = (),
    fixed: dict[str, list[int]] | None = None,
    reverse: bool = False,
    array: tuple[ArrayConfigAttr, Sequence[Operation]] | None = None,
) -> SSAValue:
    """Stream row chunks of `sources` (one shape) through `compute` into a new L x out_cols result.

    `compute` fills the output buffer's rows 0..chunk.rows from the input buffers, with one
    buffer per `scratch` stream to work in; the store follows. With `reverse` output chunk i
    reads the mirror window of the input, walking the sequence backwards. With `array` (a
    configuration and the ops that set the array up, e.g. preloads) the chunks run inside that
    `systolic.configure`, so `compute` may use the array too.
    """
    op = layer.op
    length, cols = matrix(op, sources[0])
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
    scratch_buffers = [  # even and odd chunks' (the same buffer unless the stream is double)
        layer.buffers(stream, name) for stream, name in zip(scratch, scratch_names, strict=True)
    ]

    def load(c: Chunk) -> list[Operation]:
        row, step = (length - c.row - c.rows, -c.step) if reverse else (c.row, c.step)
        return [
            load_rows(dram, row, step, buffers[c.buffer], c.rows, cols)
            for dram, buffers in zip(drams, inputs, strict=True)
        ]

    def compute_and_store(c: Chunk) -> list[Operation]:
        out = outputs[c.buffer]
        own = [buffers[c.buffer] for buffers in scratch_buffers]
        ops = compute(c, [buffers[c.buffer] for buffers in inputs], out, own)
        return [*ops, store_rows(out, result, c, out_cols)]

    chunks = layer.pipeline(load, compute_and_store)
    if array is None:
        layer.ops += chunks
    else:
        config, setup = array
        layer.ops.append(ConfigureOp(config, [*setup, *chunks]))
    return result


def unary(
    op: Operation,
    x: SSAValue,
    function: VectorFunction,
    rewriter: PatternRewriter,
    options: Options,
) -> None:
    """One vector function applied to every element, chunk by chunk."""
    layer = Layer(op, rewriter, options)
    _, cols = matrix(op, x)

    def compute(
        c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
    ) -> list[Operation]:
        return [vector(function.name, inputs[0], out, c.rows, cols, imm=function.imm)]

    result = map_rows(layer, [x], cols, compute)
    layer.finish(result)


def binary(
    op: Operation,
    a: SSAValue,
    b: SSAValue,
    function: VectorFunction,
    rewriter: PatternRewriter,
    options: Options,
) -> None:
    """Two operands combined chunk by chunk; a b of one row (a bias, a scale) is loaded once
    into the weight bank and broadcast over every row instead of streamed."""
    layer = Layer(op, rewriter, options)
    rows, cols = matrix(op, a)
    broadcast = matrix(op, b)[0] != rows
    fixed: dict[str, list[int]] = {}
    row = layer.alloc(WEIGHT, (cols,), "b") if broadcast else None
    if row is not None:
        layer.ops.append(LoadOp(layer.dram(b), row, (1, cols)))
        fixed[WEIGHT] = [cols]

    def compute(
        c: Chunk, inputs: Sequence[SSAValue], out: SSAValue, scratch: Sequence[SSAValue]
    ) -> list[Operation]:
        if row is not None:
            return [vector(function.name, inputs[0], out, c.rows, cols, b=row, b_broadcast="row")]
        return [vector(function.name, inputs[0], out, c.rows, cols, b=inputs[1])]

    result = map_rows(layer, [a] if broadcast else [a, b], cols, compute, fixed=fixed)
    layer.finish(result)


def dense_f32(array: np.ndarray) -> DenseIntOrFPElementsAttr:
    data = np.ascontiguousarray(array, np.float32)
    return DenseIntOrFPElementsAttr(TensorType(f32, data.shape), BytesAttr(data.tobytes()))


def constant_value(constant: ConstantOp) -> np.ndarray:
    value = constant.value
    shape = tuple(value.get_shape())
    data = np.frombuffer(value.data.data, np.float32)
    if data.size == 1 and int(np.prod(shape)) != 1:  # a splat stores one element
        return np.full(shape, data[0], np.float32)
    return data.reshape(shape)


def constant(layer: Layer, value: DenseIntOrFPElementsAttr, name: str) -> SSAValue:
    constant = ConstantOp(value)
    constant.tensor.name_hint = f"{layer.op.name.removeprefix('nn.')}_{name}"
    layer.ops.append(constant)
    return constant.tensor
