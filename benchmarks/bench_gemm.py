"""512x512x512 GEMM on a 32x32 array: emulator wall time against SCALE-Sim v3.

    python benchmarks/bench_gemm.py [--size 512] [--array 32] [--repeats 9]

Builds the folded GEMM program (ws, os, is) for the TPU-like machine resized to the array, runs it
with --ideal-memory (compute cycles, as SCALE-Sim reports them), checks the cycles against
SCALE-Sim's per-fold formulas and the numerics against numpy, and prints the median wall time of
decode + run next to SCALE-Sim v3's own wall time for the same GEMM, measured on this machine by
benchmarks/scalesim/run_scalesim.py (tests/data/scalesim_v3_gemm.json).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from epoch_mlir.emulator.core import Emulator
from epoch_mlir.kernels.gemm import gemm_program, scalesim_cycles
from epoch_mlir.machine import load_machine

SCALESIM_DATA = Path(__file__).parents[1] / "tests" / "data" / "scalesim_v3_gemm.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--array", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    size, array = args.size, args.array
    machine = load_machine("tpu", {"name": f"tpu-{array}x{array}", "rows": array, "cols": array})
    scalesim = json.loads(SCALESIM_DATA.read_text()).get("wall_time_512_32x32", {})
    rng = np.random.default_rng(0)
    x = rng.normal(size=(size, size)).astype(np.float32)
    w = rng.normal(size=(size, size)).astype(np.float32)
    expected = x.astype(np.float64) @ w.astype(np.float64).T
    for dataflow in ("ws", "os", "is"):
        program = gemm_program(size, size, size, machine, dataflow)
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = Emulator(program, machine, ideal_memory=True).run({"arg0": x, "arg1": w})
            times.append(time.perf_counter() - start)
        wall = statistics.median(times)
        cycles = result.stats.cycles
        formula = scalesim_cycles(size, size, size, array, array, dataflow)
        error = np.abs(result.outputs["res0"] - expected).max() / np.abs(expected).max()
        line = (
            f"{dataflow}: {cycles:,} cycles (SCALE-Sim formula {formula:,}, "
            f"{'equal' if cycles == formula else 'DIFFERENT'}), {len(program.words)} "
            f"instructions, emulator {wall * 1e3:.1f} ms (median of {args.repeats}), "
            f"max rel. error {error:.1e}"
        )
        if size == 512 and array == 32 and dataflow in scalesim:
            reference = (
                scalesim[dataflow]["median_s"]
                if isinstance(scalesim[dataflow], dict)
                else scalesim[dataflow]
            )
            line += f"; SCALE-Sim v3 {reference:.2f} s -> {reference / wall:,.0f}x faster"
        print(line)


if __name__ == "__main__":
    main()
