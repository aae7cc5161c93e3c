"""Generate the Long Range Arena model zoo: S4D classifiers in the S4 paper's configurations.

    python examples/lra/generate.py                  # every .mlir, the small tasks' weights
    python examples/lra/generate.py --task pathx     # one task's .mlir and .npz (any size)
    python examples/lra/generate.py --task image --expected   # + reference outputs (slow)

Each model (epoch_mlir/models.py `lra_model`) is an input encoder (`nn.linear` from the input
width to H; a token task's input is one-hot, so this is the embedding lookup), 6 bidirectional
pre-norm S4D blocks, a final layer norm and a mean-pool decoder (`nn.mean`, `nn.linear` to the
classes). `NAME.npz` holds arg0 (the input: seeded random tokens or pixels) and the weights in
argument order: seeded random S4D-Lin initialization. No trained weights can be fetched here, so
the models measure the hardware, not accuracy.

The weights of the N=64 tasks (image, pathfinder, pathx) are 6-15 MB, so they are not kept in the
repository: `--task NAME` writes them (deterministically: the same seed gives the same bytes).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

from epoch_mlir.models import LRA_TASKS, lra_arrays, lra_model, mamba_block, mamba_weights

HERE = Path(__file__).parent
SEED = 0
KEPT = ("listops", "text", "retrieval", "mamba_block")  # whose .npz the repository keeps
MAMBA_LENGTH, MAMBA_D_MODEL = 2048, 256  # ListOps' length and width; d_inner 512, N 16, K 4


def model_text(name: str, length: int | None = None, layers: int | None = None) -> str:
    if name == "mamba_block":
        return mamba_block(length or MAMBA_LENGTH, MAMBA_D_MODEL)
    return lra_model(LRA_TASKS[name], length, layers)


def model_arrays(
    name: str, length: int | None = None, layers: int | None = None
) -> dict[str, np.ndarray]:
    if name == "mamba_block":
        return mamba_weights(length or MAMBA_LENGTH, MAMBA_D_MODEL, np.random.default_rng(SEED))
    return lra_arrays(LRA_TASKS[name], SEED, length, layers)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # one-hot inputs compress to almost nothing
    path.write_bytes(buffer.getvalue())


def write(name: str, weights: bool, expected: bool) -> None:
    mlir = HERE / f"{name}.mlir"
    mlir.write_text(model_text(name))
    written = [mlir.name]
    if weights or expected:
        arrays = model_arrays(name)
        _save_npz(HERE / f"{name}.npz", arrays)
        written.append(f"{name}.npz")
        if expected:
            from epoch_mlir.interpreters.reference import run_reference
            from epoch_mlir.ir_reader import load_module

            _save_npz(HERE / f"{name}.expected.npz", run_reference(load_module(mlir), arrays))
            written.append(f"{name}.expected.npz")
    print(", ".join(written))


def main(argv: list[str] | None = None) -> None:
    names = [*LRA_TASKS, "mamba_block"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--task",
        action="append",
        choices=names,
        help="write this model's .mlir and .npz whatever their size (repeatable)",
    )
    parser.add_argument(
        "--expected",
        action="store_true",
        help="also write NAME.expected.npz with the float64 reference interpreter",
    )
    args = parser.parse_args(argv)
    for name in args.task or names:
        write(name, weights=bool(args.task) or name in KEPT, expected=args.expected)


if __name__ == "__main__":
    main(sys.argv[1:])
