"""examples/lra: every task, built at a reduced length and depth by the generator's own functions,
compiles for epochcore and tpu, runs on the emulator and matches the float64 reference; the files
in the repository are what the generator writes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import load_module
from epoch_mlir.machine import load_machine
from epoch_mlir.models import LRA_TASKS

LRA = Path(__file__).parents[2] / "examples" / "lra"
NAMES = [*LRA_TASKS, "mamba_block"]
SMALL_LENGTH, SMALL_LAYERS = 48, 2


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_lra", LRA / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_six_tasks_have_the_s4_configurations() -> None:
    shapes = {name: (t.length, t.channels, t.modes, t.layers) for name, t in LRA_TASKS.items()}
    assert shapes == {
        "listops": (2048, 256, 4, 6),
        "text": (4096, 256, 4, 6),
        "retrieval": (4000, 256, 4, 6),
        "image": (1024, 512, 64, 6),
        "pathfinder": (1024, 256, 64, 6),
        "pathx": (16384, 256, 64, 6),
    }
    assert LRA_TASKS["retrieval"].documents == 2


@pytest.mark.parametrize("name", NAMES)
def test_small_model_compiles_runs_and_matches(
    generator: ModuleType, name: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.mlir"
    path.write_text(generator.model_text(name, SMALL_LENGTH, SMALL_LAYERS))
    arrays = generator.model_arrays(name, SMALL_LENGTH, SMALL_LAYERS)
    reference = run_reference(load_module(path), arrays)
    cycles = {}
    for hw in ("epochcore", "tpu"):
        machine = load_machine(hw)
        program = compile_file(path, machine, hw, None, None).program
        result = Emulator(program, machine).run(arrays)
        assert "match" in check_against(result.outputs, reference), hw
        cycles[hw] = result.stats.cycles
    assert cycles["epochcore"] < cycles["tpu"]


@pytest.mark.parametrize("name", NAMES)
def test_files_are_what_the_generator_writes(generator: ModuleType, name: str) -> None:
    assert (LRA / f"{name}.mlir").read_text() == generator.model_text(name)
    load_module(LRA / f"{name}.mlir")  # parses and verifies at full size
    if name in generator.KEPT:
        with np.load(LRA / f"{name}.npz") as archive:
            stored = dict(archive)
        arrays = generator.model_arrays(name)
        assert list(stored) == list(arrays)
        for key, value in arrays.items():
            np.testing.assert_array_equal(stored[key], value)
            assert stored[key].dtype == value.dtype


def test_weights_do_not_depend_on_the_length(generator: ModuleType) -> None:
    full = generator.model_arrays("listops")
    small = generator.model_arrays("listops", SMALL_LENGTH)
    assert small["arg0"].shape == (SMALL_LENGTH, 18)
    for key in list(full)[1:]:
        np.testing.assert_array_equal(full[key], small[key])


def test_pathx_compiles_at_full_size() -> None:
    machine = load_machine("epochcore")
    program = compile_file(LRA / "pathx.mlir", machine, "epochcore", None, None).program
    assert len(program.args) == 1 + 2 + 6 * 12 + 2 + 2
