"""Sweeps: resume after a crash or Ctrl-C, compile sharing, backend equivalence, the file format."""

from __future__ import annotations

import csv
import importlib.util
import json
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

from epoch_mlir.sweep import Sweep, SweepError, point_id, read_rows, run_sweep, summary_table
from epoch_mlir.sweep import worker as sweep_worker

MODEL = {"generator": "scan", "length": 8, "channels": 4, "modes": 2}
# 2 models x 2 machines x (ideal memory off/on) = 8 points in 4 compilations
SMALL: dict[str, Any] = {
    "sweep": {"name": "small"},
    "model": [{"generator": "s4d", "length": [16, 32], "channels": 4, "modes": 2}],
    "machine": {"hw": "tiny", "rows": [2, 4]},
    "run": {"ideal_memory": [False, True]},
}


def stable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without their wall-clock columns (the only ones that differ between runs)."""
    return [{k: v for k, v in row.items() if not k.startswith("time.")} for row in rows]


def jsonl_lines(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (directory / "results.jsonl").read_text().splitlines()]


@pytest.fixture
def compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The compilations done in this process, by model file name."""
    done: list[str] = []
    original = sweep_worker._compile

    def counting(path: Path, *args: Any) -> Any:
        done.append(path.name)
        return original(path, *args)

    monkeypatch.setattr(sweep_worker, "_compile", counting)
    return done


def test_points_tasks_and_ids() -> None:
    sweep = Sweep.from_dict(SMALL)
    assert len(sweep.points) == 8
    assert len(sweep.tasks) == 4
    assert [p.id for p in sweep.points] == sorted(p.id for p in sweep.points)
    first = sweep.points[0].params
    assert set(first) == {
        "model.generator",
        "model.layers",
        "model.length",
        "model.channels",
        "model.modes",
        "machine.hw",
        "machine.rows",
        "run.dataflow",
        "run.ideal_memory",
        "run.numerics",
    }
    # the id is a hash of the parameters, the same in every run (resume depends on it)
    assert point_id({"a": 1, "b": "x"}) == point_id({"b": "x", "a": 1})
    assert point_id({"a": 1}) == "015abd7f5cc57a2d"  # sha256 of the sorted JSON, 16 digits
    # `default` resolves to the machine's dataflow: the same point as naming it
    default = Sweep.from_dict({**SMALL, "run": {"dataflow": ["default", "prodf"]}})
    assert len(default.points) == 4


def test_resume_skips_finished_points_without_compiling(
    tmp_path: Path, compilations: list[str]
) -> None:
    first = run_sweep(Sweep.from_dict(SMALL), tmp_path, backend="serial")
    assert (first.ran, first.skipped, len(first.rows)) == (8, 0, 8)
    assert len(compilations) == 4  # one per (model, machine, dataflow), shared by run options
    assert all(not row["error"] and row["cycles"] > 0 for row in first.rows)
    ideal = {row["point"]: row for row in first.rows if row["run.ideal_memory"]}
    assert all(row["ideal_memory"] for row in ideal.values())

    compilations.clear()
    again = run_sweep(Sweep.from_dict(SMALL), tmp_path, backend="serial")
    assert (again.ran, again.skipped) == (0, 8)
    assert compilations == []
    assert len(jsonl_lines(tmp_path)) == 8
    assert again.rows == first.rows
    table = summary_table(first.rows).splitlines()
    assert table[0].split()[:3] == ["model", "points", "errors"]
    assert [line.split()[1:3] for line in table[1:]] == [["4", "0"], ["4", "0"]]
    assert all("ideal=False" in line for line in table[1:])  # ideal memory is a bound


