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
from epoch_mlir.dialects.epoch.formats import LoopInstructionOp
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
    length: int,
    channels: int,
    modes: int,
    *,
    complex_: bool,
    constant: bool,
    seed: int,
    constant_d: bool = False,
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
    if constant_d:
        body.append(f"  %d = arith.constant dense<{dense(d)}> : {d_type}")
    else:
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


def pipeline(hw: str, dataflow: str, chunk: int, mode: str = "auto") -> str:
    """`epoch compile`'s default pipeline with the scan's chunk (and conventional mode) fixed."""
    default = default_pipeline(hw, dataflow)
    pass_spec = f"convert-ssm-to-systolic{{dataflow={dataflow}}}"
    assert pass_spec in default
    options = f"dataflow={dataflow}" + (f" chunk={chunk}" if chunk else "")
    options += f" mode={mode}" if mode != "auto" else ""
    return default.replace(pass_spec, f"convert-ssm-to-systolic{{{options}}}")


def compile_text(
    text: str, hw: str, dataflow: str, chunk: int = 0, mode: str = "auto"
) -> tuple[Compiled, ModuleOp]:
    """The compiled program and the parsed module (for the reference interpreter)."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "layer.mlir"
        path.write_text(text)
        spec = pipeline(hw, dataflow, chunk, mode) if chunk or mode != "auto" else None
        compiled = compile_file(path, load_machine(hw), hw, dataflow, spec)
        return compiled, load_module(path)


def run_and_compare(
    text: str,
    inputs: dict[str, np.ndarray],
    hw: str,
    dataflow: str,
    chunk: int,
    mode: str = "auto",
) -> tuple[Compiled, RunResult]:
    """`epoch run --expect` against `epoch run --reference`: raises when they differ."""
    compiled, module = compile_text(text, hw, dataflow, chunk, mode)
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


@pytest.mark.parametrize(("modes", "complex_"), [(4, True), (9, False), (3, True)])
def test_channel_folds_are_a_loop(modes: int, complex_: bool) -> None:
    """On the 4x4 array a fold holds 4 channels (N <= 4) or fewer: a 32-channel layer folds 8
    times (9 modes: 3 mode folds each). The folds are one loop around each fold's chunk loop,
    whose DRAM windows step down the sequence and across the channels: the program does not
    grow with the channels, and the scan still agrees with the reference."""
    sizes = []
    for channels in (32, 64):
        text, inputs = layer(
            5 * CHUNK + 1, channels, modes, complex_=complex_, constant=not complex_, seed=5
        )
        compiled, _ = run_and_compare(text, inputs, "tiny", "prodf", CHUNK)
        sizes.append(len(compiled.program.words))
    assert sizes[0] == sizes[1]
    loops = [op for op in compiled.module.walk() if isinstance(op, LoopInstructionOp)]
    nested = [
        outer
        for outer in loops
        if any(inner.is_ancestor(outer) for inner in loops if inner is not outer)
    ]
    assert nested, "the channel loop holds the chunk loops"


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

    # from L = 160 on, the recurrent mode's estimate is the lower one (the convolution mode,
    # quadratic in L, takes shorter ones: its program grows with L / rows)
    assert len({size(length, 8) for length in (160, 640, 1280, 8000)}) == 1
    sizes = [size(length, 0) for length in (1000, 10**5, 10**6)]
    assert max(sizes) <= 200, sizes  # three channel folds: ramps and a few unrolled chunks each


def test_the_cost_model_picks_a_faster_chunk_than_the_hand_written_kernel() -> None:
    """H = 256, N = 4, L = 4096 on epochcore: the DMA bounds the stream, and the cost model's
    chunk overlaps it better than kernels/s4d.py's rule (the largest chunk up to 4096)."""
    machine = load_machine("epochcore")
    text, inputs = layer(4096, 256, 4, complex_=True, constant=False, seed=1)
    compiled, _ = compile_text(text, "epochcore", "prodf")
    ours = Emulator(compiled.program, machine).run(inputs).stats.cycles
    kernel = Emulator(s4d_program(4096, 256, 4, machine), machine).run(inputs).stats.cycles
    assert ours < 0.8 * kernel


def lower_to_systolic(text: str, hw: str, dataflow: str, mode: str = "auto") -> ModuleOp:
    """The module right after convert-ssm-to-systolic: the ops and attributes it emits."""
    ctx = make_context()
    module = parse_module(ctx, SourceText("layer.mlir", text))
    spec = (
        f"epoch-set-machine{{hw={hw}}},convert-func-to-systolic,"
        f"convert-ssm-to-systolic{{dataflow={dataflow} mode={mode}}}"
    )
    build_pipeline(spec, get_all_passes()).apply(ctx, module)
    return module


