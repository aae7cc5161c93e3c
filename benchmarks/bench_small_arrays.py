"""Compile every example for the small arrays architects sweep (`small` 8x4, `tiny` 4x4).

Issue 14's goal: each compiles in under 10 s to a program under 1 MB, because folds over
channels, modes and output columns are hardware loops (docs/compiler.md, "Tiles as loops").
Compile time is wall time in this process (imports warm), best of --repeats; the program's size
is its encoded bytes. A refusal (the model does not fit the machine) is recorded with its
message. Writes benchmarks/small_array_results.json, which bench_lra.py's docs/results.md
shows.

python benchmarks/bench_small_arrays.py [--hw small tiny] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from epoch_mlir.compiler import compile_file
from epoch_mlir.errors import EpochError
from epoch_mlir.machine import load_machine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "small_array_results.json"
EXAMPLES = sorted((ROOT / "examples" / "lra").glob("*.mlir")) + sorted(
    (ROOT / "examples" / "models").glob("*.mlir")
)


def measure(path: Path, hw: str, repeats: int) -> dict[str, Any]:
    machine = load_machine(hw)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            compiled = compile_file(path, machine, hw, None, None)
        except EpochError as error:
            return {"refused": str(error).splitlines()[0]}
        best = min(best, time.perf_counter() - start)
    program = compiled.program
    return {
        "compile_s": round(best, 2),
        "program_bytes": len(program.to_bytes()),
        "instructions": len(program.words),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hw", nargs="+", default=["small", "tiny"])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    for hw in args.hw:
        for path in EXAMPLES:
            name = f"{path.parent.name}/{path.stem}"
            figures = measure(path, hw, args.repeats)
            results.setdefault(name, {})[hw] = figures
            shown = figures.get("refused") or (
                f"{figures['compile_s']:.2f} s, {figures['program_bytes'] / 1024:.0f} KiB, "
                f"{figures['instructions']} instructions"
            )
            print(f"{hw:6} {name:22} {shown}", flush=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
