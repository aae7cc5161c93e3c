"""The cost model of the conversions into systolic: what a systolic op costs on the machine.

Each op is priced by the cycle formula of the instruction it becomes (isa/table.py), through the
one instruction selection of convert-systolic-to-epoch (selection.py), as the emulator times
that instruction. Chunk-length and mapping choices (ProDF streams, conventional scans, the
convolution mode) compare these figures.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable
from types import CodeType
from typing import Any

from xdsl.ir import Operation

from epoch_mlir.conversions.convert_systolic_to_epoch.selection import select
from epoch_mlir.dialects.systolic import ArrayConfigAttr, ChunkLoopOp, ConfigureOp
from epoch_mlir.isa.encoding import FORMULA_FUNCTIONS
from epoch_mlir.isa.table import INSTRUCTIONS, Instr
from epoch_mlir.machine import Machine

ROWS: dict[str, Instr] = {row.mnemonic: row for row in INSTRUCTIONS}


def instruction_cycles(
    mnemonic: str, machine: Machine, config: ArrayConfigAttr | None = None, **fields: Any
) -> int:
    """Cycles of one instruction by its row's formula, on `machine` with real DRAM timing."""
    row = ROWS[mnemonic]
    segment = config.segment_rows(machine.rows) if config is not None else machine.rows
    env: dict[str, Any] = {
        "R": machine.rows,
        "C": machine.cols,
        "S": segment,
        "G": machine.rows // segment,
        "df": config.dataflow.data if config is not None else "ws",
        "lanes": machine.vector_lanes,
        "dram_latency": machine.dram_latency_cycles,
        "dram_bw": machine.dram_bandwidth_bytes_per_cycle,
        "lat": machine.vector_latency[row.latency_class] if row.latency_class else 0,
        **fields,
    }
    return int(eval(_formula(mnemonic), dict(FORMULA_FUNCTIONS), env))


@functools.cache
def _formula(mnemonic: str) -> CodeType:
    """The row's cycle formula, compiled once (cost models evaluate it many times)."""
    return compile(ROWS[mnemonic].cycles, f"<cycles of {mnemonic}>", "eval")


def unit_cycles(
    ops: Iterable[Operation], machine: Machine, config: ArrayConfigAttr | None = None
) -> Counter[str]:
    """Busy cycles per unit (dma, array, vector) of `ops`, loops counted in full."""
    totals: Counter[str] = Counter()
    for op in ops:
        if isinstance(op, ChunkLoopOp):
            inner = unit_cycles(op.body.block.ops, machine, config)
            for unit, cycles in inner.items():
                totals[unit] += op.count.value.data * cycles
        elif isinstance(op, ConfigureOp):
            totals += unit_cycles(op.body.block.ops, machine, op.config)
        elif (selection := select(op)) is not None:
            mnemonic, fields = selection.mnemonic, selection.fields
            totals[ROWS[mnemonic].unit] += instruction_cycles(mnemonic, machine, config, **fields)
    return totals


def estimate_cycles(
    ops: Iterable[Operation], machine: Machine, config: ArrayConfigAttr | None = None
) -> int:
    """The busiest unit's cycles: the units overlap, so this is what the work costs at least."""
    return max(unit_cycles(ops, machine, config).values(), default=0)
