"""`run_sweep`: run the points of a sweep not yet in the results, on a backend; summary; plots."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from epoch_mlir.errors import EpochError
from epoch_mlir.sweep.backends import BACKENDS, run_pool, run_ray, run_serial
from epoch_mlir.sweep.results import ResultsStore
from epoch_mlir.sweep.spec import Sweep, load_sweep

CSV_INTERVAL_S = 5.0  # while running, the CSV is regenerated at most this often (and at the end)


@dataclass
class SweepResult:
    """The rows of the sweep's points (sorted by point id) and what this run did."""

    rows: list[dict[str, Any]]
    ran: int  # points run now
    skipped: int  # points found in the results already
    directory: Path
    seconds: float

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row.get("error")]


def _is_done(row: Mapping[str, Any], retry_errors: bool) -> bool:
    if not row.get("error"):
        return True
    return row.get("error_kind") != "internal" and not retry_errors


def run_sweep(
    sweep: Sweep | str | Path,
    output: str | Path,
    *,
    backend: str = "pool",
    jobs: int | None = None,
    address: str | None = None,
    retry_errors: bool = False,
    progress: bool | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> SweepResult:
    """Run every point of `sweep` whose row is not in `output` yet; return all its rows.

    `output` is the results directory (results.jsonl, results.csv). `backend`: "pool" (a local
    process pool of `jobs` workers; 1 runs in this process), "serial", or "ray" (`address` of
    a cluster, else a local instance of `jobs` CPUs). Rows of user errors (e.g. a model that does
    not fit the machine) are results too; rows of internal errors are retried on the next run,
    and with `retry_errors` every error row is. `on_row` sees each row once it is on disk.
    """
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    if backend not in BACKENDS:
        raise EpochError(f"unknown backend '{backend}' (one of {', '.join(BACKENDS)})")
    jobs = jobs or os.cpu_count() or 1
    start = time.perf_counter()
    with ResultsStore(output) as store:
        done = {pid for pid, row in store.rows.items() if _is_done(row, retry_errors)}
        tasks = sweep.pending(done)
        todo = sum(len(task.points) for task in tasks)
        if backend == "ray":
            rows = run_ray(tasks, jobs, address) if tasks else iter(())
        elif backend == "serial" or jobs == 1:
            rows = run_serial(tasks)
        else:
            rows = run_pool(tasks, jobs)
        show = sys.stderr.isatty() if progress is None else progress
        bar = None
        if show and todo:
            from tqdm import tqdm

            bar = tqdm(total=todo, unit="point", file=sys.stderr, desc=sweep.name, leave=False)
        last_csv = time.monotonic()
        try:
            for row in rows:
                store.append(row)
                if bar is not None:
                    bar.update(1)
                if on_row is not None:
                    on_row(row)
                if time.monotonic() - last_csv > CSV_INTERVAL_S:
                    store.write_csv()
                    last_csv = time.monotonic()
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # a generator's finally: shut the pool or Ray down
            if bar is not None:
                bar.close()
            store.write_csv()
        ids = {point.id for point in sweep.points}
        found = sorted((row for pid, row in store.rows.items() if pid in ids),
                       key=lambda row: row["point"])  # fmt: skip
    return SweepResult(found, todo, len(sweep.points) - todo, Path(output),
                       time.perf_counter() - start)  # fmt: skip


# --- reading the results ----------------------------------------------------------------------


def _varying(rows: list[dict[str, Any]]) -> list[str]:
    """The machine and run parameters that differ between rows (what tells points apart)."""
    keys = sorted({k for row in rows for k in row if k.startswith(("machine.", "run."))})
    keys = [k for k in keys if k not in ("run.numerics", "run.seed")]
    return [k for k in keys if len({repr(row.get(k)) for row in rows}) > 1]


def _describe(row: Mapping[str, Any], keys: list[str]) -> str:
    parts = []
    for key in keys:
        short = key.split(".", 1)[1]
        short = {"dram.bandwidth_bytes_per_cycle": "bw", "ideal_memory": "ideal"}.get(short, short)
        parts.append(f"{short}={row.get(key)}")
    return " ".join(parts) or "-"


def summary_table(rows: list[dict[str, Any]]) -> str:
    """Per model: points, errors, the best latency and the best energy and where they are.

    The best are taken among the points with real memory (ideal memory is a bound), if any.
    """
    models: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        models.setdefault(row["model"], []).append(row)
    varying = _varying(rows)
    table = [("model", "points", "errors", "best latency (us)", "at", "best energy (uJ)", "at")]
    for model in sorted(models):
        group = models[model]
        ok = [row for row in group if not row.get("error")]
        line: tuple[str, ...] = (model, str(len(group)), str(len(group) - len(ok)))
        real = [row for row in ok if not row.get("run.ideal_memory")]
        ok = real or ok  # an ideal-memory point is a bound, not a design: best of the rest
        if ok:
            fast = min(ok, key=lambda row: (row["latency_us"], row["point"]))
            lean = min(ok, key=lambda row: (row["energy_pj"], row["point"]))
            line += (
                f"{fast['latency_us']:.3f}",
                _describe(fast, varying),
                f"{lean['energy_pj'] / 1e6:.4f}",
                _describe(lean, varying),
            )
        else:
            line += ("-", "-", "-", "-")
        table.append(line)
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    )


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points no other point beats on both coordinates, by the first one."""
    order = sorted(range(len(points)), key=lambda i: points[i])
    front, best = [], float("inf")
    for index in order:
        if points[index][1] < best:
            front.append(index)
            best = points[index][1]
    return front


def pareto_plots(rows: list[dict[str, Any]], directory: str | Path) -> list[Path]:
    """One PNG per model: latency vs energy of every point, the Pareto front joined.

    Ideal-memory points are bounds, not designs: drawn apart, and left out of the front.

    Needs matplotlib (the `plot` extra); returns [] without it.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    models: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if not row.get("error"):
            models.setdefault(row["model"], []).append(row)
    written = []
    for model, group in sorted(models.items()):
        ideal = [row for row in group if row.get("run.ideal_memory")]
        group = [row for row in group if not row.get("run.ideal_memory")] or ideal
        points = [(row["latency_us"], row["energy_pj"] / 1e6) for row in group]
        front = pareto_front(points)
        figure, axes = plt.subplots(figsize=(6, 4.5))
        axes.scatter(*zip(*points, strict=True), s=12, color="0.6", label="points")
        if ideal and group is not ideal:
            bounds = [(row["latency_us"], row["energy_pj"] / 1e6) for row in ideal]
            axes.scatter(*zip(*bounds, strict=True), s=12, marker="x", color="tab:blue",
                         label="ideal memory (bound)")  # fmt: skip
        axes.plot(*zip(*(points[i] for i in front), strict=True), "o-", color="tab:red",
                  markersize=4, label="Pareto front")  # fmt: skip
        xs, ys = zip(*points, strict=True)
        if min(xs) > 0 and max(xs) / min(xs) > 20:
            axes.set_xscale("log")  # dataflows differ by orders of magnitude
        if min(ys) > 0 and max(ys) / min(ys) > 20:
            axes.set_yscale("log")
        axes.set_xlabel("latency (us)")
        axes.set_ylabel("energy (uJ)")
        axes.set_title(f"{model}: {len(points)} points")
        axes.legend()
        axes.grid(alpha=0.3)
        figure.tight_layout()
        path = Path(directory) / f"pareto-{re.sub(r'[^A-Za-z0-9._-]+', '_', model)}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written
