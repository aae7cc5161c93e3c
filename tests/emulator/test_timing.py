"""Cycle formulas against hand counts, unit concurrency and dependencies, stats and energy.

Hand counts use the presets' numbers, spelled out here so that a change to a formula or a preset
shows up as a failing literal:
  tiny:  R = C = 4, lanes 4, DRAM latency 20 cycles, 16 bytes/cycle
  small: R = 8, C = 4, lanes 4, DRAM latency 50 cycles, 64 bytes/cycle
  vector latencies (both): add 2, mul 3, div 8, exp 8, gelu 12, silu 10, sigmoid 10,
  softplus 10, rsqrt 8, relu 1, copy 1, reduce 4
  energy (pJ): fp add 0.9, fp mul 3.7, SRAM byte 1.25, DRAM byte 160, leakage 0.01 per PE-cycle
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from click.testing import CliRunner

from epoch_mlir.emulator.trace import Slice
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.fields import Mem
from epoch_mlir.isa.table import BY_MNEMONIC, INSTRUCTIONS
from epoch_mlir.kernels.gemm import gemm_program
from epoch_mlir.machine import Machine
from epoch_mlir.stats import Stats

if TYPE_CHECKING:
    from tests.emulator.conftest import EmulatorHarness

P0, P1, P2 = 0, 100, 200  # disjoint SRAM regions (input bank)


def _slices(trace: list[Slice] | None) -> dict[str, list[tuple[int, int]]]:
    """(start, duration) of every executed instruction, by mnemonic, in program order."""
    assert trace is not None
    table: dict[str, list[tuple[int, int]]] = {}
    for _, mnemonic, _, start, duration in trace:
        table.setdefault(mnemonic, []).append((start, duration))
    return table


def _run(
    emu: EmulatorHarness,
    machine: Machine,
    body: Callable[[ProgramBuilder], None],
    *,
    ideal_memory: bool,
    inputs: list[np.ndarray] | None = None,
) -> tuple[dict[str, Any], dict[str, list[tuple[int, int]]]]:
    result = emu.run(body, machine, inputs, ideal_memory=ideal_memory, trace=True)
    return result.stats, _slices(result.trace)


# ------------------------------------------------------------------------------------ DMA
@pytest.mark.parametrize(
    ("preset", "rows", "cols", "cycles"),
    [
        ("tiny", 1, 1, 20 + 1),  # 4 bytes at 16 bytes/cycle: ceil(0.25) = 1
        ("tiny", 3, 5, 20 + 4),  # 60 bytes: ceil(3.75) = 4
        ("tiny", 4, 16, 20 + 16),  # 256 bytes: exactly 16
        ("tiny", 2, 9, 20 + 5),  # 72 bytes: ceil(4.5) = 5
        ("small", 3, 5, 50 + 1),  # 60 bytes at 64 bytes/cycle
        ("small", 8, 33, 50 + 17),  # 1056 bytes: ceil(16.5) = 17
    ],
)
def test_dma_cycles_are_latency_plus_bytes_over_bandwidth(
    emu: EmulatorHarness,
    tiny: Machine,
    small: Machine,
    preset: str,
    rows: int,
    cols: int,
    cycles: int,
) -> None:
    machine = {"tiny": tiny, "small": small}[preset]
    assert cycles == machine.dram_latency_cycles + -(
        -4 * rows * cols // int(machine.dram_bandwidth_bytes_per_cycle)
    )

    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (rows, cols))
        y = builder.result("y", (rows, cols))
        builder.emit("load", P0, x, rows, cols, cols + 3, cols)  # strides do not matter
        builder.emit("store", y, P0, rows, cols, cols, cols + 3)
        builder.emit("halt")

    x = np.ones((rows, cols), np.float32)
    stats, slices = _run(emu, machine, body, ideal_memory=False, inputs=[x])
    busy = cycles - machine.dram_latency_cycles  # the engine is free again after the bytes move
    assert slices["load"] == [(0, busy)]
    assert slices["store"] == [(cycles, busy)]  # RAW: waits until the loaded data is visible
    assert stats.cycles == 2 * cycles  # the stored data is visible a latency later
    assert stats.unit_busy_cycles == {"array": 0, "vector": 0, "dma": 2 * busy}


def test_ideal_memory_makes_dma_free(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (8, 8))
        y = builder.result("y", (8, 8))
        builder.emit("load", P0, x, 8, 8, 8, 8)
        builder.emit("vaddi", P1, P0, 1.0, 8, 8, 8, 8)
        builder.emit("store", y, P1, 8, 8, 8, 8)
        builder.emit("halt")

    x = np.ones((8, 8), np.float32)
    ideal, slices = _run(emu, tiny, body, ideal_memory=True, inputs=[x])
    assert slices["load"] == [(0, 0)]
    assert slices["store"] == [(18, 0)]
    assert ideal.unit_busy_cycles["dma"] == 0
    assert ideal.cycles == 2 + 16  # the vaddi alone: add latency + 64 / 4 lanes
    assert ideal.ideal_memory is True
    real, _ = _run(emu, tiny, body, ideal_memory=False, inputs=[x])
    assert real.unit_busy_cycles["dma"] == 2 * 16  # bytes / bandwidth; latency overlaps
    assert real.cycles == 36 + 18 + 36
    assert real.ideal_memory is False
    # traffic is counted either way
    assert ideal.dram_read_bytes == real.dram_read_bytes == 256


def test_cli_ideal_memory_flag(emu: EmulatorHarness, tmp_path: Path) -> None:
    """`epoch run --ideal-memory`: zero DMA cycles in the stats file (SPEC.md)."""
    from epoch_mlir.cli.main import cli

    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (4, 4))
        y = builder.result("y", (4, 4))
        builder.emit("load", P0, x, 4, 4, 4, 4)
        builder.emit("store", y, P0, 4, 4, 4, 4)
        builder.emit("halt")

    program = tmp_path / "copy.epb"
    emu.program(body).save(program)
    np.savez(tmp_path / "in.npz", arg0=np.ones((4, 4), np.float32))
    for flag, dma_cycles in (["--ideal-memory"], 0), ([], 2 * 4):
        stats = tmp_path / f"stats{len(flag)}.json"
        arguments = ["run", str(program), "--hw", "tiny", "--inputs", str(tmp_path / "in.npz")]
        result = CliRunner().invoke(cli, [*arguments, "--stats", str(stats), *flag])
        assert result.exit_code == 0, result.output
        assert json.loads(stats.read_text())["unit_busy_cycles"]["dma"] == dma_cycles


# ---------------------------------------------------------------------------------- array
@pytest.mark.parametrize(
    ("preset", "dataflow", "m", "n", "k", "ldw", "mm"),
    [
        # ws: ldw = R; mm = R + C + m - 2
        ("tiny", "ws", 5, 4, 4, 4, 4 + 4 + 5 - 2),
        ("tiny", "ws", 1, 2, 3, 4, 4 + 4 + 1 - 2),  # partial tile: still the full array's fill
        ("small", "ws", 10, 3, 8, 8, 8 + 4 + 10 - 2),
        # is: mm = R + C + n - 2
        ("tiny", "is", 4, 7, 4, 4, 4 + 4 + 7 - 2),
        ("small", "is", 2, 1, 5, 8, 8 + 4 + 1 - 2),
        # os: no preload; mm = R + C + k - 2
        ("tiny", "os", 4, 4, 9, None, 4 + 4 + 9 - 2),
        ("small", "os", 3, 2, 1, None, 8 + 4 + 1 - 2),
    ],
)
def test_gemm_fold_cycles(
    emu: EmulatorHarness,
    tiny: Machine,
    small: Machine,
    preset: str,
    dataflow: str,
    m: int,
    n: int,
    k: int,
    ldw: int | None,
    mm: int,
) -> None:
    machine = {"tiny": tiny, "small": small}[preset]

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", dataflow, 0)
        if dataflow == "ws":
            builder.emit("ldw", 0, P0, k, n, n)
        elif dataflow == "is":
            builder.emit("ldw", 0, P0, k, m, m)
        builder.emit("mm", 0, P2, P0, P1, m, n, k, n, k, k)
        builder.emit("halt")

    stats, slices = _run(emu, machine, body, ideal_memory=True)
    assert slices["cfg"] == [(0, 0)]
    if ldw is None:
        assert "ldw" not in slices
        assert slices["mm"] == [(0, mm)]
    else:
        assert slices["ldw"] == [(0, ldw)]
        assert slices["mm"] == [(ldw, mm)]
    total = mm + (ldw or 0)
    assert stats.cycles == total
    assert stats.macs == m * n * k
    assert stats.unit_busy_cycles["array"] == total
    assert stats.pe_utilization == pytest.approx(m * n * k / (machine.rows * machine.cols * total))


@pytest.mark.parametrize(
    ("dataflow", "m", "k", "n", "cycles"),
    [
        # ws: folds over (k/R) x (n/C), each ldw R + mm R + C + m - 2
        ("ws", 6, 4, 4, 1 * (4 + 4 + 4 + 6 - 2)),
        ("ws", 6, 5, 6, 4 * (4 + 4 + 4 + 6 - 2)),  # partial folds in k and n
        ("is", 3, 9, 5, 3 * (4 + 4 + 4 + 5 - 2)),  # (k/R) x (m/C) = 3 x 1
        ("os", 5, 7, 6, 4 * (4 + 4 + 7 - 2)),  # (m/R) x (n/C) = 2 x 2
    ],
)
def test_gemm_kernel_totals_on_tiny(
    emu: EmulatorHarness, tiny: Machine, dataflow: str, m: int, k: int, n: int, cycles: int
) -> None:
    """A whole folded GEMM, ideal memory: folds x per-fold (ldw serialized, no overlap)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((m, k)).astype(np.float32)
    w = rng.standard_normal((n, k)).astype(np.float32)
    result = emu.run(gemm_program(m, k, n, tiny, dataflow), tiny, [x, w])
    assert result.stats.cycles == cycles
    assert result.stats.macs == m * n * k
    np.testing.assert_allclose(result.outputs["res0"], x @ w.T, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("preset", "seg", "steps", "reset", "cycles"),
    [
        ("tiny", 0, 10, True, 10 + 4 + 4 - 2),  # S = R = 4
        ("tiny", 0, 10, False, 10),
        ("tiny", 2, 1, True, 1 + 2 + 4 - 2),  # S = 2
        ("small", 0, 100, True, 100 + 8 + 4 - 2),
        ("small", 2, 100, True, 100 + 2 + 4 - 2),
        ("small", 1, 64, True, 64 + 1 + 4 - 2),
    ],
)
def test_lima_cycles(
    emu: EmulatorHarness,
    tiny: Machine,
    small: Machine,
    preset: str,
    seg: int,
    steps: int,
    reset: bool,
    cycles: int,
) -> None:
    """ldc = R cycles; lima = steps + (S + C - 2 if reset); macs = 8 x steps x nch x nm."""
    machine = {"tiny": tiny, "small": small}[preset]
    nch, nm = 3, 1
    coef = machine.bank("weight").base

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", seg)
        builder.emit("ldc", 1, coef, nch, nm)
        builder.emit("lima", 1, P2, P0, 1, nch, nch, reset=1)  # one step to own the states
        builder.emit("lima", 1, P2, P0, steps, nch, nch, reset=reset)
        builder.emit("halt")

    stats, slices = _run(emu, machine, body, ideal_memory=True)
    segment = seg or machine.rows
    first = 1 + segment + machine.cols - 2
    assert slices["ldc"] == [(0, machine.rows)]
    assert slices["lima"] == [(machine.rows, first), (machine.rows + first, cycles)]
    assert stats.cycles == machine.rows + first + cycles
    assert stats.macs == 8 * (1 + steps) * nch * nm
    assert stats.pe_occupancy == pytest.approx(
        (1 + steps) * nch * nm / (machine.rows * machine.cols * stats.cycles)
    )


