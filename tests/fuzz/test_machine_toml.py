"""`--hw FILE.toml` with unknown keys, wrong types, zero/negative/huge values, syntax errors and
unknown presets; every command that takes --hw must refuse in one line naming key or file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from epoch_mlir.machine.machine import PRESET_DIR
from tests.fuzz.harness import EXAMPLES, fuzz_settings, invoke, protect, run_subprocess, scratch

PRESET = tomllib.loads((PRESET_DIR / "tiny.toml").read_text())
BASE = tomllib.loads((PRESET_DIR / "epochcore.toml").read_text())
KEYS = [
    ("rows",),
    ("cols",),
    ("name",),
    ("pe",),
    ("base",),
    ("clock_ghz",),
    ("array", "preload_overlap"),
    ("control", "loop_depth"),
    ("control", "max_instructions"),
    ("dram", "mib"),
    ("dram", "bandwidth_bytes_per_cycle"),
    ("dram", "latency_cycles"),
    ("vector", "lanes"),
    ("vector", "latency", "exp"),
    ("energy", "fp_add_pj"),
    ("energy", "source"),
    ("sram", "banks"),
    ("bogus",),
    ("dram", "bogus"),
    ("Rows",),
]
VALUES = st.one_of(
    st.sampled_from([0, -1, 1, 2, 3, 65535, 65536, 2**31, 2**40, 2**63 - 1, -(2**63)]),
    st.sampled_from([0.0, -0.5, 1e-300, 1e300, float("inf"), float("nan"), 0.25]),
    st.sampled_from(
        ["", " ", "lima", "mac", "tiny", "epochcore", "nope", "../presets/tiny", "x" * 300]
    ),
    st.booleans(),
    st.sampled_from([[], [1, 2], {}, {"a": 1}, [{"name": "input", "kib": 0}]]),
    st.sampled_from(
        [[{"name": "a", "kib": 2**40}], [{"name": "a", "kib": 1}, {"name": "a", "kib": 1}]]
    ),
    st.sampled_from([[{"name": "x", "kib": 16}], [{"kib": 16}], [{"name": "x", "kib": -4}]]),
)


def _dump(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(
            value, "nan" if value != value else repr(value)
        )
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_dump(v)}" for k, v in value.items()) + "}"
    return str(value)


def dump_toml(data: dict[str, Any]) -> str:
    """A small TOML writer (the stdlib only reads TOML): tables as inline tables."""
    return "".join(f"{key} = {_dump(value)}\n" for key, value in data.items())


@st.composite
def machine_files(draw: st.DrawFn) -> str:
    data: dict[str, Any] = {"base": draw(st.sampled_from(["tiny", "epochcore", "tpu", "small"]))}
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(KEYS))
        node = data
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(node.get(key, {}), dict) else {}
        node[path[-1]] = draw(VALUES)
    text = dump_toml(data)
    if draw(st.integers(0, 5)) == 0:  # a syntax error: a cut, a stray character
        at = draw(st.integers(0, len(text)))
        text = (
            text[:at]
            + draw(st.sampled_from(["", "=", "[", '"', "\x00", "]]", "\n[dram]\n"]))
            + text[at + draw(st.integers(0, 3)) :]
        )
    return text


PROGRAMS = [EXAMPLES / "asm" / "layernorm_gelu.s", EXAMPLES / "models" / "mamba_block.mlir"]


@fuzz_settings(250)
@given(text=machine_files(), program=st.sampled_from(PROGRAMS))
def test_machine_files(text: str, program: Path) -> None:
    with scratch() as directory:
        machine, output = directory / "hw.toml", directory / "out"
        machine.write_text(text)
        protected = protect(output)
        names = [str(machine), "preset", "'"]
        invoke(
            "toml: compile",
            ["compile", EXAMPLES / "models" / "s4d_block.mlir", "--hw", machine, "-o", output],
            names=names,
            protected=protected,
        )
        inputs = program.with_suffix(".npz")
        protected = protect(output)  # compile may have written it: start again from known bytes
        invoke(
            "toml: run",
            ["run", program, "--hw", machine, "--inputs", inputs, "-o", output],
            names=[*names, "fault", "input", "program"],
            protected=protected,
        )


@fuzz_settings(60)
@given(
    name=(
        st.text(min_size=1, max_size=30) | st.text(alphabet="xy./", min_size=200, max_size=400)
    ).filter(lambda s: s not in ("tiny", "small", "epochcore", "tpu"))
)
def test_unknown_presets(name: str) -> None:
    with scratch() as directory:
        output = directory / "out.epb"
        protected = protect(output)
        invoke(
            "toml: unknown preset",
            ["compile", EXAMPLES / "models" / "s4d_block.mlir", "--hw", name, "-o", output],
            names=["preset", "machine", name.strip()[:10]],
            protected=protected,
        )


def test_a_sample_in_a_subprocess(tmp_path: Path) -> None:
    machine = tmp_path / "hw.toml"
    for text, fragment in [
        ("rows = 0\n", "rows"),
        ("bogus = 1\n", "bogus"),
        ("rows = [\n", str(machine)),
        ('base = "nope"\n', "nope"),
    ]:
        machine.write_text(text)
        outcome = run_subprocess(
            "toml", ["run", EXAMPLES / "asm" / "gemm_ws.s", "--hw", machine], names=[fragment]
        )
        assert outcome.status == 1
