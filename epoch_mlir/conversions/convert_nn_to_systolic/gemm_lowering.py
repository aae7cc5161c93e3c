"""nn.linear: GEMM folds on the array, the bias on the vector unit.

When `nn-fuse-elementwise` marked a layer norm that reads the linear's result (or the residual
sum the linear computes), each output chunk is stored and then normalised while it is still in
SRAM (normalization.LayerNormChunks), its result stored to the layer norm's tensor: the layer
norm's own pass over DRAM goes, and because both run in one chunk loop its vector work overlaps
the next chunk's GEMM folds on the array.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects.builtin import IntegerAttr
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import (
    PatternRewriter,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.conversions.convert_nn_to_systolic.common import (
    Layer,
    Options,
    load_rows,
    matrix,
    store_rows,
    vector,
)
from epoch_mlir.conversions.convert_nn_to_systolic.gemm import Window, gemm_folds, stationary_folds
from epoch_mlir.conversions.convert_nn_to_systolic.normalization import (
    STATISTICS,
    LayerNormChunks,
    Norm,
)
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    INPUT,
    OUTPUT,
    WEIGHT,
    Chunk,
    Stream,
    check_banks,
    chunk_sizes,
    field_limit,
    padded,
)
from epoch_mlir.conversions.systolic_common.cost import instruction_cycles
from epoch_mlir.conversions.systolic_common.lowering import (
    LoweringError,
    dram_type,
    folds,
    machine_of,
    replace_with_dram,
)
from epoch_mlir.dialects import nn
from epoch_mlir.dialects.systolic import (
    AllocDramOp,
    ArrayConfigAttr,
    ConfigureOp,
    LoadOp,
    TargetAttr,
)


@dataclass
class LowerNnLinear(RewritePattern):
    """y = x @ W^T (+ b): GEMM folds on the array per row chunk of x, the bias on the vector unit.

    W (or, when it does not fit the weight bank, one block of its rows at a time) stays in SRAM;
    x streams in chunks; each chunk folds as kernels/gemm.py folds the whole GEMM, and a chunk
    that holds the whole sequence folds exactly like it.
    """

    options: Options

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: nn.LinearOp, rewriter: PatternRewriter) -> None:
        layer = Layer(op, rewriter, self.options)
        length, features = matrix(op, op.x)
        outputs, _ = matrix(op, op.W)
        x, w = layer.dram(op.x), layer.dram(op.W)
        b = layer.dram(op.b) if op.b is not None else None
        target = layer.target
        dataflow = self.options.dataflow
        check_banks(op, target, [INPUT, WEIGHT, OUTPUT])
        block = self._block(op, target, outputs, features, b is not None)
        x_stream, y_stream = Stream(INPUT, features), Stream(OUTPUT, block)
        fixed = {WEIGHT: [block * features] + ([block] if b is not None else [])}
        streams = [x_stream, y_stream]
        # ws only: its folds of a chunk are straight-line code, which the accumulate rewrite
        # of a residual sum recognises (os and is fold rows in a nested loop)
        fusible = block == outputs and dataflow == "ws"
        layer_norm = _fused_layer_norm(op) if fusible else None
        norm = None
        if layer_norm is not None:  # normalise each output chunk in SRAM too (see the module)
            norm = LayerNormChunks.setup(layer, layer_norm, length, dataflow == "ws")
            fixed[WEIGHT] += norm.fixed_words
            streams += [Stream(OUTPUT, outputs), *STATISTICS]
        chunk = layer.tile(length, streams, fixed, cap=field_limit("m"))
        if norm is not None and not self.options.chunk_rows and layer.several_chunks():
            # the two-deep software pipeline fills and drains over two chunks: smaller chunks
            # shorten that, at the price of each GEMM fold's fixed R + C cycles
            best = _fused_chunk(layer.target, norm, length, outputs, features, chunk)
            if best != chunk:
                chunk = layer.tile(length, streams, fixed, cap=best)
        y = layer.result(dram_type(op.y.type).get_shape())
        xb = layer.buffers(x_stream, "x")
        yb = layer.buffers(y_stream, "y")
        # the layer norm's tensor and its (out, mean, rstd) buffers for even and odd chunks
        normalising: tuple[LayerNormChunks, SSAValue, list[tuple[SSAValue, SSAValue]]] | None = None
        if layer_norm is not None and norm is not None:
            normalised = AllocDramOp(dram_type(layer_norm.y.type))
            normalised.tensor.name_hint = layer_norm.y.name_hint
            layer.ops.append(normalised)
            names = ("norm_out", "mean", "rstd")
            buffers = [layer.buffers(s, n) for s, n in zip(streams[2:], names, strict=True)]
            normalising = (norm, normalised.tensor, buffers)
        wb = layer.alloc(WEIGHT, (block, features), "w")
        bb = layer.alloc(WEIGHT, (block,), "b") if b is not None else None
        # A fused layer norm runs one chunk behind the GEMM (software pipelining): the array's
        # folds of chunk i are queued before the row sums of chunk i - 1, so neither in-order
        # unit waits for the other's half of the same chunk.
        skewed = normalising is not None and layer.several_chunks()
        body: list[Operation] = []
        for n0, size in folds(outputs, block):
            body.append(LoadOp(w, wb, (size, features), src_offsets=(n0, 0)))
            if b is not None and bb is not None:
                body.append(LoadOp(b, bb, (1, size), src_offsets=(0, n0)))

            def load(c: Chunk) -> list[Operation]:
                return [load_rows(x, c.row, c.step, xb[c.buffer], c.rows, features)]

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
                    ops.append(vector("add", out, out, c.rows, size, b=bb, b_broadcast="row"))
                ops.append(store_rows(out, y, c, size, n0))
                if not skewed:
                    return [*ops, *centre(c), *scale(c)]
                # the layer norm two and one chunks behind (full chunks: only the last may be
                # short), before this chunk's GEMM: each unit's queue then holds work whose
                # inputs are ready, and the array sums chunk i - 2's squares before the folds
                # of chunk i overwrite its buffer
                index = c.row // chunk
                behind = [
                    Chunk(c.row - k * chunk, chunk, (c.buffer + k) % 2, c.step) for k in (1, 2)
                ]
                earlier = [*scale(behind[1])] if index >= 2 else []
                earlier += centre(behind[0]) if index >= 1 else []
                return [*earlier, *ops]

            def centre(c: Chunk) -> list[Operation]:
                if normalising is None:
                    return []
                norm, _, buffers = normalising
                normal, mean, _ = (pair[c.buffer] for pair in buffers)
                # the GEMM's tiles took the slots
                return [*norm.preloads(), *norm.centre(yb[c.buffer], normal, mean, c.rows)]

            def scale(c: Chunk) -> list[Operation]:
                if normalising is None:
                    return []
                norm, tensor, buffers = normalising
                normal, _, rstd = (pair[c.buffer] for pair in buffers)
                return [
                    *norm.preloads(),
                    *norm.scale(yb[c.buffer], normal, rstd, c.rows),
                    store_rows(normal, tensor, c, outputs),
                ]

            body += layer.pipeline(load, compute, loop_from=2 if skewed else 1)
            if skewed:  # the last chunks' layer norm, after the last GEMM
                sizes = chunk_sizes(length, chunk)
                last = [Chunk(i * chunk, sizes[i], i % 2) for i in (len(sizes) - 2, len(sizes) - 1)]
                body += [*scale(last[0]), *centre(last[1]), *scale(last[1])]
        layer.ops.append(ConfigureOp(ArrayConfigAttr("mac", dataflow), body))
        complete = layer.finish(y)
        if layer_norm is not None and normalising is not None:
            if not complete:  # the chunks hold the linear's result, not the sum it feeds
                raise LoweringError.at(op, "internal: a fused layer norm lost its add")
            replace_with_dram(layer_norm, [normalising[1]], rewriter, [])

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


def _fused_layer_norm(op: nn.LinearOp) -> Norm | None:
    """The layer norm (or RMS norm) `nn-fuse-elementwise` marked for this linear to compute on
    its output chunks: one reading the linear's result, or the add the linear computes."""
    value = op.y
    add = value.get_user_of_unique_use()
    mark = add.attributes.get(nn.ACCUMULATE_INTO) if add is not None else None
    if isinstance(add, nn.AddOp) and isinstance(mark, IntegerAttr):
        if add.operands[mark.value.data] is not value:
            return None
        value = add.y
    for use in value.uses:
        user = use.operation
        if isinstance(user, nn.LayerNormOp | nn.RmsNormOp) and nn.EPILOGUE in user.attributes:
            block = op.parent_block()
            ready = all(  # gamma (and beta) exist when the linear runs
                not isinstance(v.owner, Operation)
                or (v.owner.parent_block() is block and v.owner.is_before_in_block(op))
                for v in user.operands[1:]
            )
            return user if ready else None
    return None


