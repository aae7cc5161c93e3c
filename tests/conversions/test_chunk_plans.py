"""The chunk pipeline's plans: ramps of shorter chunks and more rotating buffers.

`stream_chunks` must visit every timestep exactly once, in order, whatever the plan; the cost
model (`choose_plan`) must pick plans the emulator confirms, and ProDF must come close to the
scan's physical bound on EpochCore."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file
from epoch_mlir.conversions.convert_ssm_to_systolic.chunking import (
    ChunkPlan,
    ChunkStep,
    choose_plan,
    pipeline_cycles,
    plan_cycles,
    ramps,
    stream_chunks,
)
from epoch_mlir.conversions.systolic_common.builder import OpList
from epoch_mlir.dialects.systolic import ChunkLoopOp
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import load_module
from epoch_mlir.machine import load_machine
from epoch_mlir.models import scan_model


def unrolled(plan: ChunkPlan) -> list[tuple[str, ChunkStep, int]]:
    """(event, chunk, iteration) in program order, loops unrolled by hand."""
    ops = OpList(load_machine("small"))
    events: dict[object, tuple[str, ChunkStep]] = {}

    def record(kind: str):  # type: ignore[no-untyped-def]
        def callback(at: ChunkStep) -> None:
            marker = ops.alloc("input", (1, 1), kind)  # an op where the event happens
            events[marker] = (kind, at)

        return callback

    stream_chunks(ops, plan.length, plan.chunk, record("load"), record("compute"), plan)
    order: list[tuple[str, ChunkStep, int]] = []

    def walk(body: list, iteration: int = 0) -> None:
        for op in body:
            if isinstance(op, ChunkLoopOp):
                for index in range(op.count.value.data):
                    walk(list(op.body.block.ops), index)
            else:
                kind, at = events[op.results[0]]
                order.append((kind, at, iteration))

    walk(ops.ops)
    return order


@settings(max_examples=200, deadline=None)
@given(
    length=st.integers(1, 400),
    chunk=st.integers(1, 64),
    depth=st.sampled_from([2, 3, 4, 6]),
    ramp=st.integers(0, 3),
)
def test_every_timestep_is_loaded_and_computed_once_in_order(
    length: int, chunk: int, depth: int, ramp: int
) -> None:
    options = ramps(length, chunk)
    head, tail = options[min(ramp, len(options) - 1)]
    plan = ChunkPlan(length, min(chunk, length), head, tail, depth)
    for kind in ("load", "compute"):
        rows = []
        for event, at, iteration in unrolled(plan):
            if event == kind:
                start = at.row + iteration * at.step
                rows.append((start, at.rows, at.buffer))
        assert [start for start, _, _ in rows] == list(
            np.cumsum([0] + [size for _, size, _ in rows[:-1]])
        )
        assert sum(size for _, size, _ in rows) == length
        assert all(size <= plan.chunk for _, size, _ in rows)
        # buffers rotate: chunk i uses buffer i % depth
        assert [buffer for _, _, buffer in rows] == [i % depth for i in range(len(rows))]


def test_loads_run_depth_minus_one_chunks_ahead() -> None:
    plan = ChunkPlan(100, 10, depth=3)
    events = [(event, at.index) for event, at, _ in unrolled(plan)]
    loads_before_first_compute = events.index(("compute", 0))
    assert loads_before_first_compute == 3  # chunks 0, 1, 2
    # the load of chunk i + 2 comes right before the compute of chunk i
    for position, (event, index) in enumerate(events):
        if event == "compute" and index + 2 < 10:
            assert events[position - 1] == ("load", index + 2)


def test_a_ramp_shortens_the_first_load_and_the_last_store() -> None:
    plan = ChunkPlan(1000, 256, (64, 128), (128, 64))
    assert plan.sizes() == [64, 128, 256, 256, 104, 128, 64]
    assert ramps(1000, 256)[0] == ((), ())
    assert ((128,), ()) in ramps(1000, 256)


def test_the_extrapolated_cost_of_a_plan_is_the_simulated_one() -> None:
    def load(steps: int) -> int:
        return steps // 2 + 3

    def compute(steps: int, first: bool) -> int:
        return steps + (20 if first else 0)

    for plan in (ChunkPlan(10_000, 100, (25, 50), (50, 25), 3), ChunkPlan(5_000, 64, depth=2)):
        exact = pipeline_cycles(plan.sizes(), load, compute, load, "array", 7, plan.depth)
        assert plan_cycles(plan, load, compute, load, "array", 7) == exact


def test_more_buffers_hide_the_latency_when_dma_and_compute_are_equally_busy() -> None:
    def transfer(steps: int) -> int:
        return steps // 2

    def compute(steps: int, first: bool) -> int:
        return steps

    plan = choose_plan(8192, {2: 1024, 3: 1024}, transfer, compute, transfer, "array", 0, 100)
    assert plan.depth == 3
    two = ChunkPlan(8192, plan.chunk, depth=2)
    assert plan_cycles(plan, transfer, compute, transfer, "array", 100) < plan_cycles(
        two, transfer, compute, transfer, "array", 100
    )


@pytest.mark.parametrize(("channels", "modes", "length"), [(256, 64, 16384), (256, 4, 4096)])
def test_prodf_comes_close_to_the_scans_bound(channels: int, modes: int, length: int) -> None:
    """The cost model's plan (more buffers, ramps) on EpochCore with its real DRAM: within 15%
    of max(L, ceil(H*N/(R*C))*L), and still exact."""
    machine = load_machine("epochcore")
    rng = np.random.default_rng(0)
    shape = (channels, modes)
    abar = np.exp(-rng.uniform(0.01, 0.5, shape) + 1j * rng.uniform(0, 3, shape))
    inputs = {
        "arg0": rng.normal(size=(length, channels)).astype(np.float32),
        "arg1": abar.astype(np.complex64),
        "arg2": (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(np.complex64),
        "arg3": (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(np.complex64),
        "arg4": rng.normal(size=channels).astype(np.float32),
    }
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "scan.mlir"
        path.write_text(scan_model(length, channels, modes))
        program = compile_file(path, machine, "epochcore", None, None).program
        result = Emulator(program, machine).run(inputs)
        check_against(result.outputs, run_reference(load_module(path), inputs))
    bound = max(length, math.ceil(channels * modes / (machine.rows * machine.cols)) * length)
    assert result.stats.cycles <= 1.15 * bound
