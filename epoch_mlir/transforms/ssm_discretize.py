"""ssm-discretize: fold `ssm.discretize` of constant operands into constant (Abar, Bbar).

Discretizations of run-time operands stay: `convert-ssm-to-systolic` lowers them to vector-unit
work (convert_ssm_to_systolic/discretize.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    BytesAttr,
    ComplexType,
    DenseIntOrFPElementsAttr,
    ModuleOp,
    TensorType,
)
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from epoch_mlir.dialects import ssm
from epoch_mlir.numerics import discretize


def constant_value(value: SSAValue) -> np.ndarray | None:
    """The array of a dense `arith.constant`, else None."""
    owner = value.owner
    if not isinstance(owner, arith.ConstantOp) or not isinstance(
        owner.value, DenseIntOrFPElementsAttr
    ):
        return None
    attr = owner.value
    dtype = np.complex64 if isinstance(attr.get_element_type(), ComplexType) else np.float32
    shape = tuple(attr.get_shape())
    data = np.frombuffer(attr.data.data, dtype)
    if data.size == 1:
        return np.full(shape, data[0], dtype)
    return data.reshape(shape)


def dense_constant(array: np.ndarray, tensor_type: TensorType) -> arith.ConstantOp:
    if isinstance(tensor_type.element_type, ComplexType):
        data = np.ascontiguousarray(array, np.complex64)
    else:
        data = np.ascontiguousarray(np.real(array), np.float32)
    dense_type = cast(TensorType[Any], tensor_type)  # xDSL's stubs want a dense element type
    return arith.ConstantOp(DenseIntOrFPElementsAttr(dense_type, BytesAttr(data.tobytes())))


class FoldConstantDiscretize(RewritePattern):
    """Discretize at compile time, in float64, rounding the result once to the tensor type."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ssm.DiscretizeOp, rewriter: PatternRewriter) -> None:
        values = [constant_value(operand) for operand in op.operands]
        if any(value is None for value in values):
            return  # run-time operands: convert-ssm-to-systolic discretizes on chip
        a, b, delta = (np.asarray(value).astype(np.complex128) for value in values)
        abar, bbar = discretize(a, b, delta.real, op.method.data)
        constants = [
            dense_constant(array, cast(TensorType, result.type))  # the verifier checked it
            for array, result in zip((abar, bbar), op.results, strict=True)
        ]
        rewriter.replace(op, constants, [constant.result for constant in constants])


@dataclass(frozen=True)
class SsmDiscretizePass(ModulePass):
    """Replace `ssm.discretize` of constants by the constants it computes (zoh, bilinear, euler).

    #### Input invariant
    The ssm/nn level.
    #### Output IR
    Every `ssm.discretize` whose A, B and delta are dense `arith.constant`s is replaced by
    `arith.constant`s Abar and Bbar computed in float64 by SPEC.md's formulas (the reference
    interpreter's own function), rounded once to f32/complex<f32>. The others are left for
    `convert-ssm-to-systolic`, which discretizes them on chip.
    """

    name = "ssm-discretize"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(FoldConstantDiscretize()).rewrite_module(op)