@pytest.mark.parametrize(
    ("preset", "seg", "steps", "reset", "cycles"),
    [
        ("tiny", 0, 10, True, 10 + 4 + 4 - 2),  # S = R = 4
        ("tiny", 0, 10, False, 10),
        ("tiny", 2, 1, True, 1 + 2 + 4 - 2),  # S = 2
        ("small", 0, 100, True, 100 + 8 + 4 - 2),
        ("small", 2, 100, True, 100 + 2 + 4 - 2),
        ("small", 1, 64, False, 64),
    ],
)
def test_lsel_cycles(
    emu: EmulatorHarness,
    tiny: Machine,
    small: Machine,
    preset: str,
    seg: int,
    steps: int,
    reset: bool,
    cycles: int,
) -> None:
    """lsel = steps + (S + C - 2 if reset), as lima; macs = 3 x steps x nch x nm."""
    machine = {"tiny": tiny, "small": small}[preset]
    nch, nm = 3, 1
    abar, bc = machine.bank("weight").base, machine.bank("weight").base + 1000
    y = machine.bank("output").base

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", seg)
        builder.emit("lsel", y, P0, abar, bc, 1, nch, nm, nch, 2 * nm, reset=1)
        builder.emit("lsel", y, P0, abar, bc, steps, nch, nm, nch, 2 * nm, reset=reset)
        builder.emit("halt")

    stats, slices = _run(emu, machine, body, ideal_memory=True)
    segment = seg or machine.rows
    first = 1 + segment + machine.cols - 2
    assert slices["lsel"] == [(0, first), (first, cycles)]
    assert stats.cycles == first + cycles
    assert stats.unit_busy_cycles == {"array": first + cycles, "vector": 0, "dma": 0}
    assert stats.macs == 3 * (1 + steps) * nch * nm
    assert stats.pe_occupancy == pytest.approx(
        (1 + steps) * nch * nm / (machine.rows * machine.cols * stats.cycles)
    )


