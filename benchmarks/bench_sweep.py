"""Sweep throughput: points per second of a timing-only LRA-layer sweep, pool vs Ray; Path-X.

    python benchmarks/bench_sweep.py [--jobs 2] [--skip-pool] [--skip-ray] [--skip-pathx]
                                     [--pathx-full]

1. 200 timing-only points: one-layer LRA Pathfinder classifiers (S4D, H=256, N=64) at
   L = 1024 ... 4096 (5 lengths) on EpochCore with rows, cols in {64, 128}, DRAM bandwidth in
   {32, ..., 512} B/cycle (5) and the prodf and ws dataflows: 200 compilations, 200 runs. Run on
   the local process pool (-j N) and on a local Ray instance of N CPUs (startup included);
   each in a fresh results directory.
2. One Path-X-sized point (the LRA Path-X classifier: 6 S4D layers, L=16384, H=256, N=64, on
   epochcore): the compile, then a timing-only run, and with --pathx-full a full run
   (numerics, seeded inputs) for comparison.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time

from epoch_mlir.sweep import Sweep, run_sweep
from epoch_mlir.sweep.worker import iter_task

GRID = {
    "sweep": {"name": "lra-layer-grid"},
    "model": {
        "generator": "lra",
        "task": "pathfinder",
        "layers": 1,
        "length": [1024, 1536, 2048, 3072, 4096],
    },
    "machine": {
        "hw": "epochcore",
        "rows": [64, 128],
        "cols": [64, 128],
        "dram": {"bandwidth_bytes_per_cycle": [32.0, 64.0, 128.0, 256.0, 512.0]},
    },
    "run": {"dataflow": ["prodf", "ws"]},
}


def grid_sweep(jobs: int, backend: str) -> None:
    sweep = Sweep.from_dict(GRID)
    with tempfile.TemporaryDirectory() as directory:
        result = run_sweep(sweep, directory, backend=backend, jobs=jobs, progress=False)
    errors = len(result.errors)
    print(
        f"{backend} -j {jobs}: {result.ran} timing-only points ({len(sweep.tasks)} compilations, "
        f"{errors} errors) in {result.seconds:.1f} s = {result.ran / result.seconds:.2f} points/s"
    )


def pathx(full: bool) -> None:
    run = {"numerics": [False, True] if full else False}
    sweep = Sweep.from_dict({"model": {"generator": "lra", "task": "pathx"}, "run": run})
    (task,) = sweep.tasks
    start = time.perf_counter()
    for row in iter_task(task):
        if row["error"]:
            raise SystemExit(f"Path-X point failed: {row['error']}")
        mode = "full (numerics)" if row["run.numerics"] else "timing-only"
        print(
            f"Path-X (6 layers, L=16384, H=256, N=64) on epochcore, {mode}: "
            f"{row['cycles']:,} cycles, {row['instructions']:,} instructions; compile "
            f"{row['time.compile_s']:.2f} s, run {row['time.run_s']:.2f} s"
        )
    print(f"Path-X total {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--skip-pool", action="store_true")
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--skip-pathx", action="store_true")
    parser.add_argument("--pathx-full", action="store_true", help="also a full (numerics) run")
    args = parser.parse_args()
    if not args.skip_pool:
        grid_sweep(args.jobs, "pool")
    if args.skip_ray:
        pass
    elif importlib.util.find_spec("ray") is None:
        print("ray: not installed (pip install 'epoch_mlir[ray]'), skipped")
    else:
        grid_sweep(args.jobs, "ray")
    if not args.skip_pathx:
        pathx(args.pathx_full)


if __name__ == "__main__":
    main()
