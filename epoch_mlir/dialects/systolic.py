"""The `systolic` dialect: how tensors map onto EpochCore's array, SRAM banks, DMA and vector unit.

This is the level between `ssm`/`nn` (tensors) and `epoch` (one op per instruction). Every
mapping decision is explicit here: the array's configuration, which SRAM bank holds which
buffer, which 2-D window each DMA transfer, stream, GEMM fold or vector op touches, and how the
sequence is cut into chunks. What is left for `convert-systolic-to-epoch` is instruction
selection (one op -> one instruction, a chunk loop -> a hardware `loop`) and turning windows and
buffers into word addresses and strides. docs/systolic.md describes the level.

Conventions:
- Buffers (`!systolic.sram`) and DRAM tensors (`!systolic.dram`) are 1-D or 2-D, f32 or
  complex<f32>. A window is a 2-D rows x cols region given by its corner `[row, col]`; a 1-D
  shape `[n]` is addressed as one row, `[1, n]`. Sizes and offsets count elements, not words.
- Ops that read or write buffers have no results: like the ISA, they act on memory in program
  order. A window's `step` is added to its corner after every iteration of the innermost
  enclosing `systolic.chunk_loop`.
- A `#systolic.target` in the discardable attribute `systolic.target` of an ancestor (normally
  the module) names the machine; ops then also check what depends on it (bank sizes, the
  array's rows and columns, loop depth). Without one, only machine-independent rules run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from xdsl.dialects.builtin import (
    I64,
    ArrayAttr,
    ComplexType,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float32Type,
    FloatAttr,
    IntAttr,
    IntegerAttr,
    StringAttr,
    TensorType,
    UnitAttr,
    f32,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    VarConstraint,
    base,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
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
from xdsl.traits import MemoryAllocEffect, NoTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.format_directives import BareWord
from epoch_mlir.dialects.operand_segments import InferredOperandSegments
from epoch_mlir.isa.table import INSTRUCTIONS, Instr, coefficient_block_words

if TYPE_CHECKING:
    from epoch_mlir.machine import Machine

TARGET_ATTRIBUTE = "systolic.target"
"""Name of the discardable attribute, on the module or another ancestor, holding the target."""

PE_MODES = ("lima", "mac")
DATAFLOWS = ("prodf", "ws", "os", "is")
CONVENTIONAL_DATAFLOWS = ("ws", "os", "is")
SLOTS = (0, 1)  # the array's two stationary-operand buffers (double buffering)
BROADCASTS = ("none", "row", "col", "scalar")

# The vector unit's functions are its ISA instructions without the `v`: one list, in isa/table.py.
# (vdexp, the selective scan's 3-D discretization, has an op of its own: selective_discretize.)
OWN_OP_VECTOR_INSTRUCTIONS = ("vdexp",)
VECTOR_FUNCTIONS: dict[str, Instr] = {
    row.mnemonic.removeprefix("v"): row
    for row in INSTRUCTIONS
    if row.unit == "vector" and row.mnemonic not in OWN_OP_VECTOR_INSTRUCTIONS
}
# Reductions write one column (sum over each row) or one row (sum over the rows).
ROW_REDUCTIONS = ("rsum",)
COLUMN_REDUCTIONS = ("csum",)
assert set(ROW_REDUCTIONS + COLUMN_REDUCTIONS) <= set(VECTOR_FUNCTIONS)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")
_ZERO_STEP = DenseArrayBase.from_list(i64, [0, 0])
_OpT = TypeVar("_OpT", bound=Operation)


# region helpers ----------------------------------------------------------------------------


def _ints(values: Sequence[int]) -> DenseArrayBase:
    return DenseArrayBase.from_list(i64, list(values))


def _values(array: DenseArrayBase) -> tuple[int, ...]:
    return tuple(cast(Sequence[int], array.get_values()))


def _text(values: Sequence[int]) -> str:
    return "[" + ", ".join(str(value) for value in values) + "]"


def _shape_text(shape: Sequence[int]) -> str:
    """MLIR's spelling of a shape (`4x8`, `?x8` for a dynamic size)."""
    return "x".join(str(size) if size >= 0 else "?" for size in shape)


def _element_words(element_type: Attribute) -> int:
    """Words per element: addresses count 32-bit words and a complex64 takes two."""
    return 2 if isinstance(element_type, ComplexType) else 1


def _check_element_type(what: str, element_type: Attribute) -> None:
    if element_type != f32 and element_type != ComplexType(f32):
        raise VerifyException(f"{what} must have f32 or complex<f32> elements, got {element_type}")


def _check_shape(what: str, shape: Sequence[int]) -> None:
    if len(shape) not in (1, 2):
        raise VerifyException(f"{what} must be 1-D or 2-D, got shape {_shape_text(shape)}")
    if any(size < 1 for size in shape):
        raise VerifyException(f"{what} must have positive static sizes, got {_shape_text(shape)}")


def _print_name(printer: Printer, name: str) -> None:
    """A bank or machine name: bare when it is an identifier, quoted otherwise."""
    if _IDENTIFIER.fullmatch(name):
        printer.print_string(name)
    else:
        printer.print_string_literal(name)


def _parse_int_list(parser: AttrParser) -> list[int]:
    return parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_integer)


def _slot(attr: IntegerAttr) -> int:
    slot = attr.value.data
    if slot not in SLOTS:
        raise VerifyException(f"slot must be 0 or 1, got {slot}")
    return slot


# endregion
# region types and attributes -----------------------------------------------------------------


class _MemoryType(ParametrizedAttribute, TypeAttribute):
    """What DRAM tensors and SRAM buffers share: a 1-D or 2-D shape of f32 or complex<f32>.

    Each concrete type declares its own parameters: only those of the decorated class take
    part in equality and hashing.
    """

    if TYPE_CHECKING:
        shape: ArrayAttr[IntAttr]
        element_type: Attribute

    def get_shape(self) -> tuple[int, ...]:
        return tuple(size.data for size in self.shape.data)

    @property
    def matrix(self) -> tuple[int, int]:
        """The shape windows address: a 1-D `[n]` is one row `[1, n]`."""
        shape = self.get_shape()
        return (1, shape[0]) if len(shape) == 1 else (shape[0], shape[1])

    @property
    def words(self) -> int:
        rows, cols = self.matrix
        return rows * cols * _element_words(self.element_type)

    def verify(self) -> None:
        _check_shape(self.name, self.get_shape())
        _check_element_type(self.name, self.element_type)


@irdl_attr_definition
class DramType(_MemoryType):
    """A tensor in DRAM: entry arguments and results, constants, and intermediates.

    Syntax: `!systolic.dram<1024x32xf32>`.
    """

    name = "systolic.dram"

    shape: ArrayAttr[IntAttr]
    element_type: Attribute

    def __init__(self, shape: Sequence[int], element_type: Attribute = f32) -> None:
        super().__init__(ArrayAttr([IntAttr(size) for size in shape]), element_type)

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            shape, element_type = parser.parse_ranked_shape()
        return (ArrayAttr([IntAttr(size) for size in shape]), element_type)

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            printer.print_string(f"{_shape_text(self.get_shape())}x")
            printer.print_attribute(self.element_type)


@irdl_attr_definition
class SramType(_MemoryType):
    """A buffer in one bank of the on-chip scratchpad.

    Syntax: `!systolic.sram<input, 64x16xf32>` (the bank's name is quoted when it is not an
    identifier).
    """

    name = "systolic.sram"

    shape: ArrayAttr[IntAttr]
    element_type: Attribute
    bank: StringAttr

    def __init__(self, bank: str, shape: Sequence[int], element_type: Attribute = f32) -> None:
        super().__init__(
            ArrayAttr([IntAttr(size) for size in shape]), element_type, StringAttr(bank)
        )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            bank = parser.parse_identifier_or_str_literal()
            parser.parse_punctuation(",")
            shape, element_type = parser.parse_ranked_shape()
        return (ArrayAttr([IntAttr(size) for size in shape]), element_type, StringAttr(bank))

    def print_parameters(self, printer: Printer) -> None:
        with printer.in_angle_brackets():
            _print_name(printer, self.bank.data)
            printer.print_string(f", {_shape_text(self.get_shape())}x")
            printer.print_attribute(self.element_type)

    def verify(self) -> None:
        if not self.bank.data:
            raise VerifyException("systolic.sram needs a bank name")
        super().verify()