# --------------------------------------------------------------------------------- vector
VECTOR_CYCLES_3x5 = {  # lat + ceil(15 / 4) on tiny
    "vadd": 2 + 4,
    "vsub": 2 + 4,
    "vmul": 3 + 4,
    "vdiv": 8 + 4,
    "vcmul": 3 + 4,  # cols counts complex elements
    "vcdiv": 8 + 4,
    "vexp": 8 + 4,
    "vgelu": 12 + 4,
    "vgelut": 12 + 4,
    "vsilu": 10 + 4,
    "vsigmoid": 10 + 4,
    "vsoftplus": 10 + 4,
    "vrelu": 1 + 4,
    "vcopy": 1 + 4,
    "vrev": 1 + 4,
    "vcexp": 8 + 4,
    "vaddi": 2 + 4,
    "vmuli": 3 + 4,
    "vrsqrt": 8 + 4,
    "vrsum": 4 + 3 * 2 + 2,  # lat + rows * ceil(cols / lanes) + ceil(log2(lanes))
    "vcsum": 4 + 3 * 2,  # lat + rows * ceil(cols / lanes)
}


def _emit_vector(builder: ProgramBuilder, mnemonic: str, rows: int, cols: int) -> None:
    """The instruction on a rows x cols region, operands in P0/P1, result in P2."""
    fields = BY_MNEMONIC[mnemonic].fields
    words = 2 if BY_MNEMONIC[mnemonic].elem_words == 2 else 1
    values: dict[str, Any] = {"dst": P2, "a": P0, "rows": rows, "cols": cols}
    values |= {"dst_stride": cols * words, "a_stride": cols * words}
    if "b" in fields:
        values |= {"b": P1, "b_stride": cols * words}
    if "fimm" in fields:
        values["fimm"] = 1.0
    if mnemonic == "vrsum":
        values["dst_stride"] = 1
    if mnemonic == "vcsum":
        del values["dst_stride"]
    builder.emit(mnemonic, **values)


