"""The machine description (the only home of hardware numbers)."""

from epoch_mlir.machine.machine import (
    DEFAULT_PRESET,
    WORD_BYTES,
    EnergyTable,
    Machine,
    MachineRecord,
    SramBank,
    description_text,
    load_machine,
    machine_from_description,
    preset_names,
)

__all__ = [
    "DEFAULT_PRESET",
    "WORD_BYTES",
    "EnergyTable",
    "Machine",
    "MachineRecord",
    "SramBank",
    "description_text",
    "load_machine",
    "machine_from_description",
    "preset_names",
]
