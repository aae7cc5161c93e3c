"""`epoch compile`: the full pipeline from the ssm/nn level to a program for the emulator."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import click
from xdsl.dialects.builtin import ModuleOp
from xdsl.printer import Printer

from epoch_mlir.errors import EpochError, IRError
from epoch_mlir.io import atomic_write_bytes, atomic_write_text, check_writable
from epoch_mlir.machine import DEFAULT_PRESET, load_machine
from epoch_mlir.machine.vocabulary import DATAFLOWS

if TYPE_CHECKING:  # the compiler is imported when a command compiles, not at start-up
    from epoch_mlir.compiler import Compiled
    from epoch_mlir.machine import Machine


def compile_source(
    source: Path, machine: Machine, hw: str, dataflow: str | None, pipeline: str | None
) -> Compiled:
    """`compile_file`, with every IR error naming the file (a pass may refuse the module as a
    whole, without a place in it)."""
    from epoch_mlir.compiler import compile_file

    try:
        return compile_file(source, machine, hw, dataflow, pipeline)
    except IRError as error:
        if error.where is None:
            error.where = str(source)
        raise


def _mlir_text(module: ModuleOp) -> str:
    stream = io.StringIO()
    Printer(stream=stream).print_op(module)
    return stream.getvalue() + "\n"


@click.command("compile")
@click.argument("source", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (default: stdout for --emit asm/mlir).",
)
@click.option(
    "--hw", default=DEFAULT_PRESET, show_default=True, help="Machine preset name or TOML file."
)
@click.option(
    "--dataflow",
    type=click.Choice(DATAFLOWS),
    help="prodf (default on LIMA machines) or ws/os/is (default ws on MAC machines).",
)
@click.option("-p", "--passes", "pipeline", help="Pass pipeline replacing the default one.")
@click.option(
    "--emit",
    type=click.Choice(["bin", "asm", "mlir"]),
    default="bin",
    show_default=True,
    help="Program file, its assembly, or the epoch-level IR.",
)
@click.option(
    "--print-pipeline",
    is_flag=True,
    help="Print the default pipeline for --hw/--dataflow and exit.",
)
def compile_command(
    source: Path | None,
    output: Path | None,
    hw: str,
    dataflow: str | None,
    pipeline: str | None,
    emit: str,
    print_pipeline: bool,
) -> None:
    """Compile SOURCE (ssm/nn IR) for the machine and write the program.

    With --print-pipeline, print the default pipeline for --hw/--dataflow (one pass per line,
    as -p accepts it) instead; no SOURCE is needed.
    """
    from epoch_mlir.compiler import pipeline_for

    machine = load_machine(hw)
    if print_pipeline:
        click.echo(pipeline_for(machine, hw, dataflow))
        return
    if source is None:
        raise click.UsageError("Missing argument 'SOURCE'.")
    if emit == "bin" and output is None:
        raise EpochError("--emit bin writes a binary: give -o PROG")
    check_writable(output)
    compiled = compile_source(source, machine, hw, dataflow, pipeline)
    if emit == "bin":
        assert output is not None
        atomic_write_bytes(output, compiled.program.to_bytes())
        return
    if emit == "asm":
        from epoch_mlir.isa.disasm import disassemble

        text = disassemble(compiled.program)
    else:
        text = _mlir_text(compiled.module)
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text)