@pytest.mark.parametrize(("mnemonic", "cycles"), VECTOR_CYCLES_3x5.items())
def test_vector_cycles(emu: EmulatorHarness, tiny: Machine, mnemonic: str, cycles: int) -> None:
    def body(builder: ProgramBuilder) -> None:
        _emit_vector(builder, mnemonic, 3, 5)
        builder.emit("halt")

    stats, slices = _run(emu, tiny, body, ideal_memory=True)
    assert slices[mnemonic] == [(0, cycles)]
    assert stats.cycles == cycles
    assert stats.unit_busy_cycles == {"array": 0, "vector": cycles, "dma": 0}


def test_every_vector_mnemonic_has_a_hand_count() -> None:
    """vdexp (three dimensions, not rows x cols) has its own hand counts below."""
    vector = {r.mnemonic for r in INSTRUCTIONS if r.unit == "vector"}
    assert set(VECTOR_CYCLES_3x5) | {"vdexp"} == vector


@pytest.mark.parametrize(
    ("preset", "rows", "cols", "nm", "cycles"),
    [
        ("tiny", 3, 5, 2, 8 + 8),  # exp latency 8 + ceil(30 / 4 lanes)
        ("tiny", 2, 3, 4, 8 + 6),  # 24 / 4 exactly
        ("tiny", 1, 1, 1, 8 + 1),
        ("small", 4, 4, 8, 8 + 32),  # 128 / 4
        ("lanes5", 1, 3, 3, 9 + 2),  # exp latency 9 + ceil(9 / 5)
    ],
)
def test_vdexp_cycles_traffic_and_energy(
    emu: EmulatorHarness,
    tiny: Machine,
    small: Machine,
    machine_file: Callable[[str], Machine],
    preset: str,
    rows: int,
    cols: int,
    nm: int,
    cycles: int,
) -> None:
    """lat + ceil(rows * cols * nm / lanes); 8 adds and 9 multiplies per element."""
    if preset == "lanes5":
        machine = machine_file(
            'base = "tiny"\nname = "lanes5"\n[vector]\nlanes = 5\n[vector.latency]\nexp = 9\n'
        )
    else:
        machine = {"tiny": tiny, "small": small}[preset]

    def body(builder: ProgramBuilder) -> None:
        builder.emit("vdexp", P2, P0, P1, rows, cols, nm, cols + 1, nm)
        builder.emit("halt")

    stats, slices = _run(emu, machine, body, ideal_memory=True)
    assert slices["vdexp"] == [(0, cycles)]
    assert stats.cycles == cycles
    assert stats.unit_busy_cycles == {"array": 0, "vector": cycles, "dma": 0}
    elements = rows * cols * nm
    assert stats.sram_read_bytes == 4 * (rows * cols + cols * nm)
    assert stats.sram_write_bytes == 4 * elements
    assert stats.energy_breakdown_pj["vector"] == pytest.approx(
        8 * elements * 0.9 + 9 * elements * 3.7
    )


@pytest.mark.parametrize(
    ("mnemonic", "rows", "cols", "cycles"),
    [
        ("vadd", 3, 5, 7 + 3),  # lanes 5, add latency 7
        ("vadd", 2, 11, 7 + 5),  # ceil(22 / 5)
        ("vexp", 1, 1, 9 + 1),
        ("vrsum", 3, 11, 6 + 3 * 3 + 3),  # ceil(log2(5)) = 3
        ("vcsum", 4, 6, 6 + 4 * 2),
    ],
)
def test_vector_cycles_follow_the_machine_file(
    emu: EmulatorHarness,
    machine_file: Callable[[str], Machine],
    mnemonic: str,
    rows: int,
    cols: int,
    cycles: int,
) -> None:
    machine = machine_file(
        'base = "tiny"\nname = "lanes5"\n[vector]\nlanes = 5\n'
        "[vector.latency]\nadd = 7\nexp = 9\nreduce = 6\n"
    )
    assert machine.vector_lanes == 5

    def body(builder: ProgramBuilder) -> None:
        _emit_vector(builder, mnemonic, rows, cols)
        builder.emit("halt")

    stats, _ = _run(emu, machine, body, ideal_memory=True)
    assert stats.cycles == cycles


def test_vrsum_with_a_single_lane_has_no_tree(
    emu: EmulatorHarness, machine_file: Callable[[str], Machine]
) -> None:
    machine = machine_file('base = "tiny"\n[vector]\nlanes = 1\n')

    def body(builder: ProgramBuilder) -> None:
        _emit_vector(builder, "vrsum", 3, 5)
        builder.emit("halt")

    assert _run(emu, machine, body, ideal_memory=True)[0].cycles == 4 + 3 * 5 + 0


