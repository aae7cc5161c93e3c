"""The `nn` dialect: the conventional layers around SSMs, as SPEC.md defines them.

All tensors are f32, static-shaped and time-major (L = steps, H = channels); every sequence
(L x H) may also carry a leading batch dimension (B x L x H) whose sequences are independent,
while weights stay unbatched. Elementwise ops accept any rank and write their one shared type
once: `nn.add %a, %b : tensor<8x16xf32>`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xdsl.dialects.builtin import (
    I64,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    f32,
)
from xdsl.ir import Attribute, Dialect, Operation, SSAValue
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_result_def,
    prop_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.format_directives import BareWord, SameTypeForAll, TrailingOperandTypes
from epoch_mlir.dialects.operand_segments import InferredOperandSegments, SegmentsWhenAmbiguous
from epoch_mlir.dialects.shape_checks import (
    Elements,
    batched,
    element_type,
    expect_one_of,
    expect_result_type,
    expect_same_batch,
    expect_same_shape,
    expect_same_size,
    sequence_shape,
    tensor_shape,
)

GELU_APPROXIMATIONS = ("none", "tanh")
DEFAULT_LAYER_NORM_EPS = 1e-5


def _tensor_type(value: SSAValue | Operation) -> TensorType:
    value_type = SSAValue.get(value).type
    assert isinstance(value_type, TensorType), f"expected a tensor, got {value_type}"
    return value_type


class _SameTypeUnaryOp(IRDLOperation):
    """Shared shape of the one-input ops whose result has exactly the type of x."""

    x = operand_def(TensorType)
    y = result_def(TensorType)

    traits = traits_def(Pure())
    custom_directives = (SameTypeForAll,)
    assembly_format = "$x attr-dict `:` custom<SameTypeForAll>(type(operands), type(results))"

    def __init__(
        self, x: SSAValue | Operation, properties: Mapping[str, Attribute] | None = None
    ) -> None:
        super().__init__(
            operands=[x], result_types=[_tensor_type(x)], properties=dict(properties or {})
        )

    def verify_(self) -> None:
        tensor_shape("x", self.x, dims=None)
        expect_result_type("y", self.y, self.x.type, "the type of x")


class _BinaryElementwiseOp(IRDLOperation):
    """Shared shape of the two-input elementwise ops: a, b and y have one type, or b is a
    vector over a's last dimension, broadcast over the other ones (a bias, a scale)."""

    a = operand_def(TensorType)
    b = operand_def(TensorType)
    y = result_def(TensorType)

    traits = traits_def(Pure())
    custom_directives = (SameTypeForAll,)
    assembly_format = (
        "$a `,` $b attr-dict `:` custom<SameTypeForAll>(type(operands), type(results))"
    )

    def __init__(self, a: SSAValue | Operation, b: SSAValue | Operation) -> None:
        super().__init__(operands=[a, b], result_types=[_tensor_type(a)])

    @property
    def broadcasts(self) -> bool:
        """Whether b is a vector over a's last dimension rather than a's own shape."""
        return _tensor_type(self.b).get_shape() != _tensor_type(self.a).get_shape()

    def verify_(self) -> None:
        a_shape = tensor_shape("a", self.a, dims=None)
        b_shape = tensor_shape("b", self.b, dims=None)
        if len(b_shape) != 1 or len(a_shape) < 2:
            expect_same_shape("a", a_shape, "b", b_shape)
        else:
            expect_same_size("a", a_shape[-1], "b", b_shape[0], "elements in its last dimension")
        expect_result_type("y", self.y, self.a.type, "the type of a")


@irdl_op_definition
class LinearOp(InferredOperandSegments):
    """A fully connected layer with PyTorch's weight layout (W is N x K).

    y[l, n] = sum_k x[l, k] * W[n, k] (+ b[n])
    """

    name = "nn.linear"

    x = operand_def(TensorType)
    W = operand_def(TensorType)
    b = opt_operand_def(TensorType)
    y = result_def(TensorType)

    traits = traits_def(Pure())
    assembly_format = (
        "$x `,` $W (`,` $b^)? attr-dict `:` "
        "`(` type($x) `,` type($W) (`,` type($b)^)? `)` `->` type($y)"
    )

    def __init__(
        self,
        x: SSAValue | Operation,
        W: SSAValue | Operation,
        b: SSAValue | Operation | None = None,
    ) -> None:
        rows = _tensor_type(x).get_shape()[:-1]
        outputs = _tensor_type(W).get_shape()[0]
        super().__init__(operands=[x, W, b], result_types=[TensorType(f32, [*rows, outputs])])

    def verify_(self) -> None:
        batch, (steps, features) = sequence_shape("x", self.x, dims="L x K")
        outputs, w_features = tensor_shape("W", self.W, dims="N x K")
        expect_same_size("x", features, "W", w_features, "features")
        if self.b is not None:
            (b_outputs,) = tensor_shape("b", self.b, dims="N")
            expect_same_size("W", outputs, "b", b_outputs, "outputs")
        expected = TensorType(f32, batched(batch, [steps, outputs]))
        expect_result_type("y", self.y, expected, "L x N from x and W")


