"""The ProDF S4D kernel against SPEC.md's ssm.scan recurrence (float64 reference, rtol 1e-4)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from epoch_mlir.dataflows import ProdfMapping
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.interpreters.ssm import scan as scan_reference
from epoch_mlir.kernels.s4d import choose_mapping, s4d_program
from epoch_mlir.machine import Machine, load_machine

SMALL = load_machine("small")  # 8 rows x 4 columns


def run_layer(
    length: int,
    channels: int,
    modes: int,
    machine: Machine,
    chunk: int | None,
    seed: int,
    ideal_memory: bool = False,
):
    rng = np.random.default_rng(seed)
    abar = np.exp(
        -rng.uniform(0.01, 0.5, (channels, modes)) + 1j * rng.uniform(0, 3, (channels, modes))
    )
    bbar = rng.normal(size=(channels, modes)) + 1j * rng.normal(size=(channels, modes))
    c = rng.normal(size=(channels, modes)) + 1j * rng.normal(size=(channels, modes))
    d = rng.normal(size=channels)
    u = rng.normal(size=(length, channels))
    inputs = [
        u.astype(np.float32),
        abar.astype(np.complex64),
        bbar.astype(np.complex64),
        c.astype(np.complex64),
        d.astype(np.float32),
    ]
    mapping = choose_mapping(length, channels, modes, machine)
    if chunk is not None:
        mapping = ProdfMapping(
            mapping.segment_rows,
            mapping.channels_per_fold,
            mapping.modes_per_fold,
            min(chunk, length),
        )
    program = s4d_program(length, channels, modes, machine, mapping)
    result = Emulator(program, machine, ideal_memory=ideal_memory).run(
        {f"arg{i}": v for i, v in enumerate(inputs)}
    )
    expected = scan_reference(
        *[v.astype(np.complex128 if np.iscomplexobj(v) else np.float64) for v in inputs]
    )
    return result, expected, program


def assert_close(actual: np.ndarray, expected: np.ndarray) -> None:
    scale = max(np.abs(expected).max(), 1.0)
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5 * scale)


# rows = 8, cols = 4: boundary values of the folds (modes), the packing (channels) and the chunks
BOUNDARY_MODES = [1, 3, 7, 8, 9, 17]
BOUNDARY_CHANNELS = [1, 3, 4, 5, 8, 9]


@settings(max_examples=30, deadline=None)
@given(
    length=st.sampled_from([1, 2, 63, 64, 65, 130]),
    channels=st.sampled_from(BOUNDARY_CHANNELS),
    modes=st.sampled_from(BOUNDARY_MODES),
    chunk=st.sampled_from([None, 1, 5, 16, 64]),
    seed=st.integers(0, 1000),
)
def test_matches_recurrence_on_boundary_shapes(length, channels, modes, chunk, seed) -> None:  # type: ignore[no-untyped-def]
    result, expected, _ = run_layer(length, channels, modes, SMALL, chunk, seed)
    assert_close(result.outputs["res0"], expected)


def test_program_size_does_not_grow_with_length() -> None:
    sizes = {len(run_layer(length, 4, 4, SMALL, 8, 0)[2].words) for length in (80, 160, 640)}
    assert len(sizes) == 1


def test_packing_fills_the_array_with_small_n() -> None:
    """N=4 on 8 rows: two channels share a column, so one fold holds 8 channels."""
    mapping = choose_mapping(100, 8, 4, SMALL)
    assert (mapping.segment_rows, mapping.channels_per_fold) == (4, 8)
    result, expected, _ = run_layer(100, 8, 4, SMALL, None, 3, ideal_memory=True)
    assert_close(result.outputs["res0"], expected)
    # preload R, then 100 steps + S + C - 2 of fill: 100*8*4 PE-cycles of work in 114 cycles
    assert result.stats.cycles == 8 + 100 + 4 + 4 - 2
    assert result.stats.pe_occupancy == 100 * 8 * 4 / (8 * 4 * 114)


def test_stream_cycles_follow_the_documented_formula() -> None:
    """Ideal memory, one fold, one chunk: preload R, then steps + S + C - 2."""
    length, channels, modes = 50, 4, 8  # S = 8, one fold on 8x4
    result, _, _ = run_layer(length, channels, modes, SMALL, None, 1, ideal_memory=True)
    assert result.stats.cycles == SMALL.rows + length + 8 + SMALL.cols - 2
