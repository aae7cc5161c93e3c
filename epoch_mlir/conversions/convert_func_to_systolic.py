"""convert-func-to-systolic: put the module's tensors in DRAM and give the verifiers the target."""

from __future__ import annotations

import math
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func
from xdsl.dialects.builtin import (
    ComplexType,
    DenseIntOrFPElementsAttr,
    FunctionType,
    ModuleOp,
    TensorType,
    UnrealizedConversionCastOp,
)
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)
from xdsl.rewriter import InsertPoint, Rewriter

from epoch_mlir.conversions.systolic_common.lowering import (
    LoweringError,
    dram_operand,
    dram_type,
    machine_of,
)
from epoch_mlir.dialects.systolic import TARGET_ATTRIBUTE, ConstantOp, TargetAttr
from epoch_mlir.machine import Machine


class LowerDenseConstant(RewritePattern):
    """A dense tensor constant becomes a DRAM tensor initialised from the data segment."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.ConstantOp, rewriter: PatternRewriter) -> None:
        value = op.value
        if not isinstance(value, DenseIntOrFPElementsAttr) or not isinstance(
            value.type, TensorType
        ):
            return
        constant = ConstantOp(value)
        cast = UnrealizedConversionCastOp.get([constant.tensor], [op.result.type])
        rewriter.replace(op, [constant, cast], [cast.results[0]])


def _convert_signature(function: func.FuncOp) -> None:
    """Arguments and results become DRAM tensors; casts keep the body's tensor ops valid."""
    if function.is_declaration:
        return
    block = function.body.blocks[0]
    for argument in list(block.args):
        if not isinstance(argument.type, TensorType):
            raise LoweringError(f"entry argument of type {argument.type} is not a tensor")
        tensor_type = argument.type
        dram_argument = Rewriter.replace_value_with_new_type(argument, dram_type(tensor_type))
        cast = UnrealizedConversionCastOp.get([dram_argument], [tensor_type])
        dram_argument.replace_uses_with_if(
            cast.results[0], lambda use, cast=cast: use.operation is not cast
        )
        Rewriter.insert_op(cast, InsertPoint.at_start(block))
    result_types = []
    for op in function.walk():
        if isinstance(op, func.ReturnOp):
            rewriter = PatternRewriter(op)
            values = [dram_operand(value, rewriter, op) for value in op.arguments]
            op.operands = values
            result_types = [value.type for value in values]
    function.function_type = FunctionType.from_lists([arg.type for arg in block.args], result_types)


def _check_dram_capacity(module: ModuleOp, machine: Machine) -> None:
    """Refuse up front a tensor larger than the machine's DRAM, before any lowering works on it
    (the exact DRAM layout is checked at program emission; this catches what cannot fit at all,
    in time proportional to the ops, not to the tensors' sizes)."""
    for op in module.walk():
        values: list[SSAValue] = [*op.results]
        if isinstance(op, func.FuncOp) and not op.is_declaration:
            values += op.body.blocks[0].args
        for value in values:
            if not isinstance(value.type, TensorType):
                continue
            shape = value.type.get_shape()
            words = math.prod(shape) * (
                2 if isinstance(value.type.element_type, ComplexType) else 1
            )
            if words > machine.dram_words:
                raise LoweringError.at(
                    op,
                    f"a {'x'.join(map(str, shape))} tensor needs {words} words of DRAM, more than "
                    f"the {machine.dram_words} words of machine '{machine.name}'",
                )


@dataclass(frozen=True)
class ConvertFuncToSystolicPass(ModulePass):
    """Move entry arguments, results and dense constants to DRAM tensors; set the target.

    #### Input invariant
    `func.func`s over ranked tensors (the ssm/nn level), in a module that names its machine
    (`epoch.machine`, set by `epoch-set-machine`).
    #### Output IR
    Arguments, results and constants are `!systolic.dram` tensors, bridged to the remaining tensor
    ops by `builtin.unrealized_conversion_cast`; the module also carries `systolic.target` (the
    machine's limits, for the systolic ops' verifiers).
    """

    name = "convert-func-to-systolic"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        machine = machine_of(op)
        _check_dram_capacity(op, machine)
        op.attributes[TARGET_ATTRIBUTE] = TargetAttr.from_machine(machine)
        PatternRewriteWalker(LowerDenseConstant()).rewrite_module(op)
        for function in op.walk():
            if isinstance(function, func.FuncOp):
                _convert_signature(function)
