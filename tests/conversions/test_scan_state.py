"""The state in and out of `ssm.scan` (SPEC.md contract version 2) on both mappings: ProDF
loads and stores the LIMA-PE states (`lds`/`sts`), the conventional recurrence starts its
stacked state from s0 and transposes its last one back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.errors import EpochError
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.machine import load_machine
from epoch_mlir.pipelines import default_pipeline


def scan_text(length: int, channels: int, modes: int, element: str, batch: int = 0) -> str:
    rows = f"{batch}x" if batch else ""
    u, p = f"tensor<{rows}{length}x{channels}xf32>", f"tensor<{channels}x{modes}x{element}>"
    s, d = f"tensor<{rows}{channels}x{modes}x{element}>", f"tensor<{channels}xf32>"
    return f"""
func.func @main(%u: {u}, %a: {p}, %b: {p}, %c: {p}, %d: {d}, %s0: {s}) -> ({u}, {s}) {{
  %y, %s = ssm.scan %u, %a, %b, %c, %d state %s0 : ({u}, {p}, {p}, {p}, {d}, {s}) -> ({u}, {s})
  func.return %y, %s : {u}, {s}
}}
"""


def inputs(channels: int, modes: int, complex_: bool, u: np.ndarray, seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    shape = (channels, modes)

    def plane(scale: float) -> np.ndarray:
        if complex_:
            return (scale * (rng.normal(size=shape) + 1j * rng.normal(size=shape))).astype(
                np.complex64
            )
        return (scale * rng.normal(size=shape)).astype(np.float32)

    if complex_:
        abar = (rng.uniform(0.5, 0.95, shape) * np.exp(1j * rng.uniform(0, 3, shape))).astype(
            np.complex64
        )
    else:
        abar = rng.uniform(0.5, 0.95, shape).astype(np.float32)
    batch = u.shape[:-2]
    s0 = plane(0.5)
    if batch:
        s0 = np.stack([plane(0.5) for _ in range(batch[0])])
    d = rng.normal(size=channels).astype(np.float32)
    return {"arg0": u, "arg1": abar, "arg2": plane(0.5), "arg3": plane(0.5), "arg4": d, "arg5": s0}


def run(tmp_path: Path, text: str, hw: str, dataflow: str | None, given: dict) -> dict:
    source = tmp_path / "scan.mlir"
    source.write_text(text)
    machine = load_machine(hw)
    program = compile_file(source, machine, hw, dataflow, None).program
    return Emulator(program, machine).run(given).outputs


def reference(text: str, given: dict) -> dict:
    return run_reference(parse_module(make_context(), SourceText("scan.mlir", text)), given)


CASES = [
    ("epochcore", None),  # ProDF, one fold
    ("small", None),  # ProDF on 8 x 4: channel and mode folds, the channel loop
    ("tpu", None),  # conventional recurrent
    ("small", "os"),
    ("small", "is"),
]


@pytest.mark.parametrize(("hw", "dataflow"), CASES)
@pytest.mark.parametrize("element", ["complex<f32>", "f32"])
def test_a_scan_in_two_pieces_equals_one_run(
    tmp_path: Path, hw: str, dataflow: str | None, element: str
) -> None:
    """30 steps as 20 then 10, the state handed on, equal 30 from the same s0; each piece on
    the emulator matches the reference."""
    channels, modes, complex_ = 20, 12, element != "f32"
    u = np.random.default_rng(0).normal(size=(30, channels)).astype(np.float32)
    whole = inputs(channels, modes, complex_, u)
    expected = reference(scan_text(30, channels, modes, element), whole)
    first_in = {**whole, "arg0": u[:20]}
    first = run(tmp_path, scan_text(20, channels, modes, element), hw, dataflow, first_in)
    assert "match" in check_against(
        first, reference(scan_text(20, channels, modes, element), first_in)
    )
    second_in = {**whole, "arg0": u[20:], "arg5": first["res1"]}
    second = run(tmp_path, scan_text(10, channels, modes, element), hw, dataflow, second_in)
    pieces = {"res0": np.concatenate([first["res0"], second["res0"]]), "res1": second["res1"]}
    assert "match" in check_against(pieces, expected)


@pytest.mark.parametrize("hw", ["epochcore", "tpu"])
def test_a_batch_of_scans_with_states(tmp_path: Path, hw: str) -> None:
    u = np.random.default_rng(0).normal(size=(3, 9, 6)).astype(np.float32)
    given = inputs(6, 4, True, u)
    text = scan_text(9, 6, 4, "complex<f32>", batch=3)
    assert "match" in check_against(run(tmp_path, text, hw, None, given), reference(text, given))


def test_the_convolution_mode_is_refused_with_a_state(tmp_path: Path) -> None:
    """The convolution mode computes from a zero state: with constant coefficients (where it
    could run) a state makes `mode=convolution` an error at the op, and auto the recurrence."""
    p, u = "tensor<4x2xf32>", "tensor<16x4xf32>"
    source = tmp_path / "scan.mlir"
    source.write_text(
        f"""
func.func @main(%u: {u}, %d: tensor<4xf32>, %s0: {p}) -> ({u}, {p}) {{
  %a = arith.constant dense<0.5> : {p}
  %y, %s = ssm.scan %u, %a, %a, %a, %d state %s0 : ({u}, {p}, {p}, {p}, tensor<4xf32>, {p}) -> ({u}, {p})
  func.return %y, %s : {u}, {p}
}}
"""
    )
    machine = load_machine("tpu")
    forced = default_pipeline("tpu", "ws").replace(
        "convert-ssm-to-systolic{dataflow=ws}",
        "convert-ssm-to-systolic{dataflow=ws mode=convolution}",
    )
    with pytest.raises(EpochError, match="cannot use the convolution mode: it starts from a zero"):
        compile_file(source, machine, "tpu", None, forced)
    program = compile_file(source, machine, "tpu", None, None).program  # auto: recurrent
    rng = np.random.default_rng(0)
    given = {
        "arg0": rng.normal(size=(16, 4)).astype(np.float32),
        "arg1": rng.normal(size=4).astype(np.float32),
        "arg2": rng.normal(size=(4, 2)).astype(np.float32),
    }
    expected = run_reference(
        parse_module(make_context(), SourceText("s.mlir", source.read_text())), given
    )
    assert "match" in check_against(Emulator(program, machine).run(given).outputs, expected)
