"""A module's entry point, by SPEC.md's rule: `func.func @main`, else the single public one.

The reference interpreter, the conversion to a program and the tools all need the same answer.
"""

from __future__ import annotations

from xdsl.dialects import func
from xdsl.dialects.builtin import ModuleOp

from epoch_mlir.diagnostics import op_error

ENTRY_NAME = "main"


def find_entry(module: ModuleOp) -> func.FuncOp:
    """`func.func @main`, else the module's single public `func.func` (SPEC.md's rule)."""
    functions = [op for op in module.ops if isinstance(op, func.FuncOp)]
    for function in functions:
        if function.sym_name.data == ENTRY_NAME:
            return _with_body(function)
    public = [f for f in functions if f.sym_visibility is None or f.sym_visibility.data == "public"]
    if len(public) == 1:
        return _with_body(public[0])
    if not public:
        raise op_error(module, "has no entry point: no func.func @main and no public func.func")
    names = ", ".join(f"@{f.sym_name.data}" for f in public)
    raise op_error(
        module, f"has no entry point: no func.func @main and several public functions ({names})"
    )


def _with_body(entry: func.FuncOp) -> func.FuncOp:
    if not entry.body.blocks:
        raise op_error(
            entry, f"entry point @{entry.sym_name.data} is a declaration: it has no body"
        )
    return entry
