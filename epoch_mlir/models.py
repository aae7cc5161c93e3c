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


MAMBA_ARGUMENTS = (
    ("gamma", "m"),
    ("beta", "m"),
    ("w_in_x", "em"),
    ("w_in_z", "em"),
    ("conv_w", "ek"),
    ("conv_b", "e"),
    ("w_dt_low", "re"),
    ("w_b", "ne"),
    ("w_c", "ne"),
    ("w_dt", "er"),
    ("b_dt", "e"),
    ("a", "en"),
    ("d", "e"),
    ("w_out", "me"),
)


def _mamba_sizes(d_model: int, expand: int, modes: int, conv: int) -> dict[str, int]:
    return {"m": d_model, "e": expand * d_model, "n": modes, "k": conv, "r": -(-d_model // 16)}


def mamba_block(length: int, d_model: int, expand: int = 2, modes: int = 16, conv: int = 4) -> str:
    """One pre-norm Mamba block on an L x d_model input, weights as arguments.

    y = x + out(selective_scan(silu(conv(in_x(ln(x)))), dt, A, B, C, D, gate in_z(ln(x))));
    the in-projection's two halves and x_proj's three parts (dt_rank = ceil(d_model / 16), B,
    C) are separate linears (the nn dialect has no slice); dt = dt_proj(dt_low) + b_dt, with
    softplus inside the scan (`delta_softplus`), as in Mamba.
    """
    sizes = _mamba_sizes(d_model, expand, modes, conv)
    m, e, n = sizes["m"], sizes["e"], sizes["n"]

    def tensor(*dims: int) -> str:
        return f"tensor<{'x'.join(map(str, dims))}xf32>"

    x, xe, xn = tensor(length, m), tensor(length, e), tensor(length, n)
    arguments = [f"%x: {x}"] + [
        f"%{name}: {tensor(*(sizes[dim] for dim in dims))}" for name, dims in MAMBA_ARGUMENTS
    ]

    def linear(result: str, source: str, weight: str, features: str, bias: str = "") -> str:
        """`result = source @ weight^T (+ bias)`; features: "in out" as size letters."""
        k, o = (sizes[letter] for letter in features.split())
        operands = f"{source}, {weight}" + (f", {bias}" if bias else "")
        types = f"{tensor(length, k)}, {tensor(o, k)}" + (f", {tensor(o)}" if bias else "")
        return f"{result} = nn.linear {operands} : ({types}) -> {tensor(length, o)}"

    scan_types = f"{xe}, {xe}, {tensor(e, n)}, {xn}, {xn}, {tensor(e)}, {xe}"
    body = [
        f"%n = nn.layer_norm %x, %gamma, %beta : ({x}, {tensor(m)}, {tensor(m)}) -> {x}",
        linear("%xi", "%n", "%w_in_x", "m e"),
        linear("%z", "%n", "%w_in_z", "m e"),
        f"%xc = nn.causal_conv1d %xi, %conv_w, %conv_b : "
        f"({xe}, {tensor(e, conv)}, {tensor(e)}) -> {xe}",
        f"%xs = nn.silu %xc : {xe}",
        linear("%dt_low", "%xs", "%w_dt_low", "e r"),
        linear("%bm", "%xs", "%w_b", "e n"),
        linear("%cm", "%xs", "%w_c", "e n"),
        linear("%dt", "%dt_low", "%w_dt", "r e", "%b_dt"),
        f"%ys = ssm.selective_scan %xs, %dt, %a, %bm, %cm, %d, %z delta_softplus : "
        f"({scan_types}) -> {xe}",
        linear("%o", "%ys", "%w_out", "e m"),
        f"%y = nn.add %x, %o : {x}",
    ]
    lines = [f"func.func @main({', '.join(arguments)}) -> {x} {{"]
    lines += [f"  {line}" for line in body]
    lines += [f"  func.return %y : {x}", "}"]
    return "\n".join(lines) + "\n"


def mamba_weights(
    length: int,
    d_model: int,
    rng: np.random.Generator,
    expand: int = 2,
    modes: int = 16,
    conv: int = 4,
) -> dict[str, np.ndarray]:
    """Inputs of `mamba_block` (arg0 = x, then the weights in argument order), seeded.

    Mamba's initialization: A = -[1..N] per channel (S4D-Real), D = 1, dt's bias the inverse
    softplus of a log-uniform step in [1e-3, 1e-1], linears ~ N(0, 1/fan_in); the layer norm
    starts near identity.
    """
    sizes = _mamba_sizes(d_model, expand, modes, conv)
    e, n = sizes["e"], sizes["n"]
    step = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), e))
    special = {
        "gamma": 1 + 0.1 * rng.normal(size=d_model),
        "beta": 0.1 * rng.normal(size=d_model),
        "conv_b": 0.1 * rng.normal(size=e),
        "b_dt": step + np.log(-np.expm1(-step)),
        "a": -np.tile(np.arange(1, n + 1, dtype=np.float64), (e, 1)),
        "d": np.ones(e),
    }
    values = [rng.normal(size=(length, d_model))]
    for name, dims in MAMBA_ARGUMENTS:
        if name in special:
            values.append(special[name])
        else:
            shape = tuple(sizes[dim] for dim in dims)
            values.append(rng.normal(size=shape) / np.sqrt(shape[1]))
    return {f"arg{i}": np.asarray(v, np.float32) for i, v in enumerate(values)}
