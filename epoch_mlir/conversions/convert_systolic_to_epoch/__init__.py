"""convert-systolic-to-epoch: instruction selection, addresses and hardware loops.

Every systolic op that does work becomes one instruction; buffers and DRAM tensors become word
addresses (SRAM from each buffer's `at` and its bank; DRAM: arguments, constants and results each
in their own block, intermediates sharing one pool by liveness, dram_allocation.py),
windows become addresses and row strides, and a `chunk_loop` becomes a hardware `loop` whose
register strides move the windows that `step`: one address register per distinct per-iteration
advance, the loop's two `ra`/`rb` slots first and `addi`s at the end of the body for any more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from xdsl.context import Context
from xdsl.dialects import func
from xdsl.dialects.builtin import ComplexType, DenseIntOrFPElementsAttr, IntegerAttr, ModuleOp
from xdsl.ir import Operation, SSAValue
from xdsl.passes import ModulePass

from epoch_mlir.conversions.convert_systolic_to_epoch import dram_allocation
from epoch_mlir.conversions.systolic_common.lowering import (
    LoweringError,
    module_machine,
    module_of,
    target_of,
)
from epoch_mlir.dialects import systolic
from epoch_mlir.dialects.epoch.attrs import MACHINE_ATTRIBUTE
from epoch_mlir.entry import find_entry
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.encoding import encode
from epoch_mlir.isa.fields import MEM_OFFSET_BITS, NUM_REGS, Mem
from epoch_mlir.isa.program import Program
from epoch_mlir.targets.epoch_program import program_to_module

Window = tuple[SSAValue, Sequence[int], Sequence[int]]  # operand, corner, per-iteration step
OFFSET_LIMIT = 1 << (MEM_OFFSET_BITS - 2)  # addresses from here on go through a register
ADDRESS_REGISTER_LIMIT = 1 << 31  # li takes a signed 32-bit immediate
DRAM_ALIGNMENT = 16  # words, as the program builder aligns every DRAM block
SCRATCH = (13, 14, 15)  # registers for addresses too far for an offset, one per operand


def _ints(attribute: object) -> tuple[int, ...]:
    if attribute is None:
        return (0, 0)
    return tuple(attribute.get_values())  # type: ignore[attr-defined]


def _memory_type(value: SSAValue) -> systolic.DramType | systolic.SramType:
    assert isinstance(value.type, systolic.DramType | systolic.SramType)
    return value.type


def _element_words(value: SSAValue) -> int:
    return _memory_type(value).words // (_memory_type(value).matrix[0] * _row_length(value))


def _row_length(value: SSAValue) -> int:
    return _memory_type(value).matrix[1]


@dataclass
class _Loop:
    """An open hardware loop: which register advances by how much per iteration."""

    # (advance per iteration, initial value) -> register; words
    registers: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class _Emitter:
    """Walks the entry function in program order and emits instructions."""

    builder: ProgramBuilder
    sram_base: dict[str, int]
    addresses: dict[SSAValue, int] = field(default_factory=dict)
    loops: list[_Loop] = field(default_factory=list)
    free_registers: list[int] = field(
        default_factory=lambda: list(range(NUM_REGS - 1 - len(SCRATCH), 0, -1))
    )
    scratch_turn: int = 0

    # ----------------------------------------------------------------------- operands
    def address(self, value: SSAValue) -> int:
        if value not in self.addresses:
            raise LoweringError(f"{value.name_hint or 'a value'} was never placed in memory")
        return self.addresses[value]

    def window(
        self, op: Operation, window: Window, row_stride: IntegerAttr | None = None
    ) -> tuple[Mem, int]:
        """The memory operand of a window's corner and its row stride, both in words.

        The row stride is the buffer's row length unless the window gives its own (elements).
        """
        value, corner, step = window
        words, row = _element_words(value), _row_length(value)
        stride = (row if row_stride is None else row_stride.value.data) * words
        address = self.address(value) + (corner[0] * row + corner[1]) * words
        advance = (step[0] * row + step[1]) * words
        if address >= ADDRESS_REGISTER_LIMIT:
            raise LoweringError.at(
                op,
                f"needs DRAM word {address}, beyond what a 32-bit address register reaches "
                "(try a shorter sequence)",
            )
        # an address beyond the instruction's offset field starts in a register
        high = 0 if abs(address) < OFFSET_LIMIT else address - address % OFFSET_LIMIT
        if not advance:
            if not high:
                return Mem(0, address), stride
            register = SCRATCH[self.scratch_turn % len(SCRATCH)]
            self.scratch_turn += 1
            self.builder.emit("li", register, high)
            return Mem(register, address - high), stride
        if not self.loops:
            raise LoweringError.at(op, "a window steps outside any chunk_loop")
        return Mem(self.register(op, advance, high), address - high), stride

    def register(self, op: Operation, advance: int, initial: int) -> int:
        """The register that starts at `initial` and moves by `advance` in the current loop."""
        loop = self.loops[-1]
        key = (advance, initial)
        if key not in loop.registers:
            if not self.free_registers:
                raise LoweringError.at(op, "too many windows step at different rates in one loop")
            loop.registers[key] = self.free_registers.pop()
        return loop.registers[key]

    # -------------------------------------------------------------------------- program
    def declare(self, op: Operation) -> None:
        """Place buffers and tensors: SRAM from `at`, DRAM through the builder."""
        if isinstance(op, systolic.AllocOp | systolic.AllocCoefficientsOp):
            if op.address is None:
                raise LoweringError.at(op, "has no address: run systolic-allocate-sram first")
            bank_type = _memory_type(op.results[0])
            address = self.sram_base[bank_type.bank.data] + op.address.value.data
            for result in op.results:
                self.addresses[result] = address
                address += _memory_type(result).words
            name = f"buf{len(self.builder.symbols)}"
            self.builder.sram(
                name, self.addresses[op.results[0]], (address - self.addresses[op.results[0]],)
            )
        elif isinstance(op, systolic.AllocDramOp) and op.tensor not in self.addresses:
            # results and intermediates are placed up front (lower_entry, place_intermediates)
            raise LoweringError.at(op, "is not in the entry function's block or a region of it")
        elif isinstance(op, systolic.ConstantOp) and op.tensor not in self.addresses:
            self.addresses[op.tensor] = self.builder.const(
                f"c{len(self.builder.symbols)}", _dense_value(op.value)
            ).address

    def emit_block(self, ops: Iterator[Operation]) -> None:
        for op in ops:
            self.declare(op)
            self.emit(op)

    def emit(self, op: Operation) -> None:
        emit = self.builder.emit
        if isinstance(op, systolic.ConfigureOp):
            config = op.config
            emit("cfg", config.mode.data, config.dataflow.data, config.seg.data)
            self.emit_block(iter(op.body.block.ops))
        elif isinstance(op, systolic.ChunkLoopOp):
            self.emit_loop(op)
        elif isinstance(op, systolic.LoadOp | systolic.StoreOp):
            rows, cols = _ints(op.sizes)
            src, src_stride = self.window(
                op, (op.src, _ints(op.src_offsets), _ints(op.src_step)), op.src_row_stride
            )
            dst, dst_stride = self.window(
                op, (op.dst, _ints(op.dst_offsets), _ints(op.dst_step)), op.dst_row_stride
            )
            mnemonic = "load" if isinstance(op, systolic.LoadOp) else "store"
            emit(mnemonic, dst, src, rows, cols * _element_words(op.src), dst_stride, src_stride)
        elif isinstance(op, systolic.PreloadCoefficientsOp):
            block = op.abar.owner
            assert isinstance(block, systolic.AllocCoefficientsOp)
            emit(
                "ldc",
                op.slot.value.data,
                Mem(0, self.address(op.abar)),
                block.channels,
                block.modes,
            )
        elif isinstance(op, systolic.PreloadTileOp):
            rows, cols = _ints(op.sizes)
            src, stride = self.window(op, (op.src, _ints(op.offsets), _ints(op.step)))
            transpose = op.transpose is not None
            tile_rows, tile_cols = (cols, rows) if transpose else (rows, cols)
            emit("ldw", op.slot.value.data, src, tile_rows, tile_cols, stride, trans=int(transpose))
        elif isinstance(op, systolic.StreamOp):
            steps, _channels = _ints(op.sizes)
            src, src_stride = self.window(op, (op.src, _ints(op.src_offsets), _ints(op.src_step)))
            dst, dst_stride = self.window(op, (op.dst, _ints(op.dst_offsets), _ints(op.dst_step)))
            emit(
                "lima",
                op.slot.value.data,
                dst,
                src,
                steps,
                dst_stride,
                src_stride,
                reset=int(op.reset is not None),
                acc=int(op.accumulate is not None),
            )
        elif isinstance(op, systolic.SelectiveDiscretizeOp):
            steps, channels, modes = _ints(op.sizes)
            delta, delta_stride = self.window(
                op, (op.delta, _ints(op.delta_offsets), _ints(op.delta_step))
            )
            a, a_stride = self.window(op, (op.a, _ints(op.a_offsets), _ints(op.a_step)))
            dst, _ = self.window(op, (op.dst, _ints(op.dst_offsets), _ints(op.dst_step)))
            emit("vdexp", dst, delta, a, steps, channels, modes, delta_stride, a_stride)
        elif isinstance(op, systolic.SelectiveStreamOp):
            steps, channels, modes = _ints(op.sizes)
            src, src_stride = self.window(op, (op.src, _ints(op.src_offsets), _ints(op.src_step)))
            dst, _ = self.window(op, (op.dst, _ints(op.dst_offsets), _ints(op.dst_step)))
            abar, _ = self.window(op, (op.abar, _ints(op.abar_offsets), _ints(op.abar_step)))
            bc, bc_stride = self.window(op, (op.bc, _ints(op.bc_offsets), _ints(op.bc_step)))
            emit(
                "lsel",
                dst,
                src,
                abar,
                bc,
                steps,
                channels,
                modes,
                src_stride,
                bc_stride,
                reset=int(op.reset is not None),
                acc=int(op.accumulate is not None),
            )
        elif isinstance(op, systolic.MatmulTileOp):
            self.emit_matmul(op)
        elif isinstance(op, systolic.VectorOp):
            self.emit_vector(op)

    def emit_matmul(self, op: systolic.MatmulTileOp) -> None:
        dst, dst_stride = self.window(op, (op.dst, _ints(op.dst_offsets), _ints(op.dst_step)))
        a, a_stride = (
            (Mem(0, 0), 0)
            if op.a is None
            else self.window(op, (op.a, _ints(op.a_offsets), _ints(op.a_step)), op.a_row_stride)
        )
        b, b_stride = (
            (Mem(0, 0), 0)
            if op.b is None
            else self.window(op, (op.b, _ints(op.b_offsets), _ints(op.b_step)), op.b_row_stride)
        )
        self.builder.emit(
            "mm",
            0 if op.slot is None else op.slot.value.data,
            dst,
            a,
            b,
            op.m.value.data,
            op.n.value.data,
            op.k.value.data,
            dst_stride,
            a_stride,
            b_stride,
            acc=int(op.accumulate is not None),
            tout=int(op.transpose_out is not None),
        )

    def emit_vector(self, op: systolic.VectorOp) -> None:
        function = op.function.data
        rows, cols = _ints(op.sizes)
        dst, dst_stride = self.window(op, (op.dst, _ints(op.dst_offsets), _ints(op.dst_step)))
        a, a_stride = self.window(op, (op.a, _ints(op.a_offsets), _ints(op.a_step)))
        a_stride, a_flag = _broadcast(op.a_broadcast.data, a_stride)
        fields: dict[str, object] = {"dst": dst, "a": a, "rows": rows, "cols": cols}
        if op.imm is not None:
            fields["fimm"] = op.imm.value.data
        if function in ("rsum", "csum"):
            fields["acc"] = int(op.accumulate is not None)
            fields["fimm"] = fields.get("fimm", 1.0)
        if function != "csum":
            fields["dst_stride"] = dst_stride
        fields["a_stride"] = a_stride
        if op.b is not None:
            b, b_stride = self.window(op, (op.b, _ints(op.b_offsets), _ints(op.b_step)))
            b_stride, b_flag = _broadcast(op.b_broadcast.data, b_stride)
            fields |= {"b": b, "b_stride": b_stride, "abc": a_flag, "bbc": b_flag}
        self.builder.emit(f"v{function}", **fields)  # type: ignore[arg-type]

    def emit_loop(self, op: systolic.ChunkLoopOp) -> None:
        loop = _Loop()
        self.loops.append(loop)
        start = len(self.builder.words)
        self.builder.emit("loop", count=op.count.value.data, len=0, ra=0, sa=0, rb=0, sb=0)
        self.emit_block(iter(op.body.block.ops))
        self.loops.pop()
        advances = list(loop.registers.items())
        for (advance, _), register in advances[2:]:
            self.builder.emit("addi", register, register, advance)
        # each register starts at its initial value; the first two advance with the loop itself
        setup = [("li", register, initial) for (_, initial), register in advances]
        strides = {}
        for slot, ((advance, _), register) in zip(("a", "b"), advances[:2], strict=False):
            strides[f"r{slot}"], strides[f"s{slot}"] = register, advance
        body = len(self.builder.words) - start - 1
        self.builder.words[start] = encode(
            "loop",
            {"count": op.count.value.data, "len": body, "ra": 0, "sa": 0, "rb": 0, "sb": 0}
            | strides,
        )
        for index, (mnemonic, register, value) in enumerate(setup):
            self.builder.words.insert(
                start + index, encode(mnemonic, {"rd": register, "imm": value})
            )
        self.free_registers.extend(register for _, register in advances)


def _broadcast(kind: str, stride: int) -> tuple[int, int]:
    """(row stride, column-broadcast flag) of a vector operand broadcast as `kind`."""
    return {"none": (stride, 0), "row": (0, 0), "col": (stride, 1), "scalar": (0, 1)}[kind]


def _dtype(value: SSAValue) -> str:
    return "c64" if _element_words(value) == 2 else "f32"


def _dense_value(value: DenseIntOrFPElementsAttr) -> np.ndarray:
    dtype = np.complex64 if isinstance(value.get_element_type(), ComplexType) else np.float32
    shape = tuple(value.get_shape())
    data = np.frombuffer(value.data.data, dtype)
    if data.size == 1 and math.prod(shape) != 1:  # a splat stores one element
        return np.full(shape, data[0], dtype)
    return data.reshape(shape).copy()


def _dram_limit(entry: func.FuncOp) -> tuple[int, str]:
    """The DRAM words a program may address on the module's machine, and how to name them."""
    register = f"the {ADDRESS_REGISTER_LIMIT} words a 32-bit address register reaches"
    machine = module_machine(module_of(entry))
    if machine is None:  # hand-written systolic IR naming no machine: the ISA's limit applies
        return ADDRESS_REGISTER_LIMIT, register
    if machine.dram_words >= ADDRESS_REGISTER_LIMIT:
        return ADDRESS_REGISTER_LIMIT, register
    mib = machine.dram_words * 4 / 2**20
    return machine.dram_words, f"the {machine.dram_words} words ({mib:g} MiB) of '{machine.name}'"


