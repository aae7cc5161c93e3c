"""The vector unit: one instruction over a window (`systolic.vector`), and the selective
scan's discretization and stream."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from xdsl.dialects.builtin import (
    I64,
    ComplexType,
    DenseArrayBase,
    Float32Type,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    UnitAttr,
    f32,
)
from xdsl.ir import (
    Attribute,
    Operation,
    SSAValue,
)
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_operand_def,
    opt_prop_def,
    prop_def,
)
from xdsl.utils.exceptions import VerifyException

from epoch_mlir.dialects.format_directives import BareWord
from epoch_mlir.dialects.operand_segments import InferredOperandSegments
from epoch_mlir.dialects.systolic.array import (
    check_capacity,
)
from epoch_mlir.dialects.systolic.attrs import (
    BROADCASTS,
    SramType,
    element_words,
    int_array,
    int_values,
    ints_text,
    slot_number,
)
from epoch_mlir.dialects.systolic.structure import (
    enclosing_configuration,
    find_target,
)
from epoch_mlir.dialects.systolic.window import (
    ZERO_STEP,
    Window,
    check_sizes,
    check_window,
    window_properties,
)
from epoch_mlir.isa.table import INSTRUCTIONS, Instr

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


def _check_sizes3(sizes: DenseArrayBase) -> tuple[int, int, int]:
    values = int_values(sizes)
    if len(values) != 3 or any(size < 1 for size in values):
        raise VerifyException(
            "sizes must be three positive numbers [steps, channels, modes], got "
            f"{ints_text(values)}"
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
    check_window(op, role, value, offsets, (steps * modes, channels), step)


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
    delta_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    a_offsets = prop_def(DenseArrayBase.constr(I64))
    a_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
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
                **window_properties(
                    delta=(delta_offsets, delta_step),
                    a=(a_offsets, a_step),
                    dst=(dst_offsets, dst_step),
                ),
                "sizes": int_array(sizes),
            },
        )

    def verify_(self) -> None:
        _check_f32(self, "delta", "a", "dst")
        steps, channels, modes = _check_sizes3(self.sizes)
        check_window(
            self, "delta", self.delta, self.delta_offsets, (steps, channels), self.delta_step
        )
        check_window(self, "a", self.a, self.a_offsets, (channels, modes), self.a_step)
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
    src_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    abar_offsets = prop_def(DenseArrayBase.constr(I64))
    abar_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    bc_offsets = prop_def(DenseArrayBase.constr(I64))
    bc_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
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
            **window_properties(
                src=(src_offsets, src_step),
                abar=(abar_offsets, abar_step),
                bc=(bc_offsets, bc_step),
                dst=(dst_offsets, dst_step),
            ),
            "sizes": int_array(sizes),
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
        check_window(self, "src", self.src, self.src_offsets, (steps, channels), self.src_step)
        check_window(self, "dst", self.dst, self.dst_offsets, (steps, channels), self.dst_step)
        check_window(self, "bc", self.bc, self.bc_offsets, (steps, 2 * modes), self.bc_step)
        _check_planes(
            self, "abar", self.abar, self.abar_offsets, self.abar_step, steps, channels, modes
        )
        config = enclosing_configuration(self, ("prodf",))
        check_capacity(self, config, channels)
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
    a_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    a_broadcast = prop_def(StringAttr, StringAttr("none"))
    b_offsets = opt_prop_def(DenseArrayBase.constr(I64))
    b_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    b_broadcast = prop_def(StringAttr, StringAttr("none"))
    dst_offsets = prop_def(DenseArrayBase.constr(I64))
    dst_step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
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
            "a_offsets": int_array(a_offsets),
            "a_step": int_array(a_step),
            "a_broadcast": StringAttr(a_broadcast),
            "b_step": int_array(b_step),
            "b_broadcast": StringAttr(b_broadcast),
            "dst_offsets": int_array(dst_offsets),
            "dst_step": int_array(dst_step),
            "sizes": int_array(sizes),
        }
        if b is not None:
            properties["b_offsets"] = int_array(b_offsets)
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
        rows, cols = check_sizes(self.sizes)
        words = row.latency_class == "copy"  # copies count words, not elements
        operands = [("a", self.a, self.a_offsets, self.a_step, self.a_broadcast.data)]
        if self.b is not None and self.b_offsets is not None:
            operands.append(("b", self.b, self.b_offsets, self.b_step, self.b_broadcast.data))
        for role, value in [(role, value) for role, value, *_ in operands] + [("dst", self.dst)]:
            per_element = element_words(cast(SramType, value.type).element_type)
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
            check_window(self, role, value, offsets, window, step)
        dst_window = (
            rows if function not in COLUMN_REDUCTIONS else 1,
            self._columns(self.dst, cols, words) if function not in ROW_REDUCTIONS else 1,
        )
        check_window(self, "dst", self.dst, self.dst_offsets, dst_window, self.dst_step)

    @staticmethod
    def _columns(value: SSAValue, cols: int, words: bool) -> int:
        """Columns of `value`'s window: `cols` elements, or `cols` words for copies."""
        if not words:
            return cols
        return cols // element_words(cast(SramType, value.type).element_type)

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


