"""Selective ProDF stream (`lsel`): emulator wall time against a plain numpy loop over timesteps.

    python benchmarks/bench_selective_stream.py [--steps 256] [--channels 512] [--modes 16]

Measures, in the same process and best of --repeats:
- a plain numpy loop over timesteps of the recurrence (x = abar_t*x + B_t u_t; y_t = C_t x,
  float32): the baseline;
- `selective_scan` (emulator/selective.py: blocks advanced in lockstep), the numerics of one lsel;
- one `lsel` instruction's semantics on a 128x128 EpochCore (cfg lima, prodf, nm), operands
  already in SRAM, and a whole program (three DRAM loads, cfg, lsel, store: decode + run);
- the log-depth alternatives the scan was chosen against: a Hillis-Steele doubling scan over the
  whole stream, and one per block of 64 steps (float32 and float64);
then the same for a few other shapes (small tiles, long streams), where per-step overhead differs.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from epoch_mlir.emulator.core import Emulator
from epoch_mlir.emulator.selective import block_length, selective_scan
from epoch_mlir.emulator.semantics import load_all
from epoch_mlir.emulator.state import MachineState
from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.machine import Machine, load_machine

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def make_stream(steps: int, channels: int, modes: int, seed: int = 0) -> Arrays:
    rng = np.random.default_rng(seed)
    abar = np.exp(-rng.uniform(1e-3, 0.5, (steps, modes, channels))).astype(np.float32)
    b = rng.standard_normal((steps, modes)).astype(np.float32)
    c = rng.standard_normal((steps, modes)).astype(np.float32)
    u = rng.standard_normal((steps, channels)).astype(np.float32)
    return abar, b, c, u


def numpy_loop(abar: np.ndarray, b: np.ndarray, c: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The recurrence stepped in plain numpy, one timestep per iteration (the baseline)."""
    x = np.zeros(abar.shape[1:], np.float32)
    y = np.empty(u.shape, np.float32)
    for t in range(u.shape[0]):
        x = abar[t] * x + b[t][:, None] * u[t][None, :]
        y[t] = c[t] @ x
    return y


def doubling(
    abar: np.ndarray, b: np.ndarray, c: np.ndarray, u: np.ndarray, block: int, dtype: type
) -> np.ndarray:
    """Hillis-Steele scan of the affine maps per block of `block` steps, carried block to block."""
    steps = abar.shape[0]
    y = np.empty(u.shape, np.float32)
    x = np.zeros(abar.shape[1:], dtype)
    for t0 in range(0, steps, block):
        t1 = min(steps, t0 + block)
        states = np.multiply(b[t0:t1, :, None], u[t0:t1, None, :], dtype=dtype)
        states[0] += abar[t0] * x
        factors = abar[t0:t1].astype(dtype)
        stride = 1
        while stride < t1 - t0:
            states[stride:] += factors[stride:] * states[:-stride]
            if 2 * stride < t1 - t0:
                factors[stride:] *= factors[:-stride].copy()
            stride *= 2
        y[t0:t1] = np.matmul(c[t0:t1, None, :].astype(dtype), states)[:, 0, :]
        x = states[-1].copy()
    return y


