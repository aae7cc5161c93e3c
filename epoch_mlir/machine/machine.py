"""The machine description: every hardware number of the toolchain, loaded from TOML.

A machine file is checked against one schema (`_SCHEMA`) so that an unknown key, a wrong type or an
impossible value is a user error naming the key and the file, before anything is built from it.
Presets live in `presets/*.toml`; a file may name a `base` preset and override any key of it
(tables merge key by key, every other value, arrays of tables included, replaces the base's).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from epoch_mlir.errors import MachineError

PRESET_DIR = Path(__file__).parent / "presets"
DEFAULT_PRESET = "epochcore"
WORD_BYTES = 4  # every SRAM and DRAM address counts 32-bit words (fp32; complex64 takes two)

PE_KINDS = ("lima", "mac")
VECTOR_OPS = (
    "add",
    "mul",
    "div",
    "exp",
    "gelu",
    "silu",
    "sigmoid",
    "softplus",
    "rsqrt",
    "relu",
    "copy",
    "reduce",
)


@dataclass(frozen=True)
class SramBank:
    """One SRAM bank: a contiguous range of the flat SRAM word-address space."""

    name: str
    base: int  # first word address
    words: int

    @property
    def end(self) -> int:
        return self.base + self.words


@dataclass(frozen=True)
class EnergyTable:
    """Energy per event, in picojoules, and where the numbers come from."""

    source: str
    fp_add_pj: float
    fp_mul_pj: float
    sram_byte_pj: float
    dram_byte_pj: float
    leakage_pj_per_pe_cycle: float

    @property
    def mac_pj(self) -> float:
        """A multiply-accumulate is one multiply and one add."""
        return self.fp_add_pj + self.fp_mul_pj


@dataclass(frozen=True)
class Machine:
    """A complete, validated machine: array, memories, vector unit, energy table."""

    name: str
    rows: int
    cols: int
    pe: str
    clock_ghz: float
    preload_overlap: bool
    loop_depth: int
    max_instructions: int
    sram_banks: tuple[SramBank, ...]
    dram_words: int
    dram_bandwidth_bytes_per_cycle: float
    dram_latency_cycles: int
    vector_lanes: int
    vector_latency: Mapping[str, int]
    energy: EnergyTable
    source: str  # the preset name or file it was loaded from

    @property
    def sram_words(self) -> int:
        return sum(bank.words for bank in self.sram_banks)

    def bank(self, name: str) -> SramBank:
        for bank in self.sram_banks:
            if bank.name == name:
                return bank
        raise KeyError(name)

    def bank_at(self, address: int) -> SramBank | None:
        for bank in self.sram_banks:
            if bank.base <= address < bank.end:
                return bank
        return None

    def summary(self) -> dict[str, Any]:
        """The `hw` object of the stats JSON."""
        return {
            "name": self.name,
            "rows": self.rows,
            "cols": self.cols,
            "pe": self.pe,
            "clock_ghz": self.clock_ghz,
            "sram_kib": {bank.name: bank.words * WORD_BYTES // 1024 for bank in self.sram_banks},
            "dram_bandwidth_bytes_per_cycle": self.dram_bandwidth_bytes_per_cycle,
            "vector_lanes": self.vector_lanes,
            "preload_overlap": self.preload_overlap,
        }


# --------------------------------------------------------------------------------------------
# Schema: key -> (expected python type(s), check on the value or None, what the check means).
# A nested dict is a TOML table; `_BANK_SCHEMA` describes each entry of the `sram.banks` array.

Check = tuple[type | tuple[type, ...], Callable[[Any], bool] | None, str]


def _positive(value: float) -> bool:
    return value > 0 and math.isfinite(value)


def _non_negative(value: float) -> bool:
    return value >= 0 and math.isfinite(value)


_POSITIVE_INT: Check = (int, _positive, "a positive integer")
_NON_NEGATIVE_INT: Check = (int, _non_negative, "a non-negative integer")
_POSITIVE_FLOAT: Check = ((int, float), _positive, "a positive number")
_NON_NEGATIVE_FLOAT: Check = ((int, float), _non_negative, "a non-negative number")
_NAME: Check = (str, lambda value: bool(value.strip()), "a non-empty string")

_BANK_SCHEMA: dict[str, Check] = {"name": _NAME, "kib": _POSITIVE_INT}

_SCHEMA: dict[str, Any] = {
    "base": _NAME,
    "name": _NAME,
    "rows": (int, lambda v: 1 <= v <= 65535, "an integer in 1..65535"),
    "cols": (int, lambda v: 1 <= v <= 65535, "an integer in 1..65535"),
    "pe": (str, lambda v: v in PE_KINDS, f"one of {', '.join(map(repr, PE_KINDS))}"),
    "clock_ghz": _POSITIVE_FLOAT,
    "array": {"preload_overlap": (bool, None, "true or false")},
    "control": {
        "loop_depth": (int, lambda v: 1 <= v <= 16, "an integer in 1..16"),
        "max_instructions": _POSITIVE_INT,
    },
    "sram": {"banks": [_BANK_SCHEMA]},
    "dram": {
        "mib": _POSITIVE_INT,
        "bandwidth_bytes_per_cycle": _POSITIVE_FLOAT,
        "latency_cycles": _NON_NEGATIVE_INT,
    },
    "vector": {
        "lanes": _POSITIVE_INT,
        "latency": {op: _NON_NEGATIVE_INT for op in VECTOR_OPS},
    },
    "energy": {
        "source": _NAME,
        "fp_add_pj": _NON_NEGATIVE_FLOAT,
        "fp_mul_pj": _NON_NEGATIVE_FLOAT,
        "sram_byte_pj": _NON_NEGATIVE_FLOAT,
        "dram_byte_pj": _NON_NEGATIVE_FLOAT,
        "leakage_pj_per_pe_cycle": _NON_NEGATIVE_FLOAT,
    },
}

_TYPE_NAMES = {int: "integer", float: "number", str: "string", bool: "boolean"}


def _check_value(value: Any, check: Check, key: str, where: str) -> None:
    expected, predicate, meaning = check
    types = expected if isinstance(expected, tuple) else (expected,)
    # bool is an int in Python but never a valid number in a machine file (and vice versa)
    type_ok = isinstance(value, types) and (isinstance(value, bool) == (bool in types))
    if not type_ok:
        got = _TYPE_NAMES.get(type(value), type(value).__name__)
        raise MachineError(f"'{key}' must be {meaning}, got {got} {value!r}", where)
    if predicate is not None and not predicate(value):
        raise MachineError(f"'{key}' must be {meaning}, got {value!r}", where)


def _validate(data: Mapping[str, Any], schema: Mapping[str, Any], prefix: str, where: str) -> None:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key not in schema:
            raise MachineError(f"unknown key '{path}'", where)
        expected = schema[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise MachineError(f"'{path}' must be a table", where)
            _validate(value, expected, f"{path}.", where)
        elif isinstance(expected, list):
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise MachineError(f"'{path}' must be an array of tables", where)
            for index, item in enumerate(value):
                for required in expected[0]:
                    if required not in item:
                        raise MachineError(f"'{path}[{index}]' lacks '{required}'", where)
                _validate(item, expected[0], f"{path}[{index}].", where)
        else:
            _check_value(value, expected, path, where)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _probe(test: Callable[[], bool]) -> bool:
    """A file-system test that answers False for a name the OS refuses (too long, NUL byte)."""
    try:
        return test()
    except (OSError, ValueError):
        return False


def preset_names() -> list[str]:
    return sorted(path.stem for path in PRESET_DIR.glob("*.toml"))


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MachineError(f"cannot read machine file: {error.strerror}", where) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise MachineError(f"TOML syntax error: {error}", where) from None


def _resolve(data: dict[str, Any], where: str, seen: tuple[str, ...]) -> dict[str, Any]:
    """Validate one file's keys, then lay it over its base preset (recursively)."""
    _validate(data, _SCHEMA, "", where)
    base_name = data.get("base")
    if base_name is None:
        return data
    if base_name in seen:
        raise MachineError(f"'base' presets form a cycle: {' -> '.join((*seen, base_name))}", where)
    base_path = PRESET_DIR / f"{base_name}.toml"
    if base_name not in preset_names():  # by name: never a path to probe (too long, NUL, ../)
        raise MachineError(
            f"unknown base preset '{base_name}' (presets: {', '.join(preset_names())})", where
        )
    base = _resolve(_read_toml(base_path, str(base_path)), str(base_path), (*seen, base_name))
    override = {key: value for key, value in data.items() if key != "base"}
    return _merge({k: v for k, v in base.items() if k != "base"}, override)


