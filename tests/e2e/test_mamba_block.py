"""A pre-norm Mamba block (in-projection, causal conv1d, silu, selective scan with its gate,
out-projection, residual), compiled and run on epochcore, tpu and an 8x4 array, against the
float64 reference interpreter (SPEC's tolerance)."""

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
from epoch_mlir.models import mamba_block, mamba_weights

# d_inner 16 and 16 modes: channel folds on the 8x4 array (4 columns), mode folds (8 rows),
# several chunks of the sequence
LENGTH, D_MODEL, MODES = 96, 8, 16


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    path = tmp_path_factory.mktemp("model") / "mamba.mlir"
    path.write_text(mamba_block(LENGTH, D_MODEL, modes=MODES))
    inputs = mamba_weights(LENGTH, D_MODEL, np.random.default_rng(5), modes=MODES)
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


def test_epochcore_streams_the_scan_and_beats_the_tpu(model) -> None:  # type: ignore[no-untyped-def]
    path, inputs, _ = model
    stats = {}
    for hw in ("epochcore", "tpu"):
        machine = load_machine(hw)
        program = compile_file(path, machine, hw, None, None).program
        stats[hw] = Emulator(program, machine).run(inputs).stats
    assert stats["epochcore"].instructions_by_mnemonic.get("lsel", 0) > 0
    assert "lsel" not in stats["tpu"].instructions_by_mnemonic
    assert stats["epochcore"].cycles < stats["tpu"].cycles
