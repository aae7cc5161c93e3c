"""Per-row "plans": the table's formulas compiled into one Python function per instruction.

Evaluating a dozen formula strings one `eval` at a time would dominate the emulator's per-
instruction cost, so each row's cycle, event and access formulas are turned into the source of a
single function (still nothing but the table's own expressions) and compiled once on import.
A plan takes the operand environment and returns the instruction's cycles, its event counts and
the regions it touches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from epoch_mlir.isa.encoding import FORMULA_FUNCTIONS
from epoch_mlir.isa.table import INSTRUCTIONS, Instr


class Touch(NamedTuple):
    """One region an instruction touches, with its dimensions evaluated."""

    read: bool
    space: str
    field: str
    rows: int
    cols: int  # words
    stride: int
    moved: int | None  # words moved, when not the whole region


class Cost(NamedTuple):
    cycles: int
    latency: int
    macs: int
    pe_cycles: int
    fp_adds: int
    fp_muls: int
    touches: list[Touch]


Plan = Callable[[dict[str, Any]], Cost]


def _names(row: Instr) -> list[str]:
    """Every name the row's formulas read from the environment."""
    expressions = [row.cycles, row.latency, row.macs, row.pe_cycles, row.fp_adds, row.fp_muls]
    for access in row.accesses:
        expressions += [access.rows, access.cols, access.stride, access.when]
        if access.moved is not None:
            expressions.append(access.moved)
    names: set[str] = set()
    for expression in expressions:
        names |= set(compile(expression, "<formula>", "eval").co_names)
    return sorted(names - set(FORMULA_FUNCTIONS))


def _source(row: Instr) -> str:
    lines = [f"def plan_{row.mnemonic}(env):"]
    lines += [f"    {name} = env[{name!r}]" for name in _names(row)]
    lines.append("    touches = []")
    for access in row.accesses:
        touch = (
            f"Touch({access.mode == 'read'}, {access.space!r}, {access.address!r}, "
            f"({access.rows}), ({access.cols}) * {access.elem_words}, ({access.stride}), "
            f"{'None' if access.moved is None else f'({access.moved}) * {access.elem_words}'})"
        )
        lines.append(f"    if {access.when}:")
        lines.append(f"        touches.append({touch})")
    lines.append(
        f"    return Cost(int({row.cycles}), int({row.latency}), {row.macs}, {row.pe_cycles}, "
        f"{row.fp_adds}, "
        f"{row.fp_muls}, touches)"
    )
    return "\n".join(lines)


def _build(row: Instr) -> Plan:
    namespace: dict[str, Any] = {"Touch": Touch, "Cost": Cost, **FORMULA_FUNCTIONS}
    exec(compile(_source(row), f"<plan of {row.mnemonic}>", "exec"), namespace)
    return namespace[f"plan_{row.mnemonic}"]


PLANS: dict[str, Plan] = {row.mnemonic: _build(row) for row in INSTRUCTIONS}
