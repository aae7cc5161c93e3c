"""Shared plumbing of the tensor -> systolic conversions: moving between values and DRAM tensors.

The tensor level is SSA dataflow (`%y = nn.gelu %x`); the systolic level is memory (`%y` is a
DRAM tensor that ops write). During a partial conversion the two meet through
`builtin.unrealized_conversion_cast`, as in MLIR: a converted op reads its operands' DRAM tensors
(`dram_operand`) and hands its users a cast of the DRAM tensor it wrote (`replace_with_dram`);
`reconcile-unrealized-casts` removes the casts once every op is converted, and a cast that
survives names an op no pattern lowered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import (
    ComplexType,
    ModuleOp,
    TensorType,
    UnknownLoc,
    UnrealizedConversionCastOp,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern
from xdsl.rewriter import InsertPoint

from epoch_mlir.dataflows import folds  # noqa: F401  (the conversions' folding helper)
from epoch_mlir.diagnostics import op_error
from epoch_mlir.dialects.epoch.attrs import MACHINE_ATTRIBUTE, MachineAttr
from epoch_mlir.dialects.systolic import DramType, TargetAttr, find_target
from epoch_mlir.errors import IRError
from epoch_mlir.machine import Machine

MODE_ATTRIBUTE = "ssm.mode"  # which mapping an ssm lowering chose: prodf, recurrent, convolution


SRAM_ALIGNMENT = 2  # words: a complex element never straddles an odd address


class LoweringError(IRError):
    """An op that cannot be mapped onto the machine: one line, at the op when located, exit 1."""

    @classmethod
    def at(cls, op: Operation, message: str) -> LoweringError:
        """The error about `op`, carrying its file:line:col when the op came from a file."""
        error = op_error(op, message)
        return cls(error.message, where=error.where)


def dram_type(tensor_type: Attribute) -> DramType:
    """The DRAM tensor type holding a tensor of `tensor_type`."""
    if not isinstance(tensor_type, TensorType):
        raise LoweringError(f"expected a ranked tensor, got {tensor_type}")
    return DramType(tensor_type.get_shape(), tensor_type.get_element_type())


def is_complex(value: SSAValue) -> bool:
    element = getattr(value.type, "element_type", None)
    return isinstance(element, ComplexType)


def dram_operand(value: SSAValue, rewriter: PatternRewriter, before: Operation) -> SSAValue:
    """The DRAM tensor behind `value`: the producer's, or a cast inserted before `before`."""
    if isinstance(value.type, DramType):
        return value
    owner = value.owner
    if isinstance(owner, UnrealizedConversionCastOp) and isinstance(owner.inputs[0].type, DramType):
        return owner.inputs[0]
    cast = UnrealizedConversionCastOp.get([value], [dram_type(value.type)])
    rewriter.insert(cast, InsertPoint.before(before))
    return cast.results[0]


def replace_with_dram(
    op: Operation, tensors: Sequence[SSAValue], rewriter: PatternRewriter, new_ops: list[Operation]
) -> None:
    """Insert `new_ops` before `op` and replace `op` by casts of the DRAM `tensors` it wrote."""
    casts = [
        UnrealizedConversionCastOp.get([tensor], [result.type])
        for tensor, result in zip(tensors, op.results, strict=True)
    ]
    rewriter.insert([*new_ops, *casts], InsertPoint.before(op))
    rewriter.replace(op, [], [cast.results[0] for cast in casts])


def module_of(op: Operation) -> ModuleOp:
    current: Operation | None = op
    while current is not None and not isinstance(current, ModuleOp):
        current = current.parent_op()
    if current is None:
        raise LoweringError("op is not inside a module")
    return current


def target_of(op: Operation) -> TargetAttr:
    """The module's target; conversions run after `convert-func-to-systolic`, which sets it."""
    target = find_target(op)
    if target is None:
        raise LoweringError(
            "no systolic.target on the module: run epoch-set-machine{hw=...} and "
            "convert-func-to-systolic first"
        )
    return target


def bank_words(op: Operation, machine: Machine, name: str) -> int:
    """Words of the machine's SRAM bank `name`; a LoweringError at `op` when there is none."""
    try:
        return machine.bank(name).words
    except KeyError:
        names = ", ".join(bank.name for bank in machine.sram_banks)
        raise LoweringError.at(
            op, f"needs an SRAM bank named '{name}', but machine '{machine.name}' has {names}"
        ) from None


def machine_of(op: Operation) -> Machine:
    """The machine the module of `op` is compiled for: its `epoch.machine` attribute (set by
    `epoch-set-machine`), which holds the whole description, so no pass reads a file."""
    machine = module_machine(module_of(op))
    if machine is None:
        raise LoweringError.at(
            op, "the module names no machine: run epoch-set-machine{hw=...} first"
        )
    return machine


def module_machine(module: ModuleOp) -> Machine | None:
    """The module's machine, if it names one."""
    attribute = module.attributes.get(MACHINE_ATTRIBUTE)
    return attribute.machine() if isinstance(attribute, MachineAttr) else None


@dataclass
class KeepSourceLocation(RewritePattern):
    """`pattern`, with every op it inserts (and the ops nested in them) located where the op it
    rewrites was: an instruction can then be traced back to the ssm/nn op it came from."""

    pattern: RewritePattern

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        location = op.location

        def stamp(new: Operation) -> None:
            for nested in new.walk():
                if isinstance(nested.location, UnknownLoc):
                    nested.location = location

        rewriter.operation_insertion_handler.append(stamp)
        try:
            self.pattern.match_and_rewrite(op, rewriter)
        finally:
            rewriter.operation_insertion_handler.remove(stamp)