def test_loop_iterations_each_take_their_cycles(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("li", 1, P0)
        with builder.loop(3, ra=1, sa=16):
            builder.emit("vaddi", P2, Mem(1, 0), 1.0, 4, 4, 4, 4)
        builder.emit("halt")

    stats, slices = _run(emu, tiny, body, ideal_memory=True)
    # the three vaddi write the same P2 region (WAW) and share the vector unit: back to back
    assert slices["vaddi"] == [(0, 6), (6, 6), (12, 6)]
    assert stats.cycles == 18
    assert stats.instructions == 1 + 1 + 3 + 1


# ---------------------------------------------------------------------------- concurrency
LOAD_3x5 = 20 + 4  # tiny: a 3x5 load's data is visible after latency + bytes / bandwidth
LOAD_3x5_BUSY = 4  # ... and it occupies the DMA engine for the bytes / bandwidth part
VADDI_3x5 = 2 + 4


def _load_and_vaddi(
    emu: EmulatorHarness, tiny: Machine, vector_first: bool, load_dst: int, a: int, dst: int
) -> tuple[dict[str, Any], dict[str, list[tuple[int, int]]]]:
    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (3, 5))
        load = ("load", load_dst, x, 3, 5, 5, 5)
        vaddi = ("vaddi", dst, a, 1.0, 3, 5, 5, 5)
        for instruction in (vaddi, load) if vector_first else (load, vaddi):
            builder.emit(*instruction)
        builder.emit("halt")

    return _run(emu, tiny, body, ideal_memory=False, inputs=[np.ones((3, 5), np.float32)])


def test_independent_units_overlap(emu: EmulatorHarness, tiny: Machine) -> None:
    stats, slices = _load_and_vaddi(emu, tiny, False, load_dst=P0, a=P1, dst=P2)
    assert slices["load"] == [(0, LOAD_3x5_BUSY)]
    assert slices["vaddi"] == [(0, VADDI_3x5)]
    assert stats.cycles == max(LOAD_3x5, VADDI_3x5)


def test_read_after_write_serializes(emu: EmulatorHarness, tiny: Machine) -> None:
    stats, slices = _load_and_vaddi(emu, tiny, False, load_dst=P0, a=P0, dst=P2)
    assert slices["vaddi"] == [(LOAD_3x5, VADDI_3x5)]
    assert stats.cycles == LOAD_3x5 + VADDI_3x5


def test_write_after_read_serializes(emu: EmulatorHarness, tiny: Machine) -> None:
    """The vector op reads P0 first; the load that overwrites P0 waits for it."""
    stats, slices = _load_and_vaddi(emu, tiny, True, load_dst=P0, a=P0, dst=P2)
    assert slices["vaddi"] == [(0, VADDI_3x5)]
    assert slices["load"] == [(VADDI_3x5, LOAD_3x5_BUSY)]
    assert stats.cycles == LOAD_3x5 + VADDI_3x5


def test_write_after_write_serializes(emu: EmulatorHarness, tiny: Machine) -> None:
    stats, slices = _load_and_vaddi(emu, tiny, True, load_dst=P2, a=P0, dst=P2)
    assert slices["load"] == [(VADDI_3x5, LOAD_3x5_BUSY)]
    assert stats.cycles == LOAD_3x5 + VADDI_3x5


def test_partially_overlapping_regions_are_a_dependency(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    stats, _ = _load_and_vaddi(emu, tiny, False, load_dst=P0, a=P0 + 14, dst=P2)  # one word
    assert stats.cycles == LOAD_3x5 + VADDI_3x5


def test_read_after_read_does_not_serialize(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        y = builder.result("y", (3, 5))
        builder.emit("vaddi", P2, P0, 1.0, 3, 5, 5, 5)
        builder.emit("store", y, P0, 3, 5, 5, 5)
        builder.emit("halt")

    stats, slices = _run(emu, tiny, body, ideal_memory=False)
    assert slices["store"] == [(0, LOAD_3x5_BUSY)]
    assert stats.cycles == LOAD_3x5


@pytest.mark.parametrize(
    ("load_column", "vector_column", "dependent"),
    [(0, 2, False), (0, 1, True), (2, 0, False), (1, 0, True), (2, 2, True)],
)
def test_column_slices_of_one_buffer(
    emu: EmulatorHarness, tiny: Machine, load_column: int, vector_column: int, dependent: bool
) -> None:
    """Two 4x2 column slices of a 4x4 buffer (stride 4) conflict only if their columns meet."""

    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (4, 2))
        builder.emit("load", P0 + load_column, x, 4, 2, 4, 2)
        builder.emit("vaddi", P2, P0 + vector_column, 1.0, 4, 2, 2, 4)
        builder.emit("halt")

    stats, _ = _run(emu, tiny, body, ideal_memory=False, inputs=[np.ones((4, 2), np.float32)])
    load, vaddi = 20 + 2, 2 + 2
    assert stats.cycles == (load + vaddi if dependent else load)


def test_same_unit_runs_in_order(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (3, 5))
        builder.emit("load", P0, x, 3, 5, 5, 5)
        builder.emit("load", P1, x, 3, 5, 5, 5)
        builder.emit("halt")

    stats, slices = _run(emu, tiny, body, ideal_memory=False, inputs=[np.ones((3, 5), np.float32)])
    # one engine, in order; the second transfer's bytes move during the first one's latency
    assert slices["load"] == [(0, LOAD_3x5_BUSY), (LOAD_3x5_BUSY, LOAD_3x5_BUSY)]
    assert stats.cycles == LOAD_3x5_BUSY + LOAD_3x5


@pytest.mark.parametrize(
    ("units", "vaddi_start"),
    [("dma", LOAD_3x5), ("dma|vector", LOAD_3x5), ("vector", 0), ("array", 0), ("none", 0)],
)
def test_sync_holds_the_front_end(
    emu: EmulatorHarness, tiny: Machine, units: str, vaddi_start: int
) -> None:
    def body(builder: ProgramBuilder) -> None:
        x = builder.arg("x", (3, 5))
        builder.emit("load", P0, x, 3, 5, 5, 5)
        builder.emit("sync", units)
        builder.emit("vaddi", P2, P1, 1.0, 3, 5, 5, 5)  # independent of the load
        builder.emit("halt")

    stats, slices = _run(emu, tiny, body, ideal_memory=False, inputs=[np.ones((3, 5), np.float32)])
    assert slices["vaddi"] == [(vaddi_start, VADDI_3x5)]
    assert stats.cycles == max(LOAD_3x5, vaddi_start + VADDI_3x5)
    assert "sync" not in slices  # control instructions take no unit time


def test_halt_waits_for_every_unit(emu: EmulatorHarness, tiny: Machine) -> None:
    def body(builder: ProgramBuilder) -> None:
        builder.emit("vexp", P2, P1, 16, 16, 16, 16)  # 8 + 64 cycles
        builder.emit("cfg", "mac", "os", 0)
        builder.emit("mm", 0, P2 + 300, P0, P0, 4, 4, 4, 4, 4, 4)  # 4 + 4 + 4 - 2
        builder.emit("halt")

    stats, slices = _run(emu, tiny, body, ideal_memory=True)
    assert slices["mm"] == [(0, 10)]
    assert stats.cycles == 72
    assert stats.unit_busy_cycles == {"array": 10, "vector": 72, "dma": 0}


def test_array_and_vector_dependency_through_sram(emu: EmulatorHarness, tiny: Machine) -> None:
    """An mm result consumed by a vector op: RAW across units."""

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "os", 0)
        builder.emit("mm", 0, P2, P0, P0, 4, 4, 4, 4, 4, 4)
        builder.emit("vrelu", P2 + 100, P2 + 4, 1, 4, 4, 4)  # reads row 1 of the result
        builder.emit("halt")

    stats, slices = _run(emu, tiny, body, ideal_memory=True)
    assert slices["vrelu"] == [(10, 1 + 1)]
    assert stats.cycles == 12


