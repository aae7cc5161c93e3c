"""IR text of S4D models (benchmarks, end-to-end tests, examples).

Weights are entry arguments by default; `constants` puts the SSM coefficients in the IR as
dense constants (hex blobs, exact), as a model with fixed weights would have them.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    prefix = f"%l{index}_"
    return _s4d_block(prefix, prefix, x, length, channels, modes, constants)


def _s4d_block(
    weights: str,
    values: str,
    x: str,
    length: int,
    channels: int,
    modes: int,
    constants: dict[str, np.ndarray] | None = None,
) -> tuple[list[str], list[str], str]:
    """`s4d_block_lines` with its weights named `{weights}*` and its values `{values}*`.

    Two calls with the same `weights` and different `values` prefixes apply one set of weights
    twice (the shared encoder of a two-document model); use the arguments of one call only.
    """
    t = f"tensor<{length}x{channels}xf32>"
    v = f"tensor<{channels}xf32>"
    c = f"tensor<{channels}x{modes}xcomplex<f32>>"
    w, p = weights, values
    arguments = [f"{w}gamma: {v}", f"{w}beta: {v}"]
    body = []
    for key in COEFFICIENT_KEYS:
        kind = v if key.startswith("d") else c
        if constants is None:
            arguments.append(f"{w}{key}: {kind}")
        else:
            body.append(f"{w}{key} = arith.constant {dense(constants[key])} : {kind}")
    arguments += [f"{w}w: tensor<{channels}x{channels}xf32>", f"{w}bias: {v}"]
    scan_type = f"({t}, {c}, {c}, {c}, {v}) -> {t}"
    linear_type = f"({t}, tensor<{channels}x{channels}xf32>, {v}) -> {t}"
    body += [
        f"{p}n = nn.layer_norm {x}, {w}gamma, {w}beta : ({t}, {v}, {v}) -> {t}",
        f"{p}f = ssm.scan {p}n, {w}af, {w}bf, {w}cf, {w}df : {scan_type}",
        f"{p}r = nn.reverse {p}n : {t}",
        f"{p}s = ssm.scan {p}r, {w}ab, {w}bb, {w}cb, {w}db : {scan_type}",
        f"{p}back = nn.reverse {p}s : {t}",
        f"{p}sum = nn.add {p}f, {p}back : {t}",
        f"{p}g = nn.gelu {p}sum : {t}",
        f"{p}o = nn.linear {p}g, {w}w, {w}bias : {linear_type}",
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


# --- Long Range Arena classifiers (examples/lra) ----------------------------------------------


@dataclass(frozen=True)
class LraTask:
    """One LRA task with the S4 paper's model configuration.

    `features` is the input width per timestep: the vocabulary of a token task (its input is
    one-hot, so the encoder's `nn.linear` is the embedding lookup), 1 for the pixel tasks.
    `documents` = 2 is the retrieval task: two documents through one shared encoder.
    """

    name: str
    length: int
    channels: int
    modes: int
    features: int
    classes: int
    documents: int = 1
    layers: int = 6


LRA_TASKS: dict[str, LraTask] = {
    task.name: task
    for task in (
        LraTask("listops", 2048, 256, 4, features=18, classes=10),
        LraTask("text", 4096, 256, 4, features=129, classes=2),
        LraTask("retrieval", 4000, 256, 4, features=98, classes=2, documents=2),
        LraTask("image", 1024, 512, 64, features=1, classes=10),
        LraTask("pathfinder", 1024, 256, 64, features=1, classes=2),
        LraTask("pathx", 16384, 256, 64, features=1, classes=2),
    )
}


def _tensor(*dims: int) -> str:
    return f"tensor<{'x'.join(map(str, dims))}xf32>"


def _s4d_encoder(
    task: LraTask, length: int, layers: int, x: str, values: str
) -> tuple[list[str], list[str], str]:
    """(weight arguments, body, pooled 1 x H value) of the encoder, S4D stack, norm and pool.

    The weights are named independently of `values`, so a second call with another `values`
    prefix shares them (retrieval's two documents).
    """
    h = task.channels
    t, v = _tensor(length, h), _tensor(h)
    x_type, w_type = _tensor(length, task.features), _tensor(h, task.features)
    arguments = [f"%enc_w: {w_type}", f"%enc_b: {v}"]
    body = [f"{values}e = nn.linear {x}, %enc_w, %enc_b : ({x_type}, {w_type}, {v}) -> {t}"]
    value = f"{values}e"
    for index in range(layers):
        block_arguments, block_body, value = _s4d_block(
            f"%l{index}_", f"{values}l{index}_", value, length, h, task.modes
        )
        arguments += block_arguments
        body += block_body
    arguments += [f"%norm_gamma: {v}", f"%norm_beta: {v}"]
    body += [
        f"{values}norm = nn.layer_norm {value}, %norm_gamma, %norm_beta : ({t}, {v}, {v}) -> {t}",
        f"{values}pool = nn.mean {values}norm : {t} -> {_tensor(1, h)}",
    ]
    return arguments, body, f"{values}pool"


def lra_model(task: LraTask, length: int | None = None, layers: int | None = None) -> str:
    """The IR of an S4D classifier for `task` (optionally at another length or depth).

    x (L x features) -> nn.linear encoder -> `layers` bidirectional pre-norm S4D blocks -> final
    layer norm (S4's pre-norm models end with one) -> nn.mean -> nn.linear to the class logits
    (1 x classes). Retrieval (two documents, x1 and x2) runs both through the same weights and
    classifies the pooled pair u, v as S4's retrieval head does, an MLP on [u, v, u*v, u-v]:
    that concatenation followed by a linear is written as the sum of four linears on H-column
    blocks of the weight, which is the same function (the nn dialect has no concat).
    Every weight is an argument, in the order of `lra_weights`.
    """
    length = length or task.length
    layers = task.layers if layers is None else layers
    h, k = task.channels, task.classes
    v, pooled, logits = _tensor(h), _tensor(1, h), _tensor(1, k)
    x_type = _tensor(length, task.features)
    if task.documents == 1:
        arguments, body, u = _s4d_encoder(task, length, layers, "%x", "%")
        head_in = u
    else:
        arguments, body, u = _s4d_encoder(task, length, layers, "%x1", "%d1_")
        _, body2, second = _s4d_encoder(task, length, layers, "%x2", "%d2_")
        body += body2
        hw = _tensor(h, h)
        arguments += [f"%mlp_{part}: {hw}" for part in ("u", "v", "uv", "diff")]
        arguments += [f"%mlp_b: {v}"]
        linear = f"({pooled}, {hw}) -> {pooled}"
        body += [
            f"%uv = nn.mul {u}, {second} : {pooled}",
            f"%minus_one = arith.constant dense<-1.0> : {pooled}",
            f"%neg_v = nn.mul {second}, %minus_one : {pooled}",
            f"%diff = nn.add {u}, %neg_v : {pooled}",
            f"%mlp_0 = nn.linear {u}, %mlp_u : {linear}",
            f"%mlp_1 = nn.linear {second}, %mlp_v : {linear}",
            f"%mlp_2 = nn.linear %uv, %mlp_uv : {linear}",
            f"%mlp_3 = nn.linear %diff, %mlp_diff, %mlp_b : ({pooled}, {hw}, {v}) -> {pooled}",
            f"%mlp_01 = nn.add %mlp_0, %mlp_1 : {pooled}",
            f"%mlp_23 = nn.add %mlp_2, %mlp_3 : {pooled}",
            f"%mlp_sum = nn.add %mlp_01, %mlp_23 : {pooled}",
            f"%hidden = nn.gelu %mlp_sum : {pooled}",
        ]
        head_in = "%hidden"
    arguments += [f"%dec_w: {_tensor(k, h)}", f"%dec_b: {_tensor(k)}"]
    body.append(
        f"%logits = nn.linear {head_in}, %dec_w, %dec_b : "
        f"({pooled}, {_tensor(k, h)}, {_tensor(k)}) -> {logits}"
    )
    inputs = [f"%x{i + 1}: {x_type}" for i in range(task.documents)]
    if task.documents == 1:
        inputs = [f"%x: {x_type}"]
    lines = [f"func.func @main({', '.join(inputs + arguments)}) -> {logits} {{"]
    lines += [f"  {line}" for line in body]
    lines += [f"  func.return %logits : {logits}", "}"]
    return "\n".join(lines) + "\n"


def lra_inputs(task: LraTask, rng: np.random.Generator, length: int | None = None) -> list:
    """The data arguments of `lra_model`: one-hot random tokens, or N(0, 1) pixels, seeded."""
    length = length or task.length
    documents = []
    for _ in range(task.documents):
        if task.features > 1:
            tokens = rng.integers(0, task.features, size=length)
            documents.append(np.eye(task.features, dtype=np.float32)[tokens])
        else:
            documents.append(rng.normal(size=(length, 1)).astype(np.float32))
    return documents


def lra_weights(
    task: LraTask, rng: np.random.Generator, layers: int | None = None
) -> list[np.ndarray]:
    """The weight arguments of `lra_model`, in order, seeded (no trained weights exist here).

    S4D-Lin coefficients per direction and layer (`s4d_lin`); the encoder ~ N(0, 1) (an
    embedding table for one-hot tokens), other linears ~ N(0, 1/fan_in), layer norms near
    identity, biases small.
    """
    layers = task.layers if layers is None else layers
    h = task.channels

    def normal(*shape: int, scale: float = 1.0) -> np.ndarray:
        return (scale * rng.normal(size=shape)).astype(np.float32)

    weights = [normal(h, task.features), normal(h, scale=0.1)]
    for _ in range(layers):
        weights += [(1 + normal(h, scale=0.1)).astype(np.float32), normal(h, scale=0.1)]
        weights += s4d_lin(h, task.modes, rng) + s4d_lin(h, task.modes, rng)
        weights += [normal(h, h, scale=h**-0.5), normal(h, scale=0.1)]
    weights += [(1 + normal(h, scale=0.1)).astype(np.float32), normal(h, scale=0.1)]
    if task.documents == 2:
        weights += [normal(h, h, scale=(4 * h) ** -0.5) for _ in range(4)]
        weights += [normal(h, scale=0.1)]
    weights += [normal(task.classes, h, scale=h**-0.5), normal(task.classes, scale=0.1)]
    return weights


def lra_arrays(
    task: LraTask,
    seed: int = 0,
    length: int | None = None,
    layers: int | None = None,
) -> dict[str, np.ndarray]:
    """All inputs of `lra_model(task, length, layers)` keyed arg0, arg1, ...: data, then weights.

    The weights do not depend on `length`, so a reduced-length model has the same weights.
    """
    weights = lra_weights(task, np.random.default_rng([seed, 1]), layers)
    data = lra_inputs(task, np.random.default_rng([seed, 2]), length)
    return {f"arg{i}": value for i, value in enumerate(data + weights)}
