"""The PE array: coefficient and weight preloads, the LIMA stream (ProDF), GEMM folds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, cast

from xdsl.dialects.builtin import (
    I64,
    DenseArrayBase,
    IntegerAttr,
    UnitAttr,
    f32,
    i64,
)
from xdsl.ir import (
    Attribute,
    Operation,
    SSAValue,
)
from xdsl.irdl import (
    AttrSizedOperandSegments,
    IRDLOperation,
    VarConstraint,
    base,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.systolic.attrs import (
    ArrayConfigAttr,
    SramType,
    int_array,
    int_values,
    shape_text,
    slot_number,
)
from epoch_mlir.dialects.systolic.buffers import (
    AllocCoefficientsOp,
)
from epoch_mlir.dialects.systolic.structure import (
    ChunkLoopOp,
    ConfigureOp,
    enclosing_configuration,
    find_target,
)
from epoch_mlir.dialects.systolic.window import (
    ZERO_STEP,
    Window,
    check_sizes,
    check_window,
    parse_strided_window,
    parse_window,
    print_window,
    window_properties,
)
from epoch_mlir.machine.vocabulary import CONVENTIONAL_DATAFLOWS, PRODF


def check_capacity(op: Operation, config: ArrayConfigAttr, channels: int) -> None:
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
        slot_number(self.slot)
        owner = self.abar.owner
        if not isinstance(owner, AllocCoefficientsOp) or list(self.operands) != list(owner.results):
            raise VerifyException(
                "abar, bbar, c and d must be the four results of one "
                "systolic.alloc_coefficients, in order"
            )
        config = enclosing_configuration(self, (PRODF,))
        modes, channels = owner.modes, owner.channels
        if config.seg.data and modes > config.seg.data:
            raise VerifyException(
                f"{modes} modes exceed the {config.seg.data} rows of a column segment"
            )
        target = find_target(self)
        if target is not None and modes > target.rows.data:
            raise VerifyException(f"{modes} modes exceed the {target.rows.data} rows of the array")
        check_capacity(self, config, channels)


@irdl_op_definition
class PreloadTileOp(IRDLOperation):
    """Loads a stationary GEMM tile into a slot: B^T's k x n tile for ws, A^T's k x m for is.

    tile = src[o0 : o0 + sizes[0], o1 : o1 + sizes[1]];  slot[slot] = tile^T if transpose else tile
    """

    name = "systolic.preload_tile"

    src = operand_def(SramType)
    offsets = prop_def(DenseArrayBase.constr(I64))
    step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
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
            "offsets": int_array(offsets),
            "step": int_array(step),
            "sizes": int_array(sizes),
            "slot": IntegerAttr(slot, i64),
        }
        if transpose:
            properties["transpose"] = UnitAttr()
        super().__init__(operands=[src], properties=properties)

    @property
    def tile(self) -> tuple[int, int]:
        """Rows x cols of the tile on the array (the window, transposed if asked)."""
        rows, cols = int_values(self.sizes)
        return (cols, rows) if self.transpose is not None else (rows, cols)

    def verify_(self) -> None:
        slot_number(self.slot)
        if cast(SramType, self.src.type).element_type != f32:
            raise VerifyException(f"src must have f32 elements, got {self.src.type}")
        sizes = check_sizes(self.sizes)
        check_window(self, "src", self.src, self.offsets, sizes, self.step)
        enclosing_configuration(self, ("ws", "is"))
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
    src_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
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
            **window_properties(src=(src_offsets, src_step), dst=(dst_offsets, dst_step)),
            "sizes": int_array(sizes),
            "slot": IntegerAttr(slot, i64),
        }
        if reset:
            properties["reset"] = UnitAttr()
        if accumulate:
            properties["accumulate"] = UnitAttr()
        super().__init__(operands=[src, dst], properties=properties)

    def verify_(self) -> None:
        slot = slot_number(self.slot)
        for role, value in (("src", self.src), ("dst", self.dst)):
            if cast(SramType, value.type).element_type != f32:
                raise VerifyException(f"{role} must have f32 elements, got {value.type}")
        steps, channels = check_sizes(self.sizes)
        check_window(self, "src", self.src, self.src_offsets, (steps, channels), self.src_step)
        check_window(self, "dst", self.dst, self.dst_offsets, (steps, channels), self.dst_step)
        config = enclosing_configuration(self, (PRODF,))
        check_capacity(self, config, channels)
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
    a_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    b_offsets = opt_prop_def(DenseArrayBase.constr(I64))
    b_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
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
            "a_step": int_array(a_step),
            "b_step": int_array(b_step),
            "dst_offsets": int_array(dst_offsets),
            "dst_step": int_array(dst_step),
            "m": IntegerAttr(m, i64),
            "n": IntegerAttr(n, i64),
            "k": IntegerAttr(k, i64),
        }
        if a is not None:
            properties["a_offsets"] = int_array(a_offsets)
        if b is not None:
            properties["b_offsets"] = int_array(b_offsets)
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
                operand, offsets, advance, stride = parse_strided_window(parser)
                windows[role] = (operand, offsets, advance)
                strides[role] = None if stride is None else stride.value.data
        slot = (
            parser.parse_integer(allow_boolean=False)
            if parser.parse_optional_keyword("slot")
            else None
        )
        parser.parse_punctuation("->")
        windows["dst"] = parse_window(parser)
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
            return int_values(windows[role][1]) if role in windows else zero

        def step(role: str) -> tuple[int, ...]:
            advance = windows[role][2] if role in windows else None
            return int_values(advance) if advance is not None else zero

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
                print_window(printer, value, offsets or int_array((0, 0)), step, stride)
        if self.slot is not None:
            printer.print_string(f" slot {self.slot.value.data}")
        printer.print_string(" -> ")
        print_window(printer, self.dst, self.dst_offsets, self.dst_step)
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
        check_window(self, "dst", self.dst, self.dst_offsets, dst_sizes, self.dst_step)
        if self.a is not None and self.a_offsets is not None:
            check_window(self, "a", self.a, self.a_offsets, (m, k), self.a_step, self.a_row_stride)
        if self.b is not None and self.b_offsets is not None:
            check_window(self, "b", self.b, self.b_offsets, (n, k), self.b_step, self.b_row_stride)
        dataflow = enclosing_configuration(self, CONVENTIONAL_DATAFLOWS).dataflow.data
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
                f"{dataflow} needs the {shape_text(expected)} tile of {what} in slot {slot}, "
                f"but it holds a {shape_text(preload.tile)} tile"
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
            slot_number(self.slot)
