"""`epoch run`: run a program (a binary, or assembly assembled on the fly) on the emulator.

Prints a short human summary (cycles, utilization, energy) on stdout; `--stats`, `--trace` and
`-o` write the SPEC's JSON and npz files atomically, after the run succeeded.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

import click
import numpy as np

from epoch_mlir.errors import EpochError, InputError, MachineMismatchError
from epoch_mlir.io import atomic_write_text, check_writable, load_inputs, save_outputs
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine
from epoch_mlir.machine.vocabulary import DATAFLOWS
from epoch_mlir.stats import Stats

PROGRESS_THRESHOLD = 20_000  # executed instructions above which a terminal gets a progress bar
# Executed instructions a run may take unless --max-instructions says otherwise: loop counts
# are immediates, so a few nested loops can ask for more than the emulator does in a year.
DEFAULT_RUN_LIMIT = 10**9


def _load_program(path: Path) -> Program:
    from epoch_mlir.isa.program import read_program

    if path.suffix == ".s":
        from epoch_mlir.isa.asm import assemble

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise EpochError(f"cannot read assembly: {error}", str(path)) from None
        return assemble(text, str(path))
    return read_program(path)


def machine_for(program: Program, hw: str | None, force_hw: bool, where: str) -> Machine:
    """The machine to run `program` on: --hw if given (the one it was compiled for unless
    --force-hw), else the machine it records, else the default preset."""
    from epoch_mlir.machine import load_machine

    recorded = program.machine
    if hw is None and recorded is not None:
        return recorded.machine(f"{where} (its machine record)")
    machine = load_machine(hw)
    if recorded is not None and not force_hw:
        try:
            recorded.check_runs_on(machine, hw)
        except MachineMismatchError as error:
            error.where = where
            raise
    return machine


def _summary(stats: Stats) -> str:
    hw = stats.hw
    busy = stats.unit_busy_cycles
    energy = stats.energy_pj
    lines = [
        f"{hw['name']} ({hw['rows']}x{hw['cols']} {hw['pe']}): {stats.cycles:,} cycles "
        f"({stats.latency_us:.3f} us at {hw['clock_ghz']:g} GHz), "
        f"{stats.instructions:,} instructions" + (" [ideal memory]" if stats.ideal_memory else ""),
        f"PE utilization {stats.pe_utilization:.4f} (MACs per PE-cycle; occupancy "
        f"{stats.pe_occupancy:.1%}), {stats.macs:,} MACs",
        f"energy {energy / 1e6:.4f} uJ ("
        + ", ".join(
            f"{k} {v / max(energy, 1e-30):.0%}" for k, v in stats.energy_breakdown_pj.items()
        )
        + ")",
        f"DRAM {stats.dram_read_bytes / 2**20:.2f} MiB read, "
        f"{stats.dram_write_bytes / 2**20:.2f} MiB written; busy cycles: "
        + ", ".join(f"{unit} {cycles:,}" for unit, cycles in busy.items()),
    ]
    return "\n".join(lines)


def check_against(outputs: Mapping[str, np.ndarray], expected: Mapping[str, np.ndarray]) -> str:
    """Compare with SPEC.md's tolerance (rtol 1e-4, atol 1e-5 scaled by the magnitude)."""
    if set(outputs) != set(expected):
        raise InputError(f"expected outputs {sorted(expected)} but the run gave {sorted(outputs)}")
    worst = 0.0
    for key in sorted(expected):
        got, want = np.asarray(outputs[key]), np.asarray(expected[key])
        if want.dtype.kind not in "biufc":
            raise InputError(f"expected output '{key}' has dtype {want.dtype.name}, not a number")
        if got.shape != want.shape:
            raise InputError(
                f"output '{key}' has shape {list(got.shape)}, expected {list(want.shape)}"
            )
        with np.errstate(invalid="ignore", over="ignore"):
            finite = np.abs(want)[np.isfinite(want)]
            scale = max(float(np.max(finite, initial=0.0)), 1.0)
            error = np.abs(got.astype(np.complex128) - want.astype(np.complex128))
            limit = 1e-4 * np.abs(want) + 1e-5 * scale
            # NaN compares false: a NaN (or inf) result matches only the same value expected
            same = (got == want) | (np.isnan(got) & np.isnan(want))
            wrong = ~((error <= limit) | same)
        if np.any(wrong):
            index = np.unravel_index(int(np.argmax(wrong)), want.shape)
            raise EpochError(
                f"output '{key}' differs from the expected values at {[int(i) for i in index]}: "
                f"{got[index]} vs {want[index]}"
            )
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            scaled = np.where(same, 0.0, error / (np.abs(want) + scale))
        worst = max(worst, float(np.max(scaled, initial=0.0)))
    return f"outputs match the expected values (max scaled error {worst:.2e})"


