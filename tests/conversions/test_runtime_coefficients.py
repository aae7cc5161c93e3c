"""Coefficients computed at run time: on-chip discretization and f32 <-> complex planes.

Each case compiles a module with `epoch compile`'s default pipeline, runs it on the emulator and
compares with the float64 reference interpreter within SPEC.md's tolerance (`check_against`, as
`epoch run --expect` does):

- `ssm.discretize` of run-time A, B, delta (zoh, bilinear, euler; f32 and complex<f32>) on
  `small`, and on a machine with 1 KiB banks where the planes take several tiles of channels
  (and of modes, when one channel does not fit);
- `ssm.scan` with complex planes known only at run time in the conventional recurrent mode
  (ws, os, is), and real ones under ProDF (widened to complex on chip);
- an S4D layer whose A, B and delta are entry arguments on epochcore (prodf), tpu (ws) and small.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.cli.run import check_against
from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.errors import EpochError
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import load_module
from epoch_mlir.machine import load_machine
from tests.conversions.test_convert_ssm_to_systolic import layer

METHODS = ["zoh", "bilinear", "euler"]
BANKS_1KIB = "".join(
    f'[[sram.banks]]\nname = "{name}"\nkib = 1\n' for name in ("input", "weight", "output")
)


@pytest.fixture(scope="module")
def little(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`small` with 256-word banks: discretizations and widenings take several tiles."""
    path = tmp_path_factory.mktemp("hw") / "little.toml"
    path.write_text(f'base = "small"\nname = "little"\n{BANKS_1KIB}')
    return str(path)


def run_and_compare(
    text: str, inputs: dict[str, np.ndarray], hw: str, dataflow: str | None = None
) -> str:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "module.mlir"
        path.write_text(text)
        machine = load_machine(hw)
        compiled = compile_file(path, machine, hw, dataflow, None)
        result = Emulator(compiled.program, machine).run(inputs)
        return check_against(result.outputs, run_reference(load_module(path), inputs))


def coefficients(
    channels: int, modes: int, complex_: bool, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Well-conditioned continuous-time A (stable), B and delta (S4D's range)."""
    shape = (channels, modes)
    dtype = np.complex64 if complex_ else np.float32
    a = -rng.uniform(0.1, 1.0, shape) + (1j * rng.uniform(0, 3, shape) if complex_ else 0)
    b = rng.normal(size=shape) + (1j * rng.normal(size=shape) if complex_ else 0)
    delta = rng.uniform(0.01, 0.2, channels)
    return a.astype(dtype), b.astype(dtype), delta.astype(np.float32)


def discretize_module(channels: int, modes: int, method: str, complex_: bool) -> str:
    plane = f"tensor<{channels}x{modes}x{'complex<f32>' if complex_ else 'f32'}>"
    delta = f"tensor<{channels}xf32>"
    return f"""func.func @main(%a: {plane}, %b: {plane}, %delta: {delta}) -> ({plane}, {plane}) {{
  %abar, %bbar = ssm.discretize {method} %a, %b, %delta : ({plane}, {plane}, {delta}) -> ({plane}, {plane})
  func.return %abar, %bbar : {plane}, {plane}
}}"""


def check_discretization(
    channels: int, modes: int, method: str, complex_: bool, hw: str, seed: int
) -> None:
    a, b, delta = coefficients(channels, modes, complex_, np.random.default_rng(seed))
    inputs = {"arg0": a, "arg1": b, "arg2": delta}
    text = discretize_module(channels, modes, method, complex_)
    assert "match" in run_and_compare(text, inputs, hw)


# region discretization ------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    method=st.sampled_from(METHODS),
    complex_=st.booleans(),
    channels=st.sampled_from([1, 2, 3, 4, 5, 8, 9]),
    modes=st.sampled_from([1, 2, 3, 4, 5, 8]),
    seed=st.integers(0, 1000),
)
def test_discretization_on_chip_matches_the_reference(
    method: str, complex_: bool, channels: int, modes: int, seed: int
) -> None:
    check_discretization(channels, modes, method, complex_, "small", seed)


@settings(max_examples=20, deadline=None)
@given(
    method=st.sampled_from(METHODS),
    complex_=st.booleans(),
    # 256-word banks: 1 channel fits whole up to ~30 modes (complex), 40+ channels need
    # several tiles, 80+ complex modes need tiles of modes
    shape=st.sampled_from([(40, 3), (33, 4), (7, 50), (1, 130), (2, 90), (17, 17)]),
    seed=st.integers(0, 1000),
)
def test_discretization_tiles_over_channels_and_modes(
    little: str, method: str, complex_: bool, shape: tuple[int, int], seed: int
) -> None:
    check_discretization(*shape, method, complex_, little, seed)


def test_a_delta_column_that_does_not_fit_is_an_error_at_the_op(little: str) -> None:
    # complex: 100 channels of delta staged as 100 x 2 f32 words, then 100 complex words
    with pytest.raises(
        EpochError,
        match=r"'ssm.discretize' op cannot discretize on chip: the delta column of 100 channels "
        r"needs 400 words, more than the 256 words of bank 'weight'",
    ):
        check_discretization(100, 1, "zoh", True, little, 0)


# endregion
# region scans of run-time planes ----------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    hw_dataflow=st.sampled_from(
        [("small", "ws"), ("small", "os"), ("small", "is"), ("tiny", "ws"), ("tpu", "ws")]
    ),
    length=st.sampled_from([1, 3, 8, 17]),
    channels=st.sampled_from([1, 3, 4, 5, 8, 9]),
    modes=st.sampled_from([1, 2, 3, 4, 5, 9]),
    seed=st.integers(0, 1000),
)
def test_conventional_scan_of_complex_run_time_planes(
    hw_dataflow: tuple[str, str], length: int, channels: int, modes: int, seed: int
) -> None:
    hw, dataflow = hw_dataflow
    text, inputs = layer(length, channels, modes, complex_=True, constant=False, seed=seed)
    assert "match" in run_and_compare(text, inputs, hw, dataflow)


