"""Diagnostics about IR: mlir-opt's `file:line:col: error: message`, the line and a caret.

Everything that reports a problem at an op (the reader, the verifier, passes, the program
serializer) goes through here, so every message has the same shape and names the place.
"""

from __future__ import annotations

import dataclasses

from xdsl.dialects.builtin import FileLineColLoc, ModuleOp
from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException

from epoch_mlir.errors import IRError, IRVerifyError


@dataclasses.dataclass(frozen=True)
class SourceText:
    """IR text and where it came from, so diagnostics can quote it.

    `first_line` is the file line of the text's first line: `--split-input-file` chunks start
    deep into the file and their diagnostics must still name the file's own line numbers.
    """

    name: str
    text: str
    first_line: int = 1

    def line(self, number: int) -> str | None:
        """Line `number` of the file (1-based), if this text holds it."""
        lines = self.text.split("\n")
        index = number - self.first_line
        return lines[index].rstrip("\r") if 0 <= index < len(lines) else None


def verify_module(module: ModuleOp, source: SourceText | None = None) -> None:
    """Verify `module`, reporting the first op that fails as IRVerifyError at its position.

    Nested ops are checked before their parents, as xDSL and MLIR do, so the error names the
    innermost culprit. `source` supplies the quoted line when the op came from it.
    """
    try:
        module.verify()
    except DiagnosticException as module_error:
        for op in module.walk(region_first=True):
            try:
                op.verify(verify_nested_ops=False)
            except DiagnosticException as error:
                raise _op_error(op, diagnostic_message(error), source) from None
        # Only block-level rules (e.g. a missing terminator) fail without an op failing.
        raise _op_error(module, diagnostic_message(module_error), source) from None


def format_diagnostic(error: IRError) -> str:
    """mlir-opt's rendering: `file:line:col: error: message`, then the line and a caret."""
    head = f"{error.where}: error: {error.message}" if error.where else f"error: {error.message}"
    return f"{head}\n{error.snippet}" if error.snippet else head


def op_error(op: Operation, message: str, source: SourceText | None = None) -> IRError:
    """An IRError about `op` (for checks beyond the verifier, e.g. the entry point's types)."""
    return _op_error(op, message, source, error_class=IRError)


def _op_error(
    op: Operation,
    message: str,
    source: SourceText | None,
    error_class: type[IRError] = IRVerifyError,
) -> IRError:
    text = f"'{op.name}' op {message}"
    location = op.location
    if not isinstance(location, FileLineColLoc):
        return error_class(text, where=source.name if source else None)
    file, line, column = location.filename.data, location.line.data, location.column.data
    if source is not None and file == source.name:
        return located(error_class, text, source, line, column)
    return error_class(text, where=f"{file}:{line}:{column}")


def located(
    error_class: type[IRError], message: str, source: SourceText, line: int, column: int
) -> IRError:
    snippet = None
    if (text := source.line(line)) is not None:
        # Keep tabs in the indent so the caret lands under the column on any terminal.
        indent = "".join(c if c == "\t" else " " for c in text[: column - 1])
        snippet = f"{text}\n{indent}^"
    return error_class(message, where=f"{source.name}:{line}:{column}", snippet=snippet)


def diagnostic_message(error: BaseException) -> str:
    """An xDSL exception's own message, on one line and without the module dump it carries."""
    message = str(error.args[0]) if error.args else type(error).__name__
    return " ".join(part.strip() for part in message.splitlines() if part.strip())