@click.command("run")
@click.argument("program", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--hw",
    default=None,
    help="Machine preset name or TOML file (default: the machine the program was compiled for, "
    "else epochcore).",
)
@click.option(
    "--force-hw",
    is_flag=True,
    help="Run on --hw even if the program was compiled for another machine (experiments).",
)
@click.option(
    "--inputs",
    "inputs_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="npz with arg0, arg1, ... for the entry's arguments.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the results (res0, res1, ...) to this npz.",
)
@click.option(
    "--stats",
    "stats_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the statistics JSON here.",
)
@click.option(
    "--trace",
    "trace_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a Chrome trace-event JSON (Perfetto) here.",
)
@click.option("--ideal-memory", is_flag=True, help="DRAM transfers are free: cycles count compute.")
@click.option(
    "--timing-only",
    is_flag=True,
    help="Cycles, traffic, energy and the trace without the numerics (no outputs).",
)
@click.option(
    "--expect",
    "expect_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="npz of expected results: fail unless the outputs match (SPEC tolerance).",
)
@click.option(
    "--dataflow",
    type=click.Choice(DATAFLOWS),
    help="FILE.mlir: the dataflow to compile for (default: prodf on LIMA machines, else ws).",
)
@click.option(
    "--reference",
    is_flag=True,
    help="FILE.mlir only: evaluate the ssm/nn module with the float64 reference interpreter.",
)
@click.option(
    "--max-instructions",
    "run_limit",
    type=click.IntRange(min=1),
    default=DEFAULT_RUN_LIMIT,
    show_default=True,
    help="Refuse to start a run that would execute more instructions than this.",
)
def run_command(
    program: Path,
    hw: str | None,
    force_hw: bool,
    inputs_path: Path | None,
    output: Path | None,
    stats_path: Path | None,
    trace_path: Path | None,
    ideal_memory: bool,
    timing_only: bool,
    expect_path: Path | None,
    dataflow: str | None,
    reference: bool,
    run_limit: int,
) -> None:
    """Run PROGRAM (a program file, a .s assembled or an .mlir compiled on the fly).

    With --reference, an .mlir module is evaluated by the float64 reference interpreter instead.
    """
    if timing_only and (output is not None or expect_path is not None or reference):
        raise click.UsageError("--timing-only computes no outputs: drop -o, --expect, --reference")
    if force_hw and hw is None:
        raise click.UsageError("--force-hw runs on the machine --hw names: give --hw")
    check_writable(output, stats_path, trace_path)
    inputs = load_inputs(inputs_path) if inputs_path else {}
    expected = load_inputs(expect_path) if expect_path else None
    if program.suffix == ".mlir" and reference:
        _run_reference(program, inputs, expected, output)
        return
    if reference:
        raise EpochError("--reference evaluates .mlir modules only", str(program))

    from epoch_mlir.emulator.core import Emulator, dynamic_instruction_count
    from epoch_mlir.emulator.trace import write_trace
    from epoch_mlir.machine import DEFAULT_PRESET, load_machine

    if program.suffix == ".mlir":
        from epoch_mlir.cli.compile import compile_source

        machine = load_machine(hw)
        loaded = compile_source(program, machine, hw or DEFAULT_PRESET, dataflow, None).program
    else:
        loaded = _load_program(program)
        machine = machine_for(loaded, hw, force_hw, str(program))
    if loaded.args and inputs_path is None and not timing_only:
        raise InputError(f"the program takes {len(loaded.args)} argument(s): give --inputs IN.npz")
    emulator = Emulator(
        loaded,
        machine,
        ideal_memory=ideal_memory,
        trace=trace_path is not None,
        timing_only=timing_only,
        force_machine=force_hw,
    )
    total = dynamic_instruction_count(emulator.instructions)
    if total > run_limit:
        raise EpochError(
            f"the program would execute {total:,} instructions, more than the limit of "
            f"{run_limit:,} (--max-instructions)",
            str(program),
        )
    if sys.stderr.isatty() and total > PROGRESS_THRESHOLD:
        from tqdm import tqdm

        with tqdm(total=total, unit="instr", file=sys.stderr, leave=False) as bar:

            def advance(executed: int) -> None:
                bar.update(executed - bar.n)

            emulator.progress = advance
            with np.errstate(all="ignore"):  # fp32 hardware: inf and NaN, no warnings
                result = emulator.run(inputs)
    else:
        with np.errstate(all="ignore"):
            result = emulator.run(inputs)
    click.echo(_summary(result.stats))
    if expected is not None:
        click.echo(check_against(result.outputs, expected))
    if output is not None:
        save_outputs(output, result.outputs)
    if stats_path is not None:
        atomic_write_text(stats_path, json.dumps(result.stats.to_json(), indent=2) + "\n")
    if trace_path is not None and result.trace is not None:
        write_trace(trace_path, result.trace, program.name)


def _run_reference(
    path: Path,
    inputs: Mapping[str, np.ndarray],
    expected: Mapping[str, np.ndarray] | None,
    output: Path | None,
) -> None:
    from epoch_mlir.interpreters.reference import run_reference
    from epoch_mlir.ir_reader import load_module

    outputs = run_reference(load_module(path), inputs)
    shapes = ", ".join(f"{key} {'x'.join(map(str, value.shape))}" for key, value in outputs.items())
    click.echo(f"reference interpreter (float64): {shapes}")
    if expected is not None:
        click.echo(check_against(outputs, expected))
    if output is not None:
        save_outputs(output, outputs)
