"""Helpers for the emulator's tests: machines, running programs, and SRAM-level references.

Most semantics tests follow one pattern: flat float32 arrays are program arguments in DRAM, each is
`load`ed to a chosen SRAM word address, the instruction under test runs, and chosen SRAM windows
are `store`d back as results. The expected window is computed independently with numpy index
arithmetic from the row's pseudo-code (`indices`/`gather`/`scatter`), so a test sees both the
values written and that nothing outside the destination region changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from epoch_mlir.emulator.core import Emulator, RunResult
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine, load_machine

Body = Callable[[ProgramBuilder], None]
Inputs = Mapping[str, np.ndarray] | Sequence[np.ndarray] | None


@dataclass
class SramRun:
    """The SRAM windows read back after a run, and the run itself."""

    windows: list[np.ndarray]
    result: RunResult

    @property
    def stats(self) -> dict[str, Any]:
        return self.result.stats


def words_of(array: np.ndarray) -> np.ndarray:
    """The flat float32 words of a float32 or complex64 array (complex: re, im interleaved)."""
    array = np.asarray(array)
    if np.iscomplexobj(array):
        array = np.ascontiguousarray(array, np.complex64)
    else:
        array = np.ascontiguousarray(array, np.float32)
    return array.reshape(-1).view(np.float32)


class EmulatorHarness:
    """Builds, runs and inspects small programs (one instance per session)."""

    # --------------------------------------------------------------------------- running
    @staticmethod
    def program(body: Body) -> Program:
        builder = ProgramBuilder()
        body(builder)
        return builder.build()

    @staticmethod
    def run(
        body: Body | Program,
        machine: Machine,
        inputs: Inputs = None,
        *,
        ideal_memory: bool = True,
        trace: bool = False,
    ) -> RunResult:
        """Build (if given a body function) and run a program; inputs by list or by key."""
        program = body if isinstance(body, Program) else EmulatorHarness.program(body)
        if inputs is None:
            keyed: Mapping[str, np.ndarray] = {}
        elif isinstance(inputs, Mapping):
            keyed = inputs
        else:
            keyed = {f"arg{i}": array for i, array in enumerate(inputs)}
        emulator = Emulator(program, machine, ideal_memory=ideal_memory, trace=trace)
        return emulator.run(keyed)

    @staticmethod
    def run_sram(
        machine: Machine,
        placed: Mapping[int, np.ndarray],
        body: Body,
        windows: Sequence[tuple[int, int]],
        *,
        ideal_memory: bool = True,
        trace: bool = False,
    ) -> SramRun:
        """Load each array (flattened to words) to its SRAM address, run `body`, read windows.

        `windows` are (SRAM word address, words); each comes back as a float32 array.
        """
        flats = [(address, words_of(array)) for address, array in placed.items()]

        def program(builder: ProgramBuilder) -> None:
            args = [builder.arg(f"in{i}", (len(w),)) for i, (_, w) in enumerate(flats)]
            results = [builder.result(f"out{i}", (n,)) for i, (_, n) in enumerate(windows)]
            for (address, flat), symbol in zip(flats, args, strict=True):
                builder.emit("load", address, symbol, 1, len(flat), len(flat), len(flat))
            body(builder)
            for (address, words), symbol in zip(windows, results, strict=True):
                builder.emit("store", symbol, address, 1, words, words, words)
            builder.emit("halt")

        result = EmulatorHarness.run(
            program, machine, [w for _, w in flats], ideal_memory=ideal_memory, trace=trace
        )
        outputs = [result.outputs[f"res{i}"] for i in range(len(windows))]
        return SramRun(outputs, result)

    # ------------------------------------------------------------------ numpy references
    @staticmethod
    def indices(offset: int, rows: int, cols: int, stride: int, elem_words: int = 1) -> np.ndarray:
        """Word index of element [i, j] of a region: offset + i*stride + j*elem_words."""
        return offset + np.arange(rows)[:, None] * stride + np.arange(cols)[None, :] * elem_words

    @staticmethod
    def gather(
        flat: np.ndarray, offset: int, rows: int, cols: int, stride: int, complex_: bool = False
    ) -> np.ndarray:
        """The rows x cols region of a flat word array, as the pseudo-code indexes it."""
        flat = np.asarray(flat, np.float32)
        if complex_:
            index = EmulatorHarness.indices(offset, rows, cols, stride, 2)
            return (flat[index].astype(np.complex128) + 1j * flat[index + 1]).astype(np.complex64)
        return flat[EmulatorHarness.indices(offset, rows, cols, stride)]

    @staticmethod
    def scatter(
        flat: np.ndarray, offset: int, values: np.ndarray, stride: int, complex_: bool = False
    ) -> np.ndarray:
        """A copy of `flat` with a rows x cols region replaced by `values` (row by row)."""
        out = np.array(flat, np.float32, copy=True)
        values = np.asarray(values)
        rows, cols = values.shape
        if complex_:
            index = EmulatorHarness.indices(offset, rows, cols, stride, 2)
            out[index] = values.real
            out[index + 1] = values.imag
        else:
            out[EmulatorHarness.indices(offset, rows, cols, stride)] = values
        return out


@pytest.fixture(scope="session")
def emu() -> EmulatorHarness:
    return EmulatorHarness()


@pytest.fixture(scope="session")
def tiny() -> Machine:
    """4x4 LIMA array, lanes 4, DRAM latency 20 cycles, 16 bytes/cycle."""
    return load_machine("tiny")


@pytest.fixture(scope="session")
def small() -> Machine:
    """8x4 LIMA array (channel packing with segments), DRAM latency 50, 64 bytes/cycle."""
    return load_machine("small")


@pytest.fixture(scope="session")
def tpu() -> Machine:
    """128x128 MAC-only array: the conventional baseline."""
    return load_machine("tpu")


@pytest.fixture(scope="session")
def epochcore() -> Machine:
    """128x128 LIMA array: the default machine."""
    return load_machine("epochcore")


@pytest.fixture
def machine_file(tmp_path: Path) -> Callable[[str], Machine]:
    """`machine_file(text)`: write a TOML machine description to tmp_path and load it."""
    counter = iter(range(1_000_000))

    def make(text: str) -> Machine:
        path = tmp_path / f"machine{next(counter)}.toml"
        path.write_text(text, encoding="utf-8")
        return load_machine(path)

    return make
