"""examples/models: each model compiles, runs and matches its expected outputs (the README's
main job), and the expected outputs are the reference interpreter's."""

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

MODELS = Path(__file__).parents[2] / "examples" / "models"
NAMES = sorted(path.stem for path in MODELS.glob("*.mlir"))


def arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as archive:
        return dict(archive)


@pytest.mark.parametrize("name", NAMES)
def test_model_runs_and_matches(name: str) -> None:
    machine = load_machine("epochcore")
    program = compile_file(MODELS / f"{name}.mlir", machine, "epochcore", None, None).program
    result = Emulator(program, machine).run(arrays(MODELS / f"{name}.npz"))
    assert "match" in check_against(result.outputs, arrays(MODELS / f"{name}.expected.npz"))


@pytest.mark.parametrize("name", NAMES)
def test_expected_outputs_are_the_reference(name: str) -> None:
    outputs = run_reference(load_module(MODELS / f"{name}.mlir"), arrays(MODELS / f"{name}.npz"))
    expected = arrays(MODELS / f"{name}.expected.npz")
    for key, value in expected.items():
        np.testing.assert_array_equal(outputs[key], value)
