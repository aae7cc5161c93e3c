"""MLIR's rule for the generic form of ops with one optional operand.

MLIR needs `operandSegmentSizes` only when the operand count alone cannot tell which optional
or variadic operands are present: with at most one of them, it follows from the count. xDSL,
given `AttrSizedOperandSegments`, demands the property on every such op, so a generic-form
`nn.linear` written from SPEC.md would be refused. Ops with one optional operand therefore
drop that option and derive from `InferredOperandSegments`, which still accepts the property
when a file gives it (files printed before this rule keep parsing) and checks that it agrees
with the operands before dropping it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

from xdsl.dialects.builtin import DenseArrayBase, IntegerType, i32
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation, OptionalDef
from xdsl.utils.exceptions import VerifyException

OPERAND_SEGMENT_SIZES = "operandSegmentSizes"


class OperandSegmentsError(VerifyException):
    """A given `operandSegmentSizes` that disagrees with the op's operands (the parser reports
    it at the op's name)."""


def optional_operand_count(op_class: type[IRDLOperation]) -> int:
    """How many of the op's operand definitions are optional (one variadic operand, as
    `nn.stack`'s parts, needs no segments either: every operand is in it)."""
    operands = op_class.get_irdl_definition().operands
    return sum(isinstance(definition, OptionalDef) for _, definition in operands)


class InferredOperandSegments(IRDLOperation):
    """An op with at most one optional operand: `operandSegmentSizes` is optional, then dropped."""

    @classmethod
    def create(
        cls,
        *,
        operands: Sequence[SSAValue] = (),
        properties: Mapping[str, Attribute] = {},
        **kwargs: Any,
    ) -> Self:
        if OPERAND_SEGMENT_SIZES in properties:
            properties = dict(properties)
            _check_segment_sizes(cls, properties.pop(OPERAND_SEGMENT_SIZES), len(operands))
        return super().create(operands=operands, properties=properties, **kwargs)


class SegmentsWhenAmbiguous(IRDLOperation):
    """An op with several optional operands (`AttrSizedOperandSegments`): the generic form
    prints `operandSegmentSizes`, and a file may leave it out when the operand count leaves no
    doubt (every optional operand absent, or all present, or what `infer_segments` says), as
    files written before the op's last optional operand (a state) did. A given array one entry
    short is such a file's too: that last operand is absent."""

    @classmethod
    def create(
        cls,
        *,
        operands: Sequence[SSAValue] = (),
        properties: Mapping[str, Attribute] = {},
        **kwargs: Any,
    ) -> Self:
        given = properties.get(OPERAND_SEGMENT_SIZES)
        definitions = len(cls.get_irdl_definition().operands)
        if isinstance(given, DenseArrayBase) and len(given.get_values()) == definitions - 1:
            values = [int(value) for value in given.get_values()]
            completed = DenseArrayBase.from_list(given.elt_type, [*values, 0])
            properties = {**properties, OPERAND_SEGMENT_SIZES: completed}
        if OPERAND_SEGMENT_SIZES in properties:
            _check_segment_sizes(cls, properties[OPERAND_SEGMENT_SIZES], len(operands))
        else:
            results = len(kwargs.get("result_types", ()))
            sizes = cls.infer_segments(len(operands), results)
            if sizes is not None:
                properties = {
                    **properties,
                    OPERAND_SEGMENT_SIZES: DenseArrayBase.from_list(i32, sizes),
                }
        if OPERAND_SEGMENT_SIZES in properties:  # first, as printed for every such op
            segments = properties[OPERAND_SEGMENT_SIZES]
            rest = {k: v for k, v in properties.items() if k != OPERAND_SEGMENT_SIZES}
            properties = {OPERAND_SEGMENT_SIZES: segments, **rest}
        return super().create(operands=operands, properties=properties, **kwargs)

    @classmethod
    def infer_segments(cls, operands: int, results: int) -> list[int] | None:
        """The segment sizes `operands` operands (and `results` results) leave no doubt about:
        every optional operand absent, or all present; None otherwise."""
        definitions = cls.get_irdl_definition().operands
        optional = [isinstance(definition, OptionalDef) for _, definition in definitions]
        if operands not in (optional.count(False), len(optional)):
            return None
        present = operands == len(optional)
        return [1 if not is_optional or present else 0 for is_optional in optional]


def _check_segment_sizes(
    op_class: type[IRDLOperation], sizes: Attribute, operand_count: int
) -> None:
    """Refuse a given `operandSegmentSizes` that disagrees with the definition or the operands."""
    definitions = op_class.get_irdl_definition().operands
    name = op_class.get_irdl_definition().name
    if not (
        isinstance(sizes, DenseArrayBase)
        and isinstance(sizes.elt_type, IntegerType)
        and sizes.elt_type.width.data == 32
    ):
        raise OperandSegmentsError(f"{OPERAND_SEGMENT_SIZES} of {name} must be an array<i32: ...>")
    values = sizes.get_values()
    expected = len(definitions)
    if len(values) != expected:
        raise OperandSegmentsError(
            f"{OPERAND_SEGMENT_SIZES} of {name} has {len(values)} entries, expected {expected}"
        )
    for (operand_name, definition), size in zip(definitions, values, strict=True):
        allowed = (0, 1) if isinstance(definition, OptionalDef) else (1,)
        if size not in allowed:
            raise OperandSegmentsError(
                f"{OPERAND_SEGMENT_SIZES} of {name} gives operand '{operand_name}' "
                f"{size} values, expected {' or '.join(map(str, allowed))}"
            )
    if sum(values) != operand_count:
        raise OperandSegmentsError(
            f"{OPERAND_SEGMENT_SIZES} of {name} adds up to {sum(values)} operands, "
            f"but {operand_count} are given"
        )
