"""Compile time of a 6-layer S4D model at two sequence lengths (goal: <= 1 s and flat in L).

python benchmarks/bench_compile.py [--channels 256] [--modes 64] [--layers 6]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from epoch_mlir.compiler import compile_file
from epoch_mlir.machine import load_machine
from epoch_mlir.models import s4d_coefficients, s4d_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--modes", type=int, default=64)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    constants = [s4d_coefficients(args.channels, args.modes, rng) for _ in range(args.layers)]
    with tempfile.TemporaryDirectory() as directory:
        # the conventional mapping needs constant coefficients (docs/compiler.md)
        for hw, weights in (("epochcore", None), ("epochcore", constants), ("tpu", constants)):
            machine = load_machine(hw)
            kind = "constant" if weights else "argument"
            for length in (1024, 16384):
                path = Path(directory) / f"s4d_{length}.mlir"
                model = s4d_model(args.layers, length, args.channels, args.modes, weights)
                path.write_text(model)
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    compiled = compile_file(path, machine, hw, None, None)
                    times.append(time.perf_counter() - start)
                print(
                    f"{hw}: {args.layers}-layer S4D ({kind} coefficients, "
                    f"{len(model) / 1e6:.1f} MB "
                    f"of IR), H={args.channels} N={args.modes} "
                    f"L={length}: compile {min(times):.3f} s (best of {args.repeats}), "
                    f"{len(compiled.program.words)} instructions"
                )


if __name__ == "__main__":
    main()
