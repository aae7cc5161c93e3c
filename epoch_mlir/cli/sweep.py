"""`epoch sweep`: run a design-space sweep file into a results directory (docs/sweep.md)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("sweep")
@click.argument("sweep_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Results directory: results.jsonl, results.csv, pareto-*.png (default: SWEEP.results "
    "next to the sweep file).",
)
@click.option(
    "--backend",
    type=click.Choice(["pool", "ray", "serial"]),
    default="pool",
    show_default=True,
    help="pool: local processes; ray: a Ray cluster (--address) or a local Ray instance.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel workers (pool) or CPUs of a local Ray instance (default: the CPU count).",
)
@click.option("--address", default=None, help="Ray only: the address of a running cluster.")
@click.option("--retry-errors", is_flag=True, help="Rerun points whose rows recorded an error.")
@click.option("--no-plot", is_flag=True, help="Do not write the Pareto plots.")
@click.option("--list", "list_only", is_flag=True, help="Print the points and exit; run nothing.")
def sweep_command(
    sweep_file: Path,
    output: Path | None,
    backend: str,
    jobs: int | None,
    address: str | None,
    retry_errors: bool,
    no_plot: bool,
    list_only: bool,
) -> None:
    """Compile and run every point of SWEEP_FILE not already in the results (resumable)."""
    if address is not None and backend != "ray":
        raise click.UsageError("--address joins a Ray cluster: use it with --backend ray")
    from epoch_mlir.io import check_writable_directory
    from epoch_mlir.sweep import load_sweep, pareto_plots, run_sweep, summary_table
    from epoch_mlir.sweep.results import read_rows

    output = output or sweep_file.with_suffix(".results")
    if not list_only:
        check_writable_directory(output)
    sweep = load_sweep(sweep_file)
    if list_only:
        done = read_rows(output / "results.jsonl") if (output / "results.jsonl").is_file() else {}
        for point in sweep.points:
            params = " ".join(f"{k}={v}" for k, v in point.params.items())
            click.echo(f"{point.id} {'done' if point.id in done else 'todo'} {params}")
        click.echo(f"{len(sweep.points)} points in {len(sweep.tasks)} compilations")
        return
    try:
        result = run_sweep(
            sweep,
            output,
            backend=backend,
            jobs=jobs,
            address=address,
            retry_errors=retry_errors,
        )
    except KeyboardInterrupt:
        saved = len(read_rows(output / "results.jsonl"))
        click.echo(f"interrupted: {saved} rows are saved in {output}; rerun to resume", err=True)
        raise SystemExit(130) from None
    rate = result.ran / result.seconds if result.seconds > 0 else 0.0
    click.echo(
        f"{sweep.name}: {len(result.rows)} points ({result.ran} run now, {result.skipped} "
        f"already in the results, {len(result.errors)} with errors) in {result.seconds:.1f} s"
        + (f", {rate:.2f} points/s" if result.ran else "")
    )
    click.echo(summary_table(result.rows))
    for row in result.errors[:5]:
        click.echo(f"error at {row['point']} ({row['model']}): {row['error']}", err=True)
    plots = [] if no_plot else pareto_plots(result.rows, output)
    click.echo(f"results: {output / 'results.csv'}, {output / 'results.jsonl'}")
    if plots:
        click.echo(f"Pareto plots: {', '.join(str(path) for path in plots)}")
