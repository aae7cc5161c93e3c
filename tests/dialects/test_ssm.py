"""Python builders of the ssm ops infer result types that the verifier accepts."""

from __future__ import annotations

from xdsl.dialects.builtin import ComplexType, TensorType, f32
from xdsl.ir import Attribute, SSAValue
from xdsl.utils.test_value import create_ssa_value

from epoch_mlir.dialects.ssm import SSM, DiscretizeOp, ScanOp, SelectiveScanOp


def tensor(*shape: int, element: Attribute = f32) -> SSAValue:
    return create_ssa_value(TensorType(element, list(shape)))


def test_discretize_builder_keeps_the_coefficient_type() -> None:
    A = tensor(4, 8, element=ComplexType(f32))
    op = DiscretizeOp(A, A, tensor(4), "bilinear")
    op.verify()
    assert op.Abar.type == op.Bbar.type == A.type
    assert op.method.data == "bilinear"


def test_scan_builder_returns_u_shaped_output() -> None:
    coefficients = tensor(4, 8)
    op = ScanOp(tensor(16, 4), coefficients, coefficients, coefficients, tensor(4))
    op.verify()
    assert op.y.type == TensorType(f32, [16, 4])


def test_selective_scan_builder_with_and_without_gate() -> None:
    u, A, BC, D = tensor(16, 4), tensor(4, 8), tensor(16, 8), tensor(4)
    plain = SelectiveScanOp(u, u, A, BC, BC, D)
    gated = SelectiveScanOp(u, u, A, BC, BC, D, u, delta_softplus=True)
    for op in (plain, gated):
        op.verify()
    assert plain.z is None
    assert not plain.applies_softplus
    assert gated.z is not None
    assert gated.applies_softplus


def test_op_classes_follow_the_naming_conventions() -> None:
    operations = list(SSM.operations)
    assert len(operations) == 3
    for op in operations:
        assert op.__name__.endswith("Op")
        assert op.name.startswith("ssm.")
        assert op.__doc__
        assert op.__doc__.strip()