@irdl_op_definition
class GeluOp(_SameTypeUnaryOp):
    """The Gaussian error linear unit, exact (erf) or with the tanh approximation.

    none: y = 0.5 * x * (1 + erf(x / sqrt(2)))
    tanh: y = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
    """

    name = "nn.gelu"

    approximate = prop_def(StringAttr, StringAttr("none"))

    custom_directives = (BareWord, SameTypeForAll)
    assembly_format = (
        "$x (`approximate` custom<BareWord>($approximate)^)? attr-dict "
        "`:` custom<SameTypeForAll>(type(operands), type(results))"
    )

    def __init__(self, x: SSAValue | Operation, approximate: str = "none") -> None:
        super().__init__(x, properties={"approximate": StringAttr(approximate)})

    def verify_(self) -> None:
        expect_one_of("approximate", self.approximate.data, GELU_APPROXIMATIONS)
        super().verify_()


@irdl_op_definition
class SiluOp(_SameTypeUnaryOp):
    """The sigmoid linear unit (swish).

    y = x * sigmoid(x)
    """

    name = "nn.silu"


@irdl_op_definition
class SigmoidOp(_SameTypeUnaryOp):
    """The logistic function.

    y = 1 / (1 + exp(-x))
    """

    name = "nn.sigmoid"


@irdl_op_definition
class SoftplusOp(_SameTypeUnaryOp):
    """A smooth relu, used on Mamba's step sizes.

    y = log(1 + exp(x))
    """

    name = "nn.softplus"


@irdl_op_definition
class ReluOp(_SameTypeUnaryOp):
    """The rectified linear unit.

    y = max(x, 0)
    """

    name = "nn.relu"


@irdl_op_definition
class ExpOp(_SameTypeUnaryOp):
    """The exponential (Mamba's A = -exp(A_log)).

    y = exp(x)
    """

    name = "nn.exp"


@irdl_op_definition
class NegOp(_SameTypeUnaryOp):
    """The negation.

    y = -x
    """

    name = "nn.neg"


# A discardable `nn.add` attribute set by `nn-fuse-elementwise`: the index of the operand whose
# producer computes the sum by accumulating onto the other operand (no pass of its own).
ACCUMULATE_INTO = "accumulate_into"
# A discardable attribute of a one-operand elementwise op (gelu, silu, ...), set by the same
# pass: the lowering of its operand's producer applies it to each output chunk before storing.
EPILOGUE = "epilogue"


@irdl_op_definition
class AddOp(_BinaryElementwiseOp):
    """Elementwise sum of two tensors of one shape (residual connections).

    y = a + b
    """

    name = "nn.add"


@irdl_op_definition
class MulOp(_BinaryElementwiseOp):
    """Elementwise product of two tensors of one shape (gating).

    y = a * b
    """

    name = "nn.mul"


def _verify_eps(eps_attr: FloatAttr[Float32Type]) -> None:
    eps = eps_attr.value.data
    if not eps >= 0:  # also refuses NaN
        raise VerifyException(f"eps must be non-negative, got {eps}")


