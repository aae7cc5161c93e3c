"""A mamba-130m-shaped language model on EpochCore and on the TPU-like baseline (issue 15).

The checkpoint cannot be downloaded here, so the weights are random in its layout (d_model 768,
24 layers, state 16, expand 2, conv 4, dt_rank 48, vocab 50280), built in memory with
transformers' tensor names and imported as `epoch import` does. For each machine it measures:

- compile time of the prefill model (2,048 tokens) and of the decode-step model;
- prefill of 2,048 tokens (timing-only run): cycles, tokens/s at the clock, energy per token,
  utilization;
- one decode step (a full run with numerics, timed on the host: the best of three runs, and the
  first, which also pays the warm-up; and its statistics): tokens/s,
  energy per token, utilization, DRAM traffic per token against the weights' bytes, the
  DRAM-bandwidth bound (weights read once per token) and how far the step is from it.

- one decode step at batch 16 (16 sequences, one token each, sharing each read of the
  weights): the same figures per token, compile time, and the emulator's wall time per step.

    python benchmarks/bench_mamba_lm.py [--length 2048] [--layers 24] [--batch 16]
        [-o RESULTS.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.importers.hf_mamba import MambaConfig, mamba_module, parameters, weight_inputs
from epoch_mlir.machine import load_machine


def random_weights(config: MambaConfig, seed: int = 0) -> dict[str, np.ndarray]:
    """Random float32 weights under MambaForCausalLM's names (tied embeddings)."""
    rng = np.random.default_rng(seed)
    h, d, n, k, r = config.hidden, config.inner, config.state, config.kernel, config.dt_rank

    def normal(*shape: int, scale: float = 1.0) -> np.ndarray:
        return (scale * rng.standard_normal(shape, dtype=np.float32)).astype(np.float32)

    weights = {"backbone.embeddings.weight": normal(config.vocab, h, scale=0.02)}
    for i in range(config.layers):
        p = f"backbone.layers.{i}."
        weights |= {
            p + "norm.weight": np.ones(h, np.float32),
            p + "mixer.in_proj.weight": normal(2 * d, h, scale=h**-0.5),
            p + "mixer.conv1d.weight": normal(d, 1, k, scale=k**-0.5),
            p + "mixer.conv1d.bias": normal(d, scale=0.1),
            p + "mixer.x_proj.weight": normal(r + 2 * n, d, scale=d**-0.5),
            p + "mixer.dt_proj.weight": normal(d, r, scale=r**-0.5),
            p + "mixer.dt_proj.bias": np.full(d, -4.0, np.float32),
            p + "mixer.A_log": np.log(np.tile(np.arange(1, n + 1, dtype=np.float32), (d, 1))),
            p + "mixer.D": np.ones(d, np.float32),
            p + "mixer.out_proj.weight": normal(h, d, scale=d**-0.5),
        }
    weights["backbone.norm_f.weight"] = np.ones(h, np.float32)
    return weights


def zero_states(config: MambaConfig, first: int, batch: int = 1) -> dict[str, np.ndarray]:
    """Every layer's convolution and SSM state, zero, under their decode-model keys."""
    rows = (batch,) if batch > 1 else ()
    states = {}
    for i in range(config.layers):
        states[f"arg{first + 2 * i}"] = np.zeros(
            (*rows, config.kernel - 1, config.inner), np.float32
        )
        states[f"arg{first + 2 * i + 1}"] = np.zeros(
            (*rows, config.inner, config.state), np.float32
        )
    return states


def measure(config: MambaConfig, length: int, hw: str, batch: int) -> dict[str, object]:
    machine = load_machine(hw)
    params = parameters(config, random_weights(config))
    weights = weight_inputs(params)
    weight_bytes = sum(p.value.nbytes for p in params)
    figures: dict[str, object] = {"hw": hw, "weight_bytes": weight_bytes}
    programs = {}
    with tempfile.TemporaryDirectory() as directory:
        for name, decode, rows in (
            ("prefill", False, 1),
            ("decode", True, 1),
            ("decode_batch", True, batch),
        ):
            path = Path(directory) / f"{name}.mlir"
            path.write_text(mamba_module(config, params, length, decode, rows))
            start = time.perf_counter()
            programs[name] = compile_file(path, machine, hw, None, None).program
            figures[f"{name}_compile_s"] = time.perf_counter() - start
    clock = machine.clock_ghz * 1e9

    def per_token(stats: object, tokens: int) -> dict[str, float]:
        cycles = stats.cycles  # type: ignore[attr-defined]
        return {
            "cycles": cycles,
            "tokens_per_s": tokens * clock / cycles,
            "energy_uj_per_token": stats.energy_pj / 1e6 / tokens,  # type: ignore[attr-defined]
            "pe_utilization": stats.pe_utilization,  # type: ignore[attr-defined]
            "dram_bytes_per_token": (stats.dram_read_bytes + stats.dram_write_bytes)  # type: ignore[attr-defined]
            / tokens,
        }

    prefill = Emulator(programs["prefill"], machine, timing_only=True).run()
    figures["prefill"] = per_token(prefill.stats, length)
    # the DRAM-bandwidth bound of one token: the weights read once
    bound = weight_bytes / machine.dram_bandwidth_bytes_per_cycle
    for name, rows in (("decode", 1), ("decode_batch", batch)):
        ids = np.zeros((rows, 1) if rows > 1 else 1, np.int32)
        inputs = {"arg0": ids, **weights, **zero_states(config, 1 + len(params), rows)}
        emulator = Emulator(programs[name], machine)
        walls = []
        for _ in range(3):  # the first run also pays numpy's and the allocator's warm-up
            start = time.perf_counter()
            step = emulator.run(inputs)
            walls.append(time.perf_counter() - start)
        decode = per_token(step.stats, rows)
        decode |= {
            "batch": rows,
            "step_cycles": step.stats.cycles,
            "cycles_per_token": step.stats.cycles / rows,
            "unit_busy_cycles": step.stats.unit_busy_cycles,
            "emulator_wall_s": min(walls),
            "emulator_first_wall_s": walls[0],
            "bandwidth_bound_cycles": bound,
            "cycles_over_bound": step.stats.cycles / rows / bound,
            "step_over_bound": step.stats.cycles / bound,
            "dram_over_weights": decode["dram_bytes_per_token"] / weight_bytes,
        }
        figures[name] = decode
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=2048)
    parser.add_argument("--layers", type=int, default=24)
    parser.add_argument("--hw", nargs="+", default=["epochcore", "tpu"])
    parser.add_argument("--batch", type=int, default=16, help="sequences of the batched decode")
    parser.add_argument("-o", "--output", type=Path, default=None)
    args = parser.parse_args()
    config = MambaConfig(
        hidden=768,
        inner=1536,
        state=16,
        kernel=4,
        dt_rank=48,
        layers=args.layers,
        vocab=50280,
        eps=1e-5,
        use_bias=False,
        use_conv_bias=True,
    )
    results = [measure(config, args.length, hw, args.batch) for hw in args.hw]
    text = json.dumps(results, indent=2)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
