"""`epoch asm` and `epoch disasm`: the assembler and disassembler on the command line.

Both read everything and finish their work before opening the output, and write it atomically,
so a failed run leaves no partial file and never clobbers an existing one. Errors are
EpochError subclasses; the `epoch` group prints them as one line and exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from epoch_mlir.errors import EpochError
from epoch_mlir.io import atomic_write_text, check_writable
from epoch_mlir.isa.asm import assemble
from epoch_mlir.isa.disasm import disassemble
from epoch_mlir.isa.program import read_program

PROGRAM_SUFFIX = ".epb"
STDIO = "-"

_PATH = click.Path(dir_okay=False, path_type=Path)


def _read_source(path: Path) -> str:
    if str(path) == STDIO:
        return sys.stdin.read()
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise EpochError(f"cannot read assembly: {error.strerror}", str(path)) from None
    except UnicodeDecodeError as error:
        raise EpochError(f"not UTF-8 text (byte {error.start})", str(path)) from None


def _refuse_to_overwrite_input(source: Path, output: Path) -> None:
    """Writing over the input would destroy the only copy of what the user gave us."""
    if str(source) == STDIO or not output.exists():
        return
    if output.resolve() == source.resolve():
        raise EpochError("the output would overwrite the input; choose another -o", str(output))


@click.command("asm")
@click.argument("source", type=_PATH)
@click.option(
    "-o",
    "--output",
    type=_PATH,
    help=f"Program file to write (default: SOURCE with suffix {PROGRAM_SUFFIX}).",
)
def asm_command(source: Path, output: Path | None) -> None:
    """Assemble SOURCE (EpochCore assembly, '-' for stdin) into a program file."""
    if output is None:
        if str(source) == STDIO:
            raise click.UsageError("-o is required when reading from stdin")
        output = source.with_suffix(PROGRAM_SUFFIX)
    _refuse_to_overwrite_input(source, output)
    check_writable(output)
    where = "<stdin>" if str(source) == STDIO else str(source)
    program = assemble(_read_source(source), where)
    program.save(output)


@click.command("disasm")
@click.argument("program", type=_PATH)
@click.option(
    "-o",
    "--output",
    type=_PATH,
    default=Path(STDIO),
    show_default=True,
    help="Assembly file to write ('-' for stdout).",
)
def disasm_command(program: Path, output: Path) -> None:
    """Disassemble PROGRAM; the output assembles back to the identical program."""
    if str(output) != STDIO:
        _refuse_to_overwrite_input(program, output)
        check_writable(output)
    text = disassemble(read_program(program))
    if str(output) == STDIO:
        click.echo(text, nl=False)
        return
    atomic_write_text(output, text)