@irdl_op_definition
class LayerNormOp(IRDLOperation):
    """Layer normalization over the channels of each step, with PyTorch's biased variance.

    for l: mu = mean(x[l, :]); var = mean((x[l, :] - mu)^2)
           y[l, h] = (x[l, h] - mu) / sqrt(var + eps) * gamma[h] + beta[h]
    """

    name = "nn.layer_norm"

    x = operand_def(TensorType)
    gamma = operand_def(TensorType)
    beta = operand_def(TensorType)
    y = result_def(TensorType)
    eps = prop_def(FloatAttr[Float32Type], FloatAttr(DEFAULT_LAYER_NORM_EPS, f32))

    traits = traits_def(Pure())
    assembly_format = (
        "$x `,` $gamma `,` $beta (`eps` $eps^)? attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        x: SSAValue | Operation,
        gamma: SSAValue | Operation,
        beta: SSAValue | Operation,
        eps: float = DEFAULT_LAYER_NORM_EPS,
    ) -> None:
        super().__init__(
            operands=[x, gamma, beta],
            result_types=[_tensor_type(x)],
            properties={"eps": FloatAttr(eps, f32)},
        )

    def verify_(self) -> None:
        _verify_eps(self.eps)
        _, (_, channels) = sequence_shape("x", self.x, dims="L x H")
        for name, value in (("gamma", self.gamma), ("beta", self.beta)):
            (value_channels,) = tensor_shape(name, value, dims="H")
            expect_same_size("x", channels, name, value_channels, "channels")
        expect_result_type("y", self.y, self.x.type, "the type of x")


@irdl_op_definition
class RmsNormOp(IRDLOperation):
    """Root-mean-square normalization over the channels of each step (Mamba's norm): no centring,
    no shift.

    for l: y[l, h] = x[l, h] / sqrt(mean(x[l, :]^2) + eps) * gamma[h]
    """

    name = "nn.rms_norm"

    x = operand_def(TensorType)
    gamma = operand_def(TensorType)
    y = result_def(TensorType)
    eps = prop_def(FloatAttr[Float32Type], FloatAttr(DEFAULT_LAYER_NORM_EPS, f32))

    traits = traits_def(Pure())
    assembly_format = (
        "$x `,` $gamma (`eps` $eps^)? attr-dict `:` functional-type(operands, results)"
    )

    def __init__(
        self,
        x: SSAValue | Operation,
        gamma: SSAValue | Operation,
        eps: float = DEFAULT_LAYER_NORM_EPS,
    ) -> None:
        super().__init__(
            operands=[x, gamma],
            result_types=[_tensor_type(x)],
            properties={"eps": FloatAttr(eps, f32)},
        )

    def verify_(self) -> None:
        _verify_eps(self.eps)
        _, (_, channels) = sequence_shape("x", self.x, dims="L x H")
        (gamma_channels,) = tensor_shape("gamma", self.gamma, dims="H")
        expect_same_size("x", channels, "gamma", gamma_channels, "channels")
        expect_result_type("y", self.y, self.x.type, "the type of x")


@irdl_op_definition
class SliceOp(IRDLOperation):
    """A run of columns of the last dimension (Mamba's split of x_proj into delta, B and C).

    y[l, k] = x[l, start + k]   for k < K, the result's last dimension
    """

    name = "nn.slice"

    x = operand_def(TensorType)
    y = result_def(TensorType)
    start = prop_def(IntegerAttr[I64])

    traits = traits_def(Pure())
    assembly_format = "$x `start` $start attr-dict `:` type($x) `->` type($y)"

    def __init__(self, x: SSAValue | Operation, start: int, width: int) -> None:
        rows = _tensor_type(x).get_shape()[:-1]
        super().__init__(
            operands=[x],
            result_types=[TensorType(f32, [*rows, width])],
            properties={"start": IntegerAttr(start, 64)},
        )

    @property
    def width(self) -> int:
        """K, the number of columns taken."""
        return _tensor_type(self.y).get_shape()[-1]

    def verify_(self) -> None:
        batch, (steps, channels) = sequence_shape("x", self.x, dims="L x H")
        y_batch, (y_steps, width) = sequence_shape("y", self.y, dims="L x K")
        expect_same_batch("x", batch, "y", y_batch)
        expect_same_size("x", steps, "y", y_steps, "steps")
        start = self.start.value.data
        if start < 0 or start + width > channels:
            raise VerifyException(
                f"start {start} and y's {width} columns run past x's {channels} columns "
                f"(need 0 <= start and start + {width} <= {channels})"
            )