# ---------------------------------------------------------------------- preload overlap
def _double_buffered_gemm(builder: ProgramBuilder, second_slot: int) -> None:
    builder.emit("cfg", "mac", "ws", 0)
    builder.emit("ldw", 0, P0, 4, 4, 4)
    builder.emit("mm", 0, P2, P1, 0, 5, 4, 4, 4, 4, 0)  # 4 + 4 + 5 - 2 = 11
    builder.emit("ldw", second_slot, P0 + 16, 4, 4, 4)
    builder.emit("mm", second_slot, P2 + 20, P1, 0, 5, 4, 4, 4, 4, 0)
    builder.emit("halt")


def test_preload_is_serialized_by_default(emu: EmulatorHarness, tiny: Machine) -> None:
    assert not tiny.preload_overlap
    stats, slices = _run(emu, tiny, lambda b: _double_buffered_gemm(b, 1), ideal_memory=True)
    assert slices["ldw"] == [(0, 4), (15, 4)]
    assert stats.cycles == 2 * (4 + 11)
    assert "preload" not in stats.unit_busy_cycles


def test_preload_overlap_hides_ldw_behind_mm_on_the_other_slot(
    emu: EmulatorHarness, machine_file: Callable[[str], Machine]
) -> None:
    machine = machine_file(
        'base = "tiny"\nname = "tiny-overlap"\n[array]\npreload_overlap = true\n'
    )
    assert machine.preload_overlap
    stats, slices = _run(emu, machine, lambda b: _double_buffered_gemm(b, 1), ideal_memory=True)
    assert slices["ldw"] == [(0, 4), (4, 4)]  # the second preload runs during the first mm
    assert slices["mm"] == [(4, 11), (15, 11)]
    assert stats.cycles == 4 + 11 + 11
    assert stats.unit_busy_cycles == {"array": 22, "vector": 0, "dma": 0, "preload": 8}
    assert stats.hw["preload_overlap"] is True


def test_preload_into_the_busy_slot_waits(
    emu: EmulatorHarness, machine_file: Callable[[str], Machine]
) -> None:
    """ldw into the slot an mm is still reading (write after read on the slot)."""
    machine = machine_file('base = "tiny"\n[array]\npreload_overlap = true\n')
    stats, slices = _run(emu, machine, lambda b: _double_buffered_gemm(b, 0), ideal_memory=True)
    assert slices["ldw"] == [(0, 4), (15, 4)]
    assert stats.cycles == 2 * (4 + 11)


def test_mm_waits_for_the_preload_of_its_slot(
    emu: EmulatorHarness, machine_file: Callable[[str], Machine]
) -> None:
    machine = machine_file('base = "tiny"\n[array]\npreload_overlap = true\n')

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "mac", "ws", 0)
        builder.emit("ldw", 0, P0, 4, 4, 4)
        builder.emit("ldw", 1, P0, 4, 4, 4)
        builder.emit("mm", 1, P2, P1, 0, 2, 4, 4, 4, 4, 0)  # array idle, slot 1 ready at 8
        builder.emit("sync", "array")
        builder.emit("vrelu", P2 + 100, P1, 1, 4, 4, 4)
        builder.emit("halt")

    stats, slices = _run(emu, machine, body, ideal_memory=True)
    assert slices["ldw"] == [(0, 4), (4, 4)]
    assert slices["mm"] == [(8, 8)]
    assert slices["vrelu"] == [(16, 2)]  # sync array waits for the array (and preload)
    assert stats.cycles == 18