def test_the_recurrent_estimate_is_close_to_the_emulated_cycles() -> None:
    # long enough for the recurrent mode to be the lower estimate (at L = 200 the convolution
    # mode is: test_auto_takes_the_lower_estimate)
    text, inputs = layer(400, 9, 8, complex_=True, constant=True, seed=2)
    _, result = run_and_compare(text, inputs, "tiny", "ws", chunk=0)
    loops = [
        op for op in lower_to_systolic(text, "tiny", "ws").walk() if isinstance(op, ChunkLoopOp)
    ]
    assert loops and all(loop.attributes["ssm.mode"] == StringAttr("recurrent") for loop in loops)
    estimates = loops[0].attributes["ssm.estimates"]
    assert isinstance(estimates, DictionaryAttr)
    recurrent = estimates.data["recurrent"]
    assert isinstance(recurrent, IntegerAttr)
    cycles = result.stats.cycles
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


# region the convolution mode -------------------------------------------------------------------


def recorded(module: ModuleOp) -> tuple[str, dict[str, int]]:
    """The layer's `ssm.mode` and `ssm.estimates` (every annotated op carries the same)."""
    found = {
        (str(op.attributes["ssm.mode"]), str(op.attributes["ssm.estimates"]))
        for op in module.walk()
        if "ssm.mode" in op.attributes
    }
    assert len(found) == 1, found
    op = next(op for op in module.walk() if "ssm.mode" in op.attributes)
    mode, estimates = op.attributes["ssm.mode"], op.attributes["ssm.estimates"]
    assert isinstance(mode, StringAttr) and isinstance(estimates, DictionaryAttr)
    values = {}
    for key, value in estimates.data.items():
        assert isinstance(value, IntegerAttr)
        values[key] = value.value.data
    return mode.data, values


# lengths around the arrays' rows (tiny 4, small 8, tpu 128) and a few folds of them
CONVOLUTION_LENGTHS = {
    "tiny": [1, 2, 3, 4, 5, 8, 9, 13],
    "small": [1, 3, 7, 8, 9, 16, 17, 25],
    "tpu": [1, 5, 127, 128, 129, 200, 257],
}


