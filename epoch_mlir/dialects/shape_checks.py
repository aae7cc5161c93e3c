"""Shape and element-type rules shared by the `ssm` and `nn` verifiers.

Every rule raises a `VerifyException` whose message names the operands and the numbers
involved, so `'ssm.scan' op Abar has 8 state columns but C has 9` tells the user what to fix
without reading the verifier. Messages put the reference operand first and the offender second.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from xdsl.dialects.builtin import ComplexType, TensorType, f32, i32
from xdsl.ir import Attribute, SSAValue
from xdsl.utils.exceptions import VerifyException


class Elements(Enum):
    """The element types an operand may have; SPEC.md's `T` is `F32_OR_COMPLEX`."""

    F32 = "f32"
    F32_OR_COMPLEX = "f32 or complex<f32>"
    I32 = "i32"  # token ids
    ANY = "f32, i32 or complex<f32>"  # data movement (nn.stack, nn.unstack)

    def allows(self, element_type: Attribute) -> bool:
        if self is Elements.ANY:
            return element_type in (f32, i32, ComplexType(f32))
        if self is Elements.I32:
            return element_type == i32
        if element_type == f32:
            return True
        return self is Elements.F32_OR_COMPLEX and element_type == ComplexType(f32)


def shape_text(shape: Sequence[int]) -> str:
    """MLIR's spelling of a shape (`4x8`), so messages read like the types in the source."""
    return "x".join(str(size) for size in shape) if shape else "scalar"


def tensor_shape(
    name: str,
    value: SSAValue,
    *,
    dims: str | None,
    elements: Elements = Elements.F32,
) -> tuple[int, ...]:
    """The static shape of operand or result `name`, after checking rank and element type.

    `dims` spells the expected dimensions (`"L x H"`) and fixes the rank; None accepts any rank.
    Dynamic and zero-sized dimensions are refused: the accelerator tiles fixed, non-empty tensors.
    """
    tensor_type = value.type
    if not isinstance(tensor_type, TensorType):
        raise VerifyException(f"{name} must be a tensor, got {tensor_type}")
    shape = tuple(tensor_type.get_shape())
    if dims is not None:
        rank = len(dims.split(" x "))
        if len(shape) != rank:
            raise VerifyException(f"{name} must be a {rank}-D tensor ({dims}), got {tensor_type}")
    if any(size < 0 for size in shape):
        raise VerifyException(f"{name} must have a static shape, got {tensor_type}")
    if any(size == 0 for size in shape):
        raise VerifyException(f"{name} must not have an empty dimension, got {tensor_type}")
    if not elements.allows(tensor_type.element_type):
        raise VerifyException(
            f"{name} must have {elements.value} elements, got {tensor_type.element_type}"
        )
    return shape


def sequence_shape(
    name: str,
    value: SSAValue,
    *,
    dims: str,
    elements: Elements = Elements.F32,
) -> tuple[int | None, tuple[int, ...]]:
    """The batch size (None when unbatched) and the per-sequence shape of `name`.

    SPEC.md's contract version 2: an operand spelt `dims` (`"L x H"`) may also carry a leading
    batch dimension (`B x L x H`); the sequences of a batch are independent.
    """
    tensor_type = value.type
    rank = len(dims.split(" x "))
    if isinstance(tensor_type, TensorType) and len(tensor_type.get_shape()) not in (rank, rank + 1):
        raise VerifyException(
            f"{name} must be a {rank}-D tensor ({dims}) or a batch of them ({rank + 1}-D, "
            f"B x {dims}), got {tensor_type}"
        )
    batched = isinstance(tensor_type, TensorType) and len(tensor_type.get_shape()) == rank + 1
    shape = tensor_shape(name, value, dims=f"B x {dims}" if batched else dims, elements=elements)
    return (shape[0], shape[1:]) if batched else (None, shape)


def expect_same_batch(
    reference: str, reference_batch: int | None, other: str, other_batch: int | None
) -> None:
    """Refuse mixing batched and unbatched sequences, or batches of different sizes."""
    if reference_batch != other_batch:

        def spelt(batch: int | None) -> str:
            return "no batch dimension" if batch is None else f"a batch of {batch}"

        raise VerifyException(
            f"{reference} has {spelt(reference_batch)} but {other} has {spelt(other_batch)}"
        )


def batched(batch: int | None, shape: Sequence[int]) -> list[int]:
    """`shape` with the leading batch dimension `batch` (none when None)."""
    return list(shape) if batch is None else [batch, *shape]


def element_type(value: SSAValue) -> Attribute:
    """The element type of a value already checked by `tensor_shape`."""
    tensor_type = value.type
    assert isinstance(tensor_type, TensorType)
    return tensor_type.element_type


def expect_same_size(
    reference: str, reference_size: int, other: str, other_size: int, what: str
) -> None:
    """Refuse `other` when its `what` (channels, state columns...) differs from `reference`'s."""
    if reference_size != other_size:
        raise VerifyException(
            f"{reference} has {reference_size} {what} but {other} has {other_size}"
        )


def expect_same_shape(
    reference: str, reference_shape: Sequence[int], other: str, other_shape: Sequence[int]
) -> None:
    """Refuse `other` when its shape differs from `reference`'s (elementwise operands)."""
    if tuple(reference_shape) != tuple(other_shape):
        raise VerifyException(
            f"{reference} has shape {shape_text(reference_shape)} "
            f"but {other} has shape {shape_text(other_shape)}"
        )


def expect_same_elements(
    reference: str, reference_value: SSAValue, other: str, value: SSAValue
) -> None:
    """Refuse mixing real and complex operands that SPEC.md types with the same `T`."""
    reference_element, other_element = element_type(reference_value), element_type(value)
    if reference_element != other_element:
        raise VerifyException(
            f"{reference} has {reference_element} elements but {other} has {other_element}"
        )


def expect_result_type(name: str, result: SSAValue, expected: Attribute, why: str) -> None:
    """Refuse a result whose type differs from the one the op's math produces.

    `why` says where the expected type comes from (`"L x N from x and W"`).
    """
    if result.type != expected:
        raise VerifyException(f"{name} has type {result.type} but must be {expected} ({why})")


def expect_one_of(name: str, value: str, allowed: Sequence[str]) -> None:
    """Refuse a string property outside its documented set of values."""
    if value not in allowed:
        choices = ", ".join(f'"{choice}"' for choice in allowed)
        raise VerifyException(f'{name} must be one of {choices}, got "{value}"')
