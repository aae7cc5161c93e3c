"""Valid (or nearly valid) inputs the fuzzers start from, and the token-level mutations."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from hypothesis import strategies as st

from tests.fuzz.harness import EXAMPLES, FILECHECK

SPLIT_MARKER = "// -----"


@functools.cache
def ir_seeds() -> tuple[str, ...]:
    """The example models and every chunk of the lit tests' IR inputs (ssm/nn/systolic/epoch)."""
    texts = [path.read_text() for path in sorted((EXAMPLES / "models").glob("*.mlir"))]
    for path in sorted(FILECHECK.rglob("*.mlir")):
        if "Output" in path.parts:
            continue
        for chunk in path.read_text().split(SPLIT_MARKER):
            lines = [line for line in chunk.splitlines() if not line.lstrip().startswith("//")]
            text = "\n".join(lines).strip()
            if text:
                texts.append(text + "\n")
    return tuple(texts)


@functools.cache
def model_seeds() -> tuple[tuple[str, Path], ...]:
    """The example models with their inputs: mutations of these also reach the emulator."""
    return tuple(
        (path.read_text(), path.with_suffix(".npz"))
        for path in sorted((EXAMPLES / "models").glob("*.mlir"))
    )


@functools.cache
def asm_seeds() -> tuple[str, ...]:
    return tuple(path.read_text() for path in sorted((EXAMPLES / "asm").glob("*.s")))


_TOKEN = re.compile(
    r"""%[\w.$#-]+|@[\w.$-]+|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][\w.$]*|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|->|\s+|."""
)

NUMBERS = [
    "0",
    "-1",
    "1",
    "2",
    "3",
    "7",
    "65535",
    "65536",
    "2147483647",
    "4294967296",
    "99999999999999999999",
    "1e39",
    "-0.0",
    "0x7fffffff",
    "nan",
    "inf",
]
IR_VOCABULARY = [
    "tensor<",
    ">",
    "x",
    "?",
    "f32",
    "f64",
    "i32",
    "complex<f32>",
    "index",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<{",
    "}>",
    ":",
    ",",
    "->",
    "=",
    "%0",
    "%x",
    "@main",
    '"ssm.scan"',
    '"nn.linear"',
    "ssm.discretize",
    "nn.add",
    "nn.glu",
    "func.return",
    "func.func",
    "builtin.module",
    "^bb0",
    "loc(",
    "#",
    "!",
    '"zoh"',
    "true",
    "dense<",
    "\n",
    "// -----",
    "\u00e9",
    "\x00",
]


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


@st.composite
def mutated(draw: st.DrawFn, text: str, vocabulary: list[str], max_mutations: int = 4) -> str:
    """`text` after 1..max_mutations token or byte edits (kinds named after what they do)."""
    parts = tokens(text)
    for _ in range(draw(st.integers(1, max_mutations))):
        if not parts:
            parts = [""]
        kind = draw(
            st.sampled_from(
                ["delete", "duplicate", "swap", "number", "insert", "truncate", "chars"]
            )
        )
        index = draw(st.integers(0, len(parts) - 1))
        if kind == "delete":
            count = draw(st.integers(1, 4))
            del parts[index : index + count]
        elif kind == "duplicate":
            count = draw(st.integers(1, 8))
            parts[index:index] = parts[index : index + count]
        elif kind == "swap":
            other = draw(st.integers(0, len(parts) - 1))
            parts[index], parts[other] = parts[other], parts[index]
        elif kind == "number":
            numeric = [i for i, p in enumerate(parts) if re.fullmatch(r"-?\d[\w.]*", p)]
            where = draw(st.sampled_from(numeric)) if numeric else index
            parts[where] = draw(st.sampled_from(NUMBERS) | st.integers(-(2**40), 2**40).map(str))
        elif kind == "insert":
            parts.insert(index, draw(st.sampled_from(vocabulary)))
        elif kind == "truncate":
            joined = "".join(parts)
            cut = draw(st.integers(0, len(joined)))
            parts = tokens(joined[:cut])
        else:  # raw characters: a byte range deleted or a random character inserted
            joined = "".join(parts)
            at = draw(st.integers(0, len(joined)))
            if draw(st.booleans()):
                joined = joined[:at] + joined[at + draw(st.integers(1, 16)) :]
            else:
                joined = joined[:at] + draw(st.characters(codec="utf-8")) + joined[at:]
            parts = tokens(joined)
    return "".join(parts)


@functools.cache
def ssm_nn_seeds() -> tuple[str, ...]:
    """The seeds at the ssm/nn level, the input of `epoch compile`."""
    return tuple(
        text
        for text in ir_seeds()
        if "func.func" in text and "systolic" not in text and "epoch." not in text
    )


def mutated_ir(
    seeds: tuple[str, ...] | None = None, max_mutations: int = 4
) -> st.SearchStrategy[str]:
    return st.sampled_from(seeds or ir_seeds()).flatmap(
        lambda text: mutated(text, IR_VOCABULARY, max_mutations)
    )