@irdl_op_definition
class EmbeddingOp(IRDLOperation):
    """A table lookup per step: the rows of the table the token ids name.

    y[l, h] = table[ids[l], h]   (an id outside [0, V) is a run-time error naming its position)
    """

    name = "nn.embedding"

    ids = operand_def(TensorType)
    table = operand_def(TensorType)
    y = result_def(TensorType)

    traits = traits_def(Pure())
    assembly_format = "$ids `,` $table attr-dict `:` functional-type(operands, results)"

    def __init__(self, ids: SSAValue | Operation, table: SSAValue | Operation) -> None:
        rows = _tensor_type(ids).get_shape()
        channels = _tensor_type(table).get_shape()[1]
        super().__init__(operands=[ids, table], result_types=[TensorType(f32, [*rows, channels])])

    def verify_(self) -> None:
        batch, (steps,) = sequence_shape("ids", self.ids, dims="L", elements=Elements.I32)
        _, channels = tensor_shape("table", self.table, dims="V x H")
        expected = TensorType(f32, batched(batch, [steps, channels]))
        expect_result_type("y", self.y, expected, "L x H from ids and the table")


@irdl_op_definition
class GluOp(IRDLOperation):
    """The gated linear unit: the first half of the channels gated by the second half.

    y[l, h] = x[l, h] * sigmoid(x[l, H + h])        # x is L x 2H, y is L x H
    """

    name = "nn.glu"

    x = operand_def(TensorType)
    y = result_def(TensorType)

    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($y)"

    def __init__(self, x: SSAValue | Operation) -> None:
        *rows, double_channels = _tensor_type(x).get_shape()
        super().__init__(
            operands=[x], result_types=[TensorType(f32, [*rows, double_channels // 2])]
        )

    def verify_(self) -> None:
        batch, (steps, double_channels) = sequence_shape("x", self.x, dims="L x 2H")
        if double_channels % 2:
            raise VerifyException(
                f"x has {double_channels} channels but glu needs an even number (2H)"
            )
        expected = TensorType(f32, batched(batch, [steps, double_channels // 2]))
        expect_result_type("y", self.y, expected, "L x H, half the channels of x")


@irdl_op_definition
class MeanOp(IRDLOperation):
    """Average pooling over the whole sequence (the decoder of classification models).

    y[0, h] = sum_l x[l, h] / L          (B x L x H gives B x 1 x H)
    """

    name = "nn.mean"

    x = operand_def(TensorType)
    y = result_def(TensorType)

    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($y)"

    def __init__(self, x: SSAValue | Operation) -> None:
        *batch, _, channels = _tensor_type(x).get_shape()
        super().__init__(operands=[x], result_types=[TensorType(f32, [*batch, 1, channels])])

    def verify_(self) -> None:
        batch, (_, channels) = sequence_shape("x", self.x, dims="L x H")
        expected = TensorType(f32, batched(batch, [1, channels]))
        expect_result_type("y", self.y, expected, "1 x H per sequence")


@irdl_op_definition
class CausalConv1dOp(SegmentsWhenAmbiguous):
    """A depthwise convolution along the sequence that only looks backwards (Mamba's conv).

    y[k, h] = sum_j w[h, j] * x[k - K + 1 + j, h]  (x is 0 before step 0)  (+ b[h])

    With the state c0 ((K-1) x H), the rows before step 0 are c0 instead of zeros, and the op
    also returns c_last, the last K-1 rows of [c0; x]: running a sequence in pieces, passing
    c_last on as the next piece's c0, gives the same y as one run (decoding token by token).
    """

    name = "nn.causal_conv1d"

    x = operand_def(TensorType)
    w = operand_def(TensorType)
    b = opt_operand_def(TensorType)
    c0 = opt_operand_def(TensorType)
    y = result_def(TensorType)
    c_last = opt_result_def(TensorType)

    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    traits = traits_def(Pure())
    custom_directives = (TrailingOperandTypes,)
    assembly_format = (
        "$x `,` $w (`,` $b^)? (`state` $c0^)? attr-dict `:` `(` type($x) `,` type($w) "
        "custom<TrailingOperandTypes>(type($b), type($c0)) `)` `->` type(results)"
    )

    def __init__(
        self,
        x: SSAValue | Operation,
        w: SSAValue | Operation,
        b: SSAValue | Operation | None = None,
        c0: SSAValue | Operation | None = None,
    ) -> None:
        results = [[_tensor_type(x)], [_tensor_type(c0)] if c0 is not None else []]
        super().__init__(operands=[x, w, b, c0], result_types=results)

    @classmethod
    def infer_segments(cls, operands: int, results: int) -> list[int] | None:
        """Three operands are x, w and b, or x, w and c0 when the op returns the state too."""
        if operands == 3:
            return [1, 1, 0, 1] if results == 2 else [1, 1, 1, 0]
        return super().infer_segments(operands, results)

    def verify_(self) -> None:
        batch, (_, channels) = sequence_shape("x", self.x, dims="L x H")
        w_channels, taps = tensor_shape("w", self.w, dims="H x K")
        expect_same_size("x", channels, "w", w_channels, "channels")
        if self.b is not None:
            (b_channels,) = tensor_shape("b", self.b, dims="H")
            expect_same_size("x", channels, "b", b_channels, "channels")
        expect_result_type("y", self.y, self.x.type, "the type of x")
        if (self.c0 is None) != (self.c_last is None):
            raise VerifyException("c0 and c_last come together: the state in and the state out")
        if self.c0 is not None and self.c_last is not None:
            if taps < 2:
                raise VerifyException(
                    f"w has {taps} tap: a convolution of one tap has no state (c0 is K - 1 rows)"
                )
            state = TensorType(f32, batched(batch, [taps - 1, channels]))
            expect_result_type("c0", self.c0, state, "(K - 1) x H from w, per sequence")
            expect_result_type("c_last", self.c_last, state, "the type of c0")


@irdl_op_definition
class ReverseOp(_SameTypeUnaryOp):
    """The sequence in reverse order (the backward half of bidirectional layers).

    y[l, h] = x[L - 1 - l, h]
    """

    name = "nn.reverse"

    def verify_(self) -> None:
        sequence_shape("x", self.x, dims="L x H")
        expect_result_type("y", self.y, self.x.type, "the type of x")


@irdl_op_definition
class UnstackOp(IRDLOperation):
    """The sequences of a batch as tensors of their own (no data moves).

    parts[b] = x[b]   for b < B, x's leading dimension

    `nn-split-batch` runs a batched sequence op (a scan, a convolution...) as one op per
    sequence between an unstack and a `nn.stack`; the lowering makes each part a view of
    its rows of x.
    """

    name = "nn.unstack"

    x = operand_def(TensorType)
    parts = var_result_def(TensorType)

    traits = traits_def(Pure())
    assembly_format = "$x attr-dict `:` type($x) `->` type($parts)"

    def __init__(self, x: SSAValue | Operation) -> None:
        x_type = _tensor_type(x)
        batch, *shape = x_type.get_shape()
        part = TensorType(x_type.element_type, shape)
        super().__init__(operands=[x], result_types=[[part] * batch])

    def verify_(self) -> None:
        batch, *shape = tensor_shape("x", self.x, dims=None, elements=Elements.ANY)
        if not shape:
            raise VerifyException(f"x must have a batch dimension to unstack, got {self.x.type}")
        expect_same_size("x", batch, "parts", len(self.parts), "sequences")
        part = TensorType(element_type(self.x), shape)
        for index, value in enumerate(self.parts):
            expect_result_type(f"part {index}", value, part, "x without its batch dimension")


@irdl_op_definition
class StackOp(IRDLOperation):
    """Tensors of one type as the sequences of a batch (the inverse of `nn.unstack`).

    y[b] = parts[b]
    """

    name = "nn.stack"

    parts = var_operand_def(TensorType)
    y = result_def(TensorType)

    traits = traits_def(Pure())
    assembly_format = "$parts attr-dict `:` type($parts) `->` type($y)"

    def __init__(self, parts: Sequence[SSAValue | Operation]) -> None:
        part = _tensor_type(parts[0])
        stacked = TensorType(part.element_type, [len(parts), *part.get_shape()])
        super().__init__(operands=[parts], result_types=[stacked])

    def verify_(self) -> None:
        if not self.parts:
            raise VerifyException("stacks at least one tensor")
        shape = tensor_shape("part 0", self.parts[0], dims=None, elements=Elements.ANY)
        for index, value in enumerate(self.parts[1:], 1):
            expect_result_type(f"part {index}", value, self.parts[0].type, "the type of part 0")
        stacked = TensorType(element_type(self.parts[0]), [len(self.parts), *shape])
        expect_result_type("y", self.y, stacked, "the parts' type with the batch first")


NN = Dialect(
    "nn",
    [
        LinearOp,
        GeluOp,
        SiluOp,
        SigmoidOp,
        SoftplusOp,
        ReluOp,
        ExpOp,
        NegOp,
        AddOp,
        MulOp,
        LayerNormOp,
        RmsNormOp,
        SliceOp,
        EmbeddingOp,
        GluOp,
        MeanOp,
        CausalConv1dOp,
        ReverseOp,
        UnstackOp,
        StackOp,
    ],
    [],
)
