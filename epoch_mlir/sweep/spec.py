"""Reading a sweep file (docs/sweep.md) into points, and grouping the points into compile tasks.

A sweep is the cross product, per `[[model]]` x `[[machine]]` x `[run]`, of every list-valued
key. Each point is a flat dict of parameters (`model.*`, `machine.*`, `run.*`); its id is a hash
of that dict, so the same point has the same id in every run of every sweep file (resume).
Points that differ only in run options (`run.ideal_memory`, `run.numerics`, `run.seed`) share
one compilation: they form one `Task`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from epoch_mlir.errors import EpochError

COMPILE_SECTIONS = ("model.", "machine.", "run.dataflow")


class SweepError(EpochError):
    """A sweep file that cannot be read or names something impossible; names the key and file."""


# --- generators: name -> {parameter: (required, default)} -----------------------------------

_INT = "a positive integer"
GENERATORS: dict[str, dict[str, tuple[bool, Any]]] = {
    "s4d": {"layers": (False, 1), "length": (True, None), "channels": (True, None),
            "modes": (True, None)},
    "scan": {"length": (True, None), "channels": (True, None), "modes": (True, None)},
    "mamba": {"length": (True, None), "d_model": (True, None), "expand": (False, 2),
              "modes": (False, 16), "conv": (False, 4)},
    "lra": {"task": (True, None), "length": (False, None), "layers": (False, None)},
}  # fmt: skip
RUN_KEYS = {"dataflow", "ideal_memory", "numerics", "seed"}
TOP_KEYS = {"sweep", "model", "machine", "run"}
SWEEP_KEYS = {"name"}


@dataclass(frozen=True)
class ModelSpec:
    """One model of the sweep: a generator with its parameters, or an IR file (text read)."""

    label: str
    params: dict[str, Any]  # model.* parameters (without the prefix)
    text: str | None = None  # the IR of a file model (shipped to workers)
    inputs: str | None = None  # an .npz of inputs for a file model's numerics runs


@dataclass(frozen=True)
class MachineSpec:
    """A machine: a preset or TOML file (`hw`) and overrides, plus what a worker needs."""

    hw: str  # as written in the sweep (relative to it for files)
    overrides: dict[str, Any]  # nested, as load_machine takes them
    params: dict[str, Any]  # machine.* parameters (flat, without the prefix)
    file_data: dict[str, Any] | None = None  # the TOML data of a machine file (not a preset)


@dataclass(frozen=True)
class Point:
    id: str
    model: str  # the model's label (summary and plots group by it)
    params: dict[str, Any]  # flat: model.*, machine.*, run.*


@dataclass
class Task:
    """Points sharing one compilation: same model, machine and dataflow."""

    key: str
    model: ModelSpec
    machine: MachineSpec
    dataflow: str
    points: list[Point] = field(default_factory=list)


@dataclass
class Sweep:
    """A parsed sweep: its points in a deterministic order (by id) and their compile tasks."""

    name: str
    points: list[Point]
    tasks: list[Task]
    source: str = "<sweep>"

    @classmethod
    def load(cls, path: str | Path) -> Sweep:
        return load_sweep(path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: str | Path = ".") -> Sweep:
        return build_sweep(data, Path(base_dir), "<sweep>")

    def pending(self, done: set[str]) -> list[Task]:
        """The tasks restricted to points whose id is not in `done` (empty tasks dropped)."""
        tasks = []
        for task in self.tasks:
            points = [point for point in task.points if point.id not in done]
            if points:
                tasks.append(Task(task.key, task.model, task.machine, task.dataflow, points))
        return tasks


def point_id(params: Mapping[str, Any]) -> str:
    """A stable hash of a point's parameters (16 hex digits)."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def compile_key(params: Mapping[str, Any]) -> str:
    return point_id({k: v for k, v in params.items() if k.startswith(COMPILE_SECTIONS)})


# --- reading ------------------------------------------------------------------------------------


