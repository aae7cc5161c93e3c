"""Python builders of the nn ops infer result types that the verifier accepts."""

from __future__ import annotations

import pytest
from xdsl.dialects.builtin import TensorType, f32, i32
from xdsl.ir import Operation, SSAValue
from xdsl.utils.test_value import create_ssa_value

from epoch_mlir.dialects import nn


def tensor(*shape: int) -> SSAValue:
    return create_ssa_value(TensorType(f32, list(shape)))


x, square = tensor(8, 32), tensor(8, 16)


@pytest.mark.parametrize(
    ("op", "result_shape"),
    [
        (nn.LinearOp(x, tensor(16, 32), tensor(16)), [8, 16]),
        (nn.LinearOp(x, tensor(16, 32)), [8, 16]),
        (nn.GeluOp(square, "tanh"), [8, 16]),
        (nn.SiluOp(square), [8, 16]),
        (nn.SigmoidOp(square), [8, 16]),
        (nn.SoftplusOp(square), [8, 16]),
        (nn.ReluOp(square), [8, 16]),
        (nn.AddOp(square, square), [8, 16]),
        (nn.MulOp(square, square), [8, 16]),
        (nn.LayerNormOp(square, tensor(16), tensor(16), eps=1e-6), [8, 16]),
        (nn.GluOp(x), [8, 16]),
        (nn.MeanOp(square), [1, 16]),
        (nn.CausalConv1dOp(square, tensor(16, 4), tensor(16)), [8, 16]),
        (nn.CausalConv1dOp(square, tensor(16, 4)), [8, 16]),
        (nn.ReverseOp(square), [8, 16]),
        (nn.ExpOp(square), [8, 16]),
        (nn.NegOp(square), [8, 16]),
        (nn.AddOp(square, tensor(16)), [8, 16]),
        (nn.RmsNormOp(square, tensor(16), eps=1e-6), [8, 16]),
        (nn.SliceOp(square, 3, 5), [8, 5]),
        (nn.EmbeddingOp(create_ssa_value(TensorType(i32, [8])), square), [8, 16]),
    ],
    ids=lambda value: value.name if isinstance(value, Operation) else None,
)
def test_builders_infer_verified_result_types(op: Operation, result_shape: list[int]) -> None:
    op.verify()
    assert op.results[0].type == TensorType(f32, result_shape)


def test_op_classes_follow_the_naming_conventions() -> None:
    operations = list(nn.NN.operations)
    assert len(operations) == 20
    for op in operations:
        assert op.__name__.endswith("Op")
        assert op.name.startswith("nn.")
        assert op.__doc__
        assert op.__doc__.strip()
