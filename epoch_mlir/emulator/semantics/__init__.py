"""Instruction semantics: one small numpy function per mnemonic (Spike's model).

A semantics function gets the architectural state and the instruction's operand environment
(fields by name, memory operands as effective word addresses, `R`, `C`, `S`, `df`...), and changes
the state. It never does timing, stats or tracing; it raises `Fault` for what the machine cannot do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from epoch_mlir.emulator.state import MachineState

Env = dict[str, Any]
Semantics = Callable[[MachineState, Env], None]

SEMANTICS: dict[str, Semantics] = {}


def semantics(mnemonic: str) -> Callable[[Semantics], Semantics]:
    """Register the function that executes `mnemonic`."""

    def register(function: Semantics) -> Semantics:
        if mnemonic in SEMANTICS:
            raise RuntimeError(f"semantics of {mnemonic!r} defined twice")
        SEMANTICS[mnemonic] = function
        return function

    return register


def load_all() -> dict[str, Semantics]:
    """Import every unit's module so each registers its functions."""
    from epoch_mlir.emulator.semantics import array, control, dma, vector  # noqa: F401

    return SEMANTICS
