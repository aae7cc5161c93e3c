"""`epoch opt`: parse, verify, transform and print IR, as mlir-opt and xdsl-opt do.

Built on xDSL's `xDSLOptMain` for its flags and targets, but with this project's registry
instead of every xDSL dialect and pass, and with MLIR's manners where xDSL differs:
diagnostics are `file:line:col: error: ...` plus the source line (never a module dump),
`--print-ir-after-all` and `--time-passes` write to stderr, a failing run exits 1 without
writing `-o`, and pipeline mistakes are one line that suggests the intended pass. A target
that produces bytes (`-t epoch-bin`, a `BinaryTarget`) writes them to `-o FILE`.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from collections.abc import Sequence
from typing import IO, NoReturn, Protocol, runtime_checkable

import click
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.printer import Printer
from xdsl.utils.arg_spec import parse_spec
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException
from xdsl.xdsl_opt_main import xDSLOptMain

from epoch_mlir import __version__
from epoch_mlir.diagnostics import (
    SourceText,
    diagnostic_message,
    format_diagnostic,
    verify_module,
)
from epoch_mlir.errors import IRError, IRParseError, PipelineError
from epoch_mlir.io import atomic_write_bytes, atomic_write_text, check_writable
from epoch_mlir.ir_reader import parse_module
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import (
    get_all_dialects,
    get_all_passes,
    get_all_targets,
    get_upstream_passes,
)

SPLIT_MARKER = "// -----"
STDIN_NAME = "<stdin>"


@runtime_checkable
class BinaryTarget(Protocol):
    """A target whose output is a file's bytes; xDSL's `Target.emit` can only write text."""

    def emit_bytes(self, ctx: Context, module: ModuleOp) -> bytes: ...


class PassTimer:
    """Wall time per pipeline stage, reported like `mlir-opt --mlir-timing`.

    Stages are keyed by position so a pass that runs twice gets two rows; times add up over
    the chunks of `--split-input-file`.
    """

    def __init__(self) -> None:
        self._seconds: dict[tuple[int, str], float] = {}

    def add(self, position: int, label: str, seconds: float) -> None:
        key = (position, label)
        self._seconds[key] = self._seconds.get(key, 0.0) + seconds

    def report(self) -> str:
        total = sum(self._seconds.values())
        rule = "===" + "-" * 73 + "==="
        lines = [
            rule,
            " " * 25 + "... Execution time report ...",
            rule,
            f"  Total Execution Time: {total:.4f} seconds",
            "",
            "  ----Wall Time----  ----Name----",
        ]
        for (_, label), seconds in sorted(self._seconds.items()):
            share = 100 * seconds / total if total else 0.0
            lines.append(f"  {seconds:8.4f} ({share:5.1f}%)  {label}")
        lines.append(f"  {total:8.4f} (100.0%)  Total")
        return "\n".join(lines) + "\n"


# Report rows in pipeline order: parsing first, output last, passes in between.
_PARSER_POSITION, _VERIFIER_POSITION, _FIRST_PASS_POSITION = 0, 1, 2
_OUTPUT_POSITION = sys.maxsize


class EpochOptMain(xDSLOptMain):
    """xDSL's opt driver restricted to our registry and given MLIR's diagnostics."""

    version_format = f"epoch opt (epoch-mlir {__version__}, xdsl {{xdsl_version}})"

    def __init__(self, args: Sequence[str]) -> None:
        self._timer = PassTimer()
        self._source: SourceText | None = None
        self._pass_position = 0
        self._stage_started = 0.0
        self._running_pass: ModulePass | None = None
        super().__init__(description="Parse, verify, transform and print IR.", args=args)
        self._binary_target = self._find_binary_target()

    def _find_binary_target(self) -> BinaryTarget | None:
        """The `-t` target if it writes bytes, after checking the flags suit one program file."""
        spec = parse_spec(self.args.target)
        target = get_all_targets()[spec.name]().from_spec(spec)  # argparse checked the name
        if not isinstance(target, BinaryTarget):
            return None
        if self.args.output_file is None:
            self._arg_parser.error(f"-t {spec.name} writes a binary program file: give -o FILE")
        for flag in ("split_input_file", "verify_diagnostics", "parsing_diagnostics"):
            if getattr(self.args, flag):
                option = "--" + flag.replace("_", "-")
                self._arg_parser.error(f"-t {spec.name} writes one program file, not {option}")
        return target

    # -- what the tool knows: everything comes from the registry ---------------------------

    def register_all_dialects(self) -> None:
        for name, factory in get_all_dialects().items():
            self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        for name, factory in {**get_upstream_passes(), **get_all_passes()}.items():
            self.register_pass(name, factory)

    def register_all_targets(self) -> None:
        self.available_targets.update(get_all_targets())

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        self._arg_parser = arg_parser
        arg_parser.prog = "epoch opt"
        arg_parser.add_argument(
            "--print-ir-after-all",
            "--mlir-print-ir-after-all",
            action="store_true",
            help="print the IR to stderr after every pass, under MLIR's '// -----// IR Dump "
            "After ...' headers",
        )
        # mlir-opt's spellings of flags xDSL already has, so muscle memory works.
        for mlir_flag, destination in (
            ("--mlir-print-op-generic", "print_op_generic"),
            ("--mlir-print-debuginfo", "print_debuginfo"),
            ("--mlir-timing", "time_passes"),
        ):
            arg_parser.add_argument(
                mlir_flag, dest=destination, action="store_true", help=argparse.SUPPRESS
            )
        _suggest_close_flags(arg_parser)

    # -- the pipeline ----------------------------------------------------------------------

    def setup_pipeline(self) -> None:
        self.pipeline = build_pipeline(
            self.args.passes, self.available_passes, self._between_passes
        )

    def _between_passes(
        self, previous: ModulePass | None, module: ModuleOp, following: ModulePass | None
    ) -> None:
        """Time the pass that just ran, dump the IR if asked, verify, start the next clock."""
        now = time.perf_counter()
        if previous is not None:
            label = f"{type(previous).__name__} ({previous.name})"
            self._timer.add(self._pass_position, label, now - self._stage_started)
            self._pass_position += 1
            if self.args.print_ir_after_all or self.args.print_between_passes:
                self._dump_ir(label, module, sys.stderr)
        if not self.args.disable_verify:
            verify_module(module, self._source)
            self._timer.add(_VERIFIER_POSITION, "Verifier", time.perf_counter() - now)
        self._running_pass = following
        self._stage_started = time.perf_counter()

    def _dump_ir(self, label: str, module: ModuleOp, stream: IO[str]) -> None:
        print(f"// -----// IR Dump After {label} //----- //", file=stream)
        Printer(
            stream=stream,
            print_generic_format=self.args.print_op_generic,
            print_debuginfo=self.args.print_debuginfo,
        ).print_op(module)
        print("\n", file=stream)

    # -- running ---------------------------------------------------------------------------

    def run_all(self) -> int:
        """Process every input chunk; print the output only if all succeed. The exit status."""
        check_writable(self.args.output_file)
        outputs: list[str | bytes] = []
        failures: list[IRError] = []
        for source in self._read_sources():
            try:
                outputs.append(self._process(source))
            except IRParseError as error:
                if not self.args.parsing_diagnostics:
                    failures.append(error)
                    continue
                outputs.append(format_diagnostic(error) + "\n")
            except IRError as error:
                if not self.args.verify_diagnostics:
                    failures.append(error)
                    continue
                outputs.append(format_diagnostic(error) + "\n")
        if self.args.time_passes:
            sys.stderr.write(self._timer.report())
        if failures:
            for error in failures:
                print(format_diagnostic(error), file=sys.stderr)
            return 1
        if self._binary_target is not None:
            (program,) = outputs  # one chunk: the flags that give more are refused
            assert isinstance(program, bytes)
            atomic_write_bytes(self.args.output_file, program)
            return 0
        text = (SPLIT_MARKER + "\n").join(str(output) for output in outputs)
        if self.args.output_file is None:
            sys.stdout.write(text)
        else:
            atomic_write_text(self.args.output_file, text)
        return 0

    def _process(self, source: SourceText) -> str | bytes:
        """Parse, verify, transform and print one chunk."""
        started = time.perf_counter()
        module = parse_module(self.ctx, source, implicit_module=not self.args.no_implicit_module)
        self._timer.add(_PARSER_POSITION, "Parser", time.perf_counter() - started)
        self._source = source
        self._pass_position = _FIRST_PASS_POSITION
        try:
            self.apply_passes(module)
        except DiagnosticException as error:  # a pass refusing its input (PassFailedException)
            name = self._running_pass.name if self._running_pass else "the pipeline"
            raise IRError(
                f"pass '{name}' failed: {diagnostic_message(error)}", where=source.name
            ) from None
        except IRError as error:
            if error.where is None:  # a pass refusing the module as a whole: name it and the file
                name = self._running_pass.name if self._running_pass else "the pipeline"
                if name not in error.message:
                    error.message = f"pass '{name}' failed: {error.message}"
                error.where = source.name
            raise
        started = time.perf_counter()
        if self._binary_target is not None:
            output: str | bytes = self._binary_target.emit_bytes(self.ctx, module)
        else:
            output = self.output_resulting_program(module)
        self._timer.add(_OUTPUT_POSITION, "Output", time.perf_counter() - started)
        return output

    def _read_sources(self) -> list[SourceText]:
        """The input as one text, or as `// -----` chunks that remember their first line."""
        path = self.args.input_file
        try:
            if path is None or path == "-":
                name, data = STDIN_NAME, sys.stdin.buffer.read()
            else:
                name = path
                with open(path, "rb") as stream:
                    data = stream.read()
            text = data.decode("utf-8")
        except OSError as error:
            raise IRError(f"cannot read IR: {error.strerror or error}", where=path) from None
        except UnicodeDecodeError as error:
            raise IRError(f"cannot read IR: not UTF-8 ({error.reason})", where=path) from None
        if not self.args.split_input_file:
            return [SourceText(name, text)]
        sources: list[SourceText] = []
        first_line = 1
        for chunk in text.split(SPLIT_MARKER):
            sources.append(SourceText(name, chunk, first_line))
            first_line += chunk.count("\n")
        return sources


def _suggest_close_flags(arg_parser: argparse.ArgumentParser) -> None:
    """Make argparse's 'unrecognized arguments' also name the flags that look alike."""
    report = arg_parser.error

    def error(message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            flags = [flag for action in arg_parser._actions for flag in action.option_strings]
            hints = []
            for word in message.removeprefix(prefix).split():
                matches = difflib.get_close_matches(word.split("=")[0], flags, n=3, cutoff=0.6)
                if matches:
                    hints.append(f"{word} (did you mean {' or '.join(matches)}?)")
                else:
                    hints.append(word)
            message = prefix + ", ".join(hints)
        report(message)

    arg_parser.error = error


def run_opt(argv: Sequence[str]) -> int:
    """Run `epoch opt` with `argv`; the exit status. EpochErrors propagate to the CLI group."""
    try:
        main = EpochOptMain(argv)
    except ArgSpecParseError as error:  # a malformed `-t name{...}`: a BaseException
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        raise PipelineError(f"malformed target: {lines[-1] if lines else error}") from None
    return main.run_all()


@click.command(
    "opt",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    add_help_option=False,
)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def opt_command(ctx: click.Context, argv: tuple[str, ...]) -> None:
    """Parse, verify, transform and print IR, like mlir-opt (see `epoch opt --help`)."""
    ctx.exit(run_opt(list(argv)))