class _PeStatesOp(IRDLOperation):
    """What the ops moving PE states to and from an SRAM window share: a direction (load into
    the PEs, store from them) and the window."""

    direction = prop_def(StringAttr)
    buffer = operand_def(SramType)
    offsets = prop_def(DenseArrayBase.constr(I64))
    step = prop_def(DenseArrayBase.constr(I64), ZERO_STEP)
    sizes = prop_def(DenseArrayBase.constr(I64))

    custom_directives = (BareWord, Window)

    @staticmethod
    def window_properties(
        direction: str, sizes: Sequence[int], offsets: Sequence[int], step: Sequence[int]
    ) -> dict[str, Attribute]:
        return {
            "direction": StringAttr(direction),
            "offsets": int_array(offsets),
            "step": int_array(step),
            "sizes": int_array(sizes),
        }

    def verify_direction(self) -> None:
        if self.direction.data not in ("load", "store"):
            raise VerifyException(
                f'direction must be "load" or "store", got "{self.direction.data}"'
            )

    def verify_window(self) -> None:
        sizes = check_sizes(self.sizes)
        check_window(self, "buffer", self.buffer, self.offsets, sizes, self.step)


@irdl_op_definition
class SelectiveStateOp(_PeStatesOp):
    """The selective stream's states moved between the PEs and an SRAM window (`ldx`/`stx`).

    load:  x[n, q] = buffer[r0 + n, c0 + q]   (the next selective_stream without reset continues)
    store: buffer[r0 + n, c0 + q] = x[n, q]   for n < sizes[0] (modes), q < sizes[1] (channels)

    With them a selective scan starts from a given state and hands its last one on (streaming a
    sequence in pieces, decoding a token at a time).
    """

    name = "systolic.selective_state"

    assembly_format = (
        "custom<BareWord>($direction) custom<Window>($buffer, $offsets, $step) `sizes` $sizes "
        "attr-dict `:` type($buffer)"
    )

    def __init__(
        self,
        direction: str,
        buffer: SSAValue | Operation,
        sizes: Sequence[int],
        *,
        offsets: Sequence[int] = (0, 0),
        step: Sequence[int] = (0, 0),
    ) -> None:
        properties = self.window_properties(direction, sizes, offsets, step)
        super().__init__(operands=[buffer], properties=properties)

    def verify_(self) -> None:
        self.verify_direction()
        _check_f32(self, "buffer")
        self.verify_window()


@irdl_op_definition
class LimaStateOp(_PeStatesOp):
    """A ProDF fold's LIMA-PE states moved between the PEs and a complex SRAM window
    (`lds`/`sts`).

    load:  s[q, n] = buffer[r0 + q, c0 + n]   (the next stream of `slot` without reset
                                              continues from s)
    store: buffer[r0 + q, c0 + n] = s[q, n]   for q < sizes[0] (channels), n < sizes[1] (modes)

    The window is channels x modes, as the state `s0` of `ssm.scan` is in DRAM (H x N), so a
    fold's block of it needs no transpose. With them an S4 layer runs a sequence in pieces.
    """

    name = "systolic.lima_state"

    slot = prop_def(IntegerAttr[I64])

    assembly_format = (
        "custom<BareWord>($direction) custom<Window>($buffer, $offsets, $step) `sizes` $sizes "
        "`slot` $slot attr-dict `:` type($buffer)"
    )

    def __init__(
        self,
        direction: str,
        buffer: SSAValue | Operation,
        sizes: Sequence[int],
        slot: int,
        *,
        offsets: Sequence[int] = (0, 0),
        step: Sequence[int] = (0, 0),
    ) -> None:
        properties = self.window_properties(direction, sizes, offsets, step)
        properties["slot"] = IntegerAttr(slot, 64)
        super().__init__(operands=[buffer], properties=properties)

    def verify_(self) -> None:
        self.verify_direction()
        slot_number(self.slot)
        buffer_type = self.buffer.type
        assert isinstance(buffer_type, SramType)
        if buffer_type.element_type != ComplexType(f32):
            raise VerifyException(
                f"buffer must have complex<f32> elements (LIMA states), got "
                f"{buffer_type.element_type}"
            )
        self.verify_window()