def load_sweep(path: str | Path) -> Sweep:
    """Read and check the sweep file at `path`; SweepError names the key and the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SweepError(f"cannot read sweep file: {reason}", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SweepError(f"TOML syntax error: {error}", str(path)) from None
    return build_sweep(data, path.parent, str(path))


def _fail(message: str, where: str) -> SweepError:
    return SweepError(message, where)


def _tables(data: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return value
    raise _fail(f"'{key}' must be a table or an array of tables ([[{key}]])", where)


def _axis(value: Any, key: str, where: str, *, table_list: bool = False) -> list[Any]:
    """The values of one key: a list sweeps over its items, anything else is one value.

    `table_list`: the key's own value is an array of tables (sram.banks), so only an array of
    such arrays sweeps.
    """
    if table_list:
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            return value
        return [value]
    if isinstance(value, list):
        if not value:
            raise _fail(f"'{key}' is an empty range", where)
        return value
    return [value]


def _leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _grid(axes: dict[str, list[Any]]) -> Iterator[dict[str, Any]]:
    keys = list(axes)
    for values in itertools.product(*(axes[key] for key in keys)):
        yield dict(zip(keys, values, strict=True))


def _positive_int(value: Any, key: str, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _fail(f"'{key}' must be {_INT}, got {value!r}", where)
    return value


def _models(data: Mapping[str, Any], base: Path, where: str) -> list[ModelSpec]:
    tables = _tables(data, "model", where)
    if not tables:
        raise _fail("no [[model]]: name at least one model (a file or a generator)", where)
    models: list[ModelSpec] = []
    for index, table in enumerate(tables):
        prefix = f"model[{index}]"
        name = table.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise _fail(f"'{prefix}.name' must be a non-empty string", where)
        if "file" in table and "generator" in table:
            raise _fail(f"'{prefix}' names both 'file' and 'generator': pick one", where)
        if "file" in table:
            models.append(_file_model(table, prefix, base, where))
            continue
        generator = table.get("generator")
        if generator is None:
            raise _fail(f"'{prefix}' needs 'file' or 'generator'", where)
        if not isinstance(generator, str) or generator not in GENERATORS:
            choices = ", ".join(sorted(GENERATORS))
            raise _fail(f"'{prefix}.generator' must be one of {choices}, got {generator!r}", where)
        schema = GENERATORS[generator]
        for key in table:
            if key not in schema and key not in ("name", "generator"):
                raise _fail(f"unknown key '{prefix}.{key}' for generator '{generator}'", where)
        axes: dict[str, list[Any]] = {}
        for key, (required, default) in schema.items():
            if key not in table:
                if required:
                    raise _fail(f"'{prefix}' lacks '{key}' (generator '{generator}')", where)
                axes[key] = [default]
                continue
            axes[key] = _axis(table[key], f"{prefix}.{key}", where)
        swept = [key for key, values in axes.items() if len(values) > 1]
        for values in _grid(axes):
            params = _generator_params(generator, values, prefix, where)
            if name is not None:
                params = {"name": name, **params}
            label = name or _label(params)
            if name is not None and swept:
                label += "-" + "-".join(f"{key}{params[key]}" for key in swept)
            models.append(ModelSpec(label, params))
    return models


def _generator_params(
    generator: str, values: dict[str, Any], prefix: str, where: str
) -> dict[str, Any]:
    params: dict[str, Any] = {"generator": generator}
    if generator == "lra":
        from epoch_mlir.models import LRA_TASKS

        task = values["task"]
        if not isinstance(task, str) or task not in LRA_TASKS:
            choices = ", ".join(LRA_TASKS)
            raise _fail(f"'{prefix}.task' must be one of {choices}, got {task!r}", where)
        params["task"] = task
        length = values["length"] or LRA_TASKS[task].length
        layers = LRA_TASKS[task].layers if values["layers"] is None else values["layers"]
        params["length"] = _positive_int(length, f"{prefix}.length", where)
        if not isinstance(layers, int) or isinstance(layers, bool) or layers < 0:
            raise _fail(f"'{prefix}.layers' must be a non-negative integer", where)
        params["layers"] = layers
        return params
    for key, value in values.items():
        params[key] = _positive_int(value, f"{prefix}.{key}", where)
    return params


def _label(params: Mapping[str, Any]) -> str:
    short = {"length": "L", "channels": "H", "modes": "N", "layers": "x", "d_model": "D"}
    parts = [str(params["generator"])]
    if "task" in params:
        parts.append(str(params["task"]))
    for key, value in params.items():
        if key in ("generator", "task", "name"):
            continue
        parts.append(f"{short.get(key, key)}{value}")
    return "-".join(parts)


def _file_model(table: Mapping[str, Any], prefix: str, base: Path, where: str) -> ModelSpec:
    for key in table:
        if key not in ("file", "name", "inputs"):
            raise _fail(f"unknown key '{prefix}.{key}' for a file model", where)
    file = table["file"]
    if not isinstance(file, str) or not file:
        raise _fail(f"'{prefix}.file' must be a path (a string)", where)
    path = base / file
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise _fail(f"'{prefix}.file': cannot read model '{file}': {reason}", where) from None
    inputs = table.get("inputs")
    if inputs is not None:
        if not isinstance(inputs, str):
            raise _fail(f"'{prefix}.inputs' must be a path (a string)", where)
        if not (base / inputs).is_file():
            raise _fail(f"'{prefix}.inputs': file '{inputs}' not found", where)
        inputs = str(base / inputs)
    params: dict[str, Any] = {"file": file}
    if "name" in table:
        params = {"name": table["name"], **params}
    return ModelSpec(table.get("name") or Path(file).stem, params, text=text, inputs=inputs)


def _machines(data: Mapping[str, Any], base: Path, where: str) -> list[MachineSpec]:
    from epoch_mlir.errors import MachineError
    from epoch_mlir.machine import load_machine

    tables = _tables(data, "machine", where) or [{}]
    machines: list[MachineSpec] = []
    for index, table in enumerate(tables):
        prefix = f"machine[{index}]"
        if "base" in table:
            raise _fail(f"'{prefix}.base': name the preset or machine file with 'hw'", where)
        hws = _axis(table.get("hw", "epochcore"), f"{prefix}.hw", where)
        axes: dict[str, list[Any]] = {}
        for key, value in _leaves({k: v for k, v in table.items() if k != "hw"}):
            axes[key] = _axis(value, f"{prefix}.{key}", where, table_list=key == "sram.banks")
        for hw in hws:
            if not isinstance(hw, str) or not hw:
                raise _fail(f"'{prefix}.hw' must be a preset name or a TOML file path", where)
            spec, file_data = _hw_spec(hw, base, f"{prefix}.hw", where)
            for values in _grid(axes):
                overrides = _nest(values)
                if "sram" in overrides and "kib" in overrides["sram"]:
                    overrides = _expand_sram_kib(overrides, spec, f"{prefix}.sram.kib", where)
                try:
                    load_machine(spec, overrides)
                except MachineError as error:
                    message = error.message.replace("'", f"'{prefix}.", 1)
                    if error.where != "overrides":
                        message = f"{prefix}.hw '{hw}': {error}"
                    raise _fail(message, where) from None
                params = {"hw": hw, **values}
                machines.append(MachineSpec(spec, overrides, params, file_data))
    return machines


def _hw_spec(hw: str, base: Path, key: str, where: str) -> tuple[str, dict[str, Any] | None]:
    from epoch_mlir.machine import preset_names

    if not hw.endswith(".toml"):
        if hw not in preset_names():
            presets = ", ".join(preset_names())
            raise _fail(f"'{key}': unknown machine preset '{hw}' (presets: {presets})", where)
        return hw, None
    path = base / hw
    try:
        return str(path), tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _fail(f"'{key}': cannot read machine file '{hw}': {error.strerror}", where) from None
    except tomllib.TOMLDecodeError as error:
        raise _fail(f"'{key}': machine file '{hw}': TOML syntax error: {error}", where) from None


def _nest(values: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in values.items():
        node = nested
        *parents, leaf = key.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return nested


def _expand_sram_kib(overrides: dict[str, Any], spec: str, key: str, where: str) -> dict[str, Any]:
    """`sram.kib = K`: every bank of the machine K KiB (a sweep-only shorthand)."""
    from epoch_mlir.machine import load_machine

    sram = dict(overrides["sram"])
    kib = sram.pop("kib")
    if not isinstance(kib, int) or isinstance(kib, bool) or kib <= 0:
        raise _fail(f"'{key}' must be a positive integer, got {kib!r}", where)
    banks = sram.get("banks") or [{"name": bank.name} for bank in load_machine(spec).sram_banks]
    sram["banks"] = [{**bank, "kib": kib} for bank in banks]
    return {**overrides, "sram": sram}


def _runs(data: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    table = data.get("run", {})
    if not isinstance(table, dict):
        raise _fail("'run' must be a table", where)
    for key in table:
        if key not in RUN_KEYS:
            raise _fail(f"unknown key 'run.{key}' (one of {', '.join(sorted(RUN_KEYS))})", where)
    axes = {
        "dataflow": _axis(table.get("dataflow", "default"), "run.dataflow", where),
        "ideal_memory": _axis(table.get("ideal_memory", False), "run.ideal_memory", where),
        "numerics": _axis(table.get("numerics", False), "run.numerics", where),
    }
    from epoch_mlir.machine.vocabulary import DATAFLOWS

    for value in axes["dataflow"]:
        if value != "default" and value not in DATAFLOWS:
            choices = ", ".join(("default", *DATAFLOWS))
            raise _fail(f"'run.dataflow' must be one of {choices}, got {value!r}", where)
    for key in ("ideal_memory", "numerics"):
        for value in axes[key]:
            if not isinstance(value, bool):
                raise _fail(f"'run.{key}' must be true or false, got {value!r}", where)
    seed = table.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise _fail(f"'run.seed' must be a non-negative integer, got {seed!r}", where)
    runs = []
    for values in _grid(axes):
        if values["numerics"]:
            values["seed"] = seed
        runs.append(values)
    return runs


def build_sweep(data: Mapping[str, Any], base: Path, where: str) -> Sweep:
    """Check the parsed sweep `data` (paths relative to `base`) and expand it into points."""
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(f"unknown key '{key}' (one of {', '.join(sorted(TOP_KEYS))})", where)
    meta = data.get("sweep", {})
    if not isinstance(meta, dict):
        raise _fail("'sweep' must be a table", where)
    for key in meta:
        if key not in SWEEP_KEYS:
            raise _fail(f"unknown key 'sweep.{key}'", where)
    name = meta.get("name", Path(where).stem if where != "<sweep>" else "sweep")
    if not isinstance(name, str):
        raise _fail("'sweep.name' must be a string", where)
    models = _models(data, base, where)
    machines = _machines(data, base, where)
    runs = _runs(data, where)

    from epoch_mlir.machine import load_machine
    from epoch_mlir.pipelines import default_dataflow

    tasks: dict[str, Task] = {}
    points: dict[str, Point] = {}
    for machine in machines:
        loaded = load_machine(machine.hw, machine.overrides)
        for model in models:
            for run in runs:
                dataflow = run["dataflow"]
                if dataflow == "default":
                    dataflow = default_dataflow(loaded)
                params = {f"model.{k}": v for k, v in model.params.items()}
                params |= {f"machine.{k}": v for k, v in machine.params.items()}
                params |= {f"run.{k}": v for k, v in run.items()} | {"run.dataflow": dataflow}
                point = Point(point_id(params), model.label, params)
                if point.id in points:
                    continue  # the same point twice (e.g. default and prodf): run it once
                points[point.id] = point
                key = compile_key(params)
                task = tasks.setdefault(key, Task(key, model, machine, dataflow))
                task.points.append(point)
    ordered = sorted(points.values(), key=lambda point: point.id)
    task_list = sorted(tasks.values(), key=lambda task: min(p.id for p in task.points))
    for task in task_list:
        task.points.sort(key=lambda point: point.id)
    return Sweep(name, ordered, task_list, where)
