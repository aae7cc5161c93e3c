"""The statistics of one run: one type the emulator fills and every reader of a run takes.

`epoch run --stats` writes `Stats.to_json()` (SPEC.md's keys, then this project's extensions,
in this order); `epoch report` reads files back with `Stats.from_json`, which checks SPEC's keys
and types and accepts files without the extensions (written by other tools); `epoch sweep`
stores `Stats.flat()` as one row. The keys and their meaning are defined here and nowhere else
(docs/emulator.md, "Statistics").
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from epoch_mlir.errors import InputError

# SPEC.md's keys that are non-negative integers and numbers
SPEC_INT_KEYS = (
    "cycles",
    "macs",
    "instructions",
    "dram_read_bytes",
    "dram_write_bytes",
    "sram_read_bytes",
    "sram_write_bytes",
)
SPEC_NUMBER_KEYS = ("pe_utilization", "energy_pj")
SPEC_HW_KEYS = ("name", "rows", "cols", "pe")


def is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Stats:
    """What a run measured. The `None`/empty fields are extensions a foreign file may lack."""

    cycles: int  # end-to-end
    macs: int  # useful multiply-accumulates on the array (a complex one counts 4)
    pe_utilization: float  # macs / (rows * cols * cycles)
    instructions: int  # executed, loop bodies counted every iteration
    dram_read_bytes: int
    dram_write_bytes: int
    sram_read_bytes: int
    sram_write_bytes: int
    energy_pj: float
    unit_busy_cycles: dict[str, int]  # array, vector, dma (and preload when it overlaps)
    hw: dict[str, Any]  # the machine: name, rows, cols, pe, clock_ghz, ..., digest
    pe_occupancy: float | None = None  # busy PE-cycles / PE-cycles (at most 1)
    energy_breakdown_pj: dict[str, float] = field(default_factory=dict)
    latency_us: float | None = None  # cycles at the machine's clock
    instructions_by_mnemonic: dict[str, int] = field(default_factory=dict)
    # where each unit's busy cycles went: unit -> mnemonic -> cycles
    unit_busy_cycles_by_mnemonic: dict[str, dict[str, int]] = field(default_factory=dict)
    ideal_memory: bool | None = None  # whether DRAM transfers were free

    def to_json(self) -> dict[str, Any]:
        """The stats JSON object, keys in the order `epoch run --stats` writes them."""
        document: dict[str, Any] = {
            "cycles": self.cycles,
            "macs": self.macs,
            "pe_utilization": self.pe_utilization,
            "pe_occupancy": self.pe_occupancy,
            "instructions": self.instructions,
            "dram_read_bytes": self.dram_read_bytes,
            "dram_write_bytes": self.dram_write_bytes,
            "sram_read_bytes": self.sram_read_bytes,
            "sram_write_bytes": self.sram_write_bytes,
            "energy_pj": self.energy_pj,
            "energy_breakdown_pj": dict(self.energy_breakdown_pj),
            "unit_busy_cycles": dict(self.unit_busy_cycles),
            "latency_us": self.latency_us,
            "instructions_by_mnemonic": dict(self.instructions_by_mnemonic),
            "unit_busy_cycles_by_mnemonic": {
                unit: dict(cycles) for unit, cycles in self.unit_busy_cycles_by_mnemonic.items()
            }
            or None,
            "ideal_memory": self.ideal_memory,
            "hw": dict(self.hw),
        }
        return {key: value for key, value in document.items() if value is not None}

    def flat(self) -> dict[str, Any]:
        """`to_json()` flattened to one level with dotted keys (`unit_busy_cycles.array`)."""
        return flatten(self.to_json())

    @staticmethod
    def from_json(document: object, where: str) -> Stats:
        """A stats object read back; InputError (naming `where`) unless SPEC's keys are there
        with their types."""

        def fail(message: str) -> InputError:
            return InputError(f"not an epoch stats file: {message}", where=where)

        if not isinstance(document, dict):
            raise fail(f"expected a JSON object, found {type(document).__name__}")
        for key in (*SPEC_INT_KEYS, *SPEC_NUMBER_KEYS, "unit_busy_cycles", "hw"):
            if key not in document:
                raise fail(f"missing key '{key}'")
        for key in SPEC_INT_KEYS:
            value = document[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise fail(f"'{key}' must be a non-negative integer, found {json.dumps(value)}")
        for key in SPEC_NUMBER_KEYS:
            if not is_number(document[key]):
                raise fail(f"'{key}' must be a number, found {json.dumps(document[key])}")
        busy = document["unit_busy_cycles"]
        if not isinstance(busy, dict) or not all(is_number(v) for v in busy.values()):
            raise fail("'unit_busy_cycles' must be an object of unit -> cycles")
        hw = document["hw"]
        if not isinstance(hw, dict):
            raise fail("'hw' must be an object")
        for key in SPEC_HW_KEYS:
            if key not in hw:
                raise fail(f"missing key 'hw.{key}'")
        for key in ("energy_breakdown_pj", "instructions_by_mnemonic"):
            value = document.get(key)
            if value is not None and (
                not isinstance(value, dict) or not all(is_number(v) for v in value.values())
            ):
                raise fail(f"'{key}' must be an object of name -> number")

        def number(key: str) -> float | None:
            value = document.get(key)
            return float(value) if is_number(value) else None

        ideal = document.get("ideal_memory")
        return Stats(
            **{key: document[key] for key in SPEC_INT_KEYS},
            pe_utilization=float(document["pe_utilization"]),
            energy_pj=float(document["energy_pj"]),
            unit_busy_cycles=dict(busy),
            hw=dict(hw),
            pe_occupancy=number("pe_occupancy"),
            energy_breakdown_pj=dict(document.get("energy_breakdown_pj") or {}),
            latency_us=number("latency_us"),
            instructions_by_mnemonic=dict(document.get("instructions_by_mnemonic") or {}),
            unit_busy_cycles_by_mnemonic=_busy_by_mnemonic(document, fail),
            ideal_memory=ideal if isinstance(ideal, bool) else None,
        )


def _busy_by_mnemonic(
    document: Mapping[str, Any], fail: Callable[[str], InputError]
) -> dict[str, dict[str, int]]:
    value = document.get("unit_busy_cycles_by_mnemonic") or {}
    if not isinstance(value, dict) or not all(
        isinstance(cycles, dict) and all(is_number(c) for c in cycles.values())
        for cycles in value.values()
    ):
        raise fail("'unit_busy_cycles_by_mnemonic' must be an object of unit -> mnemonic -> cycles")
    return {unit: dict(cycles) for unit, cycles in value.items()}


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to one level with dotted keys."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
