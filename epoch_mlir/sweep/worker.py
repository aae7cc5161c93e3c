"""What one worker does with one task: compile once, then run every point of it.

A task carries everything it needs (the model's IR or generator parameters, the machine's
preset or file data plus overrides), so it runs the same in this process, a pool worker or a
Ray worker on another host. Returns one flat row per point (docs/sweep.md).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from epoch_mlir.errors import EpochError
from epoch_mlir.sweep.spec import MachineSpec, ModelSpec, Point, Task

COMPILATIONS = 0  # compilations done in this process (tests check that tasks share them)


def model_text(model: ModelSpec) -> str:
    """The IR of a model: a file's text, or the generator's output."""
    if model.text is not None:
        return model.text
    from epoch_mlir import models

    p = model.params
    generator = p["generator"]
    if generator == "s4d":
        return models.s4d_model(p["layers"], p["length"], p["channels"], p["modes"])
    if generator == "scan":
        return models.scan_model(p["length"], p["channels"], p["modes"])
    if generator == "mamba":
        return models.mamba_block(p["length"], p["d_model"], p["expand"], p["modes"], p["conv"])
    if generator == "lra":
        return models.lra_model(models.LRA_TASKS[p["task"]], p["length"], p["layers"])
    raise AssertionError(generator)


def model_inputs(model: ModelSpec, program: Any, seed: int) -> dict[str, np.ndarray]:
    """Seeded inputs for a numerics run: the generator's initialization, else random arrays."""
    from epoch_mlir import models

    p = model.params
    rng = np.random.default_rng(seed)
    generator = p.get("generator")
    if model.inputs is not None:
        from epoch_mlir.io import load_inputs

        return load_inputs(model.inputs)
    if generator == "mamba":
        return models.mamba_weights(
            p["length"], p["d_model"], rng, p["expand"], p["modes"], p["conv"]
        )
    if generator == "lra":
        return models.lra_arrays(models.LRA_TASKS[p["task"]], seed, p["length"], p["layers"])
    if generator in ("s4d", "scan"):
        h, n = p["channels"], p["modes"]
        values: list[np.ndarray] = [rng.normal(size=(p["length"], h)).astype(np.float32)]
        if generator == "scan":
            values += models.s4d_lin(h, n, rng)
        for _ in range(p.get("layers", 0)):
            values += [(1 + 0.1 * rng.normal(size=h)).astype(np.float32)]
            values += [(0.1 * rng.normal(size=h)).astype(np.float32)]
            values += models.s4d_lin(h, n, rng) + models.s4d_lin(h, n, rng)
            values += [(rng.normal(size=(h, h)) / np.sqrt(h)).astype(np.float32)]
            values += [(0.1 * rng.normal(size=h)).astype(np.float32)]
        return {f"arg{i}": value for i, value in enumerate(values)}
    arrays = {}
    for index, symbol in enumerate(program.args):
        if symbol.dtype == "c64":
            radius = rng.uniform(0.0, 0.9, size=symbol.shape)
            angle = rng.uniform(-np.pi, np.pi, size=symbol.shape)
            arrays[f"arg{index}"] = (radius * np.exp(1j * angle)).astype(np.complex64)
        elif symbol.dtype == "i32":  # token ids: 0 is in every table
            arrays[f"arg{index}"] = np.zeros(symbol.shape, np.int32)
        else:
            arrays[f"arg{index}"] = (0.5 * rng.normal(size=symbol.shape)).astype(np.float32)
    return arrays


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def toml_text(data: Mapping[str, Any], prefix: str = "") -> str:
    """A small TOML writer for machine descriptions (tables, arrays of tables, scalars)."""
    lines, tables, arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            arrays.append((key, value))
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    text = "\n".join(lines) + ("\n" if lines else "")
    for key, value in tables:
        name = f"{prefix}{key}"
        inner = toml_text(value, f"{name}.")
        scalars = [v for v in value.values() if not isinstance(v, Mapping | list)]
        text += (f"[{name}]\n" if scalars or not value else "") + inner
    for key, items in arrays:
        for item in items:
            text += f"[[{prefix}{key}]]\n" + toml_text(item, f"{prefix}{key}.")
    return text


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def machine_file(machine: MachineSpec, directory: Path) -> str:
    """The machine spec string to compile for: a preset name, or a TOML file written here."""
    if not machine.overrides and machine.file_data is None:
        return machine.hw
    if machine.file_data is None:
        data = _merge({"base": machine.hw}, machine.overrides)
    else:
        data = _merge(machine.file_data, machine.overrides)
    path = directory / "machine.toml"
    path.write_text(toml_text(data), encoding="utf-8")
    return str(path)


def _compile(path: Path, machine: Any, hw: str, dataflow: str) -> Any:
    global COMPILATIONS
    from epoch_mlir.compiler import compile_file

    COMPILATIONS += 1
    return compile_file(path, machine, hw, dataflow, None).program


def _error_row(point: Point, error: BaseException, directory: Path) -> dict[str, Any]:
    if isinstance(error, EpochError):
        kind, message = "user", str(error)
    else:
        kind = "internal"
        last = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
        where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
        message = f"{type(error).__name__}: {error}{where}"
    # the task's temporary directory differs from run to run: name its files alone
    message = message.replace(f"{directory}{os.sep}", "")
    return {"error": message.splitlines()[0] if message else kind, "error_kind": kind}


def base_row(point: Point) -> dict[str, Any]:
    return {"point": point.id, "model": point.model, **point.params}


def iter_task(task: Task) -> Iterator[dict[str, Any]]:
    """Compile the task's program once and yield one row per point as each finishes."""
    from epoch_mlir.emulator.core import Emulator
    from epoch_mlir.machine import load_machine

    with tempfile.TemporaryDirectory(prefix="epoch-sweep-") as name:
        directory = Path(name)
        start = time.perf_counter()
        try:
            hw = machine_file(task.machine, directory)
            machine = load_machine(hw)
            source = directory / (re.sub(r"[^A-Za-z0-9._-]+", "_", task.model.label) + ".mlir")
            source.write_text(model_text(task.model), encoding="utf-8")
            program = _compile(source, machine, hw, task.dataflow)
        except Exception as error:  # every point of the task fails the same way
            for point in task.points:
                yield base_row(point) | _error_row(point, error, directory)
            return
        compile_s = time.perf_counter() - start
        for point in task.points:
            row = base_row(point)
            start = time.perf_counter()
            try:
                numerics = bool(point.params["run.numerics"])
                inputs = (
                    model_inputs(task.model, program, point.params.get("run.seed", 0))
                    if numerics
                    else {}
                )
                emulator = Emulator(
                    program,
                    machine,
                    ideal_memory=bool(point.params["run.ideal_memory"]),
                    timing_only=not numerics,
                )
                stats = emulator.run(inputs).stats
            except Exception as error:
                yield row | _error_row(point, error, directory)
                continue
            row["error"] = ""
            row["time.compile_s"] = round(compile_s, 4)
            row["time.run_s"] = round(time.perf_counter() - start, 4)
            row.update(stats.flat())
            yield row


def run_task(task: Task) -> list[dict[str, Any]]:
    """All rows of one task at once (the backends stream `iter_task` instead)."""
    return list(iter_task(task))