def place_intermediates(
    entry: func.FuncOp, builder: ProgramBuilder, addresses: dict[SSAValue, int]
) -> None:
    """Place every DRAM intermediate in one pool after the fixed tensors, sharing by liveness.

    One DRAM symbol per region of the pool (dram_allocation.regions): of the tensors' shape and
    type when they all start there and agree on both (a tensor that shares no space, or a slot
    that tensors of one type take turns in); otherwise a 1-D f32 symbol of the region's words.
    """
    limit, capacity = _dram_limit(entry)
    if builder.dram_next > limit:
        raise LoweringError.at(
            entry,
            f"needs {builder.dram_next} words of DRAM for its arguments, results and "
            f"constants, beyond {capacity}",
        )
    allocs = dram_allocation.intermediates(entry)
    tensors = [op.tensor for op in allocs]
    intervals = dram_allocation.live_ranges(entry.body.block, tensors)
    offsets = dram_allocation.allocate(intervals, DRAM_ALIGNMENT)
    base = builder.dram_next
    for index in sorted(range(len(allocs)), key=lambda i: (intervals[i].first, i)):
        end = base + offsets[index] + intervals[index].words
        if end > limit:
            live = [i for i in intervals if i.overlaps(intervals[index])]
            raise LoweringError.at(
                allocs[index],
                f"needs DRAM words up to {end}, beyond {capacity}: the arguments, results "
                f"and constants take {base} words, and {len(live)} intermediates of "
                f"{sum(i.words for i in live)} words (this one included) are live during "
                "its lifetime",
            )
    base = builder.reserve(dram_allocation.pool_words(intervals, offsets, DRAM_ALIGNMENT))
    for region in dram_allocation.regions(intervals, offsets):
        name = f"t{len(builder.symbols)}"
        kinds = {
            (offsets[i], _memory_type(tensors[i]).get_shape(), _dtype(tensors[i]))
            for i in region.members
        }
        if len(kinds) == 1:  # one tensor, or tensors of one type taking turns in one slot
            _, shape, dtype = kinds.pop()
        else:
            shape, dtype = (region.end - region.start,), "f32"
        builder.dram(name, shape, dtype, address=base + region.start)
    for tensor, offset in zip(tensors, offsets, strict=True):
        addresses[tensor] = base + offset