def best(function: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def _placement(machine: Machine, steps: int, channels: int) -> tuple[int, int, int, int]:
    """SRAM addresses of abar (the input bank), u and B|C (the weight bank), y (the output bank)."""
    weight = machine.bank("weight").base
    return (
        machine.bank("input").base,
        weight,
        weight + steps * channels,
        machine.bank("output").base,
    )


def lsel_instruction(stream: Arrays, repeats: int) -> tuple[float, np.ndarray]:
    """One lsel's semantics on epochcore (cfg lima, prodf, nm), operands already in SRAM."""
    abar, b, c, u = stream
    steps, modes, channels = abar.shape
    machine = load_machine("epochcore")
    state = MachineState(machine, 0)
    a_base, u_base, bc_base, y_base = _placement(machine, steps, channels)
    state.sram[u_base : u_base + u.size] = u.ravel()
    state.sram[a_base : a_base + abar.size] = abar.ravel()
    state.sram[bc_base : bc_base + 2 * b.size] = np.concatenate([b, c], axis=1).ravel()
    semantics = load_all()
    semantics["cfg"](state, {"mode": "lima", "dataflow": "prodf", "seg": modes})
    env = dict(
        dst=y_base, src=u_base, a=a_base, b=bc_base, steps=steps, nch=channels, nm=modes,
        src_stride=channels, b_stride=2 * modes, reset=1, acc=0,
    )  # fmt: skip
    seconds, _ = best(lambda: semantics["lsel"](state, env), repeats)
    return seconds, state.sram[y_base : y_base + u.size].reshape(steps, channels).copy()


def emulator_program(stream: Arrays, repeats: int) -> float:
    """A whole program on epochcore: load u, abar, B|C from DRAM; cfg; lsel; store y; halt."""
    abar, b, c, u = stream
    steps, modes, channels = abar.shape
    machine = load_machine("epochcore")
    builder = ProgramBuilder()
    u_arg = builder.arg("u", (steps, channels))
    a_arg = builder.arg("abar", (steps, modes * channels))
    bc_arg = builder.arg("bc", (steps, 2 * modes))
    y_res = builder.result("y", (steps, channels))
    a_base, u_base, bc_base, y_base = _placement(machine, steps, channels)
    for base, symbol, width in (
        (u_base, u_arg, channels),
        (a_base, a_arg, modes * channels),
        (bc_base, bc_arg, 2 * modes),
    ):
        builder.emit("load", base, symbol, steps, width, width, width)
    builder.emit("cfg", "lima", "prodf", modes)
    builder.emit(
        "lsel", y_base, u_base, a_base, bc_base, steps, channels, modes, channels, 2 * modes,
        reset=1,
    )  # fmt: skip
    builder.emit("store", y_res, y_base, steps, channels, channels, channels)
    builder.emit("halt")
    program = builder.build()
    inputs = {
        "arg0": u,
        "arg1": abar.reshape(steps, -1),
        "arg2": np.concatenate([b, c], axis=1),
    }
    seconds, _ = best(lambda: Emulator(program, machine).run(inputs), repeats)
    return seconds


def measure(steps: int, channels: int, modes: int, repeats: int, alternatives: bool) -> None:
    stream = make_stream(steps, channels, modes)
    abar, b, c, u = stream
    loop, expected = best(lambda: numpy_loop(*stream), repeats)
    state = np.zeros((modes, channels), np.float32)
    scan, (y, _) = best(lambda: selective_scan(abar, b, c, u, state), repeats)  # type: ignore[misc]
    error = np.abs(y - expected).max() / np.abs(expected).max()  # type: ignore[operator]
    length = block_length(steps, modes * channels)
    print(f"steps={steps} nch={channels} nm={modes} (block length {length}):")
    print(f"  numpy loop {loop * 1e3:8.2f} ms")
    print(
        f"  selective_scan {scan * 1e3:8.2f} ms  ratio {scan / loop:.2f}  "
        f"(max relative difference {error:.1e})"
    )
    machine = load_machine("epochcore")
    fits = abar.size <= machine.bank("input").words and modes <= machine.rows
    if fits and channels <= machine.cols * (machine.rows // modes):  # else: several lsel folds
        instruction, y = lsel_instruction(stream, repeats)
        error = np.abs(y - expected).max() / np.abs(expected).max()  # type: ignore[operator]
        print(
            f"  lsel semantics (SRAM views in, y out) {instruction * 1e3:8.2f} ms  "
            f"ratio {instruction / loop:.2f}  (max relative difference {error:.1e})"
        )
        program = emulator_program(stream, repeats)
        print(f"  whole program (load x3, cfg, lsel, store; decode + run) {program * 1e3:8.2f} ms")
    if alternatives:
        for label, block, dtype in (
            ("doubling, whole stream, f32", steps, np.float32),
            ("doubling, blocks of 64, f32", 64, np.float32),
            ("doubling, blocks of 64, f64", 64, np.float64),
        ):
            seconds, _ = best(lambda b_=block, d=dtype: doubling(*stream, b_, d), repeats)
            print(f"  {label} {seconds * 1e3:8.2f} ms  ratio {seconds / loop:.2f}")


def sweep(steps: int, channels: int, modes: int, repeats: int) -> None:
    """selective_scan's time per block length (the choice of block_length)."""
    abar, b, c, u = make_stream(steps, channels, modes)
    state = np.zeros((modes, channels), np.float32)
    chosen = block_length(steps, modes * channels)
    cells = []
    for length in sorted({8, 16, 32, 64, 128, chosen}):
        seconds, _ = best(lambda n=length: selective_scan(abar, b, c, u, state, n), repeats)
        cells.append(f"L={length}{'*' if length == chosen else ''} {seconds * 1e3:.2f}")
    print(f"block sweep steps={steps} nch={channels} nm={modes} (ms): " + ", ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--channels", type=int, default=512)
    parser.add_argument("--modes", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--sweep", action="store_true", help="also time every block length 8..128 per shape"
    )
    args = parser.parse_args()
    measure(args.steps, args.channels, args.modes, args.repeats, alternatives=True)
    if args.sweep:
        for steps, channels, modes in ((256, 512, 16), (1024, 512, 16), (200, 8, 2)):
            sweep(steps, channels, modes, args.repeats)
    for steps, channels, modes in ((1024, 512, 16), (4096, 64, 16), (200, 8, 2), (2000, 4, 4)):
        measure(steps, channels, modes, args.repeats, alternatives=False)


if __name__ == "__main__":
    main()
