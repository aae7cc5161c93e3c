"""ProDF S4D layer stream: emulator wall time against a plain numpy loop of the same recurrence.

    python benchmarks/bench_prodf_stream.py [--length 16384] [--channels 256] [--modes 64]

Runs one S4D layer (H channels, N complex modes, L timesteps) on a 128x128 EpochCore and on an
8x4 array, each measured in the same process as a numpy loop over timesteps of the same
recurrence (s = abar*s + bbar*u_k; y_k = Re(sum c*s) + D*u_k, complex64 state), and prints the
ratio emulator / loop (goal <= 1.2), the emulated cycles against the scan's physical bound
max(L, ceil(H*N/(rows*cols))*L), and, for the 8x4 array, where the emulator's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import time

import numpy as np

from epoch_mlir.emulator.core import Emulator
from epoch_mlir.kernels.s4d import s4d_program
from epoch_mlir.machine import Machine, load_machine


def make_layer(length: int, channels: int, modes: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = (channels, modes)
    abar = np.exp(-rng.uniform(1e-3, 0.1, shape) + 1j * rng.uniform(0, 2, shape))
    bbar = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    c = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    return [
        rng.normal(size=(length, channels)).astype(np.float32),
        abar.astype(np.complex64),
        bbar.astype(np.complex64),
        c.astype(np.complex64),
        rng.normal(size=channels).astype(np.float32),
    ]


def numpy_loop(u, abar, bbar, c, d):  # type: ignore[no-untyped-def]
    """The recurrence stepped in plain numpy, one timestep per iteration (the baseline)."""
    state = np.zeros(abar.shape, np.complex64)
    y = np.empty(u.shape, np.float32)
    for k in range(u.shape[0]):
        state = abar * state + bbar * u[k][:, None]
        y[k] = (c * state).real.sum(axis=1) + d * u[k]
    return y


def measure(machine: Machine, layer: list[np.ndarray], repeats: int, profile: bool) -> None:
    length, channels = layer[0].shape
    modes = layer[1].shape[1]
    program = s4d_program(length, channels, modes, machine)
    inputs = {f"arg{i}": value for i, value in enumerate(layer)}
    loop_times, emulator_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        expected = numpy_loop(*layer)
        loop_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = Emulator(program, machine).run(inputs)
        emulator_times.append(time.perf_counter() - start)
    loop, emulated = min(loop_times), min(emulator_times)
    error = np.abs(result.outputs["res0"] - expected).max() / np.abs(expected).max()
    bound = max(length, math.ceil(channels * modes / (machine.rows * machine.cols)) * length)
    stats = result.stats
    print(f"{machine.name} ({machine.rows}x{machine.cols}), H={channels} N={modes} L={length}:")
    print(
        f"  numpy loop {loop:.3f} s, emulator {emulated:.3f} s (decode + run), "
        f"ratio {emulated / loop:.2f}  [best of {repeats}]"
    )
    print(
        f"  max relative difference {error:.1e}; {stats.instructions} instructions executed, "
        f"{len(program.words)} in the program"
    )
    print(
        f"  cycles {stats.cycles:,} vs physical bound {bound:,} "
        f"({stats.cycles / bound:.2f}x); with ideal memory "
        f"{Emulator(program, machine, ideal_memory=True).run(inputs).stats.cycles:,}"
    )
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        Emulator(program, machine).run(inputs)
        profiler.disable()
        print("  where the emulator's time goes (top functions by own time):")
        listing = pstats.Stats(profiler).sort_stats("tottime")
        for (file, _, name), (_, calls, own, _, _) in sorted(
            listing.stats.items(), key=lambda item: -item[1][2]
        )[:6]:
            print(f"    {own:6.3f} s  {calls:7d} calls  {name} ({file.split('/')[-1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=16384)
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--modes", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    layer = make_layer(args.length, args.channels, args.modes)
    measure(load_machine("epochcore"), layer, args.repeats, profile=False)
    small = load_machine("epochcore", {"name": "epochcore-8x4", "rows": 8, "cols": 4})
    measure(small, layer, args.repeats, profile=True)


if __name__ == "__main__":
    main()
