"""`-p PIPELINE` for `epoch opt` and `epoch compile`: unknown passes and options, malformed
specs, bad option values. Each must be refused in one line naming the pass, option or spec."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from epoch_mlir.registry import get_all_passes, get_upstream_passes
from tests.fuzz.harness import EXAMPLES, fuzz_settings, invoke, protect, run_subprocess, scratch

PASSES = sorted({**get_upstream_passes(), **get_all_passes()})
OWN = sorted(get_all_passes())
OPTION_NAMES = [
    "dataflow",
    "hw",
    "target",
    "base-addr",
    "chunk",
    "method",
    "bogus",
    "",
    "a_b",
    "x-y",
]
OPTION_VALUES = [
    "ws",
    "prodf",
    "tiny",
    "0",
    "-1",
    "99999999999999999999",
    "true",
    "1.5",
    "",
    '"x"',
    "[1,2]",
    "{}",
    "nan",
    "zoh",
]
PUNCTUATION = ["{", "}", ",", "=", " ", '"', "[", "]", "builtin.module(", ")", "\n", "\x00"]
MODEL = EXAMPLES / "models" / "s4d_block.mlir"


@st.composite
def pipelines(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(
            st.sampled_from([*OWN, *OWN, *PASSES[:20], "canonicalise", "convert-ssm", "", "nope"])
        )
        if draw(st.booleans()):
            options = [
                f"{draw(st.sampled_from(OPTION_NAMES))}={draw(st.sampled_from(OPTION_VALUES))}"
                for _ in range(draw(st.integers(0, 3)))
            ]
            name += "{" + " ".join(options) + "}"
        parts.append(name)
    spec = ",".join(parts)
    for _ in range(draw(st.integers(0, 2))):  # malform it
        at = draw(st.integers(0, len(spec)))
        spec = spec[:at] + draw(st.sampled_from(PUNCTUATION)) + spec[at + draw(st.integers(0, 2)) :]
    return spec


@fuzz_settings(300)
@given(spec=pipelines(), command=st.sampled_from(["opt", "compile"]))
def test_pipelines(spec: str, command: str) -> None:
    with scratch() as directory:
        output = directory / "out"
        protected = protect(output)
        if command == "opt":
            args = ["opt", MODEL, "-p", spec, "-o", output]
        else:
            args = ["compile", MODEL, "--hw", "tiny", "-p", spec, "-o", output]
        invoke(
            f"pipeline: {command}",
            args,
            names=["pass", "option", "pipeline", str(MODEL), "'"],
            protected=protected,
        )


def test_a_sample_in_a_subprocess() -> None:
    for spec, fragment in [
        ("nope", "nope"),
        ("ssm-discretize{bogus=1}", "bogus"),
        ("a{", "pipeline"),
    ]:
        outcome = run_subprocess("pipeline", ["opt", MODEL, "-p", spec], names=[fragment])
        assert outcome.status == 1
