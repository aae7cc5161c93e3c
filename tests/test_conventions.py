"""Project conventions that a test can hold in place (style.md section 5)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from xdsl.irdl import AttrSizedOperandSegments, IRDLOperation
from xdsl.passes import ModulePass

import epoch_mlir
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


# Which packages of epoch_mlir each layer may import: data flows downward, from the dialects
# through transforms and conversions to targets and the driver (docs/compiler.md, "Layout").
FORBIDDEN_IMPORTS = {
    "epoch_mlir.dialects": (
        "epoch_mlir.transforms",
        "epoch_mlir.conversions",
        "epoch_mlir.targets",
        "epoch_mlir.emulator",
        "epoch_mlir.interpreters",
        "epoch_mlir.cli",
        "epoch_mlir.compiler",
        "epoch_mlir.registry",
    ),
    "epoch_mlir.transforms": (
        "epoch_mlir.targets",
        "epoch_mlir.emulator",
        "epoch_mlir.interpreters",
        "epoch_mlir.cli",
        "epoch_mlir.compiler",
        "epoch_mlir.registry",
    ),
    "epoch_mlir.conversions": (
        "epoch_mlir.transforms.",  # conversions may use no transform's internals but its pass
        "epoch_mlir.targets",
        "epoch_mlir.emulator",
        "epoch_mlir.interpreters",
        "epoch_mlir.cli",
        "epoch_mlir.compiler",
        "epoch_mlir.registry",
    ),
    "epoch_mlir.targets": (
        "epoch_mlir.transforms",
        "epoch_mlir.conversions",
        "epoch_mlir.emulator",
        "epoch_mlir.interpreters",
        "epoch_mlir.cli",
        "epoch_mlir.compiler",
    ),
    "epoch_mlir.isa": ("epoch_mlir.dialects", "epoch_mlir.emulator", "epoch_mlir.compiler"),
    "epoch_mlir.machine": ("epoch_mlir.",),
}
ALLOWED_IMPORTS = {"epoch_mlir.machine": ("epoch_mlir.errors", "epoch_mlir.machine")}


def _imports(path: Path) -> list[str]:
    """Every epoch_mlir module a file imports, at any depth (lazy imports inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [name for name in names if name.startswith("epoch_mlir")]


def test_data_flows_downward() -> None:
    package = Path(epoch_mlir.__file__).parent
    offences = []
    for path in sorted(package.rglob("*.py")):
        module = "epoch_mlir." + ".".join(path.relative_to(package).with_suffix("").parts)
        for layer, forbidden in FORBIDDEN_IMPORTS.items():
            if not module.startswith(layer):
                continue
            allowed = ALLOWED_IMPORTS.get(layer, ())
            for name in _imports(path):
                if name.startswith(forbidden) and not name.startswith(allowed):
                    offences.append(f"{module} imports {name}")
    assert offences == []


def test_every_pass_has_a_lit_test() -> None:
    """tests/filecheck/{transforms,conversions}/<pass-name>.mlir shows its input and output."""
    suite = Path(__file__).parent / "filecheck"
    for module_name, name in pass_modules():
        layer = "conversions" if ".conversions." in module_name else "transforms"
        pass_name = name.replace("_", "-")
        assert (suite / layer / f"{pass_name}.mlir").is_file(), pass_name
