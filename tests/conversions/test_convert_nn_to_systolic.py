"""convert-nn-to-systolic: every nn op compiled through the whole pipeline and run on the emulator,
against the float64 reference interpreter within SPEC.md's tolerance, for ws, os and is; the chunk
schedule and the chunk size on their own; the program size flat in L."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from xdsl.dialects import test
from xdsl.dialects.builtin import IntAttr, ModuleOp
from xdsl.ir import Operation

from epoch_mlir.cli.run import check_against
from epoch_mlir.conversions.convert_nn_to_systolic.tiling import (
    Chunk,
    Stream,
    choose_chunk,
    pipeline,
)
from epoch_mlir.conversions.systolic_common.lowering import LoweringError
from epoch_mlir.dialects.systolic import TARGET_ATTRIBUTE, ChunkLoopOp, LoadOp, StoreOp, TargetAttr
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.errors import EmulatorFault
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.isa.program import Program
from epoch_mlir.kernels.gemm import scalesim_cycles
from epoch_mlir.machine import load_machine
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import get_all_passes, get_upstream_passes
from epoch_mlir.targets.epoch_program import module_to_program

DATAFLOWS = ("ws", "os", "is")
PASSES = {**get_upstream_passes(), **get_all_passes()}
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# region modules ------------------------------------------------------------------------------


def _function(args: list[tuple[str, str]], body: str, result: str) -> str:
    signature = ", ".join(f"%{name}: {kind}" for name, kind in args)
    return (
        f"func.func @main({signature}) -> {result} {{\n  {body}\n  func.return %y : {result}\n}}\n"
    )


def _t(*shape: int) -> str:
    return f"tensor<{'x'.join(map(str, shape))}xf32>"


def unary(op: str, steps: int, channels: int, suffix: str = "") -> str:
    t = _t(steps, channels)
    return _function([("x", t)], f"%y = nn.{op} %x{suffix} : {t}", t)


def binary(op: str, steps: int, channels: int) -> str:
    t = _t(steps, channels)
    return _function([("a", t), ("b", t)], f"%y = nn.{op} %a, %b : {t}", t)


def linear(steps: int, features: int, outputs: int, bias: bool = True) -> str:
    x, w, y = _t(steps, features), _t(outputs, features), _t(steps, outputs)
    args = [("x", x), ("w", w)] + ([("b", _t(outputs))] if bias else [])
    operands = "%x, %w, %b" if bias else "%x, %w"
    types = f"{x}, {w}, {_t(outputs)}" if bias else f"{x}, {w}"
    return _function(args, f"%y = nn.linear {operands} : ({types}) -> {y}", y)


def layer_norm(steps: int, channels: int, eps: float | None = None) -> str:
    x, h = _t(steps, channels), _t(channels)
    option = "" if eps is None else f" eps {eps}"
    body = f"%y = nn.layer_norm %x, %g, %b{option} : ({x}, {h}, {h}) -> {x}"
    return _function([("x", x), ("g", h), ("b", h)], body, x)


def glu(steps: int, channels: int) -> str:
    x, y = _t(steps, 2 * channels), _t(steps, channels)
    return _function([("x", x)], f"%y = nn.glu %x : {x} -> {y}", y)


def mean(steps: int, channels: int) -> str:
    x, y = _t(steps, channels), _t(1, channels)
    return _function([("x", x)], f"%y = nn.mean %x : {x} -> {y}", y)


def conv(steps: int, channels: int, taps: int, bias: bool = True, constant: bool = False) -> str:
    x, w = _t(steps, channels), _t(channels, taps)
    args = [("x", x)] + ([] if constant else [("w", w)]) + ([("b", _t(channels))] if bias else [])
    body = ""
    if constant:
        values = np.random.default_rng(taps).normal(size=(channels, taps)).round(3).tolist()
        body = f"%w = arith.constant dense<{values}> : {w}\n  "
    operands = "%x, %w, %b" if bias else "%x, %w"
    types = f"{x}, {w}, {_t(channels)}" if bias else f"{x}, {w}"
    body += f"%y = nn.causal_conv1d {operands} : ({types}) -> {x}"
    return _function(args, body, x)


# endregion
# region compile and run ----------------------------------------------------------------------


def compile_program(text: str, hw: str, dataflow: str, chunk_rows: int = 0) -> Program:
    ctx = make_context()
    module = parse_module(ctx, SourceText("nn.mlir", text))
    spec = (
        f'epoch-set-machine{{hw="{hw}"}},convert-func-to-systolic,'
        f"convert-nn-to-systolic{{dataflow={dataflow} chunk-rows={chunk_rows}}},"
        "reconcile-unrealized-casts,systolic-fold-views,systolic-allocate-sram,convert-systolic-to-epoch"
    )
    build_pipeline(spec, PASSES).apply(ctx, module)
    module.verify()
    return module_to_program(module)


def matches_reference(
    text: str,
    hw: str = "small",
    dataflow: str = "ws",
    chunk_rows: int = 0,
    seed: int = 0,
    inputs: dict[str, np.ndarray] | None = None,
) -> None:
    """Compile, run on the emulator and compare with the float64 reference (SPEC tolerance);
    the inputs are normal samples unless given."""
    program = compile_program(text, hw, dataflow, chunk_rows)
    rng = np.random.default_rng(seed)
    inputs = inputs or {
        f"arg{index}": rng.normal(size=symbol.shape).astype(np.float32)
        for index, symbol in enumerate(program.args)
    }
    expected = run_reference(parse_module(make_context(), SourceText("nn.mlir", text)), inputs)
    outputs = Emulator(program, load_machine(hw)).run(inputs).outputs
    check_against(outputs, expected)  # raises naming the first element out of tolerance


# endregion
# region differential tests -------------------------------------------------------------------

steps = st.integers(1, 40)
channels = st.integers(1, 12)
chunk_rows = st.sampled_from([0, 1, 2, 3, 4, 7])
dataflows = st.sampled_from(DATAFLOWS)
machines = st.sampled_from(["small", "tiny"])


@FAST
@given(
    st.sampled_from(
        ["gelu", "gelu_tanh", "silu", "sigmoid", "softplus", "relu", "exp", "neg", "reverse"]
    ),
    steps,
    channels,
    chunk_rows,
    machines,
)
@example("reverse", 9, 3, 4, "small")  # two chunks and a partial one, walked backwards
@example("gelu", 40, 5, 3, "tiny")  # the steady-state loop
def test_unary_ops_match_the_reference(
    op: str, length: int, width: int, rows: int, hw: str
) -> None:
    text = (
        unary("gelu", length, width, " approximate tanh")
        if op == "gelu_tanh"
        else unary(op, length, width)
    )
    matches_reference(text, hw, chunk_rows=rows)


def test_one_dimensional_tensors_are_one_row() -> None:
    t = _t(7)
    matches_reference(_function([("x", t)], f"%y = nn.silu %x : {t}", t))
    matches_reference(_function([("a", t), ("b", t)], f"%y = nn.mul %a, %b : {t}", t))


@FAST
@given(st.sampled_from(["add", "mul"]), steps, channels, chunk_rows, machines)
def test_binary_ops_match_the_reference(
    op: str, length: int, width: int, rows: int, hw: str
) -> None:
    matches_reference(binary(op, length, width), hw, chunk_rows=rows)


def broadcast(op: str, steps: int, channels: int) -> str:
    t, v = _t(steps, channels), _t(channels)
    return _function([("a", t), ("b", v)], f"%y = nn.{op} %a, %b : {t}, {v}", t)


@FAST
@given(st.sampled_from(["add", "mul"]), steps, channels, chunk_rows, machines)
@example("add", 40, 5, 3, "tiny")  # the vector stays in the weight bank through the loop
def test_a_broadcast_vector_operand_matches_the_reference(
    op: str, length: int, width: int, rows: int, hw: str
) -> None:
    matches_reference(broadcast(op, length, width), hw, chunk_rows=rows)


def rms_norm(steps: int, channels: int, eps: float | None = None) -> str:
    x, h = _t(steps, channels), _t(channels)
    option = "" if eps is None else f" eps {eps}"
    body = f"%y = nn.rms_norm %x, %g{option} : ({x}, {h}) -> {x}"
    return _function([("x", x), ("g", h)], body, x)


@FAST
@given(steps, channels, chunk_rows, machines, dataflows)
@example(1, 1, 0, "small", "ws")  # one channel: the value over its own magnitude
@example(40, 16, 8, "small", "ws")  # the mean square on the array: two k-folds, a loop
@example(20, 12, 0, "tiny", "ws")  # three k-folds: the mean square on the vector unit
def test_rms_norm_matches_the_reference(
    length: int, width: int, rows: int, hw: str, dataflow: str
) -> None:
    matches_reference(rms_norm(length, width), hw, dataflow, chunk_rows=rows)


def test_rms_norm_adds_its_eps() -> None:
    matches_reference(rms_norm(10, 3, eps=0.5), chunk_rows=4)  # eps comparable to x^2


def slices(steps: int, channels: int, start: int, width: int) -> str:
    """A slice both returned (copied by DMA) and read by a linear (a view: no copy)."""
    x, y, w = _t(steps, channels), _t(steps, width), _t(3, width)
    body = (
        f"%s = nn.slice %x start {start} : {x} -> {y}\n"
        f"  %l = nn.linear %s, %w : ({y}, {w}) -> {_t(steps, 3)}\n"
        f"  %y = nn.slice %x start {start} : {x} -> {y}"
    )
    text = _function([("x", x), ("w", w)], body, y)
    return text.replace(f"-> {y} {{", f"-> ({y}, {_t(steps, 3)}) {{").replace(
        f"func.return %y : {y}", f"func.return %y, %l : {y}, {_t(steps, 3)}"
    )


@FAST
@given(steps, st.data(), chunk_rows, machines, dataflows)
@example(40, None, 3, "small", "ws")
def test_slices_match_the_reference(
    length: int, data: st.DataObject | None, rows: int, hw: str, dataflow: str
) -> None:
    width, start = (5, 2) if data is None else (data.draw(st.integers(1, 8)), 0)
    if data is not None:
        start = data.draw(st.integers(0, 8 - width))
    matches_reference(slices(length, 8, start, width), hw, dataflow, chunk_rows=rows)


def test_a_slice_read_by_other_ops_moves_no_data() -> None:
    x, y, w, out = _t(64, 8), _t(64, 4), _t(3, 4), _t(64, 3)
    body = f"%s = nn.slice %x start 3 : {x} -> {y}\n  %y = nn.linear %s, %w : ({y}, {w}) -> {out}"
    ctx = make_context()
    module = parse_module(ctx, SourceText("nn.mlir", _function([("x", x), ("w", w)], body, out)))
    spec = (
        'epoch-set-machine{hw="small"},convert-func-to-systolic,convert-nn-to-systolic,'
        "reconcile-unrealized-casts,systolic-fold-views"
    )
    build_pipeline(spec, PASSES).apply(ctx, module)
    transfers = [op for op in module.walk() if isinstance(op, LoadOp | StoreOp)]
    # nothing is stored but the linear's result; its loads read x's columns 3.. directly
    assert {op.dst.name_hint for op in transfers if isinstance(op, StoreOp)} == {"y"}
    from_x = [op for op in transfers if isinstance(op, LoadOp) and op.src.name_hint == "x"]
    assert from_x and {op.src_offsets.get_values()[1] for op in from_x} == {3}


def embedding(steps: int, vocab: int, channels: int) -> str:
    ids, table, y = f"tensor<{steps}xi32>", _t(vocab, channels), _t(steps, channels)
    body = f"%y = nn.embedding %ids, %table : ({ids}, {table}) -> {y}"
    return _function([("ids", ids), ("table", table)], body, y)


@FAST
@given(steps, st.integers(1, 30), channels, chunk_rows, machines, st.integers(0, 2**31))
@example(40, 7, 5, 3, "tiny", 0)  # the loop over chunks, ids repeating
def test_embedding_matches_the_reference(
    length: int, vocab: int, width: int, rows: int, hw: str, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    inputs = {
        "arg0": rng.integers(0, vocab, length).astype(np.int32),
        "arg1": rng.normal(size=(vocab, width)).astype(np.float32),
    }
    matches_reference(embedding(length, vocab, width), hw, chunk_rows=rows, inputs=inputs)


def test_an_embedding_reads_the_rows_it_names_not_the_table() -> None:
    program = compile_program(embedding(64, 50_000, 16), "epochcore", "ws")
    ids = np.arange(64, dtype=np.int32) * 700
    table = np.zeros((50_000, 16), np.float32)
    stats = Emulator(program, load_machine("epochcore")).run({"arg0": ids, "arg1": table}).stats
    assert stats.dram_read_bytes == 4 * (64 + 64 * 16)


def test_an_id_outside_the_table_is_a_fault_naming_its_position() -> None:
    program = compile_program(embedding(40, 10, 4), "tiny", "ws", chunk_rows=8)
    ids = np.zeros(40, np.int32)
    ids[29] = 10
    inputs = {"arg0": ids, "arg1": np.zeros((10, 4), np.float32)}
    with pytest.raises(EmulatorFault, match=r"index 10 at arg0\[29\] is outside"):
        Emulator(program, load_machine("tiny")).run(inputs)


@FAST
@given(steps, channels, chunk_rows, machines)
@example(1, 1, 0, "small")  # one channel: the mean is the value, the variance 0 (eps only)
@example(40, 16, 8, "small")  # row sums on the array: two k-folds, a loop of chunks
@example(20, 12, 0, "tiny")  # three k-folds do not fit the two slots: row sums on the vector unit
def test_layer_norm_matches_the_reference(length: int, width: int, rows: int, hw: str) -> None:
    matches_reference(layer_norm(length, width), hw, chunk_rows=rows)


def test_layer_norm_adds_its_eps() -> None:
    matches_reference(layer_norm(10, 3, eps=0.5), chunk_rows=4)  # eps comparable to variance


@FAST
@given(steps, channels, chunk_rows, machines)
def test_glu_matches_the_reference(length: int, width: int, rows: int, hw: str) -> None:
    matches_reference(glu(length, width), hw, chunk_rows=rows)


@FAST
@given(steps, channels, chunk_rows, machines)
@example(40, 3, 3, "small")  # accumulates over a loop of chunks and a partial one
def test_mean_matches_the_reference(length: int, width: int, rows: int, hw: str) -> None:
    matches_reference(mean(length, width), hw, chunk_rows=rows)


@FAST
@given(
    steps,
    channels,
    st.integers(1, 5),
    st.booleans(),
    st.booleans(),
    chunk_rows,
    dataflows,
    machines,
)
@example(40, 6, 4, True, False, 3, "is", "small")  # halo reloaded inside the loop
@example(5, 6, 5, False, True, 0, "os", "tiny")  # more taps than steps: all halo is zeros
@example(4, 1, 4, False, False, 1, "ws", "small")  # chunks no shorter than the halo
def test_causal_conv1d_matches_the_reference(
    length: int,
    width: int,
    taps: int,
    bias: bool,
    constant: bool,
    rows: int,
    dataflow: str,
    hw: str,
) -> None:
    matches_reference(conv(length, width, taps, bias, constant), hw, dataflow, chunk_rows=rows)


def conv_with_state(steps: int, channels: int, taps: int, bias: bool) -> str:
    x, w, c = _t(steps, channels), _t(channels, taps), _t(taps - 1, channels)
    args = [("x", x), ("w", w)] + ([("b", _t(channels))] if bias else []) + [("c0", c)]
    operands = "%x, %w, %b" if bias else "%x, %w"
    types = f"{x}, {w}, {_t(channels)}, {c}" if bias else f"{x}, {w}, {c}"
    body = f"%y, %c = nn.causal_conv1d {operands} state %c0 : ({types}) -> {x}, {c}"
    text = _function(args, body, x)
    return text.replace(f"-> {x} {{", f"-> ({x}, {c}) {{").replace(
        f"func.return %y : {x}", f"func.return %y, %c : {x}, {c}"
    )


@FAST
@given(steps, channels, st.integers(2, 5), st.booleans(), chunk_rows, machines)
@example(40, 6, 4, True, 3, "small")  # the state out from a loop's last chunk
@example(2, 3, 5, False, 0, "tiny")  # fewer steps than the state's rows: c_last holds c0's end
@example(10, 3, 4, False, 3, "tiny")  # a last chunk of one row
def test_causal_conv1d_with_state_matches_the_reference(
    length: int, width: int, taps: int, bias: bool, rows: int, hw: str
) -> None:
    matches_reference(conv_with_state(length, width, taps, bias), hw, chunk_rows=rows)


@FAST
@given(
    steps, st.integers(1, 20), st.integers(1, 12), st.booleans(), chunk_rows, dataflows, machines
)
def test_linear_matches_the_reference(
    length: int, features: int, outputs: int, bias: bool, rows: int, dataflow: str, hw: str
) -> None:
    matches_reference(linear(length, features, outputs, bias), hw, dataflow, chunk_rows=rows)


def block(length: int, width: int) -> str:
    """A pre-norm residual block with a pooled output: every buffer lands on SRAM another op
    left dirty, so no lowering may rely on zeroed memory (mean's first chunk overwrites)."""
    x, h, w, pooled = _t(length, width), _t(width), _t(width, width), _t(1, width)
    return f"""func.func @main(%x: {x}, %g: {h}, %b: {h}, %w: {w}, %c: {w}) -> ({x}, {pooled}) {{
  %n = nn.layer_norm %x, %g, %b : ({x}, {h}, {h}) -> {x}
  %u = nn.causal_conv1d %n, %c : ({x}, {w}) -> {x}
  %s = nn.silu %u : {x}
  %l = nn.linear %s, %w, %b : ({x}, {w}, {h}) -> {x}
  %r = nn.reverse %l : {x}
  %y = nn.add %r, %x : {x}
  %p = nn.mean %y : {x} -> {pooled}
  func.return %y, %p : {x}, {pooled}
}}
"""


@pytest.mark.parametrize("dataflow", DATAFLOWS)
@pytest.mark.parametrize(("length", "rows"), [(1, 0), (9, 0), (23, 4), (40, 3)])
def test_a_chain_of_ops_sharing_sram_matches_the_reference(
    length: int, rows: int, dataflow: str
) -> None:
    matches_reference(block(length, 6), "small", dataflow, chunk_rows=rows)


@pytest.mark.parametrize("dataflow", [None, *DATAFLOWS])
def test_epoch_run_compiles_nn_layers_with_the_default_pipeline(
    tmp_path: Path, dataflow: str | None
) -> None:
    """The user's path: `epoch run FILE.mlir --expect` against `epoch run --reference`."""
    source = tmp_path / "block.mlir"
    source.write_text(block(13, 5))
    rng = np.random.default_rng(1)
    shapes = [(13, 5), (5,), (5,), (5, 5), (5, 5)]
    np.savez(
        tmp_path / "in.npz",
        **{f"arg{i}": rng.normal(size=shape).astype(np.float32) for i, shape in enumerate(shapes)},
    )

    def epoch(*args: str | Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "epoch_mlir.cli.main", *map(str, args)]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    inputs = ("--inputs", tmp_path / "in.npz")
    reference = epoch("run", source, "--reference", *inputs, "-o", tmp_path / "ref.npz")
    assert reference.returncode == 0, reference.stderr
    flags = ("--dataflow", dataflow) if dataflow else ()
    run = epoch("run", source, "--hw", "tiny", *flags, *inputs, "--expect", tmp_path / "ref.npz")
    assert run.returncode == 0, run.stderr
    assert "outputs match" in run.stdout


# The boundaries of the folds on the 8x4 `small` array: k over 8 rows, n (ws, os) over 4 columns,
# m over 4 columns (is) or 8 rows (os): 1, rows-1, rows, rows+1 and the like.
@pytest.mark.parametrize("dataflow", DATAFLOWS)
@pytest.mark.parametrize(
    ("length", "features", "outputs"),
    [
        *itertools.product([1, 4, 5, 9], [1, 8, 9], [3, 4, 5]),
    ],
)
def test_linear_fold_boundaries(length: int, features: int, outputs: int, dataflow: str) -> None:
    matches_reference(linear(length, features, outputs), "small", dataflow)


# Chunk boundaries: one chunk, exactly two, two and a partial one, the loop of pairs with and
# without a partial chunk, an odd number of full chunks after the loop.
@pytest.mark.parametrize("length", [3, 4, 5, 8, 9, 16, 17, 20, 21, 24, 25])
@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_chunk_boundaries_of_a_gemm_and_a_convolution(length: int, dataflow: str) -> None:
    matches_reference(linear(length, 9, 5), "small", dataflow, chunk_rows=4)
    matches_reference(conv(length, 5, 3), "small", dataflow, chunk_rows=4)


@pytest.mark.parametrize("hw", ["small", "tiny", "tpu"])
@pytest.mark.parametrize("dataflow", DATAFLOWS)
@pytest.mark.parametrize(("m", "k", "n"), [(16, 16, 8), (37, 9, 13), (5, 3, 2)])
def test_gemm_cycles_with_ideal_memory_are_scalesims(
    m: int, k: int, n: int, dataflow: str, hw: str
) -> None:
    """A GEMM that fits SRAM folds in one chunk, as SCALE-Sim maps it (docs/emulator.md)."""
    program = compile_program(linear(m, k, n, bias=False), hw, dataflow)
    machine = load_machine(hw)
    inputs = {f"arg{i}": np.zeros(s.shape, np.float32) for i, s in enumerate(program.args)}
    stats = Emulator(program, machine, ideal_memory=True).run(inputs).stats
    assert stats.cycles == scalesim_cycles(m, k, n, machine.rows, machine.cols, dataflow)


def test_weights_larger_than_the_weight_bank_go_in_blocks(tmp_path: Path) -> None:
    toml = tmp_path / "banks.toml"
    banks = "".join(
        f'[[sram.banks]]\nname = "{name}"\nkib = 1\n' for name in ("input", "weight", "output")
    )
    toml.write_text(f'base = "small"\n{banks}')
    for dataflow in DATAFLOWS:
        matches_reference(linear(30, 60, 9), str(toml), dataflow)  # W: 9 x 60 > 256 words
        matches_reference(unary("relu", 6, 200), str(toml), dataflow)  # single-buffered


@pytest.mark.parametrize("dataflow", ["is", "os"])
def test_folds_over_m_unroll_on_a_single_hardware_loop_level(tmp_path: Path, dataflow: str) -> None:
    toml = tmp_path / "flat.toml"
    toml.write_text('base = "small"\n[control]\nloop_depth = 1\n')
    matches_reference(linear(100, 9, 6), str(toml), dataflow, chunk_rows=16)


def test_a_lowering_error_names_the_op_and_the_bank(tmp_path: Path) -> None:
    toml = tmp_path / "banks.toml"
    banks = "".join(
        f'[[sram.banks]]\nname = "{name}"\nkib = 1\n' for name in ("input", "weight", "output")
    )
    toml.write_text(f'base = "small"\nname = "little"\n{banks}')
    with pytest.raises(LoweringError, match=r"'nn.layer_norm' op cannot be tiled .* \"input\""):
        compile_program(layer_norm(4, 300), str(toml), "ws")


# endregion
# region program size and determinism ---------------------------------------------------------

OPS = {
    "gelu": lambda length: unary("gelu", length, 8),
    "reverse": lambda length: unary("reverse", length, 8),
    "add": lambda length: binary("add", length, 8),
    "layer_norm": lambda length: layer_norm(length, 8),
    "glu": lambda length: glu(length, 4),
    "mean": lambda length: mean(length, 8),
    "conv": lambda length: conv(length, 8, 4),
    "linear": lambda length: linear(length, 12, 6),
}


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_instruction_count_does_not_grow_with_the_sequence(op: str, dataflow: str) -> None:
    # chunks of 64 rows: 7 of them, against 2007
    sizes = [
        len(compile_program(OPS[op](length), "small", dataflow, chunk_rows=64).words)
        for length in (7 * 64, 2007 * 64)
    ]
    assert sizes[0] == sizes[1]
    # and bounded whatever the remainder (chunks are evened out: a last, smaller one, and a
    # partial fold): a few peeled chunks around one loop
    others = [
        len(compile_program(OPS[op](length), "small", dataflow, chunk_rows=64).words)
        for length in (6 * 64, 7 * 64 + 1, 3001 * 64 + 63)
    ]
    assert max(others) <= 2 * sizes[0]


@pytest.mark.parametrize("dataflow", DATAFLOWS)
def test_a_wide_linear_folds_in_a_loop(dataflow: str) -> None:
    """A layer many tiles wide on the 8x4 array: the folds over its outputs (ws) or its rows
    (os, is) are a loop, so the program grows with the k folds only; the numerics still agree.
    """
    sizes = [
        len(compile_program(linear(256, 48, outputs), "small", dataflow, chunk_rows=64).words)
        for outputs in (64, 256)
    ]
    assert sizes[0] == sizes[1]
    # 8 n folds (the last partial) x 3 k folds (odd: two n folds per iteration), then x 7 k
    # folds (a loop over k inside the loop over n, its last fold partial)
    matches_reference(linear(70, 24, 30), "small", dataflow, chunk_rows=32)
    matches_reference(linear(70, 53, 30), "small", dataflow, chunk_rows=32)
    # a chunk loop around the fold loops, its store after them: the store's address register
    # is not one the fold loops used
    matches_reference(linear(512, 32, 128, bias=False), "tiny", dataflow)


def test_automatic_chunks_keep_the_program_small_for_long_sequences() -> None:
    short, long = (
        len(compile_program(unary("gelu", length, 16), "small", "ws").words)
        for length in (7 * 4096 + 7, 301 * 4096 + 7)
    )
    assert short == long


def test_the_same_input_gives_the_same_program() -> None:
    text = conv(37, 6, 3) + linear(37, 9, 5).replace("@main", "@other")
    first, second = (compile_program(text, "small", "is", chunk_rows=4) for _ in range(2))
    assert first.to_bytes() == second.to_bytes()


# endregion
# region the schedule and the chunk size on their own -----------------------------------------


@dataclass(frozen=True)
class Event:
    kind: str  # "load" or "compute"
    row: int
    rows: int
    buffer: int
    first: bool


def _marker(kind: str, chunk: Chunk) -> list[Operation]:
    """A test op recording one callback, with the chunk's numbers as attributes."""
    op = test.TestOp()
    op.attributes["kind"] = IntAttr(0 if kind == "load" else 1)
    for name in ("row", "rows", "buffer", "step"):
        op.attributes[name] = IntAttr(getattr(chunk, name))
    op.attributes["first"] = IntAttr(int(chunk.first))
    return [op]


def _run(ops: list[Operation], iteration: int = 0) -> Iterator[Event]:
    """What the hardware does: loop bodies repeat, rows advance by `step` per iteration."""
    for op in ops:
        if isinstance(op, ChunkLoopOp):
            for index in range(op.count.value.data):
                yield from _run(list(op.body.block.ops), index)
            continue
        values = {name: attr.data for name, attr in op.attributes.items()}  # type: ignore[attr-defined]
        yield Event(
            "load" if values["kind"] == 0 else "compute",
            values["row"] + iteration * values["step"],
            values["rows"],
            values["buffer"],
            bool(values["first"]),
        )


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 200), st.integers(1, 64), st.booleans())
@example(4, 4, True)
@example(24, 4, True)
@example(25, 4, False)
def test_the_schedule_computes_every_chunk_once_after_loading_it(
    length: int, chunk: int, double: bool
) -> None:
    chunk = min(chunk, length)
    ops = pipeline(
        length,
        chunk,
        lambda c: _marker("load", c),
        lambda c: _marker("compute", c),
        double=double,
    )
    events = list(_run(ops))
    computes = [e for e in events if e.kind == "compute"]
    # every row once, in order, in chunks of `chunk` rows (the last may be partial)
    assert [(e.row, e.rows) for e in computes] == [
        (row, min(chunk, length - row)) for row in range(0, length, chunk)
    ]
    assert [e.first for e in computes] == [i == 0 for i in range(len(computes))]
    # each compute finds its chunk in its buffer: loaded before, not overwritten since
    held: dict[int, tuple[int, int]] = {}
    for event in events:
        if event.kind == "load":
            assert event.buffer not in held, "a load overwrote a chunk not yet computed"
            held[event.buffer] = (event.row, event.rows)
        else:
            assert held.pop(event.buffer) == (event.row, event.rows)
    assert all(e.buffer == 0 for e in events) or double
    # the IR stays small: at most one loop, a handful of peeled chunks
    assert sum(isinstance(op, ChunkLoopOp) for op in ops) <= 1
    assert len(ops) <= 16


