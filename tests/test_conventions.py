"""Project conventions that a test can hold in place (style.md section 5)."""

from __future__ import annotations

import importlib
import inspect

from xdsl.irdl import AttrSizedOperandSegments, IRDLOperation
from xdsl.passes import ModulePass

from epoch_mlir.dialects.operand_segments import InferredOperandSegments, optional_operand_count
from epoch_mlir.emulator.plan import PLANS
from epoch_mlir.emulator.semantics import load_all
from epoch_mlir.isa.table import INSTRUCTIONS
from epoch_mlir.registry import get_all_dialects, get_all_passes, pass_modules

MNEMONICS = {row.mnemonic for row in INSTRUCTIONS}


def test_every_instruction_has_semantics_and_a_plan() -> None:
    assert set(load_all()) == MNEMONICS
    assert set(PLANS) == MNEMONICS


def test_semantics_functions_are_named_after_their_mnemonic() -> None:
    for mnemonic, function in load_all().items():
        assert function.__name__ == f"exec_{mnemonic}"


def test_op_classes_are_named_documented_and_prefixed() -> None:
    for name, factory in get_all_dialects().items():
        if not name.startswith(("ssm", "nn", "systolic", "epoch")):
            continue
        dialect = factory()
        for op in dialect.operations:
            assert op.__name__.endswith("Op"), op
            assert op.__doc__ and op.__doc__.strip(), op
            assert op.name.startswith(f"{dialect.name}."), op


def _project_ops() -> list[type[IRDLOperation]]:
    ops: list[type[IRDLOperation]] = []
    for name, factory in get_all_dialects().items():
        if name in ("ssm", "nn", "systolic", "epoch"):
            ops.extend(op for op in factory().operations if issubclass(op, IRDLOperation))
    return ops


def test_generic_form_needs_operand_segments_only_with_several_optional_operands() -> None:
    """SPEC.md: at most one optional operand -> no operandSegmentSizes (still accepted)."""
    for op in _project_ops():
        sized = any(
            isinstance(option, AttrSizedOperandSegments)
            for option in op.get_irdl_definition().options
        )
        optional = optional_operand_count(op)
        assert sized == (optional > 1), op.name
        assert issubclass(op, InferredOperandSegments) == (optional == 1), op.name


def test_every_pass_module_is_registered_under_its_file_name() -> None:
    registered = get_all_passes()
    modules = pass_modules()
    assert {name.replace("_", "-") for _, name in modules} == set(registered)
    for module_name, name in modules:
        module = importlib.import_module(module_name)
        passes = [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, ModulePass) and cls.__module__ == module.__name__
        ]
        assert len(passes) == 1, module_name
        (cls,) = passes
        assert cls.name == name.replace("_", "-"), cls
        assert cls.__name__.endswith("Pass"), cls