@settings(max_examples=40, deadline=None)
@given(
    case=st.sampled_from(sorted(CONVOLUTION_LENGTHS)).flatmap(
        lambda hw: st.tuples(st.just(hw), st.sampled_from(CONVOLUTION_LENGTHS[hw]))
    ),
    dataflow=st.sampled_from(["ws", "os", "is"]),
    channels=st.sampled_from(CHANNELS),
    modes=st.sampled_from(MODES),
    complex_=st.booleans(),
    constant_d=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_the_convolution_mode_matches_the_reference(
    case: tuple[str, int],
    dataflow: str,
    channels: int,
    modes: int,
    complex_: bool,
    constant_d: bool,
    seed: int,
) -> None:
    hw, length = case
    text, inputs = layer(
        length, channels, modes, complex_=complex_, constant=True, seed=seed, constant_d=constant_d
    )
    run_and_compare(text, inputs, hw, dataflow, 0, mode="convolution")
    assert recorded(lower_to_systolic(text, hw, dataflow, "convolution"))[0] == "convolution"


@pytest.mark.parametrize(
    ("hw", "dataflow", "length", "channels", "complex_"),
    [
        ("tpu", "ws", 300, 8, True),
        ("tpu", "os", 300, 8, True),
        ("tpu", "is", 200, 8, False),
        ("small", "os", 40, 5, True),
        ("tiny", "ws", 33, 9, False),
        ("tiny", "is", 50, 3, True),
    ],
)
def test_the_convolution_estimate_is_close_to_the_emulated_cycles(
    hw: str, dataflow: str, length: int, channels: int, complex_: bool
) -> None:
    text, inputs = layer(length, channels, 4, complex_=complex_, constant=True, seed=1)
    _, result = run_and_compare(text, inputs, hw, dataflow, 0, mode="convolution")
    mode, estimates = recorded(lower_to_systolic(text, hw, dataflow, "convolution"))
    assert mode == "convolution"
    cycles = result.stats.cycles
    assert abs(estimates["convolution"] - cycles) <= 0.05 * cycles, (estimates, cycles)


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_auto_takes_the_lower_estimate(dataflow: str) -> None:
    """Short sequences take the convolution mode, long ones the recurrent; both estimates are
    recorded whichever is chosen, and the chosen program runs correctly."""
    chosen = {}
    for length in (8, 200, 400, 2000):
        text, inputs = layer(length, 9, 8, complex_=True, constant=True, seed=2)
        mode, estimates = recorded(lower_to_systolic(text, "tiny", dataflow))
        assert set(estimates) == {"recurrent", "convolution"}
        lower = min(estimates, key=lambda key: (estimates[key], key != "recurrent"))
        assert mode == lower, (length, estimates)
        chosen[length] = mode
        run_and_compare(text, inputs, "tiny", dataflow, 0)
    assert chosen[8] == "convolution" and chosen[2000] == "recurrent", chosen


def test_mode_recurrent_and_convolution_force_the_mapping() -> None:
    text, inputs = layer(12, 3, 2, complex_=False, constant=True, seed=4)
    for mode in ("recurrent", "convolution"):
        recorded_mode, estimates = recorded(lower_to_systolic(text, "small", "ws", mode))
        assert recorded_mode == mode and set(estimates) == {"recurrent", "convolution"}
        run_and_compare(text, inputs, "small", "ws", 0, mode=mode)


def test_the_convolution_mode_is_refused_on_run_time_coefficients() -> None:
    text, _ = layer(8, 2, 2, complex_=True, constant=False, seed=0)
    with pytest.raises(EpochError) as caught:
        compile_text(text, "small", "ws", mode="convolution")
    assert "cannot use the convolution mode: its coefficients are not compile-time constants" in (
        str(caught.value)
    )
    # auto keeps them on the recurrent mode, with the convolution's estimate (kernel generation
    # on the vector unit included) for the record
    mode, estimates = recorded(lower_to_systolic(text, "small", "ws"))
    assert mode == "recurrent" and "convolution" in estimates


def test_the_convolution_mode_needs_its_buffers_in_sram(tmp_path: Path) -> None:
    hw = machine_file(
        tmp_path,
        'base = "small"\nname = "narrow"\n[[sram.banks]]\nname = "input"\n'
        'kib = 1\n[[sram.banks]]\nname = "weight"\nkib = 1\n[[sram.banks]]\n'
        'name = "output"\nkib = 1\n',
    )
    text, _ = layer(300, 1, 1, complex_=False, constant=True, seed=0)
    with pytest.raises(EpochError) as caught:
        compile_text(text, hw, "ws", mode="convolution")
    assert "cannot use the convolution mode: it keeps 300 words in bank 'input' of 256" in str(
        caught.value
    )


def test_the_convolution_program_does_not_grow_with_the_channels() -> None:
    """A loop over the channels: the program holds one channel's folds (L / rows of them)."""

    def size(channels: int) -> int:
        text, _ = layer(40, channels, 2, complex_=False, constant=True, seed=0)
        return len(compile_text(text, "small", "ws", mode="convolution")[0].program.decoded())

    assert size(2) == size(9) == size(50)


def test_the_kernel_and_the_estimate_agree_with_their_definitions() -> None:
    """convolution_kernel against the definition; convolution_cycles against the emitted
    schedule's phases (schedule_cycles)."""
    from xdsl.dialects.builtin import f32

    from epoch_mlir.conversions.convert_ssm_to_systolic.operands import Plane, Scan
    from epoch_mlir.conversions.convert_ssm_to_systolic.scan_convolution import (
        convolution_cycles,
        convolution_kernel,
        emit_convolution,
        schedule_cycles,
    )
    from epoch_mlir.conversions.systolic_common.builder import OpList
    from epoch_mlir.dialects.systolic import AllocDramOp, DramType

    rng = np.random.default_rng(0)
    shape = (3, 5)
    abar = np.exp(-rng.uniform(0.05, 0.5, shape) + 1j * rng.uniform(0, 3, shape))
    bbar, c = rng.normal(size=shape) + 0j, rng.normal(size=shape) + 1j
    d = rng.normal(size=3)
    kernel = convolution_kernel(abar, bbar, c, d, 150)
    lags = np.arange(150)
    expected = np.einsum("hn,hnt->ht", c * bbar, abar[:, :, None] ** lags).real
    expected[:, 0] += d
    np.testing.assert_allclose(kernel, expected, rtol=1e-12, atol=1e-12)

    for hw in ("tiny", "tpu"):
        machine = load_machine(hw)
        for dataflow in ("ws", "os", "is"):
            for length, d_folded in ((7, True), (130, False), (300, True)):
                tensors = [
                    AllocDramOp(DramType(shape_, f32)).tensor
                    for shape_ in ((length, 3), (3, 5), (3,), (length, 3))
                ]
                plane = Plane("Abar", tensors[1], np.zeros(shape, np.float32))
                scan = Scan(
                    tensors[0], plane, plane, plane, tensors[2], tensors[3], length, 3, 5, False
                )
                ops = OpList(machine)
                emit_convolution(ops, scan, dataflow, np.zeros((3, length)), d_folded)
                assert convolution_cycles(scan, machine, dataflow, d_folded) == schedule_cycles(
                    ops
                ), (hw, dataflow, length)
