"""`epoch report`: stats JSON (and Chrome trace JSON) of runs -> a markdown summary and PNG plots.

    epoch report STATS.json [TRACE.json] -o OUTDIR
    epoch report A.json [A.trace.json] B.json [B.trace.json] ... -o OUTDIR   (a comparison)

A file is read as a trace when it is one (a `traceEvents` object or an event list); a trace
belongs to the stats file before it. The first stats file is the comparison's baseline.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(path_type=Path),
    help="Directory for report.md and the PNG plots (created if missing).",
)
@click.option("--no-plots", is_flag=True, help="Write the markdown only.")
def report_command(files: tuple[Path, ...], output: Path, no_plots: bool) -> None:
    """Summarize runs' --stats (and --trace) files as OUTDIR/report.md and PNG plots.

    One stats file gives a run report; several give a side-by-side comparison against the first
    (speedup, energy ratio). Plots need matplotlib (pip install 'epoch-mlir[plot]').
    """
    from epoch_mlir.io import check_writable_directory
    from epoch_mlir.report import PLOT_HINT, build_report, load_runs, write_report

    check_writable_directory(output)
    runs = load_runs(files)
    report = build_report(runs, plots=not no_plots)
    written = write_report(report, output)
    click.echo(f"wrote {', '.join(str(path) for path in written)}")
    if report.plots_skipped:
        click.echo(f"note: {PLOT_HINT}", err=True)
