"""The machine description (the only home of hardware numbers)."""

from epoch_mlir.machine.machine import (
    DEFAULT_PRESET,
    WORD_BYTES,
    EnergyTable,
    Machine,
    SramBank,
    load_machine,
    preset_names,
)

__all__ = [
    "DEFAULT_PRESET",
    "WORD_BYTES",
    "EnergyTable",
    "Machine",
    "SramBank",
    "load_machine",
    "preset_names",
]
