"""IR text of the S4D models the benchmarks compile (weights are entry arguments)."""

from __future__ import annotations


def s4d_block_lines(
    index: int, x: str, length: int, channels: int, modes: int
) -> tuple[list[str], list[str], str]:
    """(argument declarations, body lines, output value) of one bidirectional pre-norm S4D block."""
    t = f"tensor<{length}x{channels}xf32>"
    v = f"tensor<{channels}xf32>"
    c = f"tensor<{channels}x{modes}xcomplex<f32>>"
    p = f"%l{index}_"
    arguments = [f"{p}gamma: {v}", f"{p}beta: {v}"]
    for direction in ("f", "b"):
        arguments += [
            f"{p}a{direction}: {c}",
            f"{p}b{direction}: {c}",
            f"{p}c{direction}: {c}",
            f"{p}d{direction}: {v}",
        ]
    arguments += [f"{p}w: tensor<{channels}x{channels}xf32>", f"{p}bias: {v}"]
    scan_type = f"({t}, {c}, {c}, {c}, {v}) -> {t}"
    body = [
        f"{p}n = nn.layer_norm {x}, {p}gamma, {p}beta : ({t}, {v}, {v}) -> {t}",
        f"{p}f = ssm.scan {p}n, {p}af, {p}bf, {p}cf, {p}df : {scan_type}",
        f"{p}r = nn.reverse {p}n : {t}",
        f"{p}s = ssm.scan {p}r, {p}ab, {p}bb, {p}cb, {p}db : {scan_type}",
        f"{p}back = nn.reverse {p}s : {t}",
        f"{p}sum = nn.add {p}f, {p}back : {t}",
        f"{p}g = nn.gelu {p}sum : {t}",
        f"{p}o = nn.linear {p}g, {p}w, {p}bias : "
        f"({t}, tensor<{channels}x{channels}xf32>, {v}) -> {t}",
        f"{p}y = nn.add {p}o, {x} : {t}",
    ]
    return arguments, body, f"{p}y"


def s4d_model(layers: int, length: int, channels: int, modes: int) -> str:
    """`layers` S4D blocks on an L x H input."""
    t = f"tensor<{length}x{channels}xf32>"
    arguments, body, value = [f"%x: {t}"], [], "%x"
    for index in range(layers):
        block_arguments, block_body, value = s4d_block_lines(index, value, length, channels, modes)
        arguments += block_arguments
        body += block_body
    lines = [f"func.func @main({', '.join(arguments)}) -> {t} {{"]
    lines += [f"  {line}" for line in body]
    lines += [f"  func.return {value} : {t}", "}"]
    return "\n".join(lines) + "\n"


def scan_model(length: int, channels: int, modes: int) -> str:
    """One ssm.scan (the ProDF bound benchmark)."""
    t = f"tensor<{length}x{channels}xf32>"
    c = f"tensor<{channels}x{modes}xcomplex<f32>>"
    v = f"tensor<{channels}xf32>"
    return (
        f"func.func @main(%u: {t}, %a: {c}, %b: {c}, %c: {c}, %d: {v}) -> {t} {{\n"
        f"  %y = ssm.scan %u, %a, %b, %c, %d : ({t}, {c}, {c}, {c}, {v}) -> {t}\n"
        f"  func.return %y : {t}\n}}\n"
    )
