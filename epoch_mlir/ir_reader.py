"""Reading IR text into a verified module, with mlir-opt style `file:line:col` diagnostics.

xDSL reports a verifier failure as the whole module in generic form with no source position,
and parsed ops carry no location. Users of MLIR tools expect one line naming the spot and the
source line under it, so the parser here stamps every op with the position of its name and the
verifier reports the first failing op by that position.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from pathlib import Path

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp, StringAttr, UnknownLoc
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import DiagnosticException, ParseError
from xdsl.utils.lexer import Span
from xdsl.utils.mlir_lexer import MLIRLexer, MLIRTokenKind

from epoch_mlir.diagnostics import SourceText, diagnostic_message, located, verify_module
from epoch_mlir.dialects.operand_segments import OperandSegmentsError
from epoch_mlir.errors import IRError, IRParseError
from epoch_mlir.registry import get_all_dialects

# xDSL 0.74 lexes string literals with `"(?:[^"...]+|\\...)*"`: a `+` inside a `*`, which
# backtracks exponentially when the closing quote is missing, so an unclosed string of 25
# characters hangs the parser for hours. The same language with possessive quantifiers never
# backtracks: linear when it fails, and runs of plain characters match at once (a constant's
# megabyte hex blob in milliseconds). (Patched on the class: the parser builds its lexer itself.)
_STRING_LITERAL = re.compile(r'"(?:[^"\\\n\v\f]++|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*+"')
if MLIRLexer._unescaped_characters_regex.pattern.startswith(r'"(?:[^"\\\n\v\f]+|'):
    MLIRLexer._unescaped_characters_regex = _STRING_LITERAL


class _LocatingParser(Parser):
    """A parser that gives every op without a `loc(...)` the position of its name.

    The position is that of the op name (`ssm.scan` or `"ssm.scan"`), not of its results,
    as in MLIR. Result lists are parsed first, so the name's span is the current token
    right after them; a stack pairs each op with its name through nested regions.
    """

    def __init__(self, ctx: Context, source: SourceText) -> None:
        super().__init__(ctx, source.text, source.name)
        self._line_offset = source.first_line - 1
        self._op_name_spans: list[Span[str]] = []
        # Start offset of every line: `Span.get_location` counts newlines from the file's
        # start for each op, which makes parsing quadratic in the file's length.
        starts, text = [0], source.text
        newline = text.find("\n")
        while newline != -1:  # str.find: no Python step per character of a large constant
            starts.append(newline + 1)
            newline = text.find("\n", newline + 1)
        self._line_starts = starts

    def _location(self, span: Span[str]) -> tuple[int, int]:
        """1-based (line, column) of a span's start, by binary search over line starts."""
        line = bisect.bisect_right(self._line_starts, span.start)
        return line, span.start - self._line_starts[line - 1] + 1

    def _parse_op_result_list(self) -> list[tuple[Span, int]]:
        results = super()._parse_op_result_list()
        self._op_name_spans.append(self._current_token.span)
        return results

    def _get_op_by_name(self, name: str) -> type[Operation]:
        """The op class, or a parse error pointing at the unknown name (xDSL points past it)."""
        try:
            return super()._get_op_by_name(name)
        except ParseError as error:
            self.raise_error(error.msg, self._op_name_spans[-1])

    def _parse_generic_operation(self, op_type: type[Operation]) -> Operation:
        try:
            return super()._parse_generic_operation(op_type)
        except OperandSegmentsError as error:
            self.raise_error(str(error.args[0]), self._op_name_spans[-1])

    def parse_operation(self) -> Operation:
        op = super().parse_operation()
        name_span = self._op_name_spans.pop()
        if isinstance(op.location, UnknownLoc):
            line, column = self._location(name_span)
            op.location = FileLineColLoc(
                StringAttr(name_span.input.name),
                IntAttr(line + self._line_offset),
                IntAttr(column),
            )
        return op

    def at_end(self) -> bool:
        """Whether only whitespace and comments are left."""
        return self._current_token.kind == MLIRTokenKind.EOF

    def current_location(self) -> tuple[int, int]:
        """File line and column of the token being looked at."""
        location = self._current_token.span.get_location()
        return location.line + self._line_offset, location.col


def make_context(*, allow_unregistered: bool = False) -> Context:
    """A context that knows every dialect of the registry, each loaded on first use."""
    ctx = Context(allow_unregistered=allow_unregistered)
    for name, factory in get_all_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx


def parse_module(ctx: Context, source: SourceText, *, implicit_module: bool = True) -> ModuleOp:
    """Parse `source` into a module whose ops carry their source positions.

    Raises IRParseError at the offending token.
    """
    parser: _LocatingParser | None = None
    try:
        # The lexer reads the first token while the parser is built: it can fail already.
        parser = _LocatingParser(ctx, source)
        if implicit_module and parser.at_end():
            # mlir-opt reads an empty file (or an empty split chunk) as an empty module.
            module = ModuleOp([])
        else:
            module = parser.parse_module(implicit_module)
    except ParseError as error:
        span = dataclasses.replace(error.span, line_offset=source.first_line - 1)
        location = span.get_location()
        raise located(IRParseError, error.msg, source, location.line, location.col) from None
    except DiagnosticException as error:
        # An attribute or type refused its parameters while being built (e.g. a bad shape).
        line, column = parser.current_location() if parser else (source.first_line, 1)
        raise located(IRParseError, diagnostic_message(error), source, line, column) from None
    except (ValueError, OverflowError, NotImplementedError) as error:
        # A custom parser or attribute constructor refusing a value it read from the text
        # (e.g. an integer beyond i64, or `array<i640: ...>`, an element type xDSL cannot
        # pack): the user's text, so a located error, not a traceback.
        line, column = parser.current_location() if parser else (source.first_line, 1)
        raise located(IRParseError, diagnostic_message(error), source, line, column) from None
    if isinstance(module.location, UnknownLoc):
        # An implicit module starts where its text does, so errors about it have a place.
        module.location = FileLineColLoc(
            StringAttr(source.name), IntAttr(source.first_line), IntAttr(1)
        )
    return module


def load_module(path: str | Path, ctx: Context | None = None) -> ModuleOp:
    """Read, parse and verify the IR file at `path` (for tools that run a module as given)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise IRError(f"cannot read IR: {_reason(error)}", where=str(path)) from None
    source = SourceText(str(path), text)
    module = parse_module(ctx or make_context(), source)
    verify_module(module, source)
    return module


def _reason(error: BaseException) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)
