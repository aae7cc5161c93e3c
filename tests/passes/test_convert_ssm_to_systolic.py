"""convert-ssm-to-systolic: compiled ssm.scan layers on the emulator against the float64 reference.

Each case is what `epoch run FILE.mlir --expect REF.npz` checks, REF coming from `epoch run
FILE.mlir --reference`: the module is compiled with `epoch compile`'s default pipeline (the
chunk length fixed where the case is about chunks), run on the emulator, and compared within
SPEC.md's tolerance. Shapes sit on the boundaries of the folds, the packing and the chunks of the
`small` (8x4) and `tiny` (4x4) machines: H in {1, 3, 4, 5, 8, 9}, N in {1, 3, 8, 9}, L around the
chunk.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import DictionaryAttr, IntegerAttr, ModuleOp, StringAttr

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import Compiled, compile_file
from epoch_mlir.dialects.systolic import ChunkLoopOp
from epoch_mlir.emulator.core import Emulator, RunResult
from epoch_mlir.errors import EpochError
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, load_module, make_context, parse_module
from epoch_mlir.kernels.s4d import s4d_program
from epoch_mlir.machine import load_machine
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.pipelines import default_pipeline
from epoch_mlir.registry import get_all_passes

CHANNELS = [1, 3, 4, 5, 8, 9]  # one fold, rows-1 / rows / rows+1 around the folds and packing
MODES = [1, 3, 8, 9]
CHUNK = 4
LENGTHS = [1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 1, 4 * CHUNK, 5 * CHUNK + 1]


def dense(values: np.ndarray) -> str:
    """A dense attribute body as MLIR's hex blob (exact, any shape, complex too)."""
    dtype = np.complex64 if np.iscomplexobj(values) else np.float32
    return '"0x' + np.ascontiguousarray(values, dtype).tobytes().hex().upper() + '"'


def layer(
    length: int, channels: int, modes: int, *, complex_: bool, constant: bool, seed: int
) -> tuple[str, dict[str, np.ndarray]]:
    """An ssm.scan module (coefficients as arguments or as constants) and its inputs."""
    rng = np.random.default_rng(seed)
    shape = (channels, modes)
    if complex_:
        abar = np.exp(-rng.uniform(0.05, 0.5, shape) + 1j * rng.uniform(0, 3, shape))
        bbar = rng.normal(size=shape) + 1j * rng.normal(size=shape)
        c = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    else:
        abar = rng.uniform(-0.95, 0.95, shape)
        bbar, c = rng.normal(size=shape), rng.normal(size=shape)
    planes = [p.astype(np.complex64 if complex_ else np.float32) for p in (abar, bbar, c)]
    u = rng.normal(size=(length, channels)).astype(np.float32)
    d = rng.normal(size=channels).astype(np.float32)
    plane_type = f"tensor<{channels}x{modes}x{'complex<f32>' if complex_ else 'f32'}>"
    u_type, d_type = f"tensor<{length}x{channels}xf32>", f"tensor<{channels}xf32>"
    arguments, body, inputs = [f"%u: {u_type}"], [], {"arg0": u}
    for name, plane in zip("abc", planes, strict=True):
        if constant:
            body.append(f"  %{name} = arith.constant dense<{dense(plane)}> : {plane_type}")
        else:
            arguments.append(f"%{name}: {plane_type}")
            inputs[f"arg{len(inputs)}"] = plane
    arguments.append(f"%d: {d_type}")
    inputs[f"arg{len(inputs)}"] = d
    text = "\n".join(
        [
            f"func.func @main({', '.join(arguments)}) -> {u_type} {{",
            *body,
            f"  %y = ssm.scan %u, %a, %b, %c, %d : ({u_type}, {plane_type}, {plane_type}, "
            f"{plane_type}, {d_type}) -> {u_type}",
            f"  func.return %y : {u_type}",
            "}",
        ]
    )
    return text, inputs


def pipeline(hw: str, dataflow: str, chunk: int) -> str:
    """`epoch compile`'s default pipeline with the scan's chunk fixed."""
    default = default_pipeline(hw, dataflow)
    pass_spec = f"convert-ssm-to-systolic{{dataflow={dataflow}}}"
    assert pass_spec in default
    return default.replace(
        pass_spec, f"convert-ssm-to-systolic{{dataflow={dataflow} chunk={chunk}}}"
    )


