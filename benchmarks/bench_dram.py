"""DRAM footprint of a 6-layer S4D model: intermediates shared by liveness against one each.

python benchmarks/bench_dram.py [--lengths 16384 262144] [--channels 256] [--modes 64]
                                [--layers 6] [--hw epochcore] [--run 16384 ...]

For each L: the program's DRAM words (`Program.dram_words`, what the emulator allocates) with
intermediates placed by liveness (convert-systolic-to-epoch today), and what the bump allocation
of one region per intermediate (the compiler before liveness placement) would need: the fixed
tensors (arguments, results, constants) plus every intermediate, aligned. Also the sum and the
peak of live intermediates, and compile time (best of --repeats). Lengths in --run are also run
on the emulator (random inputs; cycles and wall time; the numerics are tested at small shapes in
tests/conversions/test_dram_allocation.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from epoch_mlir.compiler import compile_file, pipeline_for
from epoch_mlir.conversions.convert_systolic_to_epoch import dram_allocation
from epoch_mlir.conversions.convert_systolic_to_epoch.layout import DRAM_ALIGNMENT
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.entry import find_entry
from epoch_mlir.errors import EpochError
from epoch_mlir.ir_reader import load_module, make_context
from epoch_mlir.machine import load_machine
from epoch_mlir.models import s4d_lin, s4d_model
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import get_all_passes, get_upstream_passes

LAST_PASS = "convert-systolic-to-epoch"


def intermediates(path: Path, spec: str) -> list[dram_allocation.Interval]:
    """The lifetimes of the model's DRAM intermediates, from the pipeline before the last pass."""
    passes = [p.strip() for p in spec.split(",")]
    assert passes[-1] == LAST_PASS, spec
    ctx = make_context()
    module = load_module(path, ctx)
    pipeline = build_pipeline(",".join(passes[:-1]), {**get_upstream_passes(), **get_all_passes()})
    pipeline.apply(ctx, module)
    entry = find_entry(module)
    tensors = [op.tensor for op in dram_allocation.intermediates(entry)]
    return dram_allocation.live_ranges(entry.body.block, tensors)


def random_inputs(program, layers: int, rng: np.random.Generator) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """x, then per layer gamma, beta, the S4D-Lin coefficients (both directions), W and bias."""
    x = program.args[0]
    channels, modes = x.shape[1], program.args[3].shape[1]
    values: list[np.ndarray] = [rng.normal(size=x.shape)]
    for _ in range(layers):
        values += [1 + 0.1 * rng.normal(size=channels), 0.1 * rng.normal(size=channels)]
        values += s4d_lin(channels, modes, rng) + s4d_lin(channels, modes, rng)
        values += [rng.normal(size=(channels, channels)) / np.sqrt(channels)]
        values += [0.1 * rng.normal(size=channels)]
    assert len(values) == len(program.args)
    return {
        f"arg{i}": np.asarray(v).astype(symbol.numpy_dtype)
        for i, (v, symbol) in enumerate(zip(values, program.args, strict=True))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[16384, 262144])
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--modes", type=int, default=64)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--hw", default="epochcore")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run", type=int, nargs="*", default=[], metavar="L")
    args = parser.parse_args()
    machine = load_machine(args.hw)
    spec = pipeline_for(machine, args.hw, None)
    print(
        f"{args.hw} ({machine.dram_words} DRAM words), {args.layers}-layer S4D, "
        f"H={args.channels} N={args.modes} (coefficients as arguments); words of 4 bytes"
    )
    with tempfile.TemporaryDirectory() as directory:
        for length in sorted(set(args.lengths) | set(args.run)):
            path = Path(directory) / f"s4d_{length}.mlir"
            path.write_text(s4d_model(args.layers, length, args.channels, args.modes))
            intervals = intermediates(path, spec)
            times, compiled, error = [], None, None
            for _ in range(args.repeats):
                start = time.perf_counter()
                try:
                    compiled = compile_file(path, machine, args.hw, None, None)
                except EpochError as caught:
                    error = caught
                times.append(time.perf_counter() - start)
            aligned = sum(-(-i.words // DRAM_ALIGNMENT) * DRAM_ALIGNMENT for i in intervals)
            peak = dram_allocation.peak_live_words(intervals)
            line = (
                f"L={length}: {len(intervals)} intermediates of "
                f"{sum(i.words for i in intervals)} words, at most {peak} live at once; "
            )
            if compiled is None:
                print(line + f"compile FAILED in {min(times):.3f} s: {error}")
                continue
            program = compiled.program
            pool = [s for s in program.symbols if s.name.startswith("t") and s.in_dram]
            fixed = min((s.address for s in pool), default=program.dram_words)
            print(
                line + f"DRAM {program.dram_words} words by liveness "
                f"({program.dram_words - fixed} of them the shared pool), "
                f"{fixed + aligned} words one region each "
                f"({(fixed + aligned) / program.dram_words:.1f}x; "
                f"{'fits' if fixed + aligned < 2**31 else 'beyond a 32-bit address register'}); "
                f"compile {min(times):.3f} s (best of {args.repeats})"
            )
            if length in args.run:
                inputs = random_inputs(program, args.layers, np.random.default_rng(0))
                start = time.perf_counter()
                result = Emulator(program, machine).run(inputs)
                finite = all(np.isfinite(v).all() for v in result.outputs.values())
                print(
                    f"  run: {result.stats.cycles} cycles, {time.perf_counter() - start:.1f} s "
                    f"wall, outputs {'finite' if finite else 'NOT finite'}"
                )


if __name__ == "__main__":
    main()
