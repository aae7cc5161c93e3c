"""The one list of what the tools know: dialects, passes and output targets by name.

Every entry is a zero-argument factory so nothing is imported until a tool needs it: `epoch
opt` on a file of `nn` ops never imports the ISA. Adding a dialect, pass or target means adding
one line here; the tools and the convention tests read these mappings and nothing else.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass
from xdsl.utils.target import Target

# The upstream dialects a user of our tools needs: module/function structure, scalar and
# constant arithmetic, tensor plumbing, structured loops, and `test.op` to conjure values.
_UPSTREAM_DIALECTS = ("builtin", "func", "arith", "tensor", "scf", "test")

# The upstream passes that make sense at every level of our pipeline.
_UPSTREAM_PASSES = ("canonicalize", "cse", "dce", "reconcile-unrealized-casts")


def _ssm_dialect() -> Dialect:
    from epoch_mlir.dialects.ssm import SSM

    return SSM


def _nn_dialect() -> Dialect:
    from epoch_mlir.dialects.nn import NN

    return NN


def _systolic_dialect() -> Dialect:
    from epoch_mlir.dialects.systolic import SYSTOLIC

    return SYSTOLIC


def _epoch_dialect() -> Dialect:
    from epoch_mlir.dialects.epoch import EPOCH

    return EPOCH


def get_all_dialects() -> dict[str, Callable[[], Dialect]]:
    """Dialect name -> factory, ours first, then the upstream ones we allow in our files."""
    from xdsl.dialects import get_all_dialects as get_upstream_dialects

    upstream = get_upstream_dialects()
    return {
        "ssm": _ssm_dialect,
        "nn": _nn_dialect,
        "systolic": _systolic_dialect,
        "epoch": _epoch_dialect,
        **{name: upstream[name] for name in _UPSTREAM_DIALECTS},
    }


# Where passes live, as in MLIR: same-level rewrites and level-crossing conversions.
PASS_PACKAGES = ("epoch_mlir.transforms", "epoch_mlir.conversions")


def get_all_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """Our pass name -> factory of its `ModulePass` class.

    Each pass is the one `ModulePass` of a module or package directly under `transforms/` or
    `conversions/`, named after the pass (`-` as `_`): `transforms/ssm_discretize.py` is
    `ssm-discretize`, the package `conversions/convert_ssm_to_systolic/` is
    `convert-ssm-to-systolic`. Code shared by several conversions lives in packages whose names
    are no pass's (`conversions/systolic_common/`). Nothing is imported until a pipeline names
    the pass.
    """
    return {
        name.replace("_", "-"): functools.partial(_pass_class, module)
        for module, name in pass_modules()
    }


def pass_modules() -> list[tuple[str, str]]:
    """(module path, its name) of every pass module or package."""
    found = []
    for package_name in PASS_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__):
            if _names_a_pass(package_name, module.name):
                found.append((f"{package_name}.{module.name}", module.name))
    return found


def _names_a_pass(package: str, name: str) -> bool:
    """Transforms are `<dialect>-<verb>`; conversions `convert-<a>-to-<b>` (MLIR's names)."""
    if package.endswith("conversions"):
        return name.startswith("convert_") and "_to_" in name
    return not name.endswith("_common")


def _pass_class(module_name: str) -> type[ModulePass]:
    module = importlib.import_module(module_name)
    (pass_class,) = (
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ModulePass)
        and value.__module__ == module.__name__
    )
    return pass_class


def get_upstream_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    """xDSL's own passes that our tools offer next to ours (canonicalize, cse, dce)."""
    from xdsl.transforms import get_all_passes as get_xdsl_passes

    upstream = get_xdsl_passes()
    return {name: upstream[name] for name in _UPSTREAM_PASSES}


def get_all_targets() -> dict[str, Callable[[], type[Target]]]:
    """Output target name (`epoch opt -t NAME`) -> factory of its `Target` class."""
    return {
        "mlir": _mlir_target,
        "epoch-asm": _epoch_asm_target,
        "epoch-bin": _epoch_bin_target,
    }


def _mlir_target() -> type[Target]:
    from xdsl.targets.mlir import MLIRTarget

    return MLIRTarget


def _epoch_asm_target() -> type[Target]:
    from epoch_mlir.targets.epoch_asm import EpochAsmTarget

    return EpochAsmTarget


def _epoch_bin_target() -> type[Target]:
    from epoch_mlir.targets.epoch_program import EpochBinTarget

    return EpochBinTarget
