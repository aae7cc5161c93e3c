"""Design-space sweeps: models x machines x dataflows x run options, resumable (docs/sweep.md).

`Sweep.load(path)` reads a sweep file into points and compile tasks; `run_sweep(sweep, directory,
backend=..., jobs=...)` runs the points not yet in the directory's results and returns the rows;
`summary_table` and `pareto_plots` read them.
"""

from __future__ import annotations

from epoch_mlir.sweep.results import ResultsStore, read_rows, write_csv
from epoch_mlir.sweep.runner import (
    SweepResult,
    pareto_front,
    pareto_plots,
    run_sweep,
    summary_table,
)
from epoch_mlir.sweep.spec import Point, Sweep, SweepError, Task, load_sweep, point_id

__all__ = [
    "Point",
    "ResultsStore",
    "Sweep",
    "SweepError",
    "SweepResult",
    "Task",
    "load_sweep",
    "pareto_front",
    "pareto_plots",
    "point_id",
    "read_rows",
    "run_sweep",
    "summary_table",
    "write_csv",
]
