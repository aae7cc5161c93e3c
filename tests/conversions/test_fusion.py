"""nn-fuse-elementwise and the conversions' accumulate-onto and epilogue rewrites, end to end:
the fused programs compute what the reference does on every machine and dataflow, with fewer
vector adds and less DRAM traffic than the same pipeline without the pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from xdsl.dialects.builtin import ModuleOp, StringAttr

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file, pipeline_for
from epoch_mlir.dialects.systolic import StoreOp, VectorOp
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import load_module, make_context
from epoch_mlir.machine import load_machine
from epoch_mlir.models import s4d_coefficients, s4d_model
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import get_all_passes, get_upstream_passes

LENGTH, CHANNELS = 96, 12


def _model(
    tmp_path: Path,
    modes: int,
    rng: np.random.Generator,
    length: int = LENGTH,
    channels: int = CHANNELS,
) -> tuple[Path, dict]:
    """Two S4D blocks with constant coefficients, and inputs for their run-time arguments."""
    layers = 2
    constants = [s4d_coefficients(channels, modes, rng) for _ in range(layers)]
    path = tmp_path / "s4d.mlir"
    path.write_text(s4d_model(layers, length, channels, modes, constants))
    values = [rng.normal(size=(length, channels))]
    for _ in range(layers):  # gamma, beta, W, bias
        values += [
            1 + 0.1 * rng.normal(size=channels),
            0.1 * rng.normal(size=channels),
            rng.normal(size=(channels, channels)) / np.sqrt(channels),
            0.1 * rng.normal(size=channels),
        ]
    return path, {f"arg{i}": v.astype(np.float32) for i, v in enumerate(values)}


def _without_fusion(spec: str) -> str:
    passes = [p.strip() for p in spec.split(",\n")]
    assert "nn-fuse-elementwise" in passes
    return ",".join(p for p in passes if p != "nn-fuse-elementwise")


@pytest.mark.parametrize(
    ("hw", "dataflow", "modes"),
    [
        ("epochcore", None, 4),
        ("small", None, 4),
        ("small", None, 16),  # mode folds: later folds reload the sum they accumulate onto
        ("tiny", None, 4),
        ("tpu", "ws", 4),
        ("tpu", "os", 4),
        ("tpu", "is", 4),
    ],
)
def test_fused_blocks_match_the_reference_with_fewer_adds_and_less_traffic(
    tmp_path: Path, hw: str, dataflow: str | None, modes: int
) -> None:
    path, inputs = _model(tmp_path, modes, np.random.default_rng(5))
    machine = load_machine(hw)
    spec = pipeline_for(machine, hw, dataflow)
    expected = run_reference(load_module(path), inputs)
    runs = {}
    for name, pipeline in (("fused", spec), ("unfused", _without_fusion(spec))):
        program = compile_file(path, machine, hw, dataflow, pipeline).program
        result = Emulator(program, machine).run(inputs)
        assert "match" in check_against(result.outputs, expected), name
        runs[name] = result.stats
    fused, unfused = runs["fused"], runs["unfused"]
    adds = [run.instructions_by_mnemonic.get("vadd", 0) for run in (fused, unfused)]
    assert adds[0] < adds[1]
    assert fused.dram_read_bytes + fused.dram_write_bytes < (
        unfused.dram_read_bytes + unfused.dram_write_bytes
    )


@pytest.mark.parametrize(
    ("hw", "dataflow", "buffer"),
    [
        ("small", None, "linear_norm_out"),
        ("tpu", "ws", "linear_norm_out"),
        ("tpu", "os", "layer_norm_out"),
    ],
)
def test_a_layer_norm_in_a_linears_chunk_loop_matches_the_reference(
    tmp_path: Path, hw: str, dataflow: str | None, buffer: str
) -> None:
    # 200 rows in chunks of 16: the linear's loop computes chunk i while it normalises
    # chunks i - 1 and i - 2, and a short last chunk; under os the layer norm stays apart
    path, inputs = _model(tmp_path, 4, np.random.default_rng(7), 200)
    machine = load_machine(hw)
    spec = pipeline_for(machine, hw, dataflow)
    gemm = dataflow or "ws"
    spec = spec.replace(
        f"convert-nn-to-systolic{{dataflow={gemm}}}",
        f"convert-nn-to-systolic{{dataflow={gemm} chunk-rows=16}}",
    )
    assert "chunk-rows=16" in spec
    # up to the nn conversion: layer 1's norm is stored from the linear's own buffers
    into = _stored_from(_systolic_module(path, spec), "l1_n")
    assert into == {f"{buffer}0", f"{buffer}1"}
    _check_run(path, hw, dataflow, spec, inputs)


def compile_module(path: Path, pipeline: str) -> ModuleOp:
    ctx = make_context()
    module = load_module(path, ctx)
    build_pipeline(pipeline, {**get_upstream_passes(), **get_all_passes()}).apply(ctx, module)
    return module


def _systolic_module(path: Path, spec: str) -> ModuleOp:
    """The module after the conversions into systolic (the pipeline up to the casts' removal)."""
    return compile_module(path, spec[: spec.index("reconcile-unrealized-casts")].rstrip(",\n "))


def _stored_from(module: ModuleOp, tensor: str) -> set[str | None]:
    """The names of the buffers whose chunks are stored into the tensor named `tensor`."""
    stores = [op for op in module.walk() if isinstance(op, StoreOp)]
    return {store.src.name_hint for store in stores if store.dst.name_hint == tensor}


def _check_run(path: Path, hw: str, dataflow: str | None, spec: str | None, inputs: dict) -> None:
    """Compile with `spec`, run on the emulator and compare with the reference (raises)."""
    machine = load_machine(hw)
    compiled = compile_file(path, machine, hw, dataflow, spec)
    result = Emulator(compiled.program, machine).run(inputs)
    assert "match" in check_against(result.outputs, run_reference(load_module(path), inputs))


@pytest.mark.parametrize("dataflow", ["os", "is"])
def test_a_residual_gemm_folded_in_a_loop_accumulates_and_keeps_its_layer_norm_apart(
    tmp_path: Path, dataflow: str
) -> None:
    # os and is fold a chunk's rows in a nested loop (is: two folds an iteration): the
    # residual add still accumulates, the loop's iterations covering the chunk; the layer
    # norm stays its own op (ws only)
    path, inputs = _model(tmp_path, 4, np.random.default_rng(3), 512)
    machine = load_machine("tpu")
    spec = pipeline_for(machine, "tpu", dataflow)
    module = _systolic_module(path, spec)
    residual = _stored_from(module, "l0_y")
    assert residual and all(str(name).startswith("linear_y") for name in residual)
    normalised = _stored_from(module, "l1_n")
    assert normalised and all(str(name).startswith("layer_norm_out") for name in normalised)
    _check_run(path, "tpu", dataflow, None, inputs)


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_a_wide_residual_gemm_in_fold_loops_still_accumulates(
    tmp_path: Path, dataflow: str
) -> None:
    # 52 channels on the 8x4 array: ws loops over 13 n folds with a loop over 7 k folds inside
    # (the last of each partial), os over m folds with a loop over n folds inside; the
    # analysis unrolls the nest and the residual add still accumulates into the GEMM's chunks
    path, inputs = _model(tmp_path, 4, np.random.default_rng(11), 40, channels=52)
    machine = load_machine("small")
    spec = pipeline_for(machine, "small", None).replace("dataflow=ws", f"dataflow={dataflow}")
    residual = _stored_from(_systolic_module(path, spec), "l0_y")
    assert residual and all(str(name).startswith("linear_y") for name in residual)
    _check_run(path, "small", None, spec, inputs)


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_the_recurrent_scan_absorbs_the_bidirectional_sum(tmp_path: Path, dataflow: str) -> None:
    # the conventional (TPU-like) recurrent scan: the backward scan's column sums add onto the
    # forward scan's outputs loaded into its chunk buffer, so no vector pass adds the two
    # directions (the same fusion ProDF gets), and the block still matches the reference
    path, inputs = _model(tmp_path, 4, np.random.default_rng(13), 80)
    machine = load_machine("tpu")
    spec = pipeline_for(machine, "tpu", dataflow)
    upto = spec[: spec.index("reconcile-unrealized-casts")].rstrip(",\n ")

    def sums(pipeline: str) -> int:  # elementwise adds of two whole L x H operands
        return sum(
            1
            for op in compile_module(path, pipeline).walk()
            if isinstance(op, VectorOp)
            and op.function.data == "add"
            and op.b_broadcast.data == "none"
            and list(op.sizes.get_values()) == [80, CHANNELS]
        )

    assert sums(_without_fusion(upto + ",\n")) == 4  # two bidirectional sums, two residuals
    assert sums(upto) == 0
    recurrent = [
        op
        for op in compile_module(path, upto).walk()
        if op.attributes.get("ssm.mode") == StringAttr("recurrent")
    ]
    assert recurrent, "the scans run in the recurrent mode"
    _check_run(path, "tpu", dataflow, spec, inputs)


def test_the_fused_loops_chunk_is_chosen_by_the_cost_model() -> None:
    # Path-X: the largest chunk that fits (2048 rows) fills and drains the two-deep pipeline
    # over 4096 rows per linear; the cost model's smaller chunk finishes sooner
    path = Path(__file__).parents[2] / "examples" / "lra" / "pathx.mlir"
    machine = load_machine("epochcore")
    spec = pipeline_for(machine, "epochcore", None)
    largest = spec.replace(
        "convert-nn-to-systolic{dataflow=ws}", "convert-nn-to-systolic{dataflow=ws chunk-rows=2048}"
    )
    assert largest != spec
    cycles = [
        Emulator(
            compile_file(path, machine, "epochcore", None, p).program, machine, timing_only=True
        )
        .run()
        .stats.cycles
        for p in (spec, largest)
    ]
    assert cycles[0] < 0.98 * cycles[1]


@pytest.mark.parametrize("hw", ["small", "epochcore"])
def test_a_layer_norm_of_a_plain_linear_matches_the_reference(tmp_path: Path, hw: str) -> None:
    # no residual: the linear's own result is normalised in its loop and also returned
    path = tmp_path / "linear_norm.mlir"
    path.write_text(
        "func.func @main(%x: tensor<100x12xf32>, %w: tensor<12x12xf32>, %b: tensor<12xf32>, "
        "%g: tensor<12xf32>, %beta: tensor<12xf32>) -> (tensor<100x12xf32>, tensor<100x12xf32>) {\n"
        "  %o = nn.linear %x, %w, %b : (tensor<100x12xf32>, tensor<12x12xf32>, tensor<12xf32>) "
        "-> tensor<100x12xf32>\n"
        "  %n = nn.layer_norm %o, %g, %beta : (tensor<100x12xf32>, tensor<12xf32>, "
        "tensor<12xf32>) -> tensor<100x12xf32>\n"
        "  func.return %o, %n : tensor<100x12xf32>, tensor<100x12xf32>\n}\n"
    )
    rng = np.random.default_rng(2)
    shapes = [(100, 12), (12, 12), (12,), (12,), (12,)]
    inputs = {f"arg{i}": rng.normal(size=s).astype(np.float32) for i, s in enumerate(shapes)}
    machine = load_machine(hw)
    spec = pipeline_for(machine, hw, None).replace(
        "convert-nn-to-systolic{dataflow=ws}", "convert-nn-to-systolic{dataflow=ws chunk-rows=16}"
    )
    into = _stored_from(_systolic_module(path, spec), "n")
    assert into == {"linear_norm_out0", "linear_norm_out1"}
    _check_run(path, hw, None, spec, inputs)


@pytest.mark.parametrize(("hw", "dataflow"), [("small", None), ("tiny", None), ("tpu", "ws")])
def test_an_rms_norm_after_a_residual_linear_runs_in_its_chunk_loop(
    tmp_path: Path, hw: str, dataflow: str | None
) -> None:
    # Mamba's block boundary: out_proj + residual, then the next block's RMS norm, with
    # exp (and neg) applied to another linear's output chunks before they are stored
    path = tmp_path / "rms.mlir"
    x, w, h = "tensor<100x12xf32>", "tensor<12x12xf32>", "tensor<12xf32>"
    path.write_text(
        f"func.func @main(%x: {x}, %w: {w}, %g: {h}, %v: {w}) -> ({x}, {x}, {x}) {{\n"
        f"  %o = nn.linear %x, %w : ({x}, {w}) -> {x}\n"
        f"  %r = nn.add %o, %x : {x}\n"
        f"  %n = nn.rms_norm %r, %g : ({x}, {h}) -> {x}\n"
        f"  %p = nn.linear %n, %v : ({x}, {w}) -> {x}\n"
        f"  %e = nn.exp %p : {x}\n"
        f"  %a = nn.neg %e : {x}\n"
        f"  func.return %r, %n, %a : {x}, {x}, {x}\n}}\n"
    )
    rng = np.random.default_rng(3)
    shapes = [(100, 12), (12, 12), (12,), (12, 12)]
    inputs = {
        f"arg{i}": (rng.normal(size=s) / (np.sqrt(12) if i % 2 else 1)).astype(np.float32)
        for i, s in enumerate(shapes)
    }
    machine = load_machine(hw)
    gemm = dataflow or "ws"
    spec = pipeline_for(machine, hw, dataflow).replace(
        f"convert-nn-to-systolic{{dataflow={gemm}}}",
        f"convert-nn-to-systolic{{dataflow={gemm} chunk-rows=16}}",
    )
    module = _systolic_module(path, spec)
    assert _stored_from(module, "n") == {"linear_norm_out0", "linear_norm_out1"}
    assert _stored_from(module, "e") == {"linear_y0", "linear_y1"}  # exp on the chunks
    _check_run(path, hw, dataflow, spec, inputs)