# ---------------------------------------------------------------------------------- stats
def _mixed_program(builder: ProgramBuilder) -> None:
    """One of each unit, with counts easy to do by hand (see test_stats_hand_counts)."""
    x = builder.arg("x", (3, 4))
    w = builder.arg("w", (4, 4))
    y = builder.result("y", (3, 4))
    emit = builder.emit
    emit("load", P0, x, 3, 4, 4, 4)  # DRAM read 12 words, SRAM write 12
    emit("load", P1, w, 4, 4, 4, 4)  # DRAM read 16, SRAM write 16
    emit("cfg", "mac", "ws", 0)
    emit("ldw", 0, P1, 4, 4, 4, trans=1)  # SRAM read 16
    emit("mm", 0, P2, P0, 0, 3, 4, 4, 4, 4, 0)  # SRAM read 12 (a), write 12; 48 MACs
    emit("mm", 0, P2, P0, 0, 3, 4, 4, 4, 4, 0, acc=1)  # reads 12 + 12 (acc), writes 12
    emit("vrsum", P2 + 50, P2, 0.25, 3, 4, 1, 4)  # read 12, write 3; adds 12, muls 3
    emit("vsub", P2, P2, P2 + 50, 3, 4, 4, 4, 1, bbc=1)  # read 12 + 3, write 12; adds 12
    emit("vcmul", P2 + 100, P0, P0, 1, 2, 4, 4, 4)  # read 4 + 4, write 4; adds 4, muls 8
    emit("store", y, P2, 3, 4, 4, 4)  # SRAM read 12, DRAM write 12
    emit("halt")


def test_busy_cycles_by_instruction_add_up_to_each_unit(
    emu: EmulatorHarness, tiny: Machine
) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    w = rng.standard_normal((4, 4)).astype(np.float32)
    stats = emu.run(_mixed_program, tiny, [x, w], ideal_memory=False).stats
    by_instruction = stats.unit_busy_cycles_by_mnemonic
    assert set(by_instruction) == set(stats.unit_busy_cycles)
    for unit, busy in stats.unit_busy_cycles.items():
        assert sum(by_instruction[unit].values()) == busy, unit
    assert by_instruction["array"].get("mm", 0) > 0 and "mm" not in by_instruction["vector"]
    assert Stats.from_json(stats.to_json(), "s.json") == stats


def test_stats_hand_counts(emu: EmulatorHarness, tiny: Machine) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    w = rng.standard_normal((4, 4)).astype(np.float32)
    result = emu.run(_mixed_program, tiny, [x, w], ideal_memory=False, trace=True)
    stats = result.stats
    y = 2 * x @ w.T
    np.testing.assert_allclose(
        result.outputs["res0"], y - y.mean(axis=1, keepdims=True), rtol=1e-5, atol=1e-5
    )

    # traffic, in words
    dram_read, dram_write = 12 + 16, 12
    sram_read = 16 + 12 + (12 + 12) + 12 + (12 + 3) + (4 + 4) + 12
    sram_write = 12 + 16 + 12 + 12 + 3 + 12 + 4
    assert stats.dram_read_bytes == 4 * dram_read
    assert stats.dram_write_bytes == 4 * dram_write
    assert stats.sram_read_bytes == 4 * sram_read
    assert stats.sram_write_bytes == 4 * sram_write

    # timing: the loads occupy the DMA for ceil(48/16) = 3 and 4 cycles back to back, their data
    # visible 20 later (23, 27); ldw waits for the second (RAW), then mm 4 + 4 + 3 - 2 = 9
    # twice; vrsum 4 + 3 * 1 + 2 = 9; vsub 2 + 3 = 5; vcmul reads only P0 (ready at 23) but the
    # vector unit is in order: 3 + 1 = 4; the store waits for vsub, its data visible 20 later
    slices = _slices(result.trace)
    assert slices["load"] == [(0, 3), (3, 4)]
    assert slices["ldw"] == [(27, 4)]
    assert slices["mm"] == [(31, 9), (40, 9)]
    assert slices["vrsum"] == [(49, 9)]
    assert slices["vsub"] == [(58, 5)]
    assert slices["vcmul"] == [(63, 4)]
    assert slices["store"] == [(63, 3)]
    cycles = 63 + 3 + 20
    assert stats.cycles == cycles
    assert stats.unit_busy_cycles == {"array": 4 + 9 + 9, "vector": 9 + 5 + 4, "dma": 10}
    assert stats.instructions == 11
    assert stats.macs == 2 * 48
    assert stats.pe_utilization == pytest.approx(96 / (16 * cycles))

    # energy: events x the preset's table
    fp_adds, fp_muls = 12 + 12 + 2 * 2, 3 + 4 * 2
    expected = {
        "array": 96 * (0.9 + 3.7),
        "vector": fp_adds * 0.9 + fp_muls * 3.7,
        "sram": 4 * (sram_read + sram_write) * 1.25,
        "dram": 4 * (dram_read + dram_write) * 160.0,
        "leakage": cycles * 16 * 0.01,
    }
    assert stats.energy_breakdown_pj == pytest.approx(expected)
    assert stats.energy_pj == pytest.approx(sum(expected.values()))


