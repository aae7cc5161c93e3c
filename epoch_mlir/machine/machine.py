"""The machine description: every hardware number of the toolchain, loaded from TOML.

A machine file is checked against one schema (`_SCHEMA`) so that an unknown key, a wrong type or an
impossible value is a user error naming the key and the file, before anything is built from it.
Presets live in `presets/*.toml`; a file may name a `base` preset and override any key of it
(tables merge key by key, every other value, arrays of tables included, replaces the base's).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from epoch_mlir.errors import MachineError, MachineMismatchError
from epoch_mlir.machine.vocabulary import PE_KINDS

PRESET_DIR = Path(__file__).parent / "presets"
DEFAULT_PRESET = "epochcore"
WORD_BYTES = 4  # every SRAM and DRAM address counts 32-bit words (fp32; complex64 takes two)

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
    # The complete description (base presets and overrides resolved) as canonical JSON: what
    # a program records of the machine it was built for, and what rebuilds that machine.
    description: str

    @property
    def digest(self) -> str:
        """SHA-256 of the description: two machines are the same machine when these agree."""
        return description_digest(self.description)

    @property
    def record(self) -> MachineRecord:
        return MachineRecord(self.description, self.source)

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
            "digest": self.digest,
        }


def description_text(data: Mapping[str, Any]) -> str:
    """A machine description's canonical JSON (sorted keys, no spaces): one text per machine."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def description_digest(description: str) -> str:
    return hashlib.sha256(description.encode()).hexdigest()


@dataclass(frozen=True)
class MachineRecord:
    """What a program keeps of the machine it was compiled for: the whole description (so a
    TOML machine runs again without its file) and where that description came from."""

    description: str  # Machine.description: canonical JSON
    source: str  # the preset name or TOML path it was loaded from

    @property
    def name(self) -> str:
        name = json.loads(self.description).get("name")
        return name if isinstance(name, str) else "?"

    @property
    def digest(self) -> str:
        return description_digest(self.description)

    def machine(self, where: str) -> Machine:
        """The machine itself; MachineError (naming `where`) if the description is invalid."""
        return machine_from_description(self.description, self.source, where)

    def label(self) -> str:
        """`'tpu' (sha256 db4342ed)`, how messages name a machine."""
        return f"'{self.name}' (sha256 {self.digest[:8]})"

    def check_runs_on(self, machine: Machine, hw: str | None = None) -> None:
        """MachineMismatchError unless `machine` is the recorded one (`hw`: how it was named)."""
        if machine.digest == self.digest:
            return
        named = f"--hw {hw} is" if hw is not None else "the run is on"
        raise MachineMismatchError(
            f"compiled for machine {self.label()}, but {named} machine "
            f"{machine.record.label()}; run it without --hw to use the machine it was "
            "built for, or add --force-hw to run it anyway"
        )


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


def _canonical(data: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with every number-valued key as a float (`clock_ghz = 1` and `1.0` are one
    machine), so equal machines have equal descriptions."""
    canonical: dict[str, Any] = {}
    for key, value in data.items():
        expected = schema[key]
        if isinstance(expected, dict):
            canonical[key] = _canonical(value, expected)
        elif isinstance(expected, list):
            canonical[key] = [_canonical(item, expected[0]) for item in value]
        elif isinstance(expected[0], tuple) and float in expected[0]:
            canonical[key] = float(value)
        else:
            canonical[key] = value
    return canonical


def _describe(data: Mapping[str, Any]) -> str:
    canonical = _canonical(data, _SCHEMA)
    # the one key with a default: the same machine whether or not the file spells it out
    canonical.setdefault("vector", {}).setdefault("lanes", canonical["cols"])
    return description_text(canonical)


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
        description=_describe(data),
    )


def machine_from_description(description: str, source: str, where: str) -> Machine:
    """Rebuild the machine a program recorded (`Machine.description`), checked like a file.

    `source` is where the description first came from (a preset name or TOML path), `where`
    names the record in errors.
    """
    try:
        data = json.loads(description)
    except ValueError as error:
        raise MachineError(f"machine description is not JSON: {error}", where) from None
    if not isinstance(data, dict):
        raise MachineError("machine description is not a table", where)
    if "base" in data:
        raise MachineError("a recorded machine description names no 'base'", where)
    _validate(data, _SCHEMA, "", where)
    return dataclasses.replace(_build(data, where), source=source)


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
