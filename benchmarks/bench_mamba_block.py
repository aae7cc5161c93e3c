"""A Mamba block compiled for EpochCore (ProDF, streamed coefficients) and the TPU-like baseline.

    python benchmarks/bench_mamba_block.py [--length 1024] [--d-model 256] [--modes 16]

Per machine: cycles, energy, PE occupancy, where the busy cycles go (per unit), compile time and
emulation time; then the EpochCore / tpu ratios. Inputs follow Mamba's initialization
(epoch_mlir.models.mamba_weights), seeded.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.machine import load_machine
from epoch_mlir.models import mamba_block, mamba_weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--d-model", type=int, default=256)
    parser.add_argument("--modes", type=int, default=16)
    args = parser.parse_args()
    inputs = mamba_weights(args.length, args.d_model, np.random.default_rng(0), modes=args.modes)
    stats = {}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "mamba.mlir"
        path.write_text(mamba_block(args.length, args.d_model, modes=args.modes))
        for hw in ("epochcore", "tpu"):
            machine = load_machine(hw)
            start = time.perf_counter()
            program = compile_file(path, machine, hw, None, None).program
            compiled = time.perf_counter() - start
            start = time.perf_counter()
            stats[hw] = s = Emulator(program, machine).run(inputs).stats
            emulated = time.perf_counter() - start
            busy = ", ".join(f"{unit} {cycles:,}" for unit, cycles in s["unit_busy_cycles"].items())
            print(
                f"Mamba block L={args.length} d_model={args.d_model} N={args.modes} on {hw}: "
                f"{s['cycles']:,} cycles, {s['energy_pj'] / 1e6:.1f} uJ, PE occupancy "
                f"{s['pe_occupancy']:.3f}, busy: {busy}; {s['instructions']:,} instructions "
                f"executed (compile {compiled:.2f} s, emulate {emulated:.2f} s)"
            )
    speedup = stats["tpu"].cycles / stats["epochcore"].cycles
    energy = stats["tpu"].energy_pj / stats["epochcore"].energy_pj
    print(f"EpochCore vs tpu on the block: {speedup:.2f}x fewer cycles, {energy:.2f}x less energy")


if __name__ == "__main__":
    main()
