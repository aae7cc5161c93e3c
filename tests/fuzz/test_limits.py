"""Limits checked before allocating, byte-identical programs across runs and hash seeds, and
emulator faults that name the pc and the instruction."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tests.fuzz.harness import EXAMPLES, invoke, protect, run_subprocess

MODEL = EXAMPLES / "models" / "s4d_block.mlir"


def test_a_run_too_long_is_refused_before_it_starts(tmp_path: Path) -> None:
    source = tmp_path / "loops.s"
    source.write_text("loop 16777215 {\n  loop 16777215 {\n    sync none\n  }\n}\nhalt\n")
    outcome = invoke("limits", ["run", source], names=["--max-instructions", str(source)])
    assert outcome.status == 1
    assert "281,474,959,933,442 instructions" in outcome.stderr
    small = invoke(
        "limits",
        [
            "run",
            EXAMPLES / "asm" / "gemm_ws.s",
            "--inputs",
            EXAMPLES / "asm" / "gemm_ws.npz",
            "--max-instructions",
            "3",
        ],
    )
    assert small.status == 1


def test_a_program_larger_than_the_machine(tmp_path: Path) -> None:
    source = tmp_path / "big.s"
    source.write_text(".dram buf @0 : tensor<4000000000xf32>\nhalt\n")
    outcome = invoke(
        "limits", ["run", source, "--hw", "tiny"], names=[str(source), "DRAM", "address"]
    )
    assert outcome.status == 1
    source.write_text(".dram buf @0 : tensor<20000000xf32>\nhalt\n")
    outcome = invoke("limits", ["run", source, "--hw", "tiny"], names=["DRAM"])
    assert outcome.status == 1


def test_a_tensor_larger_than_the_machine(tmp_path: Path) -> None:
    source = tmp_path / "big.mlir"
    source.write_text(MODEL.read_text().replace("256x16xf32", "1000000x16xf32"))
    output = tmp_path / "out.epb"
    protected = protect(output)
    outcome = invoke(
        "limits",
        ["compile", source, "--hw", "tiny", "-o", output],
        names=[str(source)],
        protected=protected,
    )
    assert outcome.status == 1
    assert "DRAM" in outcome.stderr


def test_huge_machine_values_are_refused(tmp_path: Path) -> None:
    machine = tmp_path / "hw.toml"
    for text, key in [
        ("base = 'tiny'\n[dram]\nmib = 100000\n", "dram.mib"),
        ("base = 'tiny'\n[[sram.banks]]\nname = 'a'\nkib = 100000000000\n", "SRAM"),
        ("base = 'tiny'\nrows = 1000000\n", "rows"),
    ]:
        machine.write_text(text)
        outcome = invoke(
            "limits", ["run", EXAMPLES / "asm" / "gemm_ws.s", "--hw", machine], names=[key]
        )
        assert outcome.status == 1


def test_programs_are_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    programs = []
    for seed in ("0", "12345"):
        output = tmp_path / f"s4d.{seed}.epb"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outcome = run_subprocess("determinism", ["compile", MODEL, "-o", output], env=env)
        assert outcome.status == 0, outcome.stderr
        programs.append(output.read_bytes())
    again = tmp_path / "again.epb"
    assert invoke("determinism", ["compile", MODEL, "-o", again]).status == 0
    programs.append(again.read_bytes())
    assert programs[0] == programs[1] == programs[2]


def test_emulator_faults_name_the_pc_and_the_instruction(tmp_path: Path) -> None:
    source = tmp_path / "fault.s"
    source.write_text(
        ".arg x @0 : tensor<4x4xf32>\nsync none\nload 99999999(r0), 0(r0), 4, 4, 4, 4\nhalt\n"
    )
    inputs = tmp_path / "in.npz"
    np.savez(inputs, arg0=np.zeros((4, 4), np.float32))
    output = tmp_path / "out.npz"
    protected = protect(output)
    outcome = invoke(
        "faults",
        ["run", source, "--hw", "tiny", "--inputs", inputs, "-o", output],
        names=["fault at pc 1 (load 99999999(r0), 0(r0), 4, 4, 4, 4)"],
        protected=protected,
    )
    assert outcome.status == 1
    source.write_text("sync none\n")
    outcome = invoke("faults", ["run", source], names=["pc 0", "without halt"])
    assert outcome.status == 1
