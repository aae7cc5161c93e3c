"""The `ssm` dialect: state-space-model layers on tensors, as SPEC.md defines them.

This is the level users write. Shapes are time-major: L = sequence length (steps),
H = channels, N = state size (state columns). `T` is f32 or complex<f32>. Sequences and
states may carry a leading batch dimension B (independent sequences); parameters may not.
"""

from __future__ import annotations

from xdsl.dialects.builtin import BoolAttr, StringAttr, TensorType, f32
from xdsl.ir import Dialect, Operation, SSAValue
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
)
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.format_directives import BareWord, PresenceFlag, TrailingOperandTypes
from epoch_mlir.dialects.operand_segments import InferredOperandSegments, SegmentsWhenAmbiguous
from epoch_mlir.dialects.shape_checks import (
    Elements,
    batched,
    expect_one_of,
    expect_result_type,
    expect_same_batch,
    expect_same_elements,
    expect_same_size,
    sequence_shape,
    tensor_shape,
)

DISCRETIZATION_METHODS = ("zoh", "bilinear", "euler")


def _tensor_type(value: SSAValue | Operation) -> TensorType:
    value_type = SSAValue.get(value).type
    assert isinstance(value_type, TensorType), f"expected a tensor, got {value_type}"
    return value_type


@irdl_op_definition
class DiscretizeOp(IRDLOperation):
    """Turns continuous-time (A, B) into the discrete coefficients a scan consumes.

    for h, n:
        dA = delta[h] * A[h, n]
        zoh:      Abar = exp(dA);                 Bbar = (Abar - 1) / A[h, n] * B[h, n]
        bilinear: Abar = (1 + dA/2) / (1 - dA/2); Bbar = delta[h] * B[h, n] / (1 - dA/2)
        euler:    Abar = 1 + dA;                  Bbar = delta[h] * B[h, n]
    """

    name = "ssm.discretize"

    A = operand_def(TensorType)
    B = operand_def(TensorType)
    delta = operand_def(TensorType)
    Abar = result_def(TensorType)
    Bbar = result_def(TensorType)
    method = prop_def(StringAttr)

    traits = traits_def(Pure())
    custom_directives = (BareWord,)
    assembly_format = (
        "custom<BareWord>($method) $A `,` $B `,` $delta attr-dict "
        "`:` functional-type(operands, results)"
    )

    def __init__(
        self,
        A: SSAValue | Operation,
        B: SSAValue | Operation,
        delta: SSAValue | Operation,
        method: str,
    ) -> None:
        coefficient_type = _tensor_type(A)
        super().__init__(
            operands=[A, B, delta],
            result_types=[coefficient_type, coefficient_type],
            properties={"method": StringAttr(method)},
        )

    def verify_(self) -> None:
        expect_one_of("method", self.method.data, DISCRETIZATION_METHODS)
        channels, states = tensor_shape("A", self.A, dims="H x N", elements=Elements.F32_OR_COMPLEX)
        b_channels, b_states = tensor_shape(
            "B", self.B, dims="H x N", elements=Elements.F32_OR_COMPLEX
        )
        expect_same_elements("A", self.A, "B", self.B)
        expect_same_size("A", channels, "B", b_channels, "channels")
        expect_same_size("A", states, "B", b_states, "state columns")
        (delta_channels,) = tensor_shape("delta", self.delta, dims="H")
        expect_same_size("A", channels, "delta", delta_channels, "channels")
        expect_result_type("Abar", self.Abar, self.A.type, "the type of A")
        expect_result_type("Bbar", self.Bbar, self.A.type, "the type of A")


