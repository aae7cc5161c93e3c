"""Run statistics: the counters the core accumulates, and the `Stats` made from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from epoch_mlir.emulator.timing import TIMELINES
from epoch_mlir.machine import WORD_BYTES, Machine
from epoch_mlir.stats import Stats


@dataclass
class Counters:
    """Raw event counts of one run."""

    cycles: int = 0
    instructions: int = 0
    macs: int = 0
    pe_cycles: int = 0
    fp_adds: int = 0
    fp_muls: int = 0
    dram_read_words: int = 0
    dram_write_words: int = 0
    sram_read_words: int = 0
    sram_write_words: int = 0
    busy: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TIMELINES, 0))
    by_mnemonic: dict[str, int] = field(default_factory=dict)
    busy_by_mnemonic: dict[str, dict[str, int]] = field(default_factory=dict)  # unit -> ...


def energy_breakdown(counters: Counters, machine: Machine) -> dict[str, float]:
    """Picojoules per component, from the machine's energy table."""
    energy = machine.energy
    sram_bytes = (counters.sram_read_words + counters.sram_write_words) * WORD_BYTES
    dram_bytes = (counters.dram_read_words + counters.dram_write_words) * WORD_BYTES
    return {
        "array": counters.macs * energy.mac_pj,
        "vector": counters.fp_adds * energy.fp_add_pj + counters.fp_muls * energy.fp_mul_pj,
        "sram": sram_bytes * energy.sram_byte_pj,
        "dram": dram_bytes * energy.dram_byte_pj,
        "leakage": counters.cycles * machine.rows * machine.cols * energy.leakage_pj_per_pe_cycle,
    }


def collect_stats(counters: Counters, machine: Machine, ideal_memory: bool) -> Stats:
    """The run's statistics from its counters and the machine's energy table."""
    array_capacity = machine.rows * machine.cols * max(counters.cycles, 1)
    breakdown = energy_breakdown(counters, machine)
    busy = {unit: counters.busy[unit] for unit in ("array", "vector", "dma")}
    if machine.preload_overlap:
        busy["preload"] = counters.busy["preload"]
    return Stats(
        cycles=counters.cycles,
        macs=counters.macs,
        pe_utilization=counters.macs / array_capacity,
        pe_occupancy=counters.pe_cycles / array_capacity,
        instructions=counters.instructions,
        dram_read_bytes=counters.dram_read_words * WORD_BYTES,
        dram_write_bytes=counters.dram_write_words * WORD_BYTES,
        sram_read_bytes=counters.sram_read_words * WORD_BYTES,
        sram_write_bytes=counters.sram_write_words * WORD_BYTES,
        energy_pj=sum(breakdown.values()),
        energy_breakdown_pj=breakdown,
        unit_busy_cycles=busy,
        latency_us=counters.cycles / (machine.clock_ghz * 1e3),
        instructions_by_mnemonic=dict(sorted(counters.by_mnemonic.items())),
        unit_busy_cycles_by_mnemonic={
            unit: dict(sorted(counters.busy_by_mnemonic.get(unit, {}).items())) for unit in busy
        },
        ideal_memory=ideal_memory,
        hw=machine.summary(),
    )
