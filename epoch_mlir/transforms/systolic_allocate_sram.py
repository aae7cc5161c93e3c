"""systolic-allocate-sram: give every SRAM buffer an address in its bank, reusing dead space."""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import IntegerAttr, ModuleOp, i64
from xdsl.ir import Block, Operation
from xdsl.passes import ModulePass

from epoch_mlir.conversions.systolic_common.lowering import (
    SRAM_ALIGNMENT,
    LoweringError,
    target_of,
)
from epoch_mlir.dialects.systolic import AllocCoefficientsOp, AllocOp, SramType

ALIGNMENT = SRAM_ALIGNMENT

Alloc = AllocOp | AllocCoefficientsOp


def _words(op: Alloc) -> int:
    if isinstance(op, AllocCoefficientsOp):
        return op.words
    buffer_type = op.buffer.type
    assert isinstance(buffer_type, SramType)
    return buffer_type.words


def _bank(op: Alloc) -> str:
    buffer_type = op.results[0].type
    assert isinstance(buffer_type, SramType)
    return buffer_type.bank.data


def _live_ranges(block: Block) -> list[tuple[int, int, Alloc]]:
    """(first, last) op positions during which each buffer of `block`'s subtree is in use.

    A use inside a loop keeps the buffer alive until the end of the outermost loop that
    encloses the use but not the allocation: later iterations use it again.
    """
    order: dict[Operation, int] = {}
    last_nested: dict[Operation, int] = {}
    for op in block.walk():
        order[op] = len(order)
    for op in reversed(list(order)):
        nested = [last_nested[child] for region in op.regions for child in region.walk()]
        last_nested[op] = max([order[op], *nested])
    ranges = []
    for op in order:
        if not isinstance(op, AllocOp | AllocCoefficientsOp):
            continue
        end = order[op]
        for result in op.results:
            for use in result.uses:
                anchor = use.operation
                while anchor.parent_block() is not op.parent_block():
                    parent = anchor.parent_op()
                    if parent is None:
                        break
                    anchor = parent
                end = max(end, last_nested.get(anchor, order[use.operation]))
        ranges.append((order[op], end, op))
    return ranges


@dataclass(frozen=True)
class SystolicAllocateSramPass(ModulePass):
    """Assign each `systolic.alloc` / `alloc_coefficients` without `at` a word offset in its bank.

    #### Input invariant
    systolic IR whose buffers may lack addresses; the module names a `systolic.target`.
    #### Output IR
    Every buffer has `at`; buffers alive at the same time never overlap (first fit, by
    liveness in program order); a bank too small for what is live at once is an error at the
    buffer that does not fit.
    """

    name = "systolic-allocate-sram"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for function in op.body.block.ops:
            for region in function.regions:
                for block in region.blocks:
                    self._allocate(block)

    def _allocate(self, block: Block) -> None:
        busy: dict[str, list[tuple[int, int, int]]] = {}  # bank -> (start, end, last use)
        for first, last, alloc in sorted(_live_ranges(block), key=lambda item: item[0]):
            bank = _bank(alloc)
            size = _words(alloc)
            capacity = target_of(alloc).bank_size(bank) or 0
            live = [entry for entry in busy.get(bank, []) if entry[2] >= first]
            if alloc.address is not None:
                address = alloc.address.value.data
            else:
                address = _first_fit(live, size, capacity)
                if address is None:
                    used = sum(end - start for start, end, _ in live)
                    raise LoweringError.at(
                        alloc,
                        f"SRAM bank '{bank}' cannot hold this {size}-word buffer: "
                        f"{used} of its {capacity} words are in use by live buffers",
                    )
                alloc.address = IntegerAttr(address, i64)
            busy[bank] = [*live, (address, address + size, last)]


def _first_fit(live: list[tuple[int, int, int]], size: int, capacity: int) -> int | None:
    candidate = 0
    for start, end, _ in sorted(live):
        if candidate + size <= start:
            return candidate
        candidate = max(candidate, -(-end // ALIGNMENT) * ALIGNMENT)
    return candidate if candidate + size <= capacity else None
