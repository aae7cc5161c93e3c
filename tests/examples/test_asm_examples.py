"""Every example in examples/asm runs and matches its expected output; the files are current."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.cli.run import check_against
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.isa.asm import assemble
from epoch_mlir.machine import load_machine

EXAMPLES = Path(__file__).parents[2] / "examples" / "asm"
NAMES = sorted(path.stem for path in EXAMPLES.glob("*.s"))


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate_examples", EXAMPLES / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_three_examples_exist() -> None:
    assert NAMES == ["gemm_ws", "layernorm_gelu", "s4d_prodf"]


@pytest.mark.parametrize("name", NAMES)
def test_example_matches_expected(name: str) -> None:
    program = assemble((EXAMPLES / f"{name}.s").read_text(), f"{name}.s")
    with (
        np.load(EXAMPLES / f"{name}.npz") as inputs,
        np.load(EXAMPLES / f"{name}.expected.npz") as expected,
    ):
        result = Emulator(program, load_machine("epochcore")).run(dict(inputs))
        assert "match" in check_against(result.outputs, dict(expected))
    assert result.stats.cycles > 0 and result.stats.energy_pj > 0


@pytest.mark.parametrize("name", NAMES)
def test_example_is_what_the_generator_writes(name: str) -> None:
    from epoch_mlir.isa.disasm import disassemble

    generator = _generator()
    _, build = generator.EXAMPLES[name]
    program, _, _ = build(np.random.default_rng(list(generator.EXAMPLES).index(name)))
    text = (EXAMPLES / f"{name}.s").read_text()
    assert text.endswith(disassemble(program))
