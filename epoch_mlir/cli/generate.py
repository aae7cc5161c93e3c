"""`epoch generate`: greedy decoding of an imported Mamba checkpoint on the emulator.

The prompt runs through the prefill model (its logits give the first new token), then each
further token through the decode-step model, the states handed from run to run and the host
taking the argmax. Each phase's statistics add up over its runs and are reported per token at
the machine's clock.
"""

from __future__ import annotations

import importlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
from tqdm import tqdm

from epoch_mlir.compiler import compile_file
from epoch_mlir.emulator.core import Emulator
from epoch_mlir.errors import EpochError
from epoch_mlir.importers.hf_mamba import mamba_module, parameters, read_checkpoint, weight_inputs
from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.io import atomic_write_bytes, check_writable
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from epoch_mlir.machine import Machine, load_machine

Run = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]


@dataclass
class Phase:
    """The statistics of one phase (prefill or decode), summed over its runs."""

    tokens: int = 0
    cycles: int = 0
    energy_pj: float = 0.0
    dram_bytes: int = 0
    macs: int = 0

    def add(self, tokens: int, stats: Any) -> None:
        self.tokens += tokens
        self.cycles += stats.cycles
        self.energy_pj += stats.energy_pj
        self.dram_bytes += stats.dram_read_bytes + stats.dram_write_bytes
        self.macs += stats.macs

    def figures(self, machine: Machine) -> dict[str, float | int]:
        seconds = self.cycles / (machine.clock_ghz * 1e9)
        tokens = max(self.tokens, 1)
        return {
            "tokens": self.tokens,
            "cycles": self.cycles,
            "latency_us": seconds * 1e6,
            "tokens_per_s": self.tokens / seconds if seconds else 0.0,
            "energy_uj_per_token": self.energy_pj / 1e6 / tokens,
            "dram_bytes_per_token": self.dram_bytes / tokens,
            "pe_utilization": self.macs / (machine.rows * machine.cols * self.cycles)
            if self.cycles
            else 0.0,
        }


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise EpochError(f"--prompt-ids must be comma-separated integers, got '{text}'") from None


@click.command("generate")
@click.argument("checkpoint", type=click.Path(path_type=Path))
@click.option("--prompt-ids", required=True, help="The prompt's token ids: 1,2,3.")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="Tokens to generate.",
)
@click.option("--hw", default="epochcore", show_default=True, help="Machine preset or TOML file.")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Copies of the prompt, run as one batch (B sequences per run).",
)
@click.option(
    "--reference",
    is_flag=True,
    help="Run the float64 reference interpreter instead of the emulator.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write prompt_ids, generated_ids and the per-phase figures as JSON.",
)
def generate_command(
    checkpoint: Path,
    prompt_ids: str,
    count: int,
    hw: str,
    batch: int,
    reference: bool,
    output: Path | None,
) -> None:
    """Generate -n tokens greedily after --prompt-ids with the Mamba CHECKPOINT (a
    transformers MambaForCausalLM directory): the prompt as one prefill run, then one decode
    run per token, on the emulator of --hw (or the reference interpreter)."""
    prompt = _ids(prompt_ids)
    if not prompt:
        raise EpochError("--prompt-ids is empty")
    if output is not None:
        check_writable(output)
    config, weights = read_checkpoint(checkpoint)
    bad = [i for i in prompt if not 0 <= i < config.vocab]
    if bad:
        raise EpochError(f"--prompt-ids: id {bad[0]} is outside the vocabulary of {config.vocab}")
    params = parameters(config, weights)
    inputs = weight_inputs(params)
    machine = load_machine(hw)
    texts = {
        "prefill": mamba_module(config, params, len(prompt), decode=False, batch=batch),
        "decode": mamba_module(config, params, len(prompt), decode=True, batch=batch),
    }
    phases = {"prefill": Phase(), "decode": Phase()}
    runners = {
        name: _runner(name, text, machine, hw, reference, phases[name])
        for name, text in texts.items()
    }
    rows = (batch,) if batch > 1 else ()  # batch 1 is the unbatched model

    def next_ids(logits: np.ndarray) -> np.ndarray:
        """The greedy choice of every sequence, from the logits of its last position."""
        return np.argmax(logits[..., -1, :], axis=-1).reshape(batch)

    prompt_array = np.broadcast_to(np.array(prompt, np.int32), (*rows, len(prompt)))
    outputs = runners["prefill"]({"arg0": np.ascontiguousarray(prompt_array), **inputs})
    states = 2 * config.layers
    generated = [next_ids(outputs["res0"])]
    first_state = 1 + len(params)
    for _ in tqdm(range(count - 1), desc="decode", unit="token", leave=False):
        step = {"arg0": generated[-1].astype(np.int32).reshape(*rows, 1), **inputs}
        step |= {f"arg{first_state + j}": outputs[f"res{1 + j}"] for j in range(states)}
        outputs = runners["decode"](step)
        generated.append(next_ids(outputs["res0"]))
    per_row = [[int(ids[row]) for ids in generated] for row in range(batch)]
    for row, ids in enumerate(per_row):
        prefix = "generated ids" if batch == 1 else f"generated ids [{row}]"
        click.echo(f"{prefix}: {','.join(map(str, ids))}")
    text = _detokenize(checkpoint, prompt + per_row[0])
    if text is not None:
        click.echo(f"text: {text}")
    report: dict[str, Any] = {"prompt_ids": prompt, "generated_ids": per_row}
    if not reference:
        report["hw"] = machine.name
        for name, phase in phases.items():
            figures = phase.figures(machine)
            report[name] = figures
            click.echo(
                f"{name}: {figures['tokens']} tokens, {figures['cycles']:,} cycles "
                f"({figures['latency_us']:.1f} us at {machine.clock_ghz:g} GHz), "
                f"{figures['tokens_per_s']:,.0f} tokens/s, "
                f"{figures['energy_uj_per_token']:.3f} uJ/token, "
                f"{figures['dram_bytes_per_token'] / 2**20:.3f} MiB DRAM/token"
            )
    if output is not None:
        atomic_write_bytes(output, (json.dumps(report, indent=2) + "\n").encode())


def _runner(name: str, text: str, machine: Machine, hw: str, reference: bool, phase: Phase) -> Run:
    """A function running the phase's model on its inputs (and adding up its statistics)."""
    if reference:
        module = parse_module(make_context(), SourceText(f"{name}.mlir", text))
        return lambda inputs: run_reference(module, inputs)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{name}.mlir"
        path.write_text(text)
        program = compile_file(path, machine, hw, None, None).program
    emulator = Emulator(program, machine)

    def run(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        result = emulator.run(inputs)
        phase.add(inputs["arg0"].size, result.stats)  # tokens of every sequence
        return result.outputs

    return run


def _detokenize(checkpoint: Path, ids: list[int]) -> str | None:
    """The text of `ids` when the checkpoint has a tokenizer.json and `tokenizers` is there."""
    path = checkpoint / "tokenizer.json"
    if not path.is_file():
        return None
    try:  # an optional extra: looked up by name, so its absence is no type error either
        tokenizers = importlib.import_module("tokenizers")
    except ImportError:
        return None
    return str(tokenizers.Tokenizer.from_file(str(path)).decode(ids))
