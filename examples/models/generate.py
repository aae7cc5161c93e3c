"""Regenerate the model examples' inputs and expected outputs (float64 reference interpreter).

    python examples/models/generate.py

The S4D block's weights follow S4D-Lin initialization (A = -1/2 + i pi n, zero-order hold with a
log-uniform step per channel, C ~ N(0, 1/2) complex, the S4D factor 2 folded into C), seeded; the
Mamba block's follow Mamba's (epoch_mlir/models.py `mamba_weights`). No trained weights are used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from epoch_mlir.interpreters.reference import run_reference
from epoch_mlir.ir_reader import load_module
from epoch_mlir.models import mamba_block, mamba_weights, s4d_lin

HERE = Path(__file__).parent


def s4d_block_inputs(rng: np.random.Generator) -> list[np.ndarray]:
    length, channels, modes = 256, 16, 4
    x = rng.normal(size=(length, channels)).astype(np.float32)
    gamma = (1 + 0.1 * rng.normal(size=channels)).astype(np.float32)
    beta = (0.1 * rng.normal(size=channels)).astype(np.float32)
    w = (rng.normal(size=(channels, channels)) / np.sqrt(channels)).astype(np.float32)
    bias = (0.1 * rng.normal(size=channels)).astype(np.float32)
    return [x, gamma, beta, *s4d_lin(channels, modes, rng), *s4d_lin(channels, modes, rng), w, bias]


MAMBA_LENGTH, MAMBA_D_MODEL = 256, 16  # d_inner 32, 16 state modes, kernel 4


def save(name: str, inputs: dict[str, np.ndarray]) -> None:
    np.savez(HERE / f"{name}.npz", **inputs)
    outputs = run_reference(load_module(HERE / f"{name}.mlir"), inputs)
    np.savez(HERE / f"{name}.expected.npz", **outputs)


def main() -> None:
    save(
        "s4d_block",
        {f"arg{i}": v for i, v in enumerate(s4d_block_inputs(np.random.default_rng(0)))},
    )
    (HERE / "mamba_block.mlir").write_text(mamba_block(MAMBA_LENGTH, MAMBA_D_MODEL))
    save("mamba_block", mamba_weights(MAMBA_LENGTH, MAMBA_D_MODEL, np.random.default_rng(0)))


if __name__ == "__main__":
    main()
