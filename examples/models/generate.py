"""Regenerate the model examples' inputs and expected outputs (float64 reference interpreter).

    python examples/models/generate.py

Weights follow S4D-Lin initialization (A = -1/2 + i pi n, zero-order hold with a log-uniform
step per channel, C ~ N(0, 1/2) complex, the S4D factor 2 folded into C), seeded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import load_module
from epoch_mlir.models import s4d_lin

HERE = Path(__file__).parent


def s4d_block_inputs(rng: np.random.Generator) -> list[np.ndarray]:
    length, channels, modes = 256, 16, 4
    x = rng.normal(size=(length, channels)).astype(np.float32)
    gamma = (1 + 0.1 * rng.normal(size=channels)).astype(np.float32)
    beta = (0.1 * rng.normal(size=channels)).astype(np.float32)
    w = (rng.normal(size=(channels, channels)) / np.sqrt(channels)).astype(np.float32)
    bias = (0.1 * rng.normal(size=channels)).astype(np.float32)
    return [x, gamma, beta, *s4d_lin(channels, modes, rng), *s4d_lin(channels, modes, rng), w, bias]


def main() -> None:
    inputs = {f"arg{i}": v for i, v in enumerate(s4d_block_inputs(np.random.default_rng(0)))}
    np.savez(HERE / "s4d_block.npz", **inputs)
    outputs = run_reference(load_module(HERE / "s4d_block.mlir"), inputs)
    np.savez(HERE / "s4d_block.expected.npz", **outputs)


if __name__ == "__main__":
    main()