def test_interrupt_then_resume_runs_each_point_once(tmp_path: Path) -> None:
    seen: list[str] = []

    def interrupt_after_three(row: dict[str, Any]) -> None:
        seen.append(row["point"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(Sweep.from_dict(SMALL), tmp_path, backend="serial", on_row=interrupt_after_three)
    assert [row["point"] for row in jsonl_lines(tmp_path)] == seen
    with (tmp_path / "results.csv").open() as stream:  # regenerated on the way out
        assert len(list(csv.DictReader(stream))) == 3

    # a crash in the middle of a write leaves half a line: it is not a finished point
    with (tmp_path / "results.jsonl").open("a") as stream:
        stream.write('{"point": "ffff", "cyc')
    rest = run_sweep(Sweep.from_dict(SMALL), tmp_path, backend="pool", jobs=2)
    assert (rest.ran, rest.skipped) == (5, 3)
    points = [row["point"] for row in jsonl_lines(tmp_path)]
    assert sorted(points) == sorted(p.id for p in Sweep.from_dict(SMALL).points)
    assert len(points) == len(set(points)) == 8
    with (tmp_path / "results.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert [row["point"] for row in rows] == sorted(points)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the crash is patched in before forking"
)
def test_a_worker_crash_loses_no_written_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = sweep_worker._compile

    def crash_on_l32(path: Path, *args: Any) -> Any:
        if "L32" in path.name:
            os._exit(1)  # the worker process dies, as under the OOM killer
        return original(path, *args)

    with monkeypatch.context() as patch:
        patch.setattr(sweep_worker, "_compile", crash_on_l32)
        with pytest.raises(BrokenProcessPool):
            run_sweep(Sweep.from_dict(SMALL), tmp_path, backend="pool", jobs=2)
    saved = [row["point"] for row in jsonl_lines(tmp_path)]
    assert len(saved) == len(set(saved)) <= 4
    rest = run_sweep(Sweep.from_dict(SMALL), tmp_path, backend="pool", jobs=2)
    assert rest.ran == 8 - len(saved)
    points = [row["point"] for row in jsonl_lines(tmp_path)]
    assert len(points) == len(set(points)) == 8


def test_errors_are_rows_and_internal_errors_are_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.mlir").write_text("func.func @main( {\n")
    data = {
        "model": [{"file": "bad.mlir"}, {"generator": "scan", "length": 8, "channels": 4,
                                          "modes": 2}],
        "machine": {"hw": "tiny"},
    }  # fmt: skip
    sweep = Sweep.from_dict(data, tmp_path)
    from epoch_mlir.emulator.core import Emulator

    def broken(self: Emulator, inputs: Any = None) -> Any:
        raise RuntimeError("emulator bug")

    with monkeypatch.context() as patch:
        patch.setattr(Emulator, "run", broken)
        result = run_sweep(sweep, tmp_path / "out", backend="serial")
    kinds = {row["model"]: (row["error_kind"], row["error"]) for row in result.rows}
    assert kinds["bad"][0] == "user" and "bad.mlir" in kinds["bad"][1]
    assert kinds["scan-L8-H4-N2"][0] == "internal" and "emulator bug" in kinds["scan-L8-H4-N2"][1]
    assert "bad" in summary_table(result.rows)

    again = run_sweep(sweep, tmp_path / "out", backend="serial")
    assert again.ran == 1  # the internal error is retried, the user error is a result
    assert not next(row for row in again.rows if row["model"] == "scan-L8-H4-N2")["error"]
    assert run_sweep(sweep, tmp_path / "out", backend="serial", retry_errors=True).ran == 1
    assert len(read_rows(tmp_path / "out" / "results.jsonl")) == 2


def test_numerics_and_overrides(tmp_path: Path) -> None:
    data = {
        "model": {"generator": "s4d", "length": 16, "channels": 4, "modes": 2},
        "machine": {"hw": "small", "sram": {"kib": 64}, "dram": {"latency_cycles": [0, 20]}},
        "run": {"numerics": [False, True], "seed": 3},
    }
    result = run_sweep(Sweep.from_dict(data), tmp_path, backend="serial")
    assert len(result.rows) == 4 and not result.errors
    assert all(row["hw.sram_kib.input"] == 64 for row in result.rows)
    by = {(r["machine.dram.latency_cycles"], r["run.numerics"]): r["cycles"] for r in result.rows}
    assert by[(0, True)] == by[(0, False)] and by[(20, True)] == by[(20, False)]
    assert by[(20, False)] > by[(0, False)]


def test_machine_files_with_overrides(tmp_path: Path) -> None:
    (tmp_path / "narrow.toml").write_text('base = "tiny"\nname = "narrow"\nrows = 2\n')
    data = {"model": MODEL, "machine": {"hw": "narrow.toml", "cols": [2, 4]}}
    result = run_sweep(Sweep.from_dict(data, tmp_path), tmp_path / "out", backend="serial")
    assert not result.errors
    assert sorted((r["hw.name"], r["hw.rows"], r["hw.cols"]) for r in result.rows) == [
        ("narrow", 2, 2),
        ("narrow", 2, 4),
    ]
    assert {row["machine.hw"] for row in result.rows} == {"narrow.toml"}


def test_backends_give_the_same_rows(tmp_path: Path) -> None:
    serial = run_sweep(Sweep.from_dict(SMALL), tmp_path / "serial", backend="serial")
    pool = run_sweep(Sweep.from_dict(SMALL), tmp_path / "pool", backend="pool", jobs=2)
    assert stable(pool.rows) == stable(serial.rows)
    header = (tmp_path / "pool" / "results.csv").read_text().splitlines()[0]
    assert header == (tmp_path / "serial" / "results.csv").read_text().splitlines()[0]

    # error rows too: their messages do not name the workers' temporary files
    (tmp_path / "bad.mlir").write_text("func.func @main( {\n")
    failing = {
        "model": [{"file": "bad.mlir"}, MODEL],
        "machine": {"hw": ["tiny", "tpu"]},
        "run": {"dataflow": ["prodf"]},
    }
    sweep = Sweep.from_dict(failing, tmp_path)
    serial = run_sweep(sweep, tmp_path / "serial-errors", backend="serial")
    pool = run_sweep(sweep, tmp_path / "pool-errors", backend="pool", jobs=2)
    assert stable(pool.rows) == stable(serial.rows)
    assert [bool(row["error"]) for row in serial.rows].count(True) == 3
    assert all("epoch-sweep-" not in row["error"] for row in serial.rows)


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="Ray is not installed (pip install 'epoch_mlir[ray]')",
)
def test_ray_gives_the_same_rows(tmp_path: Path) -> None:
    serial = run_sweep(Sweep.from_dict(SMALL), tmp_path / "serial", backend="serial")
    ray = run_sweep(Sweep.from_dict(SMALL), tmp_path / "ray", backend="ray", jobs=2)
    assert stable(ray.rows) == stable(serial.rows)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"models": []}, "unknown key 'models'"),
        ({}, "no [[model]]"),
        ({"model": {"generator": "s4d", "length": 8, "channels": 4}}, "lacks 'modes'"),
        ({"model": {"generator": "s5", "length": 8}}, "'model[0].generator'"),
        ({"model": {"generator": "s4d", "length": "8", "channels": 4, "modes": 2}},
         "'model[0].length' must be a positive integer"),
        ({"model": {"generator": "s4d", "length": [], "channels": 4, "modes": 2}},
         "'model[0].length' is an empty range"),
        ({"model": {"generator": "s4d", "length": 8, "channels": 4, "modes": 2, "x": 1}},
         "unknown key 'model[0].x'"),
        ({"model": {"generator": "lra", "task": "pathy"}}, "'model[0].task'"),
        ({"model": {"file": "missing.mlir"}}, "'model[0].file': cannot read model 'missing.mlir'"),
    ],
)  # fmt: skip
def test_bad_models(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SweepError) as error:
        Sweep.from_dict(data)
    assert fragment in str(error.value)