def lower_entry(module: ModuleOp) -> Program:
    """The program of the module's entry function (SPEC's rule: @main, or the one public func)."""
    entry = find_entry(module)
    target = target_of(entry)
    builder = ProgramBuilder()
    sram_base = {name: target.bank_base(name) for name, _ in target.banks}
    emitter = _Emitter(builder, sram_base)
    block = entry.body.block
    for index, argument in enumerate(block.args):
        emitter.addresses[argument] = builder.arg(
            f"arg{index}", _memory_type(argument).get_shape(), _dtype(argument)
        ).address
    # constants first, so the data segment is one contiguous run (not spanning intermediates)
    for op in entry.walk():
        if isinstance(op, systolic.ConstantOp):
            emitter.declare(op)
    returned = next(op for op in block.ops if isinstance(op, func.ReturnOp))
    for index, value in enumerate(returned.arguments):
        if not isinstance(value.owner, systolic.AllocDramOp) or value in emitter.addresses:
            raise LoweringError.at(
                returned, f"result {index} must be a DRAM tensor the program writes, once"
            )
        emitter.addresses[value] = builder.result(
            f"res{index}", _memory_type(value).get_shape(), _dtype(value)
        ).address
    place_intermediates(entry, builder, emitter.addresses)
    emitter.emit_block(iter(block.ops))
    builder.emit("halt")
    return builder.build()


@dataclass(frozen=True)
class ConvertSystolicToEpochPass(ModulePass):
    """Select one instruction per systolic op and place every buffer and tensor.

    #### Input invariant
    The entry function is at the systolic level (no tensor ops left, no casts), and every SRAM
    buffer has an address (`systolic-allocate-sram`).
    #### Output IR
    An `epoch.program`: symbols for the entry's arguments (arg0...), results (res0...),
    constants, DRAM intermediates (one symbol per region of the liveness-shared pool) and SRAM
    buffers, then the instructions, `halt` last.
    """

    name = "convert-systolic-to-epoch"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for nested in op.walk():
            if (
                nested.name.startswith(("ssm.", "nn."))
                or nested.name == "builtin.unrealized_conversion_cast"
            ):
                raise LoweringError.at(nested, "was not lowered to the systolic level")
        lowered = program_to_module(lower_entry(op))
        for child in list(op.body.block.ops):
            child.detach()
            child.erase()
        for child in list(lowered.body.block.ops):
            child.detach()
            op.body.block.add_op(child)
        machine = op.attributes.get(MACHINE_ATTRIBUTE)
        op.attributes.clear()
        if machine is not None:  # the program file records it
            op.attributes[MACHINE_ATTRIBUTE] = machine
