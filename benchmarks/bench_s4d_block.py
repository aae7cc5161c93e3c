"""Compiled models on the emulator: ProDF against the scan's bound, EpochCore against the TPU.

    python benchmarks/bench_s4d_block.py [--length 1024] [--channels 256] [--modes 64]

1. One ssm.scan compiled with the default pipeline on epochcore, for H=256 N=64 L=16384 and
   H=256 N=4 L=4096: cycles against the physical bound max(L, ceil(H*N/(rows*cols))*L), with the
   machine's DRAM and with --ideal-memory.
2. A bidirectional pre-norm S4D block (S4D-Lin constants) on epochcore (ProDF) and tpu (the
   conventional mapping): cycles, energy, utilization, and the ratios.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.machine import load_machine
from epoch_mlir.models import s4d_coefficients, s4d_model, scan_model


def zeros_for(program):  # type: ignore[no-untyped-def]
    return {f"arg{i}": np.zeros(s.shape, s.numpy_dtype) for i, s in enumerate(program.args)}


def scan_bound(directory: Path) -> None:
    machine = load_machine("epochcore")
    for channels, modes, length in ((256, 64, 16384), (256, 4, 4096)):
        path = directory / f"scan_{channels}_{modes}_{length}.mlir"
        path.write_text(scan_model(length, channels, modes))
        program = compile_file(path, machine, "epochcore", None, None).program
        bound = max(length, math.ceil(channels * modes / (machine.rows * machine.cols)) * length)
        real = Emulator(program, machine).run(zeros_for(program)).stats.cycles
        ideal = Emulator(program, machine, ideal_memory=True).run(zeros_for(program))
        print(
            f"ProDF scan H={channels} N={modes} L={length}: {real:,} cycles = "
            f"{real / bound:.3f}x the bound {bound:,}; ideal memory {ideal.stats.cycles:,} "
            f"= {ideal.stats.cycles / bound:.3f}x; {len(program.words)} instructions"
        )


def block_comparison(directory: Path, length: int, channels: int, modes: int) -> None:
    rng = np.random.default_rng(0)
    path = directory / "block.mlir"
    path.write_text(s4d_model(1, length, channels, modes, [s4d_coefficients(channels, modes, rng)]))
    inputs = {
        "arg0": rng.normal(size=(length, channels)).astype(np.float32),
        "arg1": np.ones(channels, np.float32),
        "arg2": np.zeros(channels, np.float32),
        "arg3": (rng.normal(size=(channels, channels)) / np.sqrt(channels)).astype(np.float32),
        "arg4": np.zeros(channels, np.float32),
    }
    stats = {}
    for hw in ("epochcore", "tpu"):
        machine = load_machine(hw)
        start = time.perf_counter()
        program = compile_file(path, machine, hw, None, None).program
        compiled = time.perf_counter() - start
        start = time.perf_counter()
        stats[hw] = Emulator(program, machine).run(inputs).stats
        emulated = time.perf_counter() - start
        s = stats[hw]
        print(
            f"S4D block L={length} H={channels} N={modes} on {hw}: {s['cycles']:,} cycles, "
            f"{s['energy_pj'] / 1e6:.1f} uJ, PE occupancy {s['pe_occupancy']:.3f}, "
            f"{s['instructions']:,} instructions executed (compile {compiled:.2f} s, "
            f"emulate {emulated:.2f} s)"
        )
    speedup = stats["tpu"].cycles / stats["epochcore"].cycles
    energy = stats["tpu"].energy_pj / stats["epochcore"].energy_pj
    print(f"EpochCore vs tpu on the block: {speedup:.1f}x fewer cycles, {energy:.1f}x less energy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--modes", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        scan_bound(directory)
        block_comparison(directory, args.length, args.channels, args.modes)


if __name__ == "__main__":
    main()