@irdl_op_definition
class ScanOp(InferredOperandSegments):
    """Runs the diagonal linear recurrence of S4/S4D over the sequence, state starting at 0
    (or at s0, when given; the op then also returns the last state).

    s = s0 if given else 0                  # H x N, type T
    for k in 0..L-1:
        s = Abar * s + Bbar * u[k, :, None]
        y[k, h] = Re(sum_n C[h, n] * s[h, n]) + D[h] * u[k, h]
    s_last = s   (passed on as the next piece's s0, a sequence run in pieces gives the same y)
    """

    name = "ssm.scan"

    u = operand_def(TensorType)
    Abar = operand_def(TensorType)
    Bbar = operand_def(TensorType)
    C = operand_def(TensorType)
    D = operand_def(TensorType)
    s0 = opt_operand_def(TensorType)
    y = result_def(TensorType)
    s_last = opt_result_def(TensorType)

    traits = traits_def(Pure())
    assembly_format = (
        "$u `,` $Abar `,` $Bbar `,` $C `,` $D (`state` $s0^)? attr-dict `:` "
        "functional-type(operands, results)"
    )

    def __init__(
        self,
        u: SSAValue | Operation,
        Abar: SSAValue | Operation,
        Bbar: SSAValue | Operation,
        C: SSAValue | Operation,
        D: SSAValue | Operation,
        s0: SSAValue | Operation | None = None,
    ) -> None:
        super().__init__(
            operands=[u, Abar, Bbar, C, D, s0],
            result_types=[[_tensor_type(u)], [_tensor_type(s0)] if s0 is not None else []],
        )

    def verify_(self) -> None:
        batch, (steps, channels) = sequence_shape("u", self.u, dims="L x H")
        abar_channels, states = tensor_shape(
            "Abar", self.Abar, dims="H x N", elements=Elements.F32_OR_COMPLEX
        )
        expect_same_size("u", channels, "Abar", abar_channels, "channels")
        for name, value in (("Bbar", self.Bbar), ("C", self.C)):
            value_channels, value_states = tensor_shape(
                name, value, dims="H x N", elements=Elements.F32_OR_COMPLEX
            )
            expect_same_elements("Abar", self.Abar, name, value)
            expect_same_size("u", channels, name, value_channels, "channels")
            expect_same_size("Abar", states, name, value_states, "state columns")
        (d_channels,) = tensor_shape("D", self.D, dims="H")
        expect_same_size("u", channels, "D", d_channels, "channels")
        expected = TensorType(f32, batched(batch, [steps, channels]))
        expect_result_type("y", self.y, expected, "L x H, like u")
        if (self.s0 is None) != (self.s_last is None):
            raise VerifyException("s0 and s_last come together: the state in and the state out")
        if self.s0 is not None and self.s_last is not None:
            abar_type = self.Abar.type
            assert isinstance(abar_type, TensorType)
            state = TensorType(abar_type.element_type, batched(batch, [channels, states]))
            expect_result_type("s0", self.s0, state, "H x N of Abar's type, per sequence")
            expect_result_type("s_last", self.s_last, state, "the type of s0")


