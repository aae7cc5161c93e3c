"""The `epoch` click group.

Subcommands are imported lazily so `epoch asm` does not pay for xDSL's import and `epoch --help`
stays fast. Each subcommand lives in its own module of this package.
"""

from __future__ import annotations

import importlib
import sys

import click

from epoch_mlir import __version__
from epoch_mlir.errors import EpochError

# name -> "module:attribute" of a click.Command; the single list of subcommands.
SUBCOMMANDS: dict[str, str] = {
    "asm": "epoch_mlir.cli.asm:asm_command",
    "compile": "epoch_mlir.cli.compile:compile_command",
    "disasm": "epoch_mlir.cli.asm:disasm_command",
    "generate": "epoch_mlir.cli.generate:generate_command",
    "import": "epoch_mlir.cli.import_:import_command",
    "opt": "epoch_mlir.cli.opt:opt_command",
    "report": "epoch_mlir.cli.report:report_command",
    "run": "epoch_mlir.cli.run:run_command",
    "sweep": "epoch_mlir.cli.sweep:sweep_command",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except EpochError as error:
            click.echo(f"error: {one_line(str(error))}", err=True)
            ctx.exit(1)


def one_line(message: str) -> str:
    """The message with line breaks escaped: user text it quotes (a preset name, a key) may
    hold newlines, and SPEC.md promises one line."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="epoch")
def cli() -> None:
    """EpochCore toolchain: compile SSM models, assemble programs and run them on the emulator."""


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    cli.main(args=argv, prog_name="epoch")


if __name__ == "__main__":
    main(sys.argv[1:])