def _fused_chunk(
    target: TargetAttr, norm: LayerNormChunks, length: int, outputs: int, features: int, most: int
) -> int:
    """The chunk (the largest that fits, or an eighth, a quarter, ... of it) that the cost model
    finishes soonest for a linear with a layer norm in its loop: (chunks + 2) periods, each as
    long as the busier of the array (GEMM folds, row sums, the tiles preloaded again for every
    chunk) and the vector unit (bias, the layer norm's passes)."""
    machine = machine_of(norm.op)
    ws = ArrayConfigAttr("mac", "ws")
    rows, cols = target.rows.data, target.cols.data

    def finish(chunk: int) -> int:
        array = sum(
            instruction_cycles("mm", machine, ws, m=chunk, n=nc, k=kr)
            for _, nc in folds(outputs, cols)
            for _, kr in folds(features, rows)
        )
        tiles = len(folds(outputs, cols)) * len(folds(features, rows))
        if norm.averaging is not None:
            array += 2 * sum(
                instruction_cycles("mm", machine, ws, m=chunk, n=1, k=kr) for _, kr in norm.k_folds
            )
            tiles += len(norm.k_folds)
        array += tiles * instruction_cycles("ldw", machine, ws)  # preloaded again every chunk
        # the norm's passes, the bias and, when the vector unit takes them, the row sums
        passes = norm.vector_passes + 1 + (0 if norm.averaging is not None else norm.row_sums)
        vector = passes * instruction_cycles("vmul", machine, rows=chunk, cols=outputs)
        return (-(-length // chunk) + 2) * max(array, vector)

    # eighths of the largest, whole array heights; the largest wins a tie (fewer DMA latencies)
    candidates = sorted({most * k // 8 // rows * rows for k in range(1, 9)} - {0}, reverse=True)
    return min(candidates or [most], key=finish)