@pytest.mark.parametrize(
    ("machine", "run", "fragment"),
    [
        ({"hw": "tpu9"}, {}, "unknown machine preset 'tpu9'"),
        ({"rows": []}, {}, "'machine[0].rows' is an empty range"),
        ({"rows": [4, 0]}, {}, "'machine[0].rows' must be an integer in 1..65535"),
        ({"dram": {"bandwidth": 3}}, {}, "unknown key 'machine[0].dram.bandwidth'"),
        ({"sram": {"kib": "big"}}, {}, "'machine[0].sram.kib' must be a positive integer"),
        ({"hw": "nowhere.toml"}, {}, "cannot read machine file 'nowhere.toml'"),
        ({"base": "tpu"}, {}, "'machine[0].base': name the preset or machine file with 'hw'"),
        ({}, {"dataflow": "xs"}, "'run.dataflow' must be one of"),
        ({}, {"ideal_memory": "yes"}, "'run.ideal_memory' must be true or false"),
        ({}, {"repeat": 2}, "unknown key 'run.repeat'"),
    ],
)
def test_bad_machines_and_runs(machine: dict[str, Any], run: dict[str, Any], fragment: str) -> None:
    with pytest.raises(SweepError) as error:
        Sweep.from_dict({"model": MODEL, "machine": machine, "run": run})
    assert fragment in str(error.value)


def test_pareto_front_and_plots(tmp_path: Path) -> None:
    from epoch_mlir.sweep import pareto_front, pareto_plots

    points = [(1.0, 5.0), (2.0, 3.0), (2.5, 4.0), (3.0, 1.0), (4.0, 1.0)]
    assert pareto_front(points) == [0, 1, 3]
    if importlib.util.find_spec("matplotlib") is None:
        pytest.skip("matplotlib is not installed (the plot extra)")
    rows = [
        {"point": str(i), "model": "m/1", "error": "", "latency_us": x, "energy_pj": y * 1e6}
        for i, (x, y) in enumerate(points)
    ]
    (path,) = pareto_plots(rows, tmp_path)
    assert path.name == "pareto-m_1.png" and path.stat().st_size > 1000
