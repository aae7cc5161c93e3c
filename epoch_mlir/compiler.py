"""Compiling a module from the ssm/nn level to a program (`epoch compile`, `epoch run`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xdsl.dialects.builtin import ModuleOp
from xdsl.utils.exceptions import DiagnosticException

from epoch_mlir.diagnostics import diagnostic_message
from epoch_mlir.errors import IRError
from epoch_mlir.ir_reader import load_module, make_context
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.pipelines import check_dataflow, default_dataflow, default_pipeline
from epoch_mlir.registry import get_all_passes, get_upstream_passes
from epoch_mlir.targets.epoch_program import module_to_program


@dataclass(frozen=True)
class Compiled:
    """The program and the epoch-level module it was serialized from."""

    program: Program
    module: ModuleOp
    pipeline: str


def pipeline_for(machine: Machine, hw: str, dataflow: str | None) -> str:
    dataflow = dataflow or default_dataflow(machine)
    check_dataflow(machine, dataflow)
    return default_pipeline(hw, dataflow)


def compile_file(
    path: str | Path, machine: Machine, hw: str, dataflow: str | None, pipeline: str | None
) -> Compiled:
    """Parse, verify and lower `path`; user mistakes are EpochErrors naming the op or pass."""
    spec = pipeline or pipeline_for(machine, hw, dataflow)
    ctx = make_context()
    module = load_module(path, ctx)
    passes = build_pipeline(spec, {**get_upstream_passes(), **get_all_passes()})
    try:
        passes.apply(ctx, module)
        module.verify()
    except DiagnosticException as error:
        raise IRError(diagnostic_message(error), where=str(path)) from None
    return Compiled(module_to_program(module), module, spec)