@irdl_attr_definition
class ArrayConfigAttr(ParametrizedAttribute):
    """The PE array's configuration: PE mode, dataflow, and rows per column segment.

    Syntax: `#systolic.array<lima, prodf, seg 4>`, `#systolic.array<mac, ws>`. `seg` S > 0 packs
    G = rows // S channels into each column (ProDF only); 0, the default, is the whole column.
    """

    name = "systolic.array"

    mode: StringAttr
    dataflow: StringAttr
    seg: IntAttr

    def __init__(self, mode: str, dataflow: str, seg: int = 0) -> None:
        super().__init__(StringAttr(mode), StringAttr(dataflow), IntAttr(seg))

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            mode = parser.parse_identifier()
            parser.parse_punctuation(",")
            dataflow = parser.parse_identifier()
            seg = 0
            if parser.parse_optional_punctuation(","):
                parser.parse_keyword("seg")
                seg = parser.parse_integer(allow_boolean=False)
        return (StringAttr(mode), StringAttr(dataflow), IntAttr(seg))

    def print_parameters(self, printer: Printer) -> None:
        seg = f", seg {self.seg.data}" if self.seg.data else ""
        printer.print_string(f"<{self.mode.data}, {self.dataflow.data}{seg}>")

    def verify(self) -> None:
        mode, dataflow, seg = self.mode.data, self.dataflow.data, self.seg.data
        if mode not in PE_MODES:
            raise VerifyException(f'PE mode must be "lima" or "mac", got "{mode}"')
        if dataflow not in DATAFLOWS:
            raise VerifyException(f'dataflow must be one of prodf, ws, os, is, got "{dataflow}"')
        if dataflow == "prodf" and mode != "lima":
            raise VerifyException(f"dataflow prodf needs PE mode lima, got {mode}")
        if dataflow != "prodf" and mode != "mac":
            raise VerifyException(f"dataflow {dataflow} needs PE mode mac, got {mode}")
        if seg < 0:
            raise VerifyException(f"seg must be non-negative, got {seg}")
        if seg and dataflow != "prodf":
            raise VerifyException(
                f"seg packs channels for prodf only, got seg {seg} with {dataflow}"
            )

    def segment_rows(self, rows: int) -> int:
        """S: rows per column segment on an array of `rows` rows."""
        return self.seg.data or rows

    def segments(self, rows: int) -> int:
        """G: channels one column holds, one per segment."""
        return rows // self.segment_rows(rows)


@irdl_attr_definition
class TargetAttr(ParametrizedAttribute):
    """The machine a module is mapped onto: what the verifiers check machine limits against.

    Syntax: `#systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, ...]>`;
    bank sizes are in 32-bit words, banks in address order. Built from a machine description
    with `TargetAttr.from_machine`.
    """

    name = "systolic.target"

    machine: StringAttr
    rows: IntAttr
    cols: IntAttr
    pe: StringAttr
    loop_depth: IntAttr
    bank_names: ArrayAttr[StringAttr]
    bank_words: ArrayAttr[IntAttr]

    def __init__(
        self,
        machine: str,
        rows: int,
        cols: int,
        pe: str,
        loop_depth: int,
        banks: Sequence[tuple[str, int]],
    ) -> None:
        super().__init__(
            StringAttr(machine),
            IntAttr(rows),
            IntAttr(cols),
            StringAttr(pe),
            IntAttr(loop_depth),
            ArrayAttr([StringAttr(name) for name, _ in banks]),
            ArrayAttr([IntAttr(words) for _, words in banks]),
        )

    @staticmethod
    def from_machine(machine: Machine) -> TargetAttr:
        return TargetAttr(
            machine.name,
            machine.rows,
            machine.cols,
            machine.pe,
            machine.loop_depth,
            [(bank.name, bank.words) for bank in machine.sram_banks],
        )

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        def parse_bank() -> tuple[str, int]:
            return parser.parse_identifier_or_str_literal(), parser.parse_integer(
                allow_boolean=False
            )

        with parser.in_angle_brackets():
            machine = parser.parse_str_literal()
            parser.parse_punctuation(",")
            dims = parser.parse_dimension_list()
            if len(dims) != 2:
                parser.raise_error("expected the array's size as ROWSxCOLS")
            parser.parse_punctuation(",")
            pe = parser.parse_identifier()
            parser.parse_punctuation(",")
            parser.parse_keyword("loop_depth")
            loop_depth = parser.parse_integer(allow_boolean=False)
            parser.parse_punctuation(",")
            parser.parse_keyword("banks")
            banks = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parse_bank)
        return (
            StringAttr(machine),
            IntAttr(dims[0]),
            IntAttr(dims[1]),
            StringAttr(pe),
            IntAttr(loop_depth),
            ArrayAttr([StringAttr(name) for name, _ in banks]),
            ArrayAttr([IntAttr(words) for _, words in banks]),
        )

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_string_literal(self.machine.data)
        printer.print_string(
            f", {self.rows.data}x{self.cols.data}, {self.pe.data}, "
            f"loop_depth {self.loop_depth.data}, banks ["
        )
        for index, (name, words) in enumerate(self.banks):
            if index:
                printer.print_string(", ")
            _print_name(printer, name)
            printer.print_string(f" {words}")
        printer.print_string("]>")

    def verify(self) -> None:
        if self.rows.data < 1 or self.cols.data < 1:
            raise VerifyException(
                f"target array must have at least one row and column, got "
                f"{self.rows.data}x{self.cols.data}"
            )
        if self.pe.data not in PE_MODES:
            raise VerifyException(f'target PE kind must be "lima" or "mac", got "{self.pe.data}"')
        if self.loop_depth.data < 1:
            raise VerifyException(f"target loop_depth must be positive, got {self.loop_depth.data}")
        names = [name.data for name in self.bank_names.data]
        if not names or len(names) != len(self.bank_words.data):
            raise VerifyException("target needs one size for each of at least one bank")
        if len(set(names)) != len(names):
            raise VerifyException(f"target bank names must be unique, got {', '.join(names)}")
        for name, words in self.banks:
            if words < 1:
                raise VerifyException(f'target bank "{name}" must have words, got {words}')

    @property
    def banks(self) -> list[tuple[str, int]]:
        """(name, words) per bank, in address order."""
        return [
            (name.data, words.data)
            for name, words in zip(self.bank_names.data, self.bank_words.data, strict=True)
        ]

    def bank_size(self, bank: str) -> int | None:
        """Words of `bank`, or None when the target has no such bank."""
        return dict(self.banks).get(bank)

    def bank_base(self, bank: str) -> int:
        """The flat SRAM word address where `bank` starts (banks follow one another)."""
        base = 0
        for name, words in self.banks:
            if name == bank:
                return base
            base += words
        raise KeyError(bank)


# endregion
# region context: target, configuration, chunk loop ------------------------------------------


def find_target(op: Operation) -> TargetAttr | None:
    """The target of the nearest ancestor (or `op` itself) that names one."""
    current: Operation | None = op
    while current is not None:
        target = current.attributes.get(TARGET_ATTRIBUTE)
        if isinstance(target, TargetAttr):
            return target
        current = current.parent_op()
    return None


def _ancestor(op: Operation, kind: type[_OpT]) -> _OpT | None:
    current = op.parent_op()
    while current is not None:
        if isinstance(current, kind):
            return current
        current = current.parent_op()
    return None


def _configuration(op: Operation, allowed: Sequence[str]) -> ArrayConfigAttr:
    """The configuration in effect around an array op, after checking its dataflow."""
    configure = _ancestor(op, ConfigureOp)
    if configure is None:
        raise VerifyException("must be inside a systolic.configure region")
    config = configure.config
    if config.dataflow.data not in allowed:
        wanted = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
        raise VerifyException(
            f"needs dataflow {wanted}, but the enclosing systolic.configure sets "
            f"{config.dataflow.data}"
        )
    return config


def _iterations(op: Operation) -> int:
    """How many times the window steps run: the count of the innermost chunk loop, or 1."""
    loop = _ancestor(op, ChunkLoopOp)
    return loop.count.value.data if loop is not None else 1