def _op_on(target: TargetAttr) -> Operation:
    op = test.TestOp()
    ModuleOp([op]).attributes[TARGET_ATTRIBUTE] = target
    return op


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(16, 400), min_size=3, max_size=3),
    st.integers(1, 500),
    st.integers(1, 12),
    st.integers(0, 8),
    st.integers(0, 40),
)
def test_the_chosen_chunk_fits_every_bank_and_is_the_largest_that_does(
    bank_words: list[int], length: int, width: int, halo: int, fixed: int
) -> None:
    names = ("input", "weight", "output")
    target = TargetAttr("t", 8, 4, "lima", 4, list(zip(names, bank_words, strict=True)))
    op = _op_on(target)
    streams = [
        Stream("input", width, extra_rows=halo),
        Stream("output", width),
        Stream("weight", 1, double=False),
    ]
    parameters = {"weight": [fixed]} if fixed else {}

    def words(bank: str, rows: int, copies: int) -> int:
        even = lambda size: size + size % 2  # noqa: E731 - the allocator's 2-word alignment
        total = sum(even(size) for size in parameters.get(bank, []))
        for stream in streams:
            if stream.bank == bank:
                count = copies if stream.double else 1
                total += count * even((rows + stream.extra_rows) * stream.cols)
        return total

    def fits(rows: int, copies: int) -> bool:
        return all(words(b, rows, copies) <= n for b, n in zip(names, bank_words, strict=True))

    try:
        tiling = choose_chunk(op, length, streams, parameters, cap=10_000, min_rows=halo)
    except LoweringError:
        assert not fits(length, 1) and not fits(min(max(1, halo), length), 1)
        return
    if tiling.chunk == length:
        assert fits(length, 1)
        return
    copies = 2 if tiling.double else 1
    assert fits(tiling.chunk, copies) and tiling.chunk >= max(1, halo)
    assert tiling.double or not fits(max(1, halo), 2)
    # as few chunks as the largest fitting size gives, evened out
    largest = max(rows for rows in range(1, length + 1) if fits(rows, copies))
    count = -(-length // largest)
    assert -(-length // tiling.chunk) == count
    assert tiling.chunk * (count - 1) < length <= tiling.chunk * count


# endregion


def test_a_convolution_run_in_pieces_passing_the_state_equals_one_run() -> None:
    # decode-style: 30 steps at once, or 24 then 6 with c_last passed on as c0
    rng = np.random.default_rng(4)
    x = rng.normal(size=(30, 5)).astype(np.float32)
    w = rng.normal(size=(5, 4)).astype(np.float32)
    zero = np.zeros((3, 5), np.float32)
    machine = load_machine("tiny")

    def run(piece: np.ndarray, c0: np.ndarray) -> dict[str, np.ndarray]:
        program = compile_program(conv_with_state(len(piece), 5, 4, False), "tiny", "ws", 4)
        inputs = {"arg0": piece, "arg1": w, "arg2": c0}
        return Emulator(program, machine).run(inputs).outputs

    whole = run(x, zero)
    first = run(x[:24], zero)
    second = run(x[24:], first["res1"])
    np.testing.assert_allclose(np.concatenate([first["res0"], second["res0"]]), whole["res0"])
    np.testing.assert_array_equal(second["res1"], whole["res1"])
