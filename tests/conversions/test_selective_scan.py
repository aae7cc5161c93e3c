"""`ssm.selective_scan` through convert-ssm-to-systolic, checked by running it.

Differential: the float64 reference interpreter on the ssm-level module against the emulator
running the compiled program, over the boundary shapes of channel folds and packing (channels
around G * cols), mode folds (modes around the rows) and chunks (lengths around the chunk).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xdsl.dialects.builtin import StringAttr

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import Compiled, compile_file
from epoch_mlir.dialects.systolic import (
    ChunkLoopOp,
    ConfigureOp,
    SelectiveDiscretizeOp,
    SelectiveStreamOp,
    VectorOp,
)
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.errors import EpochError
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.machine import load_machine
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.pipelines import default_pipeline
from epoch_mlir.registry import get_all_passes

CHANNELS = [1, 3, 4, 5, 8, 9]  # around the 4 columns and the packed 8 / 16 channels
MODES = [1, 2, 3, 4, 5, 8, 9]  # around the rows (4 on tiny, 8 on small): packing, mode folds
CHUNK = 4
LENGTHS = [1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 1, 4 * CHUNK, 5 * CHUNK + 1]


def selective_layer(
    length: int,
    channels: int,
    modes: int,
    *,
    gate: bool,
    softplus: bool,
    seed: int,
    state: bool = False,
) -> tuple[str, dict[str, np.ndarray]]:
    """A module with one ssm.selective_scan whose operands are all arguments, and its inputs;
    with `state`, it starts from the argument x0 and also returns its last state."""
    rng = np.random.default_rng(seed)
    t = f"tensor<{length}x{channels}xf32>"
    tn = f"tensor<{length}x{modes}xf32>"
    a, d = f"tensor<{channels}x{modes}xf32>", f"tensor<{channels}xf32>"
    delta = (
        rng.normal(size=(length, channels))
        if softplus
        else rng.uniform(0.01, 1, (length, channels))
    )
    values = [
        rng.normal(size=(length, channels)),
        delta,
        -rng.uniform(0.1, 2, (channels, modes)),
        rng.normal(size=(length, modes)),
        rng.normal(size=(length, modes)),
        rng.normal(size=channels),
    ]
    names, types = ["u", "delta", "a", "b", "c", "d"], [t, t, a, tn, tn, d]
    if gate:
        values.append(rng.normal(size=(length, channels)))
        names.append("z")
        types.append(t)
    operands = ", ".join("%" + n for n in names)
    results, returned = t, "%y"
    if state:
        values.append(rng.normal(size=(channels, modes)))
        names.append("x0")
        types.append(a)
        operands += " state %x0"
        results, returned = f"{t}, {a}", "%y, %x"
    arguments = ", ".join(f"%{n}: {ty}" for n, ty in zip(names, types, strict=True))
    flag = " delta_softplus" if softplus else ""
    text = "\n".join(
        [
            f"func.func @main({arguments}) -> ({results}) {{",
            f"  {returned} = ssm.selective_scan {operands}{flag} : "
            f"({', '.join(types)}) -> {results}",
            f"  func.return {returned} : {results}",
            "}",
        ]
    )
    inputs = {f"arg{i}": np.asarray(v, np.float32) for i, v in enumerate(values)}
    return text, inputs


def compile_text(text: str, hw: str, dataflow: str, chunk: int = 0) -> tuple[Compiled, Path]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "layer.mlir"
        path.write_text(text)
        spec = None
        if chunk:
            default = default_pipeline(hw, dataflow)
            option = f"convert-ssm-to-systolic{{dataflow={dataflow}}}"
            spec = default.replace(
                option, f"convert-ssm-to-systolic{{dataflow={dataflow} chunk={chunk}}}"
            )
        return compile_file(path, load_machine(hw), hw, dataflow, spec), path


def run_and_compare(
    text: str, inputs: dict[str, np.ndarray], hw: str, dataflow: str, chunk: int
) -> dict:
    compiled, _ = compile_text(text, hw, dataflow, chunk)
    result = Emulator(compiled.program, load_machine(hw)).run(inputs)
    module = parse_module(make_context(), SourceText("layer.mlir", text))
    assert "match" in check_against(result.outputs, run_reference(module, inputs))
    return result.stats


@settings(max_examples=40, deadline=None)
@given(
    hw=st.sampled_from(["small", "tiny"]),
    length=st.sampled_from(LENGTHS),
    channels=st.sampled_from(CHANNELS),
    modes=st.sampled_from(MODES),
    gate=st.booleans(),
    softplus=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_prodf_matches_the_reference(
    hw: str, length: int, channels: int, modes: int, gate: bool, softplus: bool, seed: int
) -> None:
    text, inputs = selective_layer(length, channels, modes, gate=gate, softplus=softplus, seed=seed)
    run_and_compare(text, inputs, hw, "prodf", CHUNK)


@settings(max_examples=30, deadline=None)
@given(
    hw=st.sampled_from(["small", "tiny", "tpu"]),
    dataflow=st.sampled_from(["ws", "os", "is"]),
    length=st.sampled_from(LENGTHS),
    channels=st.sampled_from(CHANNELS),
    modes=st.sampled_from(MODES),
    gate=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_conventional_matches_the_reference(
    hw: str, dataflow: str, length: int, channels: int, modes: int, gate: bool, seed: int
) -> None:
    text, inputs = selective_layer(length, channels, modes, gate=gate, softplus=True, seed=seed)
    run_and_compare(text, inputs, hw, dataflow, CHUNK)


@pytest.mark.parametrize(("hw", "dataflow"), [("small", "prodf"), ("tiny", "ws"), ("tpu", "os")])
def test_the_cost_models_chunk_gives_the_same_results(hw: str, dataflow: str) -> None:
    text, inputs = selective_layer(150, 9, 9, gate=True, softplus=True, seed=3)
    run_and_compare(text, inputs, hw, dataflow, chunk=0)


def lower_to_systolic(text: str, hw: str, dataflow: str) -> list:
    ctx = make_context()
    module = parse_module(ctx, SourceText("layer.mlir", text))
    spec = (
        f"epoch-set-machine{{hw={hw}}},convert-func-to-systolic,"
        f"convert-ssm-to-systolic{{dataflow={dataflow}}}"
    )
    build_pipeline(spec, get_all_passes()).apply(ctx, module)
    return list(module.walk())


def test_prodf_streams_the_coefficients_through_the_array() -> None:
    text, _ = selective_layer(64, 5, 3, gate=True, softplus=True, seed=0)
    ops = lower_to_systolic(text, "small", "prodf")
    streams = [op for op in ops if isinstance(op, SelectiveStreamOp)]
    assert streams and streams[0].reset is not None
    assert any(isinstance(op, SelectiveDiscretizeOp) for op in ops)
    functions = {op.function.data for op in ops if isinstance(op, VectorOp)}
    assert {"softplus", "mul", "add", "silu"} <= functions
    (configure,) = [op for op in ops if isinstance(op, ConfigureOp)]
    assert configure.attributes["ssm.mode"] == StringAttr("prodf")


def test_the_conventional_mapping_keeps_the_array_for_transposes_only() -> None:
    text, _ = selective_layer(64, 5, 3, gate=False, softplus=False, seed=0)
    ops = lower_to_systolic(text, "tpu", "ws")
    assert not any(isinstance(op, SelectiveStreamOp) for op in ops)
    loops = [op for op in ops if isinstance(op, ChunkLoopOp)]
    assert loops and all(loop.attributes["ssm.mode"] == StringAttr("recurrent") for loop in loops)
    assert "softplus" not in {op.function.data for op in ops if isinstance(op, VectorOp)}


@pytest.mark.parametrize(("hw", "dataflow"), [("small", "prodf"), ("small", "ws")])
def test_the_program_does_not_grow_with_the_sequence(hw: str, dataflow: str) -> None:
    def size(length: int, chunk: int) -> int:
        text, _ = selective_layer(length, 9, 5, gate=True, softplus=True, seed=0)
        return len(compile_text(text, hw, dataflow, chunk)[0].program.decoded())

    assert len({size(length, 8) for length in (80, 160, 640, 8000)}) == 1
    sizes = [size(length, 0) for length in (10**4, 10**5, 10**6)]
    assert max(sizes) <= 300, sizes  # three channel folds (and two mode folds for prodf)


def refusal(text: str, hw: str, dataflow: str) -> str:
    with pytest.raises(EpochError) as caught:
        compile_text(text, hw, dataflow)
    return str(caught.value)


def test_prodf_on_mac_pes_is_refused() -> None:
    text, _ = selective_layer(8, 2, 2, gate=False, softplus=False, seed=0)
    with pytest.raises(EpochError) as caught:  # the pass itself, not epoch compile's check
        lower_to_systolic(text, "tpu", "prodf")
    assert "'ssm.selective_scan' op dataflow prodf needs LIMA-PEs" in str(caught.value)


def test_a_timestep_that_does_not_fit_the_banks_is_refused(tmp_path: Path) -> None:
    banks = "".join(
        f'[[sram.banks]]\nname = "{name}"\nkib = 1\n' for name in ("input", "weight", "output")
    )
    path = tmp_path / "machine.toml"
    path.write_text(f'base = "small"\nname = "narrow"\n{banks}')
    text, _ = selective_layer(8, 2, 200, gate=False, softplus=False, seed=0)
    message = refusal(text, str(path), "ws")
    assert "'ssm.selective_scan' op cannot stream the sequence: one timestep" in message
    assert "bank 'weight'" in message


@pytest.mark.parametrize(
    ("hw", "dataflow", "modes"), [("tiny", "prodf", 4), ("tiny", "prodf", 9), ("tpu", "ws", 4)]
)
def test_channel_folds_are_a_loop(hw: str, dataflow: str, modes: int) -> None:
    """Many channel folds (4 channels a fold on the 4x4 array with N = 4; 3 mode folds each
    with N = 9; 128 lanes on tpu): the full folds are one loop around each fold's chunk
    loop, so the program does not grow with the channels, and the scan still agrees with the
    reference, the gate included."""
    per_fold = 128 if hw == "tpu" else 4
    sizes = []
    for folds in (8, 16):
        text, inputs = selective_layer(
            5 * CHUNK + 1, folds * per_fold, modes, gate=True, softplus=True, seed=folds
        )
        run_and_compare(text, inputs, hw, dataflow, CHUNK)
        compiled, _ = compile_text(text, hw, dataflow, CHUNK)
        sizes.append(len(compiled.program.words))
    assert sizes[0] == sizes[1]


@settings(max_examples=30, deadline=None)
@given(
    hw=st.sampled_from(["small", "tiny", "epochcore"]),
    length=st.sampled_from(LENGTHS),
    channels=st.sampled_from(CHANNELS),
    modes=st.sampled_from(MODES),
    seed=st.integers(0, 2**16),
)
def test_prodf_with_a_state_in_and_out_matches_the_reference(
    hw: str, length: int, channels: int, modes: int, seed: int
) -> None:
    # ldx before each fold's stream, stx after it: mode folds and channel folds each hold theirs
    text, inputs = selective_layer(
        length, channels, modes, gate=True, softplus=True, seed=seed, state=True
    )
    run_and_compare(text, inputs, hw, "prodf", CHUNK)


@settings(max_examples=20, deadline=None)
@given(
    hw=st.sampled_from(["small", "tiny", "tpu"]),
    dataflow=st.sampled_from(["ws", "os", "is"]),
    length=st.sampled_from(LENGTHS),
    channels=st.sampled_from(CHANNELS),
    modes=st.sampled_from(MODES),
    seed=st.integers(0, 2**16),
)
def test_conventional_with_a_state_in_and_out_matches_the_reference(
    hw: str, dataflow: str, length: int, channels: int, modes: int, seed: int
) -> None:
    text, inputs = selective_layer(
        length, channels, modes, gate=False, softplus=True, seed=seed, state=True
    )
    run_and_compare(text, inputs, hw, dataflow, CHUNK)


@pytest.mark.parametrize(
    ("hw", "dataflow"), [("tiny", "prodf"), ("small", "prodf"), ("tiny", "ws")]
)
def test_a_prefill_then_decoding_one_step_at_a_time_equals_one_run(hw: str, dataflow: str) -> None:
    """The user's streaming promise: 9 steps at once, or 6 then 1, 1, 1 passing the state on."""
    length, channels, modes = 9, 5, 6
    _, inputs = selective_layer(
        length, channels, modes, gate=True, softplus=True, seed=3, state=True
    )
    machine = load_machine(hw)

    def run(first: int, count: int, x0: np.ndarray) -> dict[str, np.ndarray]:
        piece, piece_inputs = selective_layer(
            count, channels, modes, gate=True, softplus=True, seed=3, state=True
        )
        rows = slice(first, first + count)
        for key, value in inputs.items():  # the sequences' rows, the same parameters
            piece_inputs[key] = value[rows] if value.shape[0] == length else value
        piece_inputs["arg7"] = x0
        compiled, _ = compile_text(piece, hw, dataflow)
        return Emulator(compiled.program, machine).run(piece_inputs).outputs

    whole = run(0, length, inputs["arg7"])
    outputs, state = [], inputs["arg7"]
    for first, count in ((0, 6), (6, 1), (7, 1), (8, 1)):
        step = run(first, count, state)
        outputs.append(step["res0"])
        state = step["res1"]
    np.testing.assert_allclose(np.concatenate(outputs), whole["res0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state, whole["res1"], rtol=1e-5, atol=1e-6)