@settings(max_examples=20, deadline=None)
@given(
    hw=st.sampled_from(["small", "tiny", "epochcore"]),
    length=st.sampled_from([1, 3, 8, 17]),
    channels=st.sampled_from([1, 3, 4, 5, 8, 9]),
    modes=st.sampled_from([1, 3, 4, 5, 9]),
    seed=st.integers(0, 1000),
)
def test_prodf_scan_of_real_run_time_planes(
    hw: str, length: int, channels: int, modes: int, seed: int
) -> None:
    text, inputs = layer(length, channels, modes, complex_=False, constant=False, seed=seed)
    assert "match" in run_and_compare(text, inputs, hw, "prodf")


def test_widening_takes_tiles_of_channels(little: str) -> None:
    text, inputs = layer(6, 40, 3, complex_=False, constant=False, seed=3)  # 40 x 12 > 256
    assert "match" in run_and_compare(text, inputs, little, "prodf")


# endregion
# region an S4D layer discretized on chip --------------------------------------------------------


def s4d_layer(length: int, channels: int, modes: int, method: str, complex_: bool, seed: int):  # type: ignore[no-untyped-def]
    """ssm.discretize of arguments A, B, delta, then ssm.scan with a constant C."""
    rng = np.random.default_rng(seed)
    a, b, delta = coefficients(channels, modes, complex_, rng)
    shape = (channels, modes)
    c = rng.normal(size=shape) + (1j * rng.normal(size=shape) if complex_ else 0)
    c = c.astype(a.dtype)
    plane = f"tensor<{channels}x{modes}x{'complex<f32>' if complex_ else 'f32'}>"
    seq, vec = f"tensor<{length}x{channels}xf32>", f"tensor<{channels}xf32>"
    blob = '"0x' + np.ascontiguousarray(c).tobytes().hex().upper() + '"'
    text = f"""func.func @main(%u: {seq}, %a: {plane}, %b: {plane}, %delta: {vec}, %d: {vec}) -> {seq} {{
  %c = arith.constant dense<{blob}> : {plane}
  %abar, %bbar = ssm.discretize {method} %a, %b, %delta : ({plane}, {plane}, {vec}) -> ({plane}, {plane})
  %y = ssm.scan %u, %abar, %bbar, %c, %d : ({seq}, {plane}, {plane}, {plane}, {vec}) -> {seq}
  func.return %y : {seq}
}}"""
    inputs = {
        "arg0": rng.normal(size=(length, channels)).astype(np.float32),
        "arg1": a,
        "arg2": b,
        "arg3": delta,
        "arg4": rng.normal(size=channels).astype(np.float32),
    }
    return text, inputs


@pytest.mark.parametrize(
    ("hw", "dataflow"),
    [("epochcore", None), ("tpu", None), ("small", None), ("small", "ws"), ("tpu", "os")],
)
@pytest.mark.parametrize("complex_", [True, False])
def test_s4d_layer_with_coefficient_arguments(
    hw: str, dataflow: str | None, complex_: bool
) -> None:
    text, inputs = s4d_layer(40, 12, 4, "zoh", complex_, seed=5)
    assert "match" in run_and_compare(text, inputs, hw, dataflow)


@pytest.mark.parametrize("method", METHODS)
def test_s4d_layer_each_method(method: str) -> None:
    text, inputs = s4d_layer(9, 5, 3, method, True, seed=11)
    assert "match" in run_and_compare(text, inputs, "small", None)
    assert "match" in run_and_compare(text, inputs, "small", "ws")


# endregion