@irdl_op_definition
class SelectiveScanOp(SegmentsWhenAmbiguous):
    """Mamba's selective scan (batch 1): a recurrence whose coefficients change every step.

    x = x0 if given else 0                  # H x N
    for k in 0..L-1:
        d = softplus(delta[k]) if delta_softplus else delta[k]          # H
        x[h, n] = exp(d[h] * A[h, n]) * x[h, n] + d[h] * u[k, h] * B[k, n]
        y[k, h] = sum_n x[h, n] * C[k, n] + D[h] * u[k, h]
        if z: y[k, h] *= silu(z[k, h])
    x_last = x  (returned when x0 is given: passed on as the next piece's x0, a sequence run
    in pieces gives the same y as one run: prefill, then decoding one token at a time)
    """

    name = "ssm.selective_scan"

    u = operand_def(TensorType)
    delta = operand_def(TensorType)
    A = operand_def(TensorType)
    B = operand_def(TensorType)
    C = operand_def(TensorType)
    D = operand_def(TensorType)
    z = opt_operand_def(TensorType)
    x0 = opt_operand_def(TensorType)
    y = result_def(TensorType)
    x_last = opt_result_def(TensorType)
    delta_softplus = prop_def(BoolAttr, BoolAttr.from_bool(False))

    irdl_options = (AttrSizedOperandSegments(as_property=True),)
    traits = traits_def(Pure())
    custom_directives = (PresenceFlag, TrailingOperandTypes)
    assembly_format = (
        "$u `,` $delta `,` $A `,` $B `,` $C `,` $D (`,` $z^)? (`state` $x0^)? "
        "(`delta_softplus` custom<PresenceFlag>($delta_softplus)^)? attr-dict `:` "
        "`(` type($u) `,` type($delta) `,` type($A) `,` type($B) `,` type($C) `,` type($D) "
        "custom<TrailingOperandTypes>(type($z), type($x0)) `)` `->` type(results)"
    )

    def __init__(
        self,
        u: SSAValue | Operation,
        delta: SSAValue | Operation,
        A: SSAValue | Operation,
        B: SSAValue | Operation,
        C: SSAValue | Operation,
        D: SSAValue | Operation,
        z: SSAValue | Operation | None = None,
        *,
        delta_softplus: bool = False,
        x0: SSAValue | Operation | None = None,
    ) -> None:
        super().__init__(
            operands=[u, delta, A, B, C, D, z, x0],
            result_types=[[_tensor_type(u)], [_tensor_type(x0)] if x0 is not None else []],
            properties={"delta_softplus": BoolAttr.from_bool(delta_softplus)},
        )

    @classmethod
    def infer_segments(cls, operands: int, results: int) -> list[int] | None:
        """Seven operands are u .. D and z, or u .. D and x0 when the op returns the state."""
        if operands == 7:
            return [1] * 6 + ([0, 1] if results == 2 else [1, 0])
        return super().infer_segments(operands, results)

    @property
    def applies_softplus(self) -> bool:
        """Whether delta goes through softplus first (the i1 attribute stores true as -1)."""
        return bool(self.delta_softplus.value.data)

    def verify_(self) -> None:
        batch, (steps, channels) = sequence_shape("u", self.u, dims="L x H")
        delta_batch, (delta_steps, delta_channels) = sequence_shape(
            "delta", self.delta, dims="L x H"
        )
        expect_same_batch("u", batch, "delta", delta_batch)
        expect_same_size("u", steps, "delta", delta_steps, "steps")
        expect_same_size("u", channels, "delta", delta_channels, "channels")
        a_channels, states = tensor_shape("A", self.A, dims="H x N")
        expect_same_size("u", channels, "A", a_channels, "channels")
        for name, value in (("B", self.B), ("C", self.C)):
            value_batch, (value_steps, value_states) = sequence_shape(name, value, dims="L x N")
            expect_same_batch("u", batch, name, value_batch)
            expect_same_size("u", steps, name, value_steps, "steps")
            expect_same_size("A", states, name, value_states, "state columns")
        (d_channels,) = tensor_shape("D", self.D, dims="H")
        expect_same_size("u", channels, "D", d_channels, "channels")
        if self.z is not None:
            z_batch, (z_steps, z_channels) = sequence_shape("z", self.z, dims="L x H")
            expect_same_batch("u", batch, "z", z_batch)
            expect_same_size("u", steps, "z", z_steps, "steps")
            expect_same_size("u", channels, "z", z_channels, "channels")
        expected = TensorType(f32, batched(batch, [steps, channels]))
        expect_result_type("y", self.y, expected, "L x H, like u")
        if (self.x0 is None) != (self.x_last is None):
            raise VerifyException("x0 and x_last come together: the state in and the state out")
        if self.x0 is not None and self.x_last is not None:
            state = TensorType(f32, batched(batch, [channels, states]))
            expect_result_type("x0", self.x0, state, "H x N from A, per sequence")
            expect_result_type("x_last", self.x_last, state, "the type of x0")


SSM = Dialect("ssm", [DiscretizeOp, ScanOp, SelectiveScanOp], [])