def compile_text(text: str, hw: str, dataflow: str, chunk: int = 0) -> tuple[Compiled, ModuleOp]:
    """The compiled program and the parsed module (for the reference interpreter)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "layer.mlir"
        path.write_text(text)
        spec = pipeline(hw, dataflow, chunk) if chunk else None
        compiled = compile_file(path, load_machine(hw), hw, dataflow, spec)
        return compiled, load_module(path)


def run_and_compare(
    text: str, inputs: dict[str, np.ndarray], hw: str, dataflow: str, chunk: int
) -> tuple[Compiled, RunResult]:
    """`epoch run --expect` against `epoch run --reference`: raises when they differ."""
    compiled, module = compile_text(text, hw, dataflow, chunk)
    result = Emulator(compiled.program, load_machine(hw)).run(inputs)
    check_against(result.outputs, run_reference(module, inputs))
    return compiled, result


@settings(max_examples=40, deadline=None)
@given(
    hw=st.sampled_from(["small", "tiny"]),
    length=st.sampled_from(LENGTHS),
    channels=st.sampled_from(CHANNELS),
    modes=st.sampled_from(MODES),
    complex_=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_prodf_matches_the_reference(
    hw: str, length: int, channels: int, modes: int, complex_: bool, seed: int
) -> None:
    # real coefficients must be constants under ProDF (they become complex constants)
    text, inputs = layer(
        length, channels, modes, complex_=complex_, constant=not complex_, seed=seed
    )
    run_and_compare(text, inputs, hw, "prodf", CHUNK)


@settings(max_examples=40, deadline=None)
@given(
    hw=st.sampled_from(["small", "tiny"]),
    dataflow=st.sampled_from(["ws", "os", "is"]),
    length=st.sampled_from(LENGTHS),
    channels=st.sampled_from(CHANNELS),
    modes=st.sampled_from(MODES),
    kind=st.sampled_from(["complex constants", "real constants", "real at run time"]),
    seed=st.integers(0, 2**16),
)
def test_conventional_matches_the_reference(
    hw: str, dataflow: str, length: int, channels: int, modes: int, kind: str, seed: int
) -> None:
    text, inputs = layer(
        length,
        channels,
        modes,
        complex_=kind.startswith("complex"),
        constant=kind.endswith("constants"),
        seed=seed,
    )
    run_and_compare(text, inputs, hw, dataflow, CHUNK)


@pytest.mark.parametrize(("hw", "dataflow"), [("small", "prodf"), ("tiny", "ws"), ("small", "is")])
def test_the_cost_models_chunk_gives_the_same_results(hw: str, dataflow: str) -> None:
    text, inputs = layer(100, 9, 9, complex_=True, constant=dataflow != "prodf", seed=7)
    run_and_compare(text, inputs, hw, dataflow, chunk=0)


def test_epoch_run_agrees_with_epoch_run_reference(tmp_path: Path) -> None:
    """The user's check, through the CLI: `epoch run --expect` the `--reference` outputs."""
    text, inputs = layer(2 * CHUNK + 3, 5, 3, complex_=True, constant=False, seed=3)
    source, arrays = tmp_path / "layer.mlir", tmp_path / "in.npz"
    source.write_text(text)
    np.savez(arrays, **inputs)  # type: ignore[arg-type]
    epoch = [sys.executable, "-m", "epoch_mlir.cli.main"]
    common = [str(source), "--hw", "small", "--inputs", str(arrays)]
    subprocess.run(
        [*epoch, "run", *common, "--reference", "-o", str(tmp_path / "ref.npz")], check=True
    )
    completed = subprocess.run(
        [*epoch, "run", *common, "--expect", str(tmp_path / "ref.npz")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "outputs match the expected values" in completed.stdout


@pytest.mark.parametrize(
    ("hw", "dataflow", "complex_"), [("small", "prodf", True), ("small", "ws", False)]
)
def test_the_program_does_not_grow_with_the_sequence(
    hw: str, dataflow: str, complex_: bool
) -> None:
    """Fixed chunk: lengths with the same chunk structure give the very same instruction count;
    with the cost model's chunk, a million timesteps still compile to a small program."""

    def size(length: int, chunk: int) -> int:
        text, _ = layer(length, 9, 5, complex_=complex_, constant=not complex_, seed=0)
        return len(compile_text(text, hw, dataflow, chunk)[0].program.decoded())

    assert len({size(length, 8) for length in (80, 160, 640, 8000)}) == 1
    sizes = [size(length, 0) for length in (1000, 10**5, 10**6)]
    assert max(sizes) <= 200, sizes  # three channel folds: ramps and a few unrolled chunks each


def test_the_cost_model_picks_a_faster_chunk_than_the_hand_written_kernel() -> None:
    """H = 256, N = 4, L = 4096 on epochcore: the DMA bounds the stream, and the cost model's
    chunk overlaps it better than kernels/s4d.py's rule (the largest chunk up to 4096)."""
    machine = load_machine("epochcore")
    text, inputs = layer(4096, 256, 4, complex_=True, constant=False, seed=1)
    compiled, _ = compile_text(text, "epochcore", "prodf")
    ours = Emulator(compiled.program, machine).run(inputs).stats["cycles"]
    kernel = Emulator(s4d_program(4096, 256, 4, machine), machine).run(inputs).stats["cycles"]
    assert ours < 0.8 * kernel


def lower_to_systolic(text: str, hw: str, dataflow: str) -> ModuleOp:
    """The module right after convert-ssm-to-systolic: the ops and attributes it emits."""
    ctx = make_context()
    module = parse_module(ctx, SourceText("layer.mlir", text))
    spec = f"convert-func-to-systolic{{hw={hw}}},convert-ssm-to-systolic{{dataflow={dataflow}}}"
    build_pipeline(spec, get_all_passes()).apply(ctx, module)
    return module


def test_the_recurrent_estimate_is_close_to_the_emulated_cycles() -> None:
    text, inputs = layer(200, 9, 8, complex_=True, constant=True, seed=2)
    _, result = run_and_compare(text, inputs, "tiny", "ws", chunk=0)
    loops = [
        op for op in lower_to_systolic(text, "tiny", "ws").walk() if isinstance(op, ChunkLoopOp)
    ]
    assert loops and all(loop.attributes["ssm.mode"] == StringAttr("recurrent") for loop in loops)
    estimates = loops[0].attributes["ssm.estimates"]
    assert isinstance(estimates, DictionaryAttr)
    recurrent = estimates.data["recurrent"]
    assert isinstance(recurrent, IntegerAttr)
    cycles = result.stats["cycles"]
    assert abs(recurrent.value.data - cycles) <= 0.05 * cycles


def machine_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "machine.toml"
    path.write_text(body)
    return str(path)


def refusal(text: str, hw: str, dataflow: str) -> str:
    with pytest.raises(EpochError) as caught:
        compile_text(text, hw, dataflow)
    return str(caught.value)


def test_the_recurrent_mode_needs_two_loop_levels(tmp_path: Path) -> None:
    hw = machine_file(tmp_path, 'base = "small"\nname = "flat"\n[control]\nloop_depth = 1\n')
    text, _ = layer(8, 2, 2, complex_=False, constant=False, seed=0)
    message = refusal(text, hw, "ws")
    assert "'ssm.scan' op the recurrent mode nests two chunk loops" in message
    assert "has 1 hardware loop level" in message


def test_a_fold_whose_timestep_does_not_fit_the_stream_banks_is_refused(tmp_path: Path) -> None:
    banks = "".join(
        f'[[sram.banks]]\nname = "{name}"\nkib = 1\n' for name in ("input", "weight", "output")
    )
    hw = machine_file(tmp_path, f'base = "small"\nname = "narrow"\nrows = 16\ncols = 16\n{banks}')
    text, _ = layer(8, 256, 1, complex_=True, constant=False, seed=0)
    message = refusal(text, hw, "prodf")
    assert (
        "cannot stream the sequence: two buffers of one timestep of 256 channels need 512 "
        "words (banks 'input' and 'output' give each side 256 words)"
    ) in message


def test_a_machine_without_the_banks_the_mapping_uses_is_refused(tmp_path: Path) -> None:
    banks = "".join(f'[[sram.banks]]\nname = "{name}"\nkib = 64\n' for name in ("a", "b"))
    hw = machine_file(tmp_path, f'base = "small"\nname = "odd"\n{banks}')
    text, _ = layer(8, 2, 2, complex_=True, constant=False, seed=0)
    assert "needs an SRAM bank named 'input', but machine 'odd' has a, b" in refusal(
        text, hw, "prodf"
    )
