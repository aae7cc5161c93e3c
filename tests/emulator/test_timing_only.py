"""`timing_only`: cycles, traffic, energy and the trace without the numerics must equal a full
run's, on hand-written and compiled programs (ProDF, selective stream, GEMM folds, vector ops,
hardware loops, DMA)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.isa.asm import assemble
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine, load_machine
from epoch_mlir.models import mamba_block, mamba_weights, s4d_model
from tests.cli.process import epoch

REPO = Path(__file__).parents[2]
ASM = REPO / "examples" / "asm"
MODELS = REPO / "examples" / "models"


def arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as archive:
        return dict(archive)


def assert_same_timing(program: Program, machine: Machine, inputs: dict) -> None:
    full = Emulator(program, machine, trace=True).run(inputs)
    timing = Emulator(program, machine, trace=True, timing_only=True).run()
    assert timing.stats == full.stats
    assert timing.trace == full.trace
    assert timing.outputs == {}


@pytest.mark.parametrize("name", ["gemm_ws", "s4d_prodf", "layernorm_gelu"])
def test_hand_written_programs(name: str) -> None:
    machine = load_machine("epochcore")
    program = assemble((ASM / f"{name}.s").read_text(), f"{name}.s")
    assert_same_timing(program, machine, arrays(ASM / f"{name}.npz"))


@pytest.mark.parametrize(("hw", "dataflow"), [("epochcore", None), ("tpu", "os"), ("small", None)])
def test_compiled_models(tmp_path: Path, hw: str, dataflow: str | None) -> None:
    machine = load_machine(hw)
    for name, text, inputs in (
        ("mamba", mamba_block(40, 8), mamba_weights(40, 8, np.random.default_rng(0))),
        ("s4d", s4d_model(1, 40, 8, 4), None),
    ):
        path = tmp_path / f"{name}.mlir"
        path.write_text(text)
        program = compile_file(path, machine, hw, dataflow, None).program
        if inputs is None:  # arguments of any value: timing does not depend on them
            rng = np.random.default_rng(1)
            inputs = {
                f"arg{i}": rng.normal(size=s.shape).astype(s.numpy_dtype)
                for i, s in enumerate(program.args)
            }
        assert_same_timing(program, machine, inputs)


def test_epoch_run_timing_only(tmp_path: Path) -> None:
    model = MODELS / "mamba_block.mlir"
    full_stats, timing_stats = tmp_path / "full.json", tmp_path / "timing.json"
    full = epoch("run", model, "--inputs", MODELS / "mamba_block.npz", "--stats", full_stats)
    assert full.returncode == 0, full.stderr
    timing = epoch("run", model, "--timing-only", "--stats", timing_stats)
    assert timing.returncode == 0, timing.stderr
    assert json.loads(timing_stats.read_text()) == json.loads(full_stats.read_text())
    assert timing.stdout.splitlines()[0] == full.stdout.splitlines()[0]  # cycles line


def test_timing_only_refuses_output_options(tmp_path: Path) -> None:
    out = tmp_path / "out.npz"
    out.write_bytes(b"mine")
    process = epoch("run", MODELS / "mamba_block.mlir", "--timing-only", "-o", out)
    assert process.returncode == 2
    assert "--timing-only computes no outputs" in process.stderr
    assert "Traceback" not in process.stderr
    assert out.read_bytes() == b"mine"
