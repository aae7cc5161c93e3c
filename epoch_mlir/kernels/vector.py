"""Layer norm over channels followed by GELU, on the vector unit only."""

from __future__ import annotations

from epoch_mlir.isa.builder import ProgramBuilder
from epoch_mlir.isa.program import Program
from epoch_mlir.machine import Machine


def layer_norm_gelu_program(
    length: int, channels: int, machine: Machine, eps: float = 1e-5, approximate: bool = False
) -> Program:
    """Args x (L x H), gamma (H), beta (H); result gelu(layer_norm(x)) (L x H).

    mean and variance are row reductions; the per-row statistics broadcast along the row (`bbc`),
    gamma and beta broadcast down the rows (stride 0).
    """
    builder = ProgramBuilder()
    emit = builder.emit
    x = builder.arg("x", (length, channels))
    gamma = builder.arg("gamma", (channels,))
    beta = builder.arg("beta", (channels,))
    y = builder.result("y", (length, channels))
    words = length * channels
    base = machine.bank("input").base
    x_buf = builder.sram("x_buf", base, (length, channels))
    centered = builder.sram("centered", base + words, (length, channels))
    weight = machine.bank("weight").base
    gamma_buf = builder.sram("gamma_buf", weight, (channels,))
    beta_buf = builder.sram("beta_buf", weight + channels, (channels,))
    mean = builder.sram("mean", weight + 2 * channels, (length,))
    rstd = builder.sram("rstd", weight + 2 * channels + length, (length,))
    out = builder.sram("out", machine.bank("output").base, (length, channels))
    L, H = length, channels
    emit("load", x_buf, x, L, H, H, H)
    emit("load", gamma_buf, gamma, 1, H, H, H)
    emit("load", beta_buf, beta, 1, H, H, H)
    emit("vrsum", mean, x_buf, 1.0 / H, L, H, 1, H)
    emit("vsub", centered, x_buf, mean, L, H, H, H, 1, bbc=1)
    emit("vmul", out, centered, centered, L, H, H, H, H)
    emit("vrsum", rstd, out, 1.0 / H, L, H, 1, H)
    emit("vrsqrt", rstd, rstd, eps, L, 1, 1, 1)
    emit("vmul", out, centered, rstd, L, H, H, H, 1, bbc=1)
    emit("vmul", out, out, gamma_buf, L, H, H, H, 0)
    emit("vadd", out, out, beta_buf, L, H, H, H, 0)
    emit("vgelut" if approximate else "vgelu", out, out, L, H, H, H)
    emit("store", y, out, L, H, H, H)
    emit("halt")
    return builder.build()
