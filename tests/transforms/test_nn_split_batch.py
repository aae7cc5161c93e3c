"""Batches (SPEC.md contract version 2) through the whole stack: a B x L x H model computes
its B sequences independently, on the emulator as in the reference, and the split and the
stack move no data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import load_machine
from epoch_mlir.pipelines import default_pipeline

# Every batched op: the row-wise ones keep the batch, the sequence ops are split.
ROW_WISE = """
func.func @main(%x: tensor<3x8x16xf32>, %w: tensor<4x16xf32>, %ids: tensor<3x8xi32>,
                %t: tensor<10x16xf32>, %g: tensor<16xf32>, %cw: tensor<16x4xf32>)
    -> (tensor<3x8x4xf32>, tensor<3x1x16xf32>, tensor<3x8x16xf32>, tensor<3x8x8xf32>) {
  %e = nn.embedding %ids, %t : (tensor<3x8xi32>, tensor<10x16xf32>) -> tensor<3x8x16xf32>
  %n = nn.rms_norm %e, %g : (tensor<3x8x16xf32>, tensor<16xf32>) -> tensor<3x8x16xf32>
  %b = nn.add %n, %g : tensor<3x8x16xf32>, tensor<16xf32>
  %y = nn.linear %b, %w : (tensor<3x8x16xf32>, tensor<4x16xf32>) -> tensor<3x8x4xf32>
  %m = nn.mean %x : tensor<3x8x16xf32> -> tensor<3x1x16xf32>
  %c = nn.causal_conv1d %n, %cw : (tensor<3x8x16xf32>, tensor<16x4xf32>) -> tensor<3x8x16xf32>
  %r = nn.reverse %c : tensor<3x8x16xf32>
  %l = nn.layer_norm %r, %g, %g : (tensor<3x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<3x8x16xf32>
  %h = nn.glu %l : tensor<3x8x16xf32> -> tensor<3x8x8xf32>
  func.return %y, %m, %r, %h : tensor<3x8x4xf32>, tensor<3x1x16xf32>, tensor<3x8x16xf32>, tensor<3x8x8xf32>
}
"""

SCANS = """
func.func @main(%u: tensor<3x8x16xf32>, %d: tensor<3x8x16xf32>, %A: tensor<16x4xf32>,
                %B: tensor<3x8x4xf32>, %C: tensor<3x8x4xf32>, %D: tensor<16xf32>,
                %z: tensor<3x8x16xf32>, %x0: tensor<3x16x4xf32>, %Ab: tensor<16x4xf32>,
                %Bb: tensor<16x4xf32>, %Cs: tensor<16x4xf32>, %c0: tensor<3x3x16xf32>,
                %w: tensor<16x4xf32>)
    -> (tensor<3x8x16xf32>, tensor<3x16x4xf32>, tensor<3x8x16xf32>, tensor<3x3x16xf32>) {
  %nA = nn.neg %A : tensor<16x4xf32>
  %y, %xl = ssm.selective_scan %u, %d, %nA, %B, %C, %D, %z state %x0 delta_softplus : (tensor<3x8x16xf32>, tensor<3x8x16xf32>, tensor<16x4xf32>, tensor<3x8x4xf32>, tensor<3x8x4xf32>, tensor<16xf32>, tensor<3x8x16xf32>, tensor<3x16x4xf32>) -> tensor<3x8x16xf32>, tensor<3x16x4xf32>
  %s = ssm.scan %y, %Ab, %Bb, %Cs, %D : (tensor<3x8x16xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<16x4xf32>, tensor<16xf32>) -> tensor<3x8x16xf32>
  %r = nn.add %s, %u : tensor<3x8x16xf32>
  %cv, %cl = nn.causal_conv1d %r, %w state %c0 : (tensor<3x8x16xf32>, tensor<16x4xf32>, tensor<3x3x16xf32>) -> tensor<3x8x16xf32>, tensor<3x3x16xf32>
  func.return %r, %xl, %cv, %cl : tensor<3x8x16xf32>, tensor<3x16x4xf32>, tensor<3x8x16xf32>, tensor<3x3x16xf32>
}
"""


def compile_text(tmp_path: Path, text: str, hw: str, dataflow: str | None) -> Program:
    source = tmp_path / "batch.mlir"
    source.write_text(text)
    return compile_file(source, load_machine(hw), hw, dataflow, None).program


def random_inputs(program: Program, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    inputs = {}
    for index, symbol in enumerate(program.args):
        if symbol.dtype == "i32":
            inputs[f"arg{index}"] = rng.integers(0, 10, size=symbol.shape).astype(np.int32)
        else:
            inputs[f"arg{index}"] = rng.normal(size=symbol.shape).astype(np.float32)
    return inputs


def reference(text: str, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return run_reference(parse_module(make_context(), SourceText("batch.mlir", text)), inputs)


@pytest.mark.parametrize("text", [ROW_WISE, SCANS], ids=["row-wise", "scans"])
@pytest.mark.parametrize(
    ("hw", "dataflow"),
    [("small", None), ("epochcore", None), ("tpu", None), ("small", "os"), ("small", "is")],
)
def test_a_batched_model_matches_the_reference(
    tmp_path: Path, text: str, hw: str, dataflow: str | None
) -> None:
    program = compile_text(tmp_path, text, hw, dataflow)
    inputs = random_inputs(program)
    outputs = Emulator(program, load_machine(hw)).run(inputs).outputs
    assert "match" in check_against(outputs, reference(text, inputs))


def test_the_sequences_of_a_batch_are_independent(tmp_path: Path) -> None:
    """Each row of the batched reference is the unbatched model run on that sequence alone."""
    inputs = random_inputs(compile_text(tmp_path, SCANS, "small", None))
    batched = reference(SCANS, inputs)
    single = SCANS.replace("tensor<3x", "tensor<")
    batched_args = {0, 1, 3, 4, 6, 7, 11}  # u, delta, B, C, z, x0, c0
    for b in range(3):
        one = {
            key: value[b] if int(key[3:]) in batched_args else value
            for key, value in inputs.items()
        }
        for key, value in reference(single, one).items():
            np.testing.assert_allclose(batched[key][b], value, rtol=1e-12, atol=1e-12)


def test_splitting_and_stacking_move_no_data(tmp_path: Path) -> None:
    """A chain of sequence ops reads and writes DRAM as B unbatched runs do, no more (less: the
    convolution's weight preparation is shared): the unstacks and stacks are views, each
    sequence written in place. (SCANS without its neg and
    add, which the batch shares or cannot fuse: docs/compiler.md, "Batches".)"""
    chain = SCANS.replace("%nA = nn.neg %A : tensor<16x4xf32>\n", "").replace("%nA", "%A")
    chain = chain.replace("%r = nn.add %s, %u : tensor<3x8x16xf32>\n", "").replace("%r", "%s")
    machine = load_machine("small")
    batched = compile_text(tmp_path, chain, "small", None)
    run = Emulator(batched, machine).run(random_inputs(batched))
    single = compile_text(tmp_path, chain.replace("tensor<3x", "tensor<"), "small", None)
    once = Emulator(single, machine).run(random_inputs(single))
    assert run.stats.dram_write_bytes == 3 * once.stats.dram_write_bytes
    # the convolutions of the batch share one transpose of w (w and a 4 x 4 identity read once)
    shared = (16 * 4 + 4 * 4) * 4
    assert run.stats.dram_read_bytes == 3 * once.stats.dram_read_bytes - 2 * shared


def test_an_unbatched_model_is_left_alone(tmp_path: Path) -> None:
    single_text = SCANS.replace("tensor<3x", "tensor<")
    with_pass = compile_text(tmp_path, single_text, "epochcore", None)
    source = tmp_path / "single.mlir"
    source.write_text(single_text)
    without = default_pipeline("epochcore", "prodf").replace("nn-split-batch,\n", "")
    program = compile_file(source, load_machine("epochcore"), "epochcore", None, without).program
    assert program.to_bytes() == with_pass.to_bytes()
