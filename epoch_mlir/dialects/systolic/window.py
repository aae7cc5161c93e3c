"""The window, defined once: a corner `[row, col]`, a size, a per-iteration step and an
optional row stride; its custom syntax (`%u[0, 16] stride -1 step [64, 0]`) and the check
that it stays in its buffer at the first and last iteration of its chunk loops.

The step is one `[row, col]` pair per enclosing chunk loop, innermost first, as far as the
outermost loop that moves the window: `step [64, 0, 0, 8]` moves 64 rows per iteration of the
innermost loop and 8 columns per iteration of the loop around it. A window's address is thus
an affine function of the loops' iteration numbers, as a memref's is of affine.for's induction
variables in MLIR."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from typing import cast

from xdsl.dialects.builtin import (
    DenseArrayBase,
    IntegerAttr,
    i64,
)
from xdsl.ir import (
    Attribute,
    Operation,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
)
from xdsl.irdl.declarative_assembly_format import (
    AttributeVariable,
    CustomDirective,
    OperandDirective,
    OperandVariable,
    ParsingState,
    PrintingState,
    irdl_custom_directive,
)
from xdsl.parser import AttrParser, Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.systolic.attrs import (
    MemoryType,
    int_array,
    int_values,
    ints_text,
    shape_text,
)
from epoch_mlir.dialects.systolic.structure import (
    loop_counts,
)

ZERO_STEP = DenseArrayBase.from_list(i64, [0, 0])


def _parse_int_list(parser: AttrParser) -> list[int]:
    return parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_integer)


def check_window(
    op: Operation,
    role: str,
    value: SSAValue,
    offsets: DenseArrayBase,
    sizes: tuple[int, int],
    step: DenseArrayBase,
    row_stride: IntegerAttr | None = None,
) -> None:
    """Refuse a window that leaves its buffer at the first or the last chunk-loop iteration.

    With an explicit `row_stride` (elements, possibly zero or negative) row i of the window
    starts `i * row_stride` elements after its corner in the buffer's row-major order, so the
    rows need not line up with the buffer's: the window's first and last rows (the extremes)
    must then lie inside the buffer's elements, and its columns inside a row.
    """
    corner, advance = int_values(offsets), int_values(step)
    if len(corner) != 2:
        raise VerifyException(f"{role} offsets must be [row, col], got {ints_text(corner)}")
    if not advance or len(advance) % 2:
        raise VerifyException(
            f"{role} step must be [row, col] pairs, one per enclosing chunk loop, got "
            f"{ints_text(advance)}"
        )
    memory_type = value.type
    assert isinstance(memory_type, MemoryType)
    counts = loop_counts(op)
    levels = [advance[i : i + 2] for i in range(0, len(advance), 2)]
    moving = max((level + 1 for level, pair in enumerate(levels) if any(pair)), default=0)
    if moving > len(counts):
        loops = "an enclosing systolic.chunk_loop" if moving == 1 else f"{moving} nested ones"
        raise VerifyException(f"{role} step {ints_text(advance)} needs {loops}")
    bounds = memory_type.matrix
    stride = None if row_stride is None else row_stride.value.data
    # the window moves linearly in each loop: its extremes are at the first or last iteration
    # of every loop that moves it
    for last in product((False, True), repeat=moving):
        iterations = [counts[level] - 1 if end else 0 for level, end in enumerate(last)]
        start = list(corner)
        for pair, iteration in zip(levels, iterations, strict=False):
            start = [origin + iteration * delta for origin, delta in zip(start, pair, strict=True)]
        when = ""
        if any(iterations):
            when = " at iteration " + ", ".join(
                f"{i + 1} of {counts[level]}" for level, i in enumerate(iterations)
            )
        if stride is not None:
            _check_strided(role, start, sizes, stride, bounds, when, memory_type)
            continue
        if all(s >= 0 and s + n <= bound for s, n, bound in zip(start, sizes, bounds, strict=True)):
            continue
        raise VerifyException(
            f"{role} window at {ints_text(start)} of size {ints_text(sizes)}{when} does not fit in "
            f"{shape_text(bounds)} ({memory_type})"
        )


def _check_strided(
    role: str,
    start: Sequence[int],
    sizes: tuple[int, int],
    stride: int,
    bounds: tuple[int, int],
    when: str,
    memory_type: MemoryType,
) -> None:
    """The bounds of a window with an explicit row stride, at one loop iteration."""
    rows, cols = sizes
    row_length = bounds[1]
    first = start[0] * row_length + start[1]  # element index of the corner
    last = first + (rows - 1) * stride  # of the last row's first element
    low, high = min(first, last), max(first, last) + cols - 1
    what = f"{role} window at {ints_text(start)} stride {stride} of size {ints_text(sizes)}{when}"
    if start[1] < 0 or start[1] + cols > row_length:
        raise VerifyException(
            f"{what} has columns {start[1]}..{start[1] + cols - 1} outside a row of "
            f"{row_length} ({memory_type})"
        )
    if low < 0 or high >= bounds[0] * row_length:
        raise VerifyException(
            f"{what} reads elements {low}..{high}, outside the {bounds[0] * row_length} of "
            f"{shape_text(bounds)} ({memory_type})"
        )


def check_sizes(sizes: DenseArrayBase) -> tuple[int, int]:
    values = int_values(sizes)
    if len(values) != 2 or any(size < 1 for size in values):
        raise VerifyException(
            f"sizes must be two positive numbers [rows, cols], got {ints_text(values)}"
        )
    return values[0], values[1]


def parse_window(
    parser: Parser,
) -> tuple[UnresolvedOperand, DenseArrayBase, DenseArrayBase | None]:
    """`%buffer[row, col]` with an optional `step [rows, cols]`."""
    operand, offsets, step, _ = parse_strided_window(parser, strided=False)
    return operand, offsets, step


def parse_strided_window(
    parser: Parser, strided: bool = True
) -> tuple[UnresolvedOperand, DenseArrayBase, DenseArrayBase | None, IntegerAttr | None]:
    """`%buffer[row, col]`, then an optional `stride S` (when allowed) and `step [rows, cols]`."""
    operand = parser.parse_unresolved_operand()
    offsets = int_array(_parse_int_list(parser))
    stride = None
    if strided and parser.parse_optional_keyword("stride"):
        stride = IntegerAttr(parser.parse_integer(allow_boolean=False), i64)
    step = int_array(_parse_int_list(parser)) if parser.parse_optional_keyword("step") else None
    return operand, offsets, step, stride


def print_window(
    printer: Printer,
    value: SSAValue,
    offsets: DenseArrayBase,
    step: DenseArrayBase | None,
    stride: IntegerAttr | None = None,
) -> None:
    printer.print_ssa_value(value)
    printer.print_string(ints_text(int_values(offsets)))
    if stride is not None:
        printer.print_string(f" stride {stride.value.data}")
    if step is not None and any(int_values(step)):
        printer.print_string(f" step {ints_text(int_values(step))}")


@irdl_custom_directive
class Window(CustomDirective):
    """An operand and the corner of its window, plus a step when it moves: `%u[0, 16] step [64, 0]`.

    The step is left out when it is zero, its default. Usable as the anchor of an optional
    group when the operand is optional.
    """

    buffer: OperandDirective
    offsets: AttributeVariable
    step: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        operand, offsets, step = parse_window(parser)
        cast(OperandVariable, self.buffer).set(state, operand)
        self.offsets.set(state, offsets)
        if step is not None:
            self.step.set(state, step)

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        offsets = self.offsets.get(op)
        step = self.step.get(op)
        assert isinstance(offsets, DenseArrayBase)
        assert step is None or isinstance(step, DenseArrayBase)
        print_window(printer, cast(OperandVariable, self.buffer).get(op), offsets, step)

    def is_present(self, op: IRDLOperation) -> bool:
        return cast(OperandVariable, self.buffer).get(op) is not None

    def is_anchorable(self) -> bool:
        return True

    def set_empty(self, state: ParsingState) -> None:
        self.buffer.set_empty(state)


@irdl_custom_directive
class StridedWindow(CustomDirective):
    """A `Window` that may also give its row stride: `%k[0, 7] stride -1 step [1, 0]`.

    Without `stride` the rows are the buffer's (stride = its row length); with it, row i of
    the window starts `i * stride` elements (may be 0 or negative) after the corner.
    """

    buffer: OperandDirective
    offsets: AttributeVariable
    step: AttributeVariable
    stride: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        operand, offsets, step, stride = parse_strided_window(parser)
        cast(OperandVariable, self.buffer).set(state, operand)
        self.offsets.set(state, offsets)
        if step is not None:
            self.step.set(state, step)
        if stride is not None:
            self.stride.set(state, stride)

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        offsets, step, stride = self.offsets.get(op), self.step.get(op), self.stride.get(op)
        assert isinstance(offsets, DenseArrayBase)
        assert step is None or isinstance(step, DenseArrayBase)
        assert stride is None or isinstance(stride, IntegerAttr)
        print_window(printer, cast(OperandVariable, self.buffer).get(op), offsets, step, stride)

    def is_present(self, op: IRDLOperation) -> bool:
        return cast(OperandVariable, self.buffer).get(op) is not None

    def is_anchorable(self) -> bool:
        return True

    def set_empty(self, state: ParsingState) -> None:
        self.buffer.set_empty(state)


def window_properties(**windows: tuple[Sequence[int], Sequence[int]]) -> dict[str, Attribute]:
    """The properties of windows given by role (`src=(offsets, step)`): `<role>_offsets`, then
    `<role>_step`, role after role in the order given (the generic form prints them so)."""
    properties: dict[str, Attribute] = {}
    for role, (offsets, step) in windows.items():
        properties[f"{role}_offsets"] = int_array(offsets)
        properties[f"{role}_step"] = int_array(step)
    return properties