def test_stats_keys_and_types_of_spec(emu: EmulatorHarness, tiny: Machine) -> None:
    """SPEC.md: the stats object's keys, with the types it names."""
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((3, 4)).astype(np.float32), np.eye(4, dtype=np.float32)]
    stats = emu.run(_mixed_program, tiny, inputs, ideal_memory=False).stats
    for key in (
        "cycles",
        "macs",
        "instructions",
        "dram_read_bytes",
        "dram_write_bytes",
        "sram_read_bytes",
        "sram_write_bytes",
    ):
        assert type(getattr(stats, key)) is int, key
        assert getattr(stats, key) > 0, key
    assert isinstance(stats.pe_utilization, float)
    assert stats.pe_utilization == pytest.approx(
        stats.macs / (tiny.rows * tiny.cols * stats.cycles)
    )
    assert isinstance(stats.energy_pj, float)
    busy = stats.unit_busy_cycles
    assert set(busy) >= {"array", "vector", "dma"}
    assert all(type(busy[unit]) is int for unit in ("array", "vector", "dma"))
    hw = stats.hw
    assert hw["name"] == "tiny"
    assert (hw["rows"], hw["cols"], hw["pe"]) == (4, 4, "lima")
    assert stats.instructions_by_mnemonic["mm"] == 2
    assert sum(stats.instructions_by_mnemonic.values()) == stats.instructions
    assert stats.latency_us == pytest.approx(stats.cycles / 1e3)  # 1 GHz


def test_stats_of_an_empty_run(emu: EmulatorHarness, tiny: Machine) -> None:
    """halt alone: zero cycles, no division by zero in the utilization."""
    stats = emu.run(lambda b: b.emit("halt"), tiny).stats
    assert stats.cycles == 0
    assert stats.instructions == 1
    assert stats.pe_utilization == 0.0
    assert stats.energy_pj == 0.0


def test_stats_of_a_lima_stream(emu: EmulatorHarness, small: Machine) -> None:
    """A ProDF stream's MACs (complex MAC = 4: 8 per PE-step) and traffic."""
    coef = small.bank("weight").base
    nch, nm, steps = 8, 2, 20

    def body(builder: ProgramBuilder) -> None:
        builder.emit("cfg", "lima", "prodf", 2)  # S = 2, G = 4: 16 channels fit
        builder.emit("ldc", 0, coef, nch, nm)  # reads 6 * 16 + 8 = 104 words
        builder.emit("lima", 0, P2, P0, steps, nch, nch, reset=1)  # 160 + 160 words
        builder.emit("lima", 0, P2, P0, steps, nch, nch, acc=1)  # 160 + 160 + 160
        builder.emit("halt")

    stats = emu.run(body, small).stats
    assert stats.macs == 8 * 2 * steps * nch * nm
    assert stats.sram_read_bytes == 4 * (104 + 160 + 320)
    assert stats.sram_write_bytes == 4 * (160 + 160)
    assert stats.cycles == 8 + (20 + 2 + 4 - 2) + 20


def test_stats_of_a_selective_stream(emu: EmulatorHarness, small: Machine) -> None:
    """vdexp feeding lsel: MACs (3 per PE-step), traffic, the RAW wait on the planes, energy."""
    nch, nm, steps = 8, 2, 20
    planes, bc = small.bank("weight").base, small.bank("weight").base + 1000
    y = small.bank("output").base

    def body(builder: ProgramBuilder) -> None:
        builder.emit("vdexp", planes, P0, P1 + 100, steps, nch, nm, nch, nm)  # 160 + 16 -> 320
        builder.emit("cfg", "lima", "prodf", 2)  # S = 2, G = 4: 16 channels fit
        # reads u 160, abar 320, B|C 80; writes y 160
        builder.emit("lsel", y, P0, planes, bc, steps, nch, nm, nch, 2 * nm, reset=1)
        builder.emit("lsel", y, P0, planes, bc, steps, nch, nm, nch, 2 * nm, acc=1)
        builder.emit("halt")

    stats, slices = _run(emu, small, body, ideal_memory=True)
    vdexp = 8 + 320 // 4  # exp latency + elements / lanes
    assert slices["vdexp"] == [(0, vdexp)]
    assert slices["lsel"] == [(vdexp, 20 + 2 + 4 - 2), (vdexp + 24, 20)]  # RAW on the planes
    assert stats.cycles == vdexp + 24 + 20
    macs = 3 * 2 * steps * nch * nm
    assert stats.macs == macs
    sram_read = (160 + 16) + 2 * (160 + 320 + 80) + 160
    sram_write = 320 + 2 * 160
    assert stats.sram_read_bytes == 4 * sram_read
    assert stats.sram_write_bytes == 4 * sram_write
    breakdown = stats.energy_breakdown_pj
    assert breakdown["array"] == pytest.approx(macs * (0.9 + 3.7))
    assert breakdown["vector"] == pytest.approx(320 * (8 * 0.9 + 9 * 3.7))