def _check_window(
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
    corner, advance = _values(offsets), _values(step)
    if len(corner) != 2:
        raise VerifyException(f"{role} offsets must be [row, col], got {_text(corner)}")
    if len(advance) != 2:
        raise VerifyException(f"{role} step must be [row, col], got {_text(advance)}")
    memory_type = value.type
    assert isinstance(memory_type, _MemoryType)
    if any(advance) and _ancestor(op, ChunkLoopOp) is None:
        raise VerifyException(
            f"{role} step {_text(advance)} needs an enclosing systolic.chunk_loop"
        )
    iterations = _iterations(op)
    bounds = memory_type.matrix
    stride = None if row_stride is None else row_stride.value.data
    for iteration in (0, iterations - 1):
        start = [origin + iteration * delta for origin, delta in zip(corner, advance, strict=True)]
        when = f" at iteration {iteration + 1} of {iterations}" if iteration else ""
        if stride is not None:
            _check_strided(role, start, sizes, stride, bounds, when, memory_type)
            continue
        if all(s >= 0 and s + n <= bound for s, n, bound in zip(start, sizes, bounds, strict=True)):
            continue
        raise VerifyException(
            f"{role} window at {_text(start)} of size {_text(sizes)}{when} does not fit in "
            f"{_shape_text(bounds)} ({memory_type})"
        )


def _check_strided(
    role: str,
    start: Sequence[int],
    sizes: tuple[int, int],
    stride: int,
    bounds: tuple[int, int],
    when: str,
    memory_type: _MemoryType,
) -> None:
    """The bounds of a window with an explicit row stride, at one loop iteration."""
    rows, cols = sizes
    row_length = bounds[1]
    first = start[0] * row_length + start[1]  # element index of the corner
    last = first + (rows - 1) * stride  # of the last row's first element
    low, high = min(first, last), max(first, last) + cols - 1
    what = f"{role} window at {_text(start)} stride {stride} of size {_text(sizes)}{when}"
    if start[1] < 0 or start[1] + cols > row_length:
        raise VerifyException(
            f"{what} has columns {start[1]}..{start[1] + cols - 1} outside a row of "
            f"{row_length} ({memory_type})"
        )
    if low < 0 or high >= bounds[0] * row_length:
        raise VerifyException(
            f"{what} reads elements {low}..{high}, outside the {bounds[0] * row_length} of "
            f"{_shape_text(bounds)} ({memory_type})"
        )


def _check_sizes(sizes: DenseArrayBase) -> tuple[int, int]:
    values = _values(sizes)
    if len(values) != 2 or any(size < 1 for size in values):
        raise VerifyException(
            f"sizes must be two positive numbers [rows, cols], got {_text(values)}"
        )
    return values[0], values[1]


def _check_bank(op: Operation, buffer: SramType, words: int, address: IntegerAttr | None) -> None:
    """Refuse a buffer that cannot fit its bank, or whose assigned address runs past it."""
    start = address.value.data if address is not None else 0
    if start < 0:
        raise VerifyException(f"address must be non-negative, got {start}")
    target = find_target(op)
    if target is None:
        return
    bank = buffer.bank.data
    bank_words = target.bank_size(bank)
    if bank_words is None:
        names = ", ".join(name for name, _ in target.banks)
        raise VerifyException(
            f'bank "{bank}" is not a bank of target "{target.machine.data}" ({names})'
        )
    if words > bank_words:
        raise VerifyException(
            f'buffer of {words} words does not fit bank "{bank}" of {bank_words} words'
        )
    if start + words > bank_words:
        raise VerifyException(
            f"buffer at address {start} of {words} words ends at {start + words}, past the end "
            f'of bank "{bank}" ({bank_words} words)'
        )


def _capacity(op: Operation, config: ArrayConfigAttr, channels: int) -> None:
    """Refuse more ProDF channels than the array holds: G segments per column x C columns."""
    target = find_target(op)
    if target is None:
        return
    rows, cols = target.rows.data, target.cols.data
    segments = config.segments(rows)
    if channels > segments * cols:
        raise VerifyException(
            f"{channels} channels exceed the {segments * cols} the array holds "
            f"({segments} segments of {config.segment_rows(rows)} rows x {cols} columns)"
        )


def _slot_contents(op: Operation, slot: int) -> Operation | None:
    """The preload whose data `op` finds in `slot`, when straight-line code shows which one.

    Walks back from `op` through its block, then through the blocks of its ancestors, without
    leaving the enclosing `systolic.configure` (a preload under another configuration is of
    the other kind). Gives up (None) at a region op that preloads the slot itself, and when
    leaving a chunk loop whose body preloads the slot: then the contents depend on the
    iteration.
    """
    current = op
    while True:
        previous = current.prev_op
        while previous is not None:
            if _preloads(previous, slot):
                return previous
            if previous.regions and any(_preloads(inner, slot) for inner in previous.walk()):
                return None
            previous = previous.prev_op
        parent = current.parent_op()
        if parent is None or isinstance(parent, ConfigureOp):
            return None
        if isinstance(parent, ChunkLoopOp) and any(
            _preloads(inner, slot) for inner in parent.walk()
        ):
            return None
        current = parent


def _preloads(op: Operation, slot: int) -> bool:
    return isinstance(op, PreloadCoefficientsOp | PreloadTileOp) and op.slot.value.data == slot


# endregion
# region custom syntax ------------------------------------------------------------------------


def _parse_window(
    parser: Parser,
) -> tuple[UnresolvedOperand, DenseArrayBase, DenseArrayBase | None]:
    """`%buffer[row, col]` with an optional `step [rows, cols]`."""
    operand, offsets, step, _ = _parse_strided_window(parser, strided=False)
    return operand, offsets, step


def _parse_strided_window(
    parser: Parser, strided: bool = True
) -> tuple[UnresolvedOperand, DenseArrayBase, DenseArrayBase | None, IntegerAttr | None]:
    """`%buffer[row, col]`, then an optional `stride S` (when allowed) and `step [rows, cols]`."""
    operand = parser.parse_unresolved_operand()
    offsets = _ints(_parse_int_list(parser))
    stride = None
    if strided and parser.parse_optional_keyword("stride"):
        stride = IntegerAttr(parser.parse_integer(allow_boolean=False), i64)
    step = _ints(_parse_int_list(parser)) if parser.parse_optional_keyword("step") else None
    return operand, offsets, step, stride


def _print_window(
    printer: Printer,
    value: SSAValue,
    offsets: DenseArrayBase,
    step: DenseArrayBase | None,
    stride: IntegerAttr | None = None,
) -> None:
    printer.print_ssa_value(value)
    printer.print_string(_text(_values(offsets)))
    if stride is not None:
        printer.print_string(f" stride {stride.value.data}")
    if step is not None and any(_values(step)):
        printer.print_string(f" step {_text(_values(step))}")


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
        operand, offsets, step = _parse_window(parser)
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
        _print_window(printer, cast(OperandVariable, self.buffer).get(op), offsets, step)

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
        operand, offsets, step, stride = _parse_strided_window(parser)
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
        _print_window(printer, cast(OperandVariable, self.buffer).get(op), offsets, step, stride)

    def is_present(self, op: IRDLOperation) -> bool:
        return cast(OperandVariable, self.buffer).get(op) is not None

    def is_anchorable(self) -> bool:
        return True

    def set_empty(self, state: ParsingState) -> None:
        self.buffer.set_empty(state)


def _new_body(body: Region | Sequence[Operation] | None) -> Region:
    """A single-block region holding `body` (an empty block when None)."""
    if isinstance(body, Region):
        if not body.blocks:
            body.add_block(Block())
        return body
    return Region(Block(list(body or ())))


# endregion
# region buffers ------------------------------------------------------------------------------


@irdl_op_definition
class AllocOp(IRDLOperation):
    """Reserves a buffer in an SRAM bank; `address` (words from the bank's start) is set later.

    buffer = SRAM[bank][address : address + words(type)]   # address chosen by allocation
    """

    name = "systolic.alloc"

    buffer = result_def(SramType)
    address = opt_prop_def(IntegerAttr[I64])

    traits = traits_def(MemoryAllocEffect())
    assembly_format = "(`at` $address^)? attr-dict `:` type($buffer)"

    def __init__(self, buffer_type: SramType, address: int | None = None) -> None:
        properties = {} if address is None else {"address": IntegerAttr(address, i64)}
        super().__init__(result_types=[buffer_type], properties=properties)

    def verify_(self) -> None:
        buffer_type = cast(SramType, self.buffer.type)
        _check_bank(self, buffer_type, buffer_type.words, self.address)


@irdl_op_definition
class AllocCoefficientsOp(IRDLOperation):
    """Reserves one coefficient block for `ldc`: three complex planes and D, contiguous in a bank.

    abar, bbar, c: channels x modes complex<f32>;  d: channels f32;  laid out back to back,
    abar | bbar | c | d, from `address` (words from the bank's start): 6*channels*modes +
    channels words, the layout `ldc` reads.
    """

    name = "systolic.alloc_coefficients"

    P: ClassVar = VarConstraint("P", base(SramType))

    abar = result_def(P)
    bbar = result_def(P)
    c = result_def(P)
    d = result_def(SramType)
    address = opt_prop_def(IntegerAttr[I64])

    traits = traits_def(MemoryAllocEffect())
    assembly_format = "(`at` $address^)? attr-dict `:` type($abar) `,` type($d)"

    def __init__(self, bank: str, channels: int, modes: int, address: int | None = None) -> None:
        plane = SramType(bank, [channels, modes], ComplexType(f32))
        properties = {} if address is None else {"address": IntegerAttr(address, i64)}
        super().__init__(
            result_types=[plane, plane, plane, SramType(bank, [channels])],
            properties=properties,
        )

    @property
    def channels(self) -> int:
        return cast(SramType, self.abar.type).get_shape()[0]

    @property
    def modes(self) -> int:
        return cast(SramType, self.abar.type).get_shape()[-1]

    @property
    def words(self) -> int:
        return coefficient_block_words(self.channels, self.modes)

    def verify_(self) -> None:
        plane = cast(SramType, self.abar.type)
        d = cast(SramType, self.d.type)
        if len(plane.get_shape()) != 2 or plane.element_type != ComplexType(f32):
            raise VerifyException(
                f"abar, bbar and c must be 2-D complex<f32> buffers (channels x modes), got {plane}"
            )
        if d.get_shape() != (self.channels,) or d.element_type != f32:
            raise VerifyException(
                f"d must be a 1-D f32 buffer of the {self.channels} channels, got {d}"
            )
        if d.bank != plane.bank:
            raise VerifyException(
                f'd must be in bank "{plane.bank.data}" with the planes, got "{d.bank.data}"'
            )
        _check_bank(self, plane, self.words, self.address)


@irdl_op_definition
class AllocDramOp(IRDLOperation):
    """Reserves a DRAM tensor for an intermediate or a result of the program.

    tensor = DRAM[address : address + words(type)]   # placed at program emission
    """

    name = "systolic.alloc_dram"

    tensor = result_def(DramType)

    traits = traits_def(MemoryAllocEffect())
    assembly_format = "attr-dict `:` type($tensor)"

    def __init__(self, tensor_type: DramType) -> None:
        super().__init__(result_types=[tensor_type])


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A DRAM tensor initialised from the program's data segment (weights, folded constants).

    tensor = DRAM[address : ...] = value   # written into the data segment at emission
    Syntax: `%w = systolic.constant dense<...> : tensor<16x32xf32>`; the result is the
    `!systolic.dram` of the value's shape and element type.
    """

    name = "systolic.constant"

    tensor = result_def(DramType)
    value = prop_def(DenseIntOrFPElementsAttr)

    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr) -> None:
        value_type = cast(TensorType, value.type)
        super().__init__(
            result_types=[DramType(value_type.get_shape(), value_type.element_type)],
            properties={"value": value},
        )

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        start = parser.pos
        value = parser.parse_attribute()
        if not isinstance(value, DenseIntOrFPElementsAttr) or not isinstance(
            value.type, TensorType
        ):
            parser.raise_error("expected a dense<...> : tensor<...> value", start, parser.pos)
        op = cls(value)
        op.attributes |= parser.parse_optional_attr_dict()
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)
        printer.print_op_attributes(self.attributes)

    def verify_(self) -> None:
        value_type = self.value.type
        expected = DramType(value_type.get_shape(), value_type.get_element_type())
        if self.tensor.type != expected:
            raise VerifyException(
                f"tensor has type {self.tensor.type} but the value makes {expected}"
            )


# endregion
# region structure ----------------------------------------------------------------------------


@irdl_op_definition
class ConfigureOp(IRDLOperation):
    """Sets the PE array's mode, dataflow and segments for the array ops in its region.

    cfg(config.mode, config.dataflow, config.seg); body
    Array ops (preloads, streams, GEMM folds) must be inside one; regions do not nest.
    """

    name = "systolic.configure"

    config = prop_def(ArrayConfigAttr)
    body = region_def("single_block")

    traits = traits_def(NoTerminator())

    def __init__(
        self, config: ArrayConfigAttr, body: Region | Sequence[Operation] | None = None
    ) -> None:
        super().__init__(properties={"config": config}, regions=[_new_body(body)])

    @classmethod
    def parse(cls, parser: Parser) -> ConfigureOp:
        config = ArrayConfigAttr.new(ArrayConfigAttr.parse_parameters(parser))
        attributes = parser.parse_optional_attr_dict_with_keyword()
        op = cls(config, parser.parse_region())
        if attributes is not None:
            op.attributes |= attributes.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        self.config.print_parameters(printer)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        if _ancestor(self, ConfigureOp) is not None:
            raise VerifyException("must not be inside another systolic.configure")
        if self.body.block.args:
            raise VerifyException("the body takes no arguments")
        target = find_target(self)
        if target is None:
            return
        if self.config.mode.data == "lima" and target.pe.data != "lima":
            raise VerifyException(
                f'PE mode lima needs LIMA-PEs, but target "{target.machine.data}" has '
                f"{target.pe.data} PEs"
            )
        if self.config.seg.data > target.rows.data:
            raise VerifyException(
                f"seg {self.config.seg.data} exceeds the {target.rows.data} rows of target "
                f'"{target.machine.data}"'
            )


@irdl_op_definition
class ChunkLoopOp(IRDLOperation):
    """Repeats its body over `count` chunks of the sequence; every window `step` advances per pass.

    for i in 0..count-1: body   # each window of a body op starts at offsets + i * step
    `estimated_cycles` records the cost model's figure for the choice a lowering made.
    """

    name = "systolic.chunk_loop"

    count = prop_def(IntegerAttr[I64])
    estimated_cycles = opt_prop_def(IntegerAttr[I64])
    body = region_def("single_block")

    traits = traits_def(NoTerminator())

    def __init__(
        self,
        count: int,
        body: Region | Sequence[Operation] | None = None,
        estimated_cycles: int | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {"count": IntegerAttr(count, i64)}
        if estimated_cycles is not None:
            properties["estimated_cycles"] = IntegerAttr(estimated_cycles, i64)
        super().__init__(properties=properties, regions=[_new_body(body)])

    @classmethod
    def parse(cls, parser: Parser) -> ChunkLoopOp:
        count = parser.parse_integer(allow_boolean=False)
        estimated_cycles = None
        if parser.parse_optional_keyword("estimated_cycles"):
            estimated_cycles = parser.parse_integer(allow_boolean=False)
        attributes = parser.parse_optional_attr_dict_with_keyword()
        op = cls(count, parser.parse_region(), estimated_cycles)
        if attributes is not None:
            op.attributes |= attributes.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.count.value.data}")
        if self.estimated_cycles is not None:
            printer.print_string(f" estimated_cycles {self.estimated_cycles.value.data}")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False, print_empty_block=False)

    def verify_(self) -> None:
        if self.count.value.data < 1:
            raise VerifyException(f"count must be at least 1, got {self.count.value.data}")
        if self.estimated_cycles is not None and self.estimated_cycles.value.data < 0:
            raise VerifyException(
                f"estimated_cycles must be non-negative, got {self.estimated_cycles.value.data}"
            )
        if self.body.block.args:
            raise VerifyException("the body takes no arguments")
        target = find_target(self)
        if target is None:
            return
        depth = 1
        current = _ancestor(self, ChunkLoopOp)
        while current is not None:
            depth += 1
            current = _ancestor(current, ChunkLoopOp)
        if depth > target.loop_depth.data:
            raise VerifyException(
                f'chunk loops nest {depth} deep but target "{target.machine.data}" has '
                f"{target.loop_depth.data} hardware loop levels"
            )


# endregion
# region DMA ----------------------------------------------------------------------------------


class _TransferOp(IRDLOperation):
    """What loads and stores share: a rows x cols window copied between two memories."""

    src_offsets = prop_def(DenseArrayBase.constr(I64))
    src_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))
    src_row_stride = opt_prop_def(IntegerAttr[I64])  # elements; absent: the buffer's rows
    dst_row_stride = opt_prop_def(IntegerAttr[I64])

    custom_directives = (StridedWindow,)
    assembly_format = (
        "custom<StridedWindow>($src, $src_offsets, $src_step, $src_row_stride) `->` "
        "custom<StridedWindow>($dst, $dst_offsets, $dst_step, $dst_row_stride) `sizes` $sizes "
        "attr-dict `:` type($src) `,` type($dst)"
    )

    def __init__(
        self,
        src: SSAValue | Operation,
        dst: SSAValue | Operation,
        sizes: Sequence[int],
        *,
        src_offsets: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        src_step: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
        src_row_stride: int | None = None,
        dst_row_stride: int | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {
            "src_offsets": _ints(src_offsets),
            "src_step": _ints(src_step),
            "dst_offsets": _ints(dst_offsets),
            "dst_step": _ints(dst_step),
            "sizes": _ints(sizes),
        }
        for role, stride in (("src", src_row_stride), ("dst", dst_row_stride)):
            if stride is not None:
                properties[f"{role}_row_stride"] = IntegerAttr(stride, i64)
        super().__init__(operands=[src, dst], properties=properties)

    def verify_(self) -> None:
        src, dst = self.operands
        src_type, dst_type = cast(_MemoryType, src.type), cast(_MemoryType, dst.type)
        if src_type.element_type != dst_type.element_type:
            raise VerifyException(
                f"src has {src_type.element_type} elements but dst has {dst_type.element_type}"
            )
        sizes = _check_sizes(self.sizes)
        _check_window(self, "src", src, self.src_offsets, sizes, self.src_step, self.src_row_stride)
        _check_window(self, "dst", dst, self.dst_offsets, sizes, self.dst_step, self.dst_row_stride)


@irdl_op_definition
class LoadOp(_TransferOp):
    """Copies a window of a DRAM tensor into a window of an SRAM buffer (the DMA engine).

    dst[d0 + i, d1 + j] = src[s0 + i, s1 + j]   for i < sizes[0], j < sizes[1]
    (a window with a `stride` S reads or writes its row i at element `corner + i * S`)
    """

    name = "systolic.load"

    src = operand_def(DramType)
    dst = operand_def(SramType)


@irdl_op_definition
class StoreOp(_TransferOp):
    """Copies a window of an SRAM buffer into a window of a DRAM tensor (the DMA engine).

    dst[d0 + i, d1 + j] = src[s0 + i, s1 + j]   for i < sizes[0], j < sizes[1]
    """

    name = "systolic.store"

    src = operand_def(SramType)
    dst = operand_def(DramType)

    def verify_(self) -> None:
        # Constants are Pure, so cse may merge equal ones: writing into one would change both.
        if isinstance(self.dst.owner, ConstantOp):
            raise VerifyException("dst is a systolic.constant, which is read-only")
        super().verify_()


# endregion
# region PE array -----------------------------------------------------------------------------


@irdl_op_definition
class PreloadCoefficientsOp(IRDLOperation):
    """Loads one ProDF fold's coefficients into a slot: mode n of channel q goes to one PE.

    slot[slot] = (abar, bbar, c, d)   # channels x modes, from one systolic.alloc_coefficients
    channel q -> segment q // C, column q % C;  mode n -> row (q // C) * S + n
    """

    name = "systolic.preload_coefficients"

    P: ClassVar = VarConstraint("P", base(SramType))

    abar = operand_def(P)
    bbar = operand_def(P)
    c = operand_def(P)
    d = operand_def(SramType)
    slot = prop_def(IntegerAttr[I64])

    assembly_format = (
        "$abar `,` $bbar `,` $c `,` $d `->` `slot` $slot attr-dict `:` type($abar) `,` type($d)"
    )

    def __init__(self, block: AllocCoefficientsOp, slot: int) -> None:
        super().__init__(
            operands=[block.abar, block.bbar, block.c, block.d],
            properties={"slot": IntegerAttr(slot, i64)},
        )

    @property
    def block(self) -> AllocCoefficientsOp:
        """The allocation the four operands come from (checked by the verifier)."""
        return cast(AllocCoefficientsOp, self.abar.owner)

    def verify_(self) -> None:
        _slot(self.slot)
        owner = self.abar.owner
        if not isinstance(owner, AllocCoefficientsOp) or list(self.operands) != list(owner.results):
            raise VerifyException(
                "abar, bbar, c and d must be the four results of one "
                "systolic.alloc_coefficients, in order"
            )
        config = _configuration(self, ("prodf",))
        modes, channels = owner.modes, owner.channels
        if config.seg.data and modes > config.seg.data:
            raise VerifyException(
                f"{modes} modes exceed the {config.seg.data} rows of a column segment"
            )
        target = find_target(self)
        if target is not None and modes > target.rows.data:
            raise VerifyException(f"{modes} modes exceed the {target.rows.data} rows of the array")
        _capacity(self, config, channels)


@irdl_op_definition
class PreloadTileOp(IRDLOperation):
    """Loads a stationary GEMM tile into a slot: B^T's k x n tile for ws, A^T's k x m for is.

    tile = src[o0 : o0 + sizes[0], o1 : o1 + sizes[1]];  slot[slot] = tile^T if transpose else tile
    """

    name = "systolic.preload_tile"

    src = operand_def(SramType)
    offsets = prop_def(DenseArrayBase.constr(I64))
    step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))
    slot = prop_def(IntegerAttr[I64])
    transpose = opt_prop_def(UnitAttr)

    custom_directives = (Window,)
    assembly_format = (
        "custom<Window>($src, $offsets, $step) `sizes` $sizes (`transpose` $transpose^)? "
        "`->` `slot` $slot attr-dict `:` type($src)"
    )

    def __init__(
        self,
        src: SSAValue | Operation,
        sizes: Sequence[int],
        slot: int,
        *,
        offsets: Sequence[int] = (0, 0),
        step: Sequence[int] = (0, 0),
        transpose: bool = False,
    ) -> None:
        properties: dict[str, Attribute] = {
            "offsets": _ints(offsets),
            "step": _ints(step),
            "sizes": _ints(sizes),
            "slot": IntegerAttr(slot, i64),
        }
        if transpose:
            properties["transpose"] = UnitAttr()
        super().__init__(operands=[src], properties=properties)

    @property
    def tile(self) -> tuple[int, int]:
        """Rows x cols of the tile on the array (the window, transposed if asked)."""
        rows, cols = _values(self.sizes)
        return (cols, rows) if self.transpose is not None else (rows, cols)

    def verify_(self) -> None:
        _slot(self.slot)
        if cast(SramType, self.src.type).element_type != f32:
            raise VerifyException(f"src must have f32 elements, got {self.src.type}")
        sizes = _check_sizes(self.sizes)
        _check_window(self, "src", self.src, self.offsets, sizes, self.step)
        _configuration(self, ("ws", "is"))
        target = find_target(self)
        rows, cols = self.tile
        if target is not None and (rows > target.rows.data or cols > target.cols.data):
            how = " (the window transposed)" if self.transpose is not None else ""
            raise VerifyException(
                f"tile of {rows}x{cols}{how} does not fit the "
                f"{target.rows.data}x{target.cols.data} array"
            )


@irdl_op_definition
class StreamOp(IRDLOperation):
    """Streams timesteps through the LIMA-PEs holding the slot's coefficients (ProDF).

    if reset: s = 0           # first chunk of a fold; otherwise the states stay in the PEs
    for t < steps: s = abar * s + bbar * u[t];  y[t, q] = Re(sum_n c[q, n] s[q, n]) + d[q] u[t, q]
    dst[t, q] = y[t, q] (+ dst[t, q] if accumulate)   # u = src window, steps x channels
    """

    name = "systolic.stream"

    src = operand_def(SramType)
    dst = operand_def(SramType)
    src_offsets = prop_def(DenseArrayBase.constr(I64))
    src_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))
    slot = prop_def(IntegerAttr[I64])
    reset = opt_prop_def(UnitAttr)
    accumulate = opt_prop_def(UnitAttr)

    custom_directives = (Window,)
    assembly_format = (
        "custom<Window>($src, $src_offsets, $src_step) `->` "
        "custom<Window>($dst, $dst_offsets, $dst_step) `sizes` $sizes `slot` $slot "
        "(`reset` $reset^)? (`accumulate` $accumulate^)? attr-dict `:` type($src) `,` type($dst)"
    )

    def __init__(
        self,
        src: SSAValue | Operation,
        dst: SSAValue | Operation,
        sizes: Sequence[int],
        slot: int,
        *,
        src_offsets: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        src_step: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
        reset: bool = False,
        accumulate: bool = False,
    ) -> None:
        properties: dict[str, Attribute] = {
            "src_offsets": _ints(src_offsets),
            "src_step": _ints(src_step),
            "dst_offsets": _ints(dst_offsets),
            "dst_step": _ints(dst_step),
            "sizes": _ints(sizes),
            "slot": IntegerAttr(slot, i64),
        }
        if reset:
            properties["reset"] = UnitAttr()
        if accumulate:
            properties["accumulate"] = UnitAttr()
        super().__init__(operands=[src, dst], properties=properties)

    def verify_(self) -> None:
        slot = _slot(self.slot)
        for role, value in (("src", self.src), ("dst", self.dst)):
            if cast(SramType, value.type).element_type != f32:
                raise VerifyException(f"{role} must have f32 elements, got {value.type}")
        steps, channels = _check_sizes(self.sizes)
        _check_window(self, "src", self.src, self.src_offsets, (steps, channels), self.src_step)
        _check_window(self, "dst", self.dst, self.dst_offsets, (steps, channels), self.dst_step)
        config = _configuration(self, ("prodf",))
        _capacity(self, config, channels)
        preload = _slot_contents(self, slot)
        if isinstance(preload, PreloadCoefficientsOp) and preload.block.channels != channels:
            raise VerifyException(
                f"streams {channels} channels but slot {slot} holds coefficients for "
                f"{preload.block.channels} channels"
            )


@irdl_op_definition
class MatmulTileOp(IRDLOperation):
    """One fold of a GEMM in the configured dataflow: m x k of A against n x k of B.

    D = A @ B^T   # A: window of a, m x k;  B: window of b, n x k;  D: m x n
    dst = D^T if transpose_out else D   (+ dst if accumulate)
    a and b may give an explicit row stride (`a %t[0, 7] stride -1`): row i of the operand
    starts i * stride elements after its corner (a Toeplitz matrix read in place, say).
    ws: B^T (k x n) is the slot's tile, A streams;
    is: A^T (k x m) is the slot's tile, B streams;  os: A and B both stream, no slot
    """

    name = "systolic.matmul_tile"

    a = opt_operand_def(SramType)
    b = opt_operand_def(SramType)
    dst = operand_def(SramType)
    a_offsets = opt_prop_def(DenseArrayBase.constr(I64))
    a_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    b_offsets = opt_prop_def(DenseArrayBase.constr(I64))
    b_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    m = prop_def(IntegerAttr[I64])
    n = prop_def(IntegerAttr[I64])
    k = prop_def(IntegerAttr[I64])
    slot = opt_prop_def(IntegerAttr[I64])
    accumulate = opt_prop_def(UnitAttr)
    transpose_out = opt_prop_def(UnitAttr)
    a_row_stride = opt_prop_def(IntegerAttr[I64])  # elements; absent: the buffer's rows
    b_row_stride = opt_prop_def(IntegerAttr[I64])

    irdl_options = (AttrSizedOperandSegments(as_property=True),)

    def __init__(
        self,
        dst: SSAValue | Operation,
        m: int,
        n: int,
        k: int,
        *,
        a: SSAValue | Operation | None = None,
        b: SSAValue | Operation | None = None,
        slot: int | None = None,
        a_offsets: Sequence[int] = (0, 0),
        b_offsets: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        a_step: Sequence[int] = (0, 0),
        b_step: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
        accumulate: bool = False,
        transpose_out: bool = False,
        a_row_stride: int | None = None,
        b_row_stride: int | None = None,
    ) -> None:
        properties: dict[str, Attribute] = {
            "a_step": _ints(a_step),
            "b_step": _ints(b_step),
            "dst_offsets": _ints(dst_offsets),
            "dst_step": _ints(dst_step),
            "m": IntegerAttr(m, i64),
            "n": IntegerAttr(n, i64),
            "k": IntegerAttr(k, i64),
        }
        if a is not None:
            properties["a_offsets"] = _ints(a_offsets)
        if b is not None:
            properties["b_offsets"] = _ints(b_offsets)
        if slot is not None:
            properties["slot"] = IntegerAttr(slot, i64)
        if accumulate:
            properties["accumulate"] = UnitAttr()
        if transpose_out:
            properties["transpose_out"] = UnitAttr()
        for role, stride in (("a", a_row_stride), ("b", b_row_stride)):
            if stride is not None:
                properties[f"{role}_row_stride"] = IntegerAttr(stride, i64)
        super().__init__(operands=[a, b, dst], properties=properties)

    @classmethod
    def parse(cls, parser: Parser) -> MatmulTileOp:
        """`[a WINDOW] [b WINDOW] [slot S] -> WINDOW m M n N k K [accumulate] [transpose_out]`.

        The windows of a and b may carry `stride S` after their corner."""
        windows: dict[str, tuple[UnresolvedOperand, DenseArrayBase, DenseArrayBase | None]] = {}
        strides: dict[str, int | None] = {"a": None, "b": None}
        for role in ("a", "b"):
            if parser.parse_optional_keyword(role):
                operand, offsets, advance, stride = _parse_strided_window(parser)
                windows[role] = (operand, offsets, advance)
                strides[role] = None if stride is None else stride.value.data
        slot = (
            parser.parse_integer(allow_boolean=False)
            if parser.parse_optional_keyword("slot")
            else None
        )
        parser.parse_punctuation("->")
        windows["dst"] = _parse_window(parser)
        sizes: dict[str, int] = {}
        for name in ("m", "n", "k"):
            parser.parse_keyword(name)
            sizes[name] = parser.parse_integer(allow_boolean=False)
        accumulate = parser.parse_optional_keyword("accumulate") is not None
        transpose_out = parser.parse_optional_keyword("transpose_out") is not None
        attributes = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        types = parser.parse_comma_separated_list(parser.Delimiter.NONE, parser.parse_type)
        if len(types) != len(windows):
            parser.raise_error(f"expected {len(windows)} operand types, got {len(types)}")
        values = {
            role: parser.resolve_operand(window[0], value_type)
            for (role, window), value_type in zip(windows.items(), types, strict=True)
        }
        zero = (0, 0)

        def corner(role: str) -> tuple[int, ...]:
            return _values(windows[role][1]) if role in windows else zero

        def step(role: str) -> tuple[int, ...]:
            advance = windows[role][2] if role in windows else None
            return _values(advance) if advance is not None else zero

        op = cls(
            values["dst"],
            sizes["m"],
            sizes["n"],
            sizes["k"],
            a=values.get("a"),
            b=values.get("b"),
            slot=slot,
            a_offsets=corner("a"),
            b_offsets=corner("b"),
            dst_offsets=corner("dst"),
            a_step=step("a"),
            b_step=step("b"),
            dst_step=step("dst"),
            accumulate=accumulate,
            transpose_out=transpose_out,
            a_row_stride=strides["a"],
            b_row_stride=strides["b"],
        )
        op.attributes |= attributes
        return op

    def print(self, printer: Printer) -> None:
        for role, value, offsets, step, stride in (
            ("a", self.a, self.a_offsets, self.a_step, self.a_row_stride),
            ("b", self.b, self.b_offsets, self.b_step, self.b_row_stride),
        ):
            if value is not None:
                printer.print_string(f" {role} ")
                _print_window(printer, value, offsets or _ints((0, 0)), step, stride)
        if self.slot is not None:
            printer.print_string(f" slot {self.slot.value.data}")
        printer.print_string(" -> ")
        _print_window(printer, self.dst, self.dst_offsets, self.dst_step)
        printer.print_string(f" m {self.m.value.data} n {self.n.value.data} k {self.k.value.data}")
        if self.accumulate is not None:
            printer.print_string(" accumulate")
        if self.transpose_out is not None:
            printer.print_string(" transpose_out")
        printer.print_op_attributes(self.attributes)
        printer.print_string(" : ")
        printer.print_list((operand.type for operand in self.operands), printer.print_attribute)

    def verify_(self) -> None:
        m, n, k = self.m.value.data, self.n.value.data, self.k.value.data
        if min(m, n, k) < 1:
            raise VerifyException(f"m, n and k must be positive, got m {m} n {n} k {k}")
        for role, value in (("a", self.a), ("b", self.b), ("dst", self.dst)):
            if value is not None and cast(SramType, value.type).element_type != f32:
                raise VerifyException(f"{role} must have f32 elements, got {value.type}")
        if (self.a is None) != (self.a_offsets is None) or (self.b is None) != (
            self.b_offsets is None
        ):
            raise VerifyException("a and b each need their offsets, and offsets their operand")
        for role, value, stride in (
            ("a", self.a, self.a_row_stride),
            ("b", self.b, self.b_row_stride),
        ):
            if value is None and stride is not None:
                raise VerifyException(f"{role}_row_stride needs operand {role}")
        dst_sizes = (n, m) if self.transpose_out is not None else (m, n)
        _check_window(self, "dst", self.dst, self.dst_offsets, dst_sizes, self.dst_step)
        if self.a is not None and self.a_offsets is not None:
            _check_window(self, "a", self.a, self.a_offsets, (m, k), self.a_step, self.a_row_stride)
        if self.b is not None and self.b_offsets is not None:
            _check_window(self, "b", self.b, self.b_offsets, (n, k), self.b_step, self.b_row_stride)
        dataflow = _configuration(self, CONVENTIONAL_DATAFLOWS).dataflow.data
        self._check_operands(dataflow)
        target = find_target(self)
        if target is not None:
            rows, cols = target.rows.data, target.cols.data
            # SCALE-Sim's mapping: the two spatial dimensions of each dataflow.
            spatial = {"ws": (("k", k), ("n", n)), "is": (("k", k), ("m", m))}.get(
                dataflow, (("m", m), ("n", n))
            )
            (row_name, row_size), (col_name, col_size) = spatial
            if row_size > rows or col_size > cols:
                raise VerifyException(
                    f"{dataflow} maps {row_name} {row_size} to rows and {col_name} {col_size} to "
                    f"columns, which does not fit the {rows}x{cols} array"
                )
        if self.slot is None:
            return
        slot = self.slot.value.data
        preload = _slot_contents(self, slot)
        expected = (k, n) if dataflow == "ws" else (k, m)
        if isinstance(preload, PreloadTileOp) and preload.tile != expected:
            what = "B^T (k x n)" if dataflow == "ws" else "A^T (k x m)"
            raise VerifyException(
                f"{dataflow} needs the {_shape_text(expected)} tile of {what} in slot {slot}, "
                f"but it holds a {_shape_text(preload.tile)} tile"
            )

    def _check_operands(self, dataflow: str) -> None:
        """Which operands stream and whether a slot is used follow from the dataflow."""
        streamed = {"ws": ("a",), "is": ("b",), "os": ("a", "b")}[dataflow]
        operands = (("a", self.a), ("b", self.b))
        for role, value in operands:
            if role in streamed and value is None:
                raise VerifyException(f"{dataflow} needs operand {role}")
        for role, value in operands:
            if role not in streamed and value is not None:
                raise VerifyException(
                    f"{dataflow} takes no operand {role}: its tile is in the slot"
                )
        if dataflow == "os" and self.slot is not None:
            raise VerifyException("os takes no slot: it keeps no stationary tile")
        if dataflow != "os" and self.slot is None:
            raise VerifyException(f"{dataflow} needs the slot holding its stationary tile")
        if self.slot is not None:
            _slot(self.slot)


# endregion
# region vector unit --------------------------------------------------------------------------


def _check_sizes3(sizes: DenseArrayBase) -> tuple[int, int, int]:
    values = _values(sizes)
    if len(values) != 3 or any(size < 1 for size in values):
        raise VerifyException(
            f"sizes must be three positive numbers [steps, channels, modes], got {_text(values)}"
        )
    return values[0], values[1], values[2]


def _check_planes(
    op: Operation,
    role: str,
    value: SSAValue,
    offsets: DenseArrayBase,
    step: DenseArrayBase,
    steps: int,
    channels: int,
    modes: int,
) -> None:
    """A run of `steps` dense modes x channels planes: whole rows of a buffer `channels` wide."""
    row_length = cast(SramType, value.type).matrix[1]
    if row_length != channels:
        raise VerifyException(
            f"{role} planes must be dense: its buffer rows hold {row_length} elements, not the "
            f"{channels} channels"
        )
    _check_window(op, role, value, offsets, (steps * modes, channels), step)


def _check_f32(op: Operation, *roles: str) -> None:
    for role in roles:
        value = getattr(op, role)
        if cast(SramType, value.type).element_type != f32:
            raise VerifyException(f"{role} must have f32 elements, got {value.type}")


@irdl_op_definition
class SelectiveDiscretizeOp(IRDLOperation):
    """The per-step coefficients of a selective scan on the vector unit (`vdexp`).

    dst plane t (rows t*modes .. t*modes + modes - 1, one column per channel):
        abar[t][n, q] = exp(delta[t, q] * a[q, n])     t < steps, q < channels, n < modes
    The planes are dense (dst's buffer is `channels` wide), as the selective stream reads them.
    """

    name = "systolic.selective_discretize"

    delta = operand_def(SramType)
    a = operand_def(SramType)
    dst = operand_def(SramType)
    delta_offsets = prop_def(DenseArrayBase.constr(I64))
    delta_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    a_offsets = prop_def(DenseArrayBase.constr(I64))
    a_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))

    custom_directives = (Window,)
    assembly_format = (
        "custom<Window>($delta, $delta_offsets, $delta_step) `,` "
        "custom<Window>($a, $a_offsets, $a_step) `->` "
        "custom<Window>($dst, $dst_offsets, $dst_step) `sizes` $sizes attr-dict `:` "
        "type($delta) `,` type($a) `,` type($dst)"
    )

    def __init__(
        self,
        delta: SSAValue | Operation,
        a: SSAValue | Operation,
        dst: SSAValue | Operation,
        sizes: Sequence[int],
        *,
        delta_offsets: Sequence[int] = (0, 0),
        a_offsets: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        delta_step: Sequence[int] = (0, 0),
        a_step: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
    ) -> None:
        super().__init__(
            operands=[delta, a, dst],
            properties={
                "delta_offsets": _ints(delta_offsets),
                "delta_step": _ints(delta_step),
                "a_offsets": _ints(a_offsets),
                "a_step": _ints(a_step),
                "dst_offsets": _ints(dst_offsets),
                "dst_step": _ints(dst_step),
                "sizes": _ints(sizes),
            },
        )

    def verify_(self) -> None:
        _check_f32(self, "delta", "a", "dst")
        steps, channels, modes = _check_sizes3(self.sizes)
        _check_window(
            self, "delta", self.delta, self.delta_offsets, (steps, channels), self.delta_step
        )
        _check_window(self, "a", self.a, self.a_offsets, (channels, modes), self.a_step)
        _check_planes(
            self, "dst", self.dst, self.dst_offsets, self.dst_step, steps, channels, modes
        )


@irdl_op_definition
class SelectiveStreamOp(IRDLOperation):
    """Mamba's selective scan through the LIMA-PEs, coefficients streamed every step (`lsel`).

    if reset: x = 0      # modes x channels, real; otherwise the states stay in the PEs
    for t < steps:
        x[n, q] = abar[t][n, q] * x[n, q] + bc[t, n] * src[t, q]
        dst[t, q] = sum_n bc[t, modes + n] * x[n, q]   (+ dst[t, q] if accumulate)
    abar: dense planes as `selective_discretize` writes them; bc: B then C side by side per step.
    src and dst share a row length (the instruction has one stride for both).
    """

    name = "systolic.selective_stream"

    src = operand_def(SramType)
    abar = operand_def(SramType)
    bc = operand_def(SramType)
    dst = operand_def(SramType)
    src_offsets = prop_def(DenseArrayBase.constr(I64))
    src_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    abar_offsets = prop_def(DenseArrayBase.constr(I64))
    abar_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    bc_offsets = prop_def(DenseArrayBase.constr(I64))
    bc_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))
    reset = opt_prop_def(UnitAttr)
    accumulate = opt_prop_def(UnitAttr)

    custom_directives = (Window,)
    assembly_format = (
        "custom<Window>($src, $src_offsets, $src_step) `,` "
        "custom<Window>($abar, $abar_offsets, $abar_step) `,` "
        "custom<Window>($bc, $bc_offsets, $bc_step) `->` "
        "custom<Window>($dst, $dst_offsets, $dst_step) `sizes` $sizes "
        "(`reset` $reset^)? (`accumulate` $accumulate^)? attr-dict `:` type(operands)"
    )

    def __init__(
        self,
        src: SSAValue | Operation,
        abar: SSAValue | Operation,
        bc: SSAValue | Operation,
        dst: SSAValue | Operation,
        sizes: Sequence[int],
        *,
        src_offsets: Sequence[int] = (0, 0),
        abar_offsets: Sequence[int] = (0, 0),
        bc_offsets: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        src_step: Sequence[int] = (0, 0),
        abar_step: Sequence[int] = (0, 0),
        bc_step: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
        reset: bool = False,
        accumulate: bool = False,
    ) -> None:
        properties: dict[str, Attribute] = {
            "src_offsets": _ints(src_offsets),
            "src_step": _ints(src_step),
            "abar_offsets": _ints(abar_offsets),
            "abar_step": _ints(abar_step),
            "bc_offsets": _ints(bc_offsets),
            "bc_step": _ints(bc_step),
            "dst_offsets": _ints(dst_offsets),
            "dst_step": _ints(dst_step),
            "sizes": _ints(sizes),
        }
        if reset:
            properties["reset"] = UnitAttr()
        if accumulate:
            properties["accumulate"] = UnitAttr()
        super().__init__(operands=[src, abar, bc, dst], properties=properties)

    def verify_(self) -> None:
        _check_f32(self, "src", "abar", "bc", "dst")
        steps, channels, modes = _check_sizes3(self.sizes)
        src_row = cast(SramType, self.src.type).matrix[1]
        dst_row = cast(SramType, self.dst.type).matrix[1]
        if src_row != dst_row:
            raise VerifyException(
                f"src and dst must share a row length (one stride), got {src_row} and {dst_row}"
            )
        _check_window(self, "src", self.src, self.src_offsets, (steps, channels), self.src_step)
        _check_window(self, "dst", self.dst, self.dst_offsets, (steps, channels), self.dst_step)
        _check_window(self, "bc", self.bc, self.bc_offsets, (steps, 2 * modes), self.bc_step)
        _check_planes(
            self, "abar", self.abar, self.abar_offsets, self.abar_step, steps, channels, modes
        )
        config = _configuration(self, ("prodf",))
        _capacity(self, config, channels)
        target = find_target(self)
        if target is not None and modes > config.segment_rows(target.rows.data):
            raise VerifyException(
                f"{modes} modes exceed the {config.segment_rows(target.rows.data)}-row column "
                "segment"
            )


@irdl_op_definition
class VectorOp(InferredOperandSegments):
    """One vector-unit instruction (`v<function>`) over a rows x cols region of windows.

    dst[i, j] = function(A[i, j], B[i, j], imm)   (see docs/isa.md for each function)
    A[i, j] = a[0, 0] if scalar, a[0, j] if row, a[i, 0] if col, else a[i, j]; B likewise
    rsum: dst[i, 0] = imm * sum_j A[i, j];  csum: dst[0, j] = imm * sum_i A[i, j]  (+ dst if acc)
    copy, rev move 32-bit words: `sizes [r, c]` is r rows of c words, an operand of complex<f32>
    covering r x c/2 elements from its corner (offsets count its elements), and the two operands
    may differ in element type (an f32 r x 2c window <-> a complex<f32> r x c one, real then
    imaginary word): the instruction is the same word copy either way.
    """

    name = "systolic.vector"

    a = operand_def(SramType)
    b = opt_operand_def(SramType)
    dst = operand_def(SramType)
    function = prop_def(StringAttr)
    a_offsets = prop_def(DenseArrayBase.constr(I64))
    a_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    a_broadcast = prop_def(StringAttr, StringAttr("none"))
    b_offsets = opt_prop_def(DenseArrayBase.constr(I64))
    b_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    b_broadcast = prop_def(StringAttr, StringAttr("none"))
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), _ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))
    imm = opt_prop_def(FloatAttr[Float32Type])
    accumulate = opt_prop_def(UnitAttr)

    custom_directives = (Window, BareWord)
    assembly_format = (
        "custom<BareWord>($function) custom<Window>($a, $a_offsets, $a_step) "
        "(`bcast` custom<BareWord>($a_broadcast)^)? "
        "(`,` custom<Window>($b, $b_offsets, $b_step)^ "
        "(`bcast` custom<BareWord>($b_broadcast)^)?)? "
        "`->` custom<Window>($dst, $dst_offsets, $dst_step) `sizes` $sizes (`imm` $imm^)? "
        "(`accumulate` $accumulate^)? attr-dict `:` type(operands)"
    )

    def __init__(
        self,
        function: str,
        a: SSAValue | Operation,
        dst: SSAValue | Operation,
        sizes: Sequence[int],
        *,
        b: SSAValue | Operation | None = None,
        a_offsets: Sequence[int] = (0, 0),
        b_offsets: Sequence[int] = (0, 0),
        dst_offsets: Sequence[int] = (0, 0),
        a_step: Sequence[int] = (0, 0),
        b_step: Sequence[int] = (0, 0),
        dst_step: Sequence[int] = (0, 0),
        a_broadcast: str = "none",
        b_broadcast: str = "none",
        imm: float | None = None,
        accumulate: bool = False,
    ) -> None:
        properties: dict[str, Attribute] = {
            "function": StringAttr(function),
            "a_offsets": _ints(a_offsets),
            "a_step": _ints(a_step),
            "a_broadcast": StringAttr(a_broadcast),
            "b_step": _ints(b_step),
            "b_broadcast": StringAttr(b_broadcast),
            "dst_offsets": _ints(dst_offsets),
            "dst_step": _ints(dst_step),
            "sizes": _ints(sizes),
        }
        if b is not None:
            properties["b_offsets"] = _ints(b_offsets)
        if imm is not None:
            properties["imm"] = FloatAttr(imm, f32)
        if accumulate:
            properties["accumulate"] = UnitAttr()
        super().__init__(operands=[a, b, dst], properties=properties)

    @property
    def instruction(self) -> Instr:
        """The ISA row this op becomes (valid after verification)."""
        return VECTOR_FUNCTIONS[self.function.data]

    def verify_(self) -> None:
        function = self.function.data
        row = VECTOR_FUNCTIONS.get(function)
        if row is None:
            names = ", ".join(VECTOR_FUNCTIONS)
            raise VerifyException(f'function must be one of {names}, got "{function}"')
        binary = "b" in row.fields
        if binary and self.b is None:
            raise VerifyException(f"{function} needs two operands, a and b")
        if not binary and self.b is not None:
            raise VerifyException(f"{function} takes one operand, got b")
        if (self.b is None) != (self.b_offsets is None):
            raise VerifyException("b needs its offsets, and offsets their operand")
        if ("fimm" in row.fields) != (self.imm is not None):
            need = "needs an imm" if self.imm is None else "takes no imm"
            raise VerifyException(f"{function} {need}")
        if self.accumulate is not None and "acc" not in row.fields:
            accumulating = ", ".join(
                name for name, r in VECTOR_FUNCTIONS.items() if "acc" in r.fields
            )
            raise VerifyException(f"{function} cannot accumulate (only {accumulating})")
        self._check_elements(row)
        rows, cols = _check_sizes(self.sizes)
        words = row.latency_class == "copy"  # copies count words, not elements
        operands = [("a", self.a, self.a_offsets, self.a_step, self.a_broadcast.data)]
        if self.b is not None and self.b_offsets is not None:
            operands.append(("b", self.b, self.b_offsets, self.b_step, self.b_broadcast.data))
        for role, value in [(role, value) for role, value, *_ in operands] + [("dst", self.dst)]:
            per_element = _element_words(cast(SramType, value.type).element_type)
            if words and cols % per_element:
                raise VerifyException(
                    f"{function} counts words: {role} has {per_element}-word elements, so "
                    f"sizes must give an even number of columns, got {cols}"
                )
        for role, value, offsets, step, broadcast in operands:
            if broadcast not in BROADCASTS:
                raise VerifyException(
                    f'{role} broadcast must be one of {", ".join(BROADCASTS)}, got "{broadcast}"'
                )
            if broadcast in ("col", "scalar") and not binary:
                raise VerifyException(
                    f"{role} broadcast {broadcast} needs a two-operand function, not {function}"
                )
            window = (
                1 if broadcast in ("row", "scalar") else rows,
                1 if broadcast in ("col", "scalar") else self._columns(value, cols, words),
            )
            _check_window(self, role, value, offsets, window, step)
        dst_window = (
            rows if function not in COLUMN_REDUCTIONS else 1,
            self._columns(self.dst, cols, words) if function not in ROW_REDUCTIONS else 1,
        )
        _check_window(self, "dst", self.dst, self.dst_offsets, dst_window, self.dst_step)

    @staticmethod
    def _columns(value: SSAValue, cols: int, words: bool) -> int:
        """Columns of `value`'s window: `cols` elements, or `cols` words for copies."""
        if not words:
            return cols
        return cols // _element_words(cast(SramType, value.type).element_type)

    def _check_elements(self, row: Instr) -> None:
        """Complex functions take complex<f32>, copies move words of either, the rest take f32."""
        present = [("a", self.a), ("dst", self.dst)]
        if self.b is not None:
            present.insert(1, ("b", self.b))
        if row.latency_class == "copy":  # words: any mix of f32 and complex<f32> buffers
            return
        expected = ComplexType(f32) if row.elem_words == 2 else f32
        for role, value in present:
            if cast(SramType, value.type).element_type != expected:
                raise VerifyException(
                    f"{self.function.data} needs {expected} elements, but {role} is {value.type}"
                )


# endregion

SYSTOLIC = Dialect(
    "systolic",
    [
        AllocOp,
        AllocCoefficientsOp,
        AllocDramOp,
        ConstantOp,
        ConfigureOp,
        ChunkLoopOp,
        LoadOp,
        StoreOp,
        PreloadCoefficientsOp,
        PreloadTileOp,
        StreamOp,
        MatmulTileOp,
        VectorOp,
        SelectiveDiscretizeOp,
        SelectiveStreamOp,
    ],
    [DramType, SramType, ArrayConfigAttr, TargetAttr],
)
