"""`epoch import`: a Hugging Face Mamba checkpoint as prefill and decode-step IR."""

from __future__ import annotations

from pathlib import Path

import click

from epoch_mlir.importers.hf_mamba import mamba_module, parameters, read_checkpoint, weight_inputs
from epoch_mlir.io import atomic_write_bytes, check_writable, save_outputs


@click.command("import")
@click.argument("checkpoint", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for prefill.mlir, decode.mlir and weights.npz (created if missing).",
)
@click.option(
    "--length",
    type=click.IntRange(min=1),
    default=128,
    show_default=True,
    help="Tokens of the prefill model.",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Sequences per run: above 1, every per-sequence tensor (ids, states, logits) has a "
    "leading batch dimension.",
)
def import_command(checkpoint: Path, out_dir: Path, length: int, batch: int) -> None:
    """Import CHECKPOINT (a transformers MambaForCausalLM directory: config.json and
    model.safetensors) as a prefill model of --length tokens and a one-token decode model.

    Both read the token ids as arg0 and the weights as arg1.. (weights.npz; add arg0, and for
    decode the states, to run them). Results: res0 the logits, then per layer the convolution
    and SSM states, which the decode model also takes, in that order, after the weights.
    """
    config, weights = read_checkpoint(checkpoint)
    params = parameters(config, weights)
    prefill = mamba_module(config, params, length, decode=False, batch=batch)
    decode = mamba_module(config, params, length, decode=True, batch=batch)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / "prefill.mlir", out_dir / "decode.mlir", out_dir / "weights.npz"]
    check_writable(*written)
    atomic_write_bytes(written[0], prefill.encode())
    atomic_write_bytes(written[1], decode.encode())
    save_outputs(written[2], weight_inputs(params))
    click.echo(
        f"mamba: {config.layers} layers, d_model {config.hidden}, d_inner {config.inner}, "
        f"state {config.state}, vocab {config.vocab}; wrote {', '.join(map(str, written))}"
    )
