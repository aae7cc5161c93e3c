"""A bidirectional pre-norm S4D block, compiled and run on epochcore, tpu and an 8x4 array,
against the float64 reference interpreter (SPEC's tolerance)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import load_module
from epoch_mlir.machine import load_machine
from epoch_mlir.models import s4d_coefficients, s4d_model

LENGTH, CHANNELS, MODES = 96, 12, 4


def block_inputs(layers: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    values = [rng.normal(size=(LENGTH, CHANNELS))]
    for _ in range(layers):
        values += [
            1 + 0.1 * rng.normal(size=CHANNELS),
            0.1 * rng.normal(size=CHANNELS),
            rng.normal(size=(CHANNELS, CHANNELS)) / np.sqrt(CHANNELS),
            0.1 * rng.normal(size=CHANNELS),
        ]
    return {f"arg{i}": v.astype(np.float32) for i, v in enumerate(values)}


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    rng = np.random.default_rng(7)
    layers = 2
    constants = [s4d_coefficients(CHANNELS, MODES, rng) for _ in range(layers)]
    path = tmp_path_factory.mktemp("model") / "s4d.mlir"
    path.write_text(s4d_model(layers, LENGTH, CHANNELS, MODES, constants))
    inputs = block_inputs(layers, rng)
    return path, inputs, run_reference(load_module(path), inputs)


@pytest.mark.parametrize(
    ("hw", "dataflow"),
    [
        ("epochcore", None),
        ("tpu", None),
        ("tpu", "os"),
        ("tpu", "is"),
        ("small", None),
        ("small", "ws"),
    ],
)
def test_block_matches_the_reference(model, hw: str, dataflow: str | None) -> None:  # type: ignore[no-untyped-def]
    path, inputs, expected = model
    machine = load_machine(hw)
    compiled = compile_file(path, machine, hw, dataflow, None)
    result = Emulator(compiled.program, machine).run(inputs)
    assert "match" in check_against(result.outputs, expected)


def test_epochcore_beats_the_tpu_baseline(model) -> None:  # type: ignore[no-untyped-def]
    path, inputs, _ = model
    cycles = {}
    for hw in ("epochcore", "tpu"):
        machine = load_machine(hw)
        program = compile_file(path, machine, hw, None, None).program
        cycles[hw] = Emulator(program, machine).run(inputs).stats.cycles
    assert cycles["epochcore"] < cycles["tpu"]


def test_compiling_twice_gives_identical_programs(model) -> None:  # type: ignore[no-untyped-def]
    path, _, _ = model
    machine = load_machine("epochcore")
    first = compile_file(path, machine, "epochcore", None, None).program.to_bytes()
    assert compile_file(path, machine, "epochcore", None, None).program.to_bytes() == first
