"""Where every buffer and tensor lives: the word address of each systolic storage value.

DRAM, in this order: the entry's arguments (`arg0`...), its constants (`c<n>`, one contiguous
data segment), its results (`res0`...), each in its own aligned block, then one pool shared by
the intermediates by liveness (dram_allocation.py; one `t<n>` symbol per region of the pool).
SRAM: each buffer at its bank's base plus the `at` that systolic-allocate-sram gave it, one
`buf<n>` symbol per allocation, in program order. The symbols become the program's symbol table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import ComplexType, DenseIntOrFPElementsAttr, i32
from xdsl.ir import Operation, SSAValue

from epoch_mlir.conversions.convert_systolic_to_epoch import dram_allocation
from epoch_mlir.conversions.convert_systolic_to_epoch.selection import element_words
from epoch_mlir.conversions.systolic_common.lowering import LoweringError, target_of
from epoch_mlir.dialects import systolic
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine

ADDRESS_REGISTER_LIMIT = 1 << 31  # li takes a signed 32-bit immediate
DRAM_ALIGNMENT = 16  # words, as the program builder aligns every DRAM block


@dataclass(frozen=True)
class Layout:
    """The address of every storage value, and the program's symbols and data segment (as a
    `Program` with no instructions yet)."""

    addresses: dict[SSAValue, int]
    program: Program


def memory_type(value: SSAValue) -> systolic.DramType | systolic.SramType:
    assert isinstance(value.type, systolic.DramType | systolic.SramType)
    return value.type


def _dtype(value: SSAValue) -> str:
    if memory_type(value).element_type == i32:
        return "i32"
    return "c64" if element_words(value) == 2 else "f32"


def _dense_value(value: DenseIntOrFPElementsAttr) -> np.ndarray:
    dtype = np.complex64 if isinstance(value.get_element_type(), ComplexType) else np.float32
    shape = tuple(value.get_shape())
    data = np.frombuffer(value.data.data, dtype)
    if data.size == 1 and math.prod(shape) != 1:  # a splat stores one element
        return np.full(shape, data[0], dtype)
    return data.reshape(shape).copy()


def lay_out(entry: func.FuncOp, machine: Machine | None) -> Layout:
    """Place the entry function's storage (SPEC's entry: @main, or the one public func)."""
    builder = ProgramBuilder(DRAM_ALIGNMENT)
    addresses: dict[SSAValue, int] = {}
    block = entry.body.block
    for index, argument in enumerate(block.args):
        addresses[argument] = builder.arg(
            f"arg{index}", memory_type(argument).get_shape(), _dtype(argument)
        ).address
    # constants first, so the data segment is one contiguous run (not spanning intermediates)
    for op in entry.walk():
        if isinstance(op, systolic.ConstantOp):
            addresses[op.tensor] = builder.const(
                f"c{len(builder.symbols)}", _dense_value(op.value)
            ).address
    returned = next(op for op in block.ops if isinstance(op, func.ReturnOp))
    for index, value in enumerate(returned.arguments):
        if not isinstance(value.owner, systolic.AllocDramOp) or value in addresses:
            raise LoweringError.at(
                returned, f"result {index} must be a DRAM tensor the program writes, once"
            )
        addresses[value] = builder.result(
            f"res{index}", memory_type(value).get_shape(), _dtype(value)
        ).address
    _place_intermediates(entry, machine, builder, addresses)
    _place_buffers(entry, builder, addresses)
    return Layout(addresses, builder.build())


def _dram_limit(machine: Machine | None) -> tuple[int, str]:
    """The DRAM words a program may address on the machine, and how to name them."""
    register = f"the {ADDRESS_REGISTER_LIMIT} words a 32-bit address register reaches"
    if machine is None or machine.dram_words >= ADDRESS_REGISTER_LIMIT:
        return ADDRESS_REGISTER_LIMIT, register
    mib = machine.dram_words * 4 / 2**20
    return machine.dram_words, f"the {machine.dram_words} words ({mib:g} MiB) of '{machine.name}'"


def _place_intermediates(
    entry: func.FuncOp,
    machine: Machine | None,
    builder: ProgramBuilder,
    addresses: dict[SSAValue, int],
) -> None:
    """Place every DRAM intermediate in one pool after the fixed tensors, sharing by liveness.

    One DRAM symbol per region of the pool (dram_allocation.regions): of the tensors' shape and
    type when they all start there and agree on both (a tensor that shares no space, or a slot
    that tensors of one type take turns in); otherwise a 1-D f32 symbol of the region's words.
    """
    limit, capacity = _dram_limit(machine)
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
            (offsets[i], memory_type(tensors[i]).get_shape(), _dtype(tensors[i]))
            for i in region.members
        }
        if len(kinds) == 1:  # one tensor, or tensors of one type taking turns in one slot
            _, shape, dtype = kinds.pop()
        else:
            shape, dtype = (region.end - region.start,), "f32"
        builder.dram(name, shape, dtype, address=base + region.start)
    for tensor, offset in zip(tensors, offsets, strict=True):
        addresses[tensor] = base + offset


def _place_buffers(
    entry: func.FuncOp, builder: ProgramBuilder, addresses: dict[SSAValue, int]
) -> None:
    """SRAM buffers at their bank's base plus `at`; DRAM tensors outside the entry's block or
    its regions are refused (nothing could have placed them)."""
    target = target_of(entry)
    sram_base = {name: target.bank_base(name) for name, _ in target.banks}
    for op in entry.walk():
        if isinstance(op, systolic.AllocOp | systolic.AllocCoefficientsOp):
            _place_buffer(op, sram_base, builder, addresses)
        elif isinstance(op, systolic.AllocDramOp) and op.tensor not in addresses:
            raise LoweringError.at(op, "is not in the entry function's block or a region of it")


def _place_buffer(
    op: Operation,
    sram_base: dict[str, int],
    builder: ProgramBuilder,
    addresses: dict[SSAValue, int],
) -> None:
    assert isinstance(op, systolic.AllocOp | systolic.AllocCoefficientsOp)
    if op.address is None:
        raise LoweringError.at(op, "has no address: run systolic-allocate-sram first")
    buffer = op.results[0].type
    assert isinstance(buffer, systolic.SramType)
    start = address = sram_base[buffer.bank.data] + op.address.value.data
    for result in op.results:
        addresses[result] = address
        address += memory_type(result).words
    builder.sram(f"buf{len(builder.symbols)}", start, (address - start,))