def _build(data: Mapping[str, Any], where: str) -> Machine:
    def need(*path: str) -> Any:
        node: Any = data
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                raise MachineError(f"missing key '{'.'.join(path)}'", where)
            node = node[key]
        return node

    banks: list[SramBank] = []
    address = 0
    for entry in need("sram", "banks"):
        words = entry["kib"] * 1024 // WORD_BYTES
        if any(bank.name == entry["name"] for bank in banks):
            raise MachineError(f"duplicate SRAM bank name '{entry['name']}'", where)
        banks.append(SramBank(entry["name"], address, words))
        address += words
    if not banks:
        raise MachineError("'sram.banks' must name at least one bank", where)
    if address >= 1 << 31:
        raise MachineError(f"SRAM of {address} words exceeds the 2^31-word address space", where)
    dram_words = need("dram", "mib") * 1024 * 1024 // WORD_BYTES
    if dram_words >= 1 << 32:
        raise MachineError("'dram.mib' exceeds the 32-bit word address space (16 GiB)", where)
    latency = {op: need("vector", "latency", op) for op in VECTOR_OPS}
    vector = data.get("vector", {})
    return Machine(
        name=need("name"),
        rows=need("rows"),
        cols=need("cols"),
        pe=need("pe"),
        clock_ghz=float(need("clock_ghz")),
        preload_overlap=need("array", "preload_overlap"),
        loop_depth=need("control", "loop_depth"),
        max_instructions=need("control", "max_instructions"),
        sram_banks=tuple(banks),
        dram_words=dram_words,
        dram_bandwidth_bytes_per_cycle=float(need("dram", "bandwidth_bytes_per_cycle")),
        dram_latency_cycles=need("dram", "latency_cycles"),
        vector_lanes=vector.get("lanes", need("cols")),
        vector_latency=latency,
        energy=EnergyTable(**{key: need("energy", key) for key in _SCHEMA["energy"]}),
        source=where,
    )


def load_machine(
    spec: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Machine:
    """Load a preset by name or a TOML file by path; `None` gives the default preset.

    `overrides` (nested like the TOML file, e.g. {"rows": 8, "dram": {"latency_cycles": 0}})
    are laid over the loaded description and checked like a file's keys.
    """
    if spec is None:
        spec = DEFAULT_PRESET
    text = str(spec)
    path = Path(text)
    if path.suffix != ".toml" and not _probe(path.exists):
        if text not in preset_names():
            raise MachineError(
                f"unknown machine preset '{text}' (presets: {', '.join(preset_names())};"
                " or give a .toml file path)"
            )
        path, where = PRESET_DIR / f"{text}.toml", text
    else:
        if not _probe(path.is_file):
            raise MachineError("machine file not found", text)
        where = text
    data = _resolve(_read_toml(path, where), where, ())
    if overrides:
        _validate(overrides, _SCHEMA, "", "overrides")
        data = _merge(data, overrides)
    return _build(data, where)
