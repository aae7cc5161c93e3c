"""IR text of S4D models (benchmarks, end-to-end tests, examples).

Weights are entry arguments by default; `constants` puts the SSM coefficients in the IR as
dense constants (hex blobs, exact), as a model with fixed weights would have them.
"""

from __future__ import annotations

import numpy as np

COEFFICIENT_KEYS = ("af", "bf", "cf", "df", "ab", "bb", "cb", "db")  # a/b/c/d, forward/backward


def s4d_lin(channels: int, modes: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Discretized S4D-Lin coefficients [Abar, Bbar, C, D], seeded.

    A = -1/2 + i pi n, zero-order hold with a log-uniform step in [1e-3, 1e-1] per channel,
    C ~ CN(0, 1) with S4D's factor 2 for the conjugate half folded in, D ~ N(0, 1).
    """
    step = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), channels))[:, None]
    a = -0.5 + 1j * np.pi * np.arange(modes)[None, :]
    abar = np.exp(step * a)
    bbar = (abar - 1) / a
    shape = (channels, modes)
    c = 2 * np.sqrt(0.5) * (rng.normal(size=shape) + 1j * rng.normal(size=shape))
    d = rng.normal(size=channels)
    return [
        abar.astype(np.complex64),
        bbar.astype(np.complex64),
        c.astype(np.complex64),
        d.astype(np.float32),
    ]


def s4d_coefficients(channels: int, modes: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Both directions' coefficients of one block, keyed as `s4d_block_lines` expects."""
    values = s4d_lin(channels, modes, rng) + s4d_lin(channels, modes, rng)
    return dict(zip(COEFFICIENT_KEYS, values, strict=True))


def dense(value: np.ndarray) -> str:
    """`dense<"0x...">`: the exact bytes of a float32 or complex64 array."""
    dtype = np.complex64 if np.iscomplexobj(value) else np.float32
    return 'dense<"0x' + np.ascontiguousarray(value, dtype).tobytes().hex().upper() + '">'


def s4d_block_lines(
    index: int,
    x: str,
    length: int,
    channels: int,
    modes: int,
    constants: dict[str, np.ndarray] | None = None,
) -> tuple[list[str], list[str], str]:
    """(argument declarations, body lines, output value) of one bidirectional pre-norm S4D block.

    y = x + linear(gelu(scan_f(ln(x)) + reverse(scan_b(reverse(ln(x)))))); its arguments are
    gamma, beta, [the coefficients unless `constants`], W, bias.
    """
    t = f"tensor<{length}x{channels}xf32>"
    v = f"tensor<{channels}xf32>"
    c = f"tensor<{channels}x{modes}xcomplex<f32>>"
    p = f"%l{index}_"
    arguments = [f"{p}gamma: {v}", f"{p}beta: {v}"]
    body = []
    for key in COEFFICIENT_KEYS:
        kind = v if key.startswith("d") else c
        if constants is None:
            arguments.append(f"{p}{key}: {kind}")
        else:
            body.append(f"{p}{key} = arith.constant {dense(constants[key])} : {kind}")
    arguments += [f"{p}w: tensor<{channels}x{channels}xf32>", f"{p}bias: {v}"]
    scan_type = f"({t}, {c}, {c}, {c}, {v}) -> {t}"
    linear_type = f"({t}, tensor<{channels}x{channels}xf32>, {v}) -> {t}"
    body += [
        f"{p}n = nn.layer_norm {x}, {p}gamma, {p}beta : ({t}, {v}, {v}) -> {t}",
        f"{p}f = ssm.scan {p}n, {p}af, {p}bf, {p}cf, {p}df : {scan_type}",
        f"{p}r = nn.reverse {p}n : {t}",
        f"{p}s = ssm.scan {p}r, {p}ab, {p}bb, {p}cb, {p}db : {scan_type}",
        f"{p}back = nn.reverse {p}s : {t}",
        f"{p}sum = nn.add {p}f, {p}back : {t}",
        f"{p}g = nn.gelu {p}sum : {t}",
        f"{p}o = nn.linear {p}g, {p}w, {p}bias : {linear_type}",
        f"{p}y = nn.add {p}o, {x} : {t}",
    ]
    return arguments, body, f"{p}y"


def s4d_model(
    layers: int,
    length: int,
    channels: int,
    modes: int,
    constants: list[dict[str, np.ndarray]] | None = None,
) -> str:
    """`layers` S4D blocks on an L x H input (`constants`: one coefficient dict per layer)."""
    t = f"tensor<{length}x{channels}xf32>"
    arguments, body, value = [f"%x: {t}"], [], "%x"
    for index in range(layers):
        block_arguments, block_body, value = s4d_block_lines(
            index, value, length, channels, modes, constants[index] if constants else None
        )
        arguments += block_arguments
        body += block_body
    lines = [f"func.func @main({', '.join(arguments)}) -> {t} {{"]
    lines += [f"  {line}" for line in body]
    lines += [f"  func.return {value} : {t}", "}"]
    return "\n".join(lines) + "\n"


def scan_model(length: int, channels: int, modes: int) -> str:
    """One ssm.scan whose coefficients are arguments (the ProDF bound benchmark)."""
    t = f"tensor<{length}x{channels}xf32>"
    c = f"tensor<{channels}x{modes}xcomplex<f32>>"
    v = f"tensor<{channels}xf32>"
    return (
        f"func.func @main(%u: {t}, %a: {c}, %b: {c}, %c: {c}, %d: {v}) -> {t} {{\n"
        f"  %y = ssm.scan %u, %a, %b, %c, %d : ({t}, {c}, {c}, {c}, {v}) -> {t}\n"
        f"  func.return %y : {t}\n}}\n"
    )
