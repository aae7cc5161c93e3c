"""Instruction selection: which instruction each systolic op becomes, and with which fields.

This is the one statement of the systolic -> ISA mapping. The conversion's patterns build the
instruction from it (placing the windows in memory, patterns.py), the cost models price an op by
the instruction's cycle formula from it (systolic_common/cost.py), and docs/systolic.md's table
is rendered from it (docs.py). Each rule takes an op and gives a `Selection`: the mnemonic, every
field that does not depend on where buffers live, and the memory operands still as windows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from xdsl.dialects.builtin import ComplexType, DenseArrayBase, IntegerAttr, IntegerType
from xdsl.ir import Operation, SSAValue

from epoch_mlir.dialects import systolic

FieldValue = int | float | str


@dataclass(frozen=True)
class Window:
    """A memory operand before placement: a buffer or DRAM tensor, the element at its corner,
    its advance per iteration of each enclosing chunk loop (a [row, col] pair per loop, innermost
    first), and (elements) the distance between its rows when it is not the buffer's row
    length."""

    value: SSAValue
    corner: tuple[int, int] = (0, 0)
    step: tuple[int, ...] = (0, 0)
    row_stride: int | None = None


@dataclass(frozen=True)
class MemoryOperand:
    """One memory field of the instruction and the field its window's row stride fills.

    A selection lists its operands in the order they are placed: that order decides which
    address registers they take, so it is part of the mapping.

    A window of None is an operand the instruction does not read (address 0, stride 0). A
    `broadcast` (vector operands) replaces the stride: a row broadcast reads one row again and
    again (stride 0), a column or scalar broadcast sets the operand's `flag` field.
    """

    field: str
    window: Window | None
    stride_field: str | None = None
    broadcast: str = "none"
    flag: str | None = None
    in_place: bool = False  # the address as an offset from r0, never through a register


@dataclass(frozen=True)
class Selection:
    """The instruction a systolic op becomes."""

    mnemonic: str
    fields: dict[str, FieldValue] = field(default_factory=dict)
    operands: tuple[MemoryOperand, ...] = ()


@dataclass(frozen=True)
class Rule:
    """How one systolic op is selected, with the words docs/systolic.md shows for it."""

    op: type[Operation]
    select: Callable[[Any], Selection]
    instruction: str  # the mnemonic, or a pattern such as `v<function>`
    summary: str


def _pair(values: DenseArrayBase[IntegerType] | None) -> tuple[int, int]:
    if values is None:
        return (0, 0)
    first, second = values.get_values()
    return int(first), int(second)


def _steps(values: DenseArrayBase[IntegerType] | None) -> tuple[int, ...]:
    return (0, 0) if values is None else tuple(int(value) for value in values.get_values())


def _stride(attribute: IntegerAttr | None) -> int | None:
    return None if attribute is None else attribute.value.data


def element_words(value: SSAValue) -> int:
    """Words per element of a buffer or DRAM tensor (complex<f32> takes two)."""
    memory = value.type
    if isinstance(memory, systolic.DramType | systolic.SramType):
        rows, cols = memory.matrix
        return memory.words // (rows * cols)
    element = getattr(memory, "element_type", None)
    return 2 if isinstance(element, ComplexType) else 1


def _flag(attribute: object) -> int:
    return int(attribute is not None)


# region rules


def _gather(op: systolic.GatherOp) -> Selection:
    rows, cols = _pair(op.sizes)
    table_type = op.table.type
    assert isinstance(table_type, systolic.DramType)
    return Selection(
        "gather",
        {"rows": rows, "cols": cols, "vocab": table_type.matrix[0]},
        (
            MemoryOperand("src", Window(op.table)),
            MemoryOperand("ids", Window(op.ids, _pair(op.ids_offsets), _steps(op.ids_step))),
            MemoryOperand(
                "dst", Window(op.dst, _pair(op.dst_offsets), _steps(op.dst_step)), "dst_stride"
            ),
        ),
    )


def _transfer(op: systolic.LoadOp | systolic.StoreOp) -> Selection:
    rows, cols = _pair(op.sizes)
    return Selection(
        "load" if isinstance(op, systolic.LoadOp) else "store",
        {"rows": rows, "cols": cols * element_words(op.src)},
        (
            MemoryOperand(
                "src",
                Window(
                    op.src, _pair(op.src_offsets), _steps(op.src_step), _stride(op.src_row_stride)
                ),
                "src_stride",
            ),
            MemoryOperand(
                "dst",
                Window(
                    op.dst, _pair(op.dst_offsets), _steps(op.dst_step), _stride(op.dst_row_stride)
                ),
                "dst_stride",
            ),
        ),
    )


def _preload_coefficients(op: systolic.PreloadCoefficientsOp) -> Selection:
    block = op.abar.owner
    assert isinstance(block, systolic.AllocCoefficientsOp)
    return Selection(
        "ldc",
        {"slot": op.slot.value.data, "nch": block.channels, "nm": block.modes},
        (MemoryOperand("src", Window(op.abar), in_place=True),),
    )


def _preload_tile(op: systolic.PreloadTileOp) -> Selection:
    rows, cols = _pair(op.sizes)
    transpose = op.transpose is not None
    tile_rows, tile_cols = (cols, rows) if transpose else (rows, cols)
    return Selection(
        "ldw",
        {"slot": op.slot.value.data, "rows": tile_rows, "cols": tile_cols, "trans": int(transpose)},
        (MemoryOperand("src", Window(op.src, _pair(op.offsets), _steps(op.step)), "src_stride"),),
    )


def _stream(op: systolic.StreamOp) -> Selection:
    steps, _channels = _pair(op.sizes)
    return Selection(
        "lima",
        {
            "slot": op.slot.value.data,
            "steps": steps,
            "reset": _flag(op.reset),
            "acc": _flag(op.accumulate),
        },
        (
            MemoryOperand(
                "src", Window(op.src, _pair(op.src_offsets), _steps(op.src_step)), "src_stride"
            ),
            MemoryOperand(
                "dst", Window(op.dst, _pair(op.dst_offsets), _steps(op.dst_step)), "dst_stride"
            ),
        ),
    )


def _selective_discretize(op: systolic.SelectiveDiscretizeOp) -> Selection:
    steps, channels, modes = (int(v) for v in op.sizes.get_values())
    return Selection(
        "vdexp",
        {"rows": steps, "cols": channels, "nm": modes},
        (
            MemoryOperand(
                "a", Window(op.delta, _pair(op.delta_offsets), _steps(op.delta_step)), "a_stride"
            ),
            MemoryOperand("b", Window(op.a, _pair(op.a_offsets), _steps(op.a_step)), "b_stride"),
            MemoryOperand("dst", Window(op.dst, _pair(op.dst_offsets), _steps(op.dst_step))),
        ),
    )


def _selective_stream(op: systolic.SelectiveStreamOp) -> Selection:
    steps, channels, modes = (int(v) for v in op.sizes.get_values())
    return Selection(
        "lsel",
        {
            "steps": steps,
            "nch": channels,
            "nm": modes,
            "reset": _flag(op.reset),
            "acc": _flag(op.accumulate),
        },
        (
            MemoryOperand(
                "src", Window(op.src, _pair(op.src_offsets), _steps(op.src_step)), "src_stride"
            ),
            MemoryOperand("dst", Window(op.dst, _pair(op.dst_offsets), _steps(op.dst_step))),
            MemoryOperand("a", Window(op.abar, _pair(op.abar_offsets), _steps(op.abar_step))),
            MemoryOperand("b", Window(op.bc, _pair(op.bc_offsets), _steps(op.bc_step)), "b_stride"),
        ),
    )


def _selective_state(op: systolic.SelectiveStateOp) -> Selection:
    modes, channels = _pair(op.sizes)
    load = op.direction.data == "load"
    field = "src" if load else "dst"
    return Selection(
        "ldx" if load else "stx",
        {"nch": channels, "nm": modes},
        (
            MemoryOperand(
                field, Window(op.buffer, _pair(op.offsets), _steps(op.step)), f"{field}_stride"
            ),
        ),
    )


def _lima_state(op: systolic.LimaStateOp) -> Selection:
    channels, modes = _pair(op.sizes)
    load = op.direction.data == "load"
    field = "src" if load else "dst"
    return Selection(
        "lds" if load else "sts",
        {"slot": op.slot.value.data, "nch": channels, "nm": modes},
        (
            MemoryOperand(
                field, Window(op.buffer, _pair(op.offsets), _steps(op.step)), f"{field}_stride"
            ),
        ),
    )


def _matmul_tile(op: systolic.MatmulTileOp) -> Selection:
    def operand(
        name: str, value: SSAValue | None, offsets: Any, step: Any, stride: Any
    ) -> MemoryOperand:
        window = (
            None if value is None else Window(value, _pair(offsets), _steps(step), _stride(stride))
        )
        return MemoryOperand(name, window, f"{name}_stride")

    return Selection(
        "mm",
        {
            "slot": 0 if op.slot is None else op.slot.value.data,
            "m": op.m.value.data,
            "n": op.n.value.data,
            "k": op.k.value.data,
            "acc": _flag(op.accumulate),
            "tout": _flag(op.transpose_out),
        },
        (
            operand("dst", op.dst, op.dst_offsets, op.dst_step, None),
            operand("a", op.a, op.a_offsets, op.a_step, op.a_row_stride),
            operand("b", op.b, op.b_offsets, op.b_step, op.b_row_stride),
        ),
    )


def _vector(op: systolic.VectorOp) -> Selection:
    function = op.function.data
    rows, cols = _pair(op.sizes)
    fields: dict[str, FieldValue] = {"rows": rows, "cols": cols}
    if op.imm is not None:
        fields["fimm"] = op.imm.value.data
    if function in systolic.ROW_REDUCTIONS + systolic.COLUMN_REDUCTIONS:
        fields["acc"] = _flag(op.accumulate)
        fields.setdefault("fimm", 1.0)
    binary = op.b is not None
    dst_stride = None if function in systolic.COLUMN_REDUCTIONS else "dst_stride"
    operands = [
        MemoryOperand(
            "dst", Window(op.dst, _pair(op.dst_offsets), _steps(op.dst_step)), dst_stride
        ),
        MemoryOperand(
            "a",
            Window(op.a, _pair(op.a_offsets), _steps(op.a_step)),
            "a_stride",
            op.a_broadcast.data,
            "abc" if binary else None,
        ),
    ]
    if op.b is not None:
        operands.append(
            MemoryOperand(
                "b",
                Window(op.b, _pair(op.b_offsets), _steps(op.b_step)),
                "b_stride",
                op.b_broadcast.data,
                "bbc",
            )
        )
    return Selection(op.instruction.mnemonic, fields, tuple(operands))


RULES: tuple[Rule, ...] = (
    Rule(
        systolic.LoadOp,
        _transfer,
        "load",
        "DRAM window -> SRAM window: rows, cols from `sizes` (cols in words: doubled for "
        "complex elements); strides from the windows",
    ),
    Rule(systolic.StoreOp, _transfer, "store", "SRAM window -> DRAM window, as `load`"),
    Rule(
        systolic.GatherOp,
        _gather,
        "gather",
        "src = the table's first row, vocab = its rows; ids = the indices' window (no stride: "
        "consecutive words); rows, cols from `sizes`",
    ),
    Rule(
        systolic.PreloadCoefficientsOp,
        _preload_coefficients,
        "ldc",
        "src = the coefficient block's first plane (always as an offset from r0); nch, nm = "
        "the block's channels and modes",
    ),
    Rule(
        systolic.PreloadTileOp,
        _preload_tile,
        "ldw",
        "rows x cols = the tile on the array: the window's `sizes`, swapped under `transpose` "
        "(which sets trans)",
    ),
    Rule(
        systolic.StreamOp,
        _stream,
        "lima",
        "steps = `sizes[0]` (the channel count is the slot's); `reset`, `accumulate` -> reset, acc",
    ),
    Rule(
        systolic.SelectiveDiscretizeOp,
        _selective_discretize,
        "vdexp",
        "a = delta, b = A; rows, cols, nm = `sizes` (steps, channels, modes)",
    ),
    Rule(
        systolic.SelectiveStreamOp,
        _selective_stream,
        "lsel",
        "a = the abar planes, b = the B/C rows; steps, nch, nm = `sizes`",
    ),
    Rule(
        systolic.SelectiveStateOp,
        _selective_state,
        "ldx / stx",
        "`load` -> ldx, `store` -> stx; nm, nch = `sizes`; the window's stride",
    ),
    Rule(
        systolic.LimaStateOp,
        _lima_state,
        "lds / sts",
        "`load` -> lds, `store` -> sts; nch, nm = `sizes`; `slot`; the window's stride (words)",
    ),
    Rule(
        systolic.MatmulTileOp,
        _matmul_tile,
        "mm",
        "an absent `a` or `b` is address 0, stride 0 (it is in the slot; os uses slot 0); "
        "`accumulate`, `transpose_out` -> acc, tout",
    ),
    Rule(
        systolic.VectorOp,
        _vector,
        "v<function>",
        "broadcast `row`: stride 0; `col`: the abc/bbc flag; `scalar`: both (flags only for "
        "two-operand functions); rsum/csum take acc and fimm (1.0 unless `imm`); csum has no "
        "dst_stride; copies count cols in words",
    ),
)

_BY_OP: dict[type[Operation], Callable[[Any], Selection]] = {rule.op: rule.select for rule in RULES}
# Ops that do no work of their own: structure (configure, chunk_loop) and storage.
STRUCTURE_OPS: tuple[type[Operation], ...] = (systolic.ConfigureOp, systolic.ChunkLoopOp)
STORAGE_OPS: tuple[type[Operation], ...] = (
    systolic.AllocOp,
    systolic.AllocCoefficientsOp,
    systolic.AllocDramOp,
    systolic.ConstantOp,
)

_OpT = TypeVar("_OpT", bound=Operation)


def select(op: Operation) -> Selection | None:
    """The instruction `op` becomes; None for ops that are no instruction of their own."""
    rule = _BY_OP.get(type(op))
    return rule(op) if rule is not None else None


def selected_ops() -> Sequence[type[Operation]]:
    return [rule.op for rule in RULES]


# endregion
