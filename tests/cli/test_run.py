"""`epoch run`: summary, stats/trace/output files, and one-line user errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.process import assert_user_error, epoch

EXAMPLES = Path(__file__).parents[2] / "examples" / "asm"
GEMM = EXAMPLES / "gemm_ws.s"
GEMM_INPUTS = EXAMPLES / "gemm_ws.npz"
SPEC_STATS_KEYS = {
    "cycles": int,
    "macs": int,
    "pe_utilization": float,
    "instructions": int,
    "dram_read_bytes": int,
    "dram_write_bytes": int,
    "sram_read_bytes": int,
    "sram_write_bytes": int,
    "energy_pj": float,
    "unit_busy_cycles": dict,
    "hw": dict,
}


def test_run_writes_stats_trace_and_outputs(tmp_path: Path) -> None:
    stats, trace, out = tmp_path / "s.json", tmp_path / "t.json", tmp_path / "o.npz"
    process = epoch(
        "run",
        GEMM,
        "--inputs",
        GEMM_INPUTS,
        "--stats",
        stats,
        "--trace",
        trace,
        "-o",
        out,
        "--expect",
        EXAMPLES / "gemm_ws.expected.npz",
    )
    assert process.returncode == 0, process.stderr
    assert "cycles" in process.stdout and "utilization" in process.stdout
    assert "energy" in process.stdout and "match" in process.stdout
    data = json.loads(stats.read_text())
    for key, kind in SPEC_STATS_KEYS.items():
        assert isinstance(data[key], kind), key
    assert set(data["unit_busy_cycles"]) >= {"array", "vector", "dma"}
    assert {"name", "rows", "cols", "pe"} <= set(data["hw"])
    assert data["pe_utilization"] == pytest.approx(
        data["macs"] / (data["hw"]["rows"] * data["hw"]["cols"] * data["cycles"])
    )
    events = json.loads(trace.read_text())["traceEvents"]
    slices = [e for e in events if e["ph"] == "X"]
    assert len(slices) == data["instructions"] - 1  # every instruction but halt takes a unit
    tracks = {e["args"]["name"] for e in events if e["name"] == "thread_name"}
    assert {"dma", "array", "vector"} <= tracks
    # the run ends when the last store's data has reached DRAM: its latency after its slice
    last = max(e["ts"] + e["dur"] for e in slices)
    assert last <= data["cycles"] <= last + 100  # epochcore's DRAM latency
    with np.load(out) as outputs, np.load(EXAMPLES / "gemm_ws.expected.npz") as expected:
        np.testing.assert_allclose(outputs["res0"], expected["res0"], rtol=1e-4, atol=1e-3)


def test_ideal_memory_removes_dma_time() -> None:
    real = epoch("run", GEMM, "--inputs", GEMM_INPUTS)
    ideal = epoch("run", GEMM, "--inputs", GEMM_INPUTS, "--ideal-memory")
    cycles = [int(p.stdout.split(" cycles")[0].split()[-1].replace(",", "")) for p in (real, ideal)]
    assert cycles[1] < cycles[0]
    assert "ideal memory" in ideal.stdout


def test_assembled_binary_runs_the_same(tmp_path: Path) -> None:
    program = tmp_path / "gemm.epb"
    assert epoch("asm", GEMM, "-o", program).returncode == 0
    binary = epoch("run", program, "--inputs", GEMM_INPUTS)
    source = epoch("run", GEMM, "--inputs", GEMM_INPUTS)
    assert binary.returncode == 0 and binary.stdout == source.stdout


def test_missing_inputs_is_a_user_error() -> None:
    assert_user_error(epoch("run", GEMM), "--inputs")


def test_wrong_input_shape_names_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npz"
    np.savez(bad, arg0=np.zeros((3, 3), np.float32), arg1=np.zeros((300, 200), np.float32))
    assert_user_error(epoch("run", GEMM, "--inputs", bad), "arg0", "shape")


def test_extra_input_names_the_key(tmp_path: Path) -> None:
    with np.load(GEMM_INPUTS) as inputs:
        arrays = dict(inputs)
    bad = tmp_path / "extra.npz"
    np.savez(bad, **arrays, arg7=np.zeros(1, np.float32))
    assert_user_error(epoch("run", GEMM, "--inputs", bad), "arg7")


def test_corrupt_program_is_a_user_error(tmp_path: Path) -> None:
    program = tmp_path / "p.epb"
    assert epoch("asm", GEMM, "-o", program).returncode == 0
    data = bytearray(program.read_bytes())
    data[100] ^= 0xFF
    program.write_bytes(bytes(data))
    assert_user_error(epoch("run", program, "--inputs", GEMM_INPUTS), str(program), "checksum")


def test_unknown_hw_is_a_user_error() -> None:
    assert_user_error(epoch("run", GEMM, "--inputs", GEMM_INPUTS, "--hw", "gpu"), "gpu")


def test_fault_names_pc_and_instruction(tmp_path: Path) -> None:
    source = tmp_path / "fault.s"
    source.write_text(
        ".sram buf @0 : 16\nvcopy buf, buf, 1, 16, 16, 16\n"
        "vexp 100000000(r0), buf, 1, 16, 16, 16\nhalt\n"
    )
    assert_user_error(epoch("run", source), "pc 1", "vexp", "outside the SRAM")


def test_failed_run_keeps_existing_outputs(tmp_path: Path) -> None:
    out, stats = tmp_path / "o.npz", tmp_path / "s.json"
    out.write_bytes(b"precious")
    stats.write_text("precious")
    bad = tmp_path / "bad.npz"
    np.savez(bad, arg0=np.zeros((1,), np.float32))
    process = epoch("run", GEMM, "--inputs", bad, "-o", out, "--stats", stats)
    assert process.returncode == 1
    assert out.read_bytes() == b"precious" and stats.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz", "o.npz", "s.json"]


def test_mismatch_with_expected_fails(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.npz"
    with np.load(EXAMPLES / "gemm_ws.expected.npz") as expected:
        np.savez(wrong, res0=expected["res0"] + 1)
    assert_user_error(epoch("run", GEMM, "--inputs", GEMM_INPUTS, "--expect", wrong), "res0")


SCAN_MODULE = """
func.func @main(%u: tensor<3x1xf32>, %a: tensor<1x1xf32>, %b: tensor<1x1xf32>,
                %c: tensor<1x1xf32>, %d: tensor<1xf32>) -> tensor<3x1xf32> {
  %y = ssm.scan %u, %a, %b, %c, %d : (tensor<3x1xf32>, tensor<1x1xf32>, tensor<1x1xf32>,
                                      tensor<1x1xf32>, tensor<1xf32>) -> tensor<3x1xf32>
  func.return %y : tensor<3x1xf32>
}
"""


def test_reference_evaluates_an_mlir_module(tmp_path: Path) -> None:
    module, inputs, out = tmp_path / "scan.mlir", tmp_path / "in.npz", tmp_path / "out.npz"
    module.write_text(SCAN_MODULE)
    one = np.ones((1, 1), np.float32)
    np.savez(
        inputs,
        arg0=np.array([[1.0], [0.0], [0.0]], np.float32),
        arg1=0.5 * one,
        arg2=one,
        arg3=2 * one,
        arg4=np.array([3.0], np.float32),
    )
    process = epoch("run", module, "--reference", "--inputs", inputs, "-o", out)
    assert process.returncode == 0, process.stderr
    # s = 1, 0.5, 0.25; y = 2 s + 3 u
    with np.load(out) as outputs:
        np.testing.assert_allclose(outputs["res0"][:, 0], [5.0, 1.0, 0.5])


LINEAR = """
func.func @main(%x: tensor<8x16xf32>, %w: tensor<4x16xf32>) -> tensor<8x4xf32> {
  %y = nn.linear %x, %w : (tensor<8x16xf32>, tensor<4x16xf32>) -> tensor<8x4xf32>
  func.return %y : tensor<8x4xf32>
}
"""


def _compiled(tmp_path: Path, hw: str | Path, name: str) -> Path:
    source, program = tmp_path / "linear.mlir", tmp_path / name
    source.write_text(LINEAR)
    process = epoch("compile", source, "--hw", hw, "-o", program)
    assert process.returncode == 0, process.stderr
    return program


def test_a_program_runs_on_the_machine_it_was_compiled_for(tmp_path: Path) -> None:
    program = _compiled(tmp_path, "tpu", "tpu.epb")
    assert epoch("run", program, "--timing-only").stdout.startswith("tpu (128x128 mac)")
    assert epoch("run", program, "--timing-only", "--hw", "tpu").returncode == 0
    stats = tmp_path / "stats.json"
    wrong = epoch("run", program, "--timing-only", "--hw", "epochcore", "--stats", stats)
    assert_user_error(
        wrong,
        str(program),
        "compiled for machine 'tpu'",
        "--hw epochcore",
        "'epochcore'",
        "--force-hw",
    )
    assert wrong.stdout == "" and not stats.exists()  # refused before anything ran
    forced = epoch("run", program, "--timing-only", "--hw", "epochcore", "--force-hw")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith("epochcore (128x128 lima)")
    alone = epoch("run", program, "--timing-only", "--force-hw")
    assert alone.returncode == 2 and "--force-hw runs on the machine --hw names" in alone.stderr


def test_a_toml_machine_travels_with_the_program(tmp_path: Path) -> None:
    machine = tmp_path / "mine.toml"
    machine.write_text('base = "small"\nname = "mine"\nclock_ghz = 0.5\n')
    program = _compiled(tmp_path, machine, "mine.epb")
    machine.unlink()  # the program holds the whole description
    process = epoch("run", program, "--timing-only")
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith("mine (8x4 lima)") and "at 0.5 GHz" in process.stdout
    listing = epoch("disasm", program).stdout
    assert f"# compiled for machine 'mine' (8x4 lima PEs, 0.5 GHz, from {machine};" in listing
    machine.write_text('base = "small"\nname = "mine"\nclock_ghz = 0.6\n')
    changed = epoch("run", program, "--timing-only", "--hw", machine)
    assert_user_error(changed, "compiled for machine 'mine' (sha256", f"--hw {machine} is")


def test_a_program_that_records_no_machine_runs_on_hw_or_the_default(tmp_path: Path) -> None:
    from epoch_mlir.isa.asm import assemble

    program = tmp_path / "old.epb"
    old = dataclasses.replace(assemble(GEMM.read_text()), version=(1, 0))
    old.save(program)
    default = epoch("run", program, "--inputs", GEMM_INPUTS)
    assert default.returncode == 0 and default.stdout.startswith("epochcore (")
    tpu = epoch("run", program, "--inputs", GEMM_INPUTS, "--hw", "tpu")
    assert tpu.returncode == 0 and tpu.stdout.startswith("tpu (")
