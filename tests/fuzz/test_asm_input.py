"""Random and mutated assembly fed to `epoch asm` and `epoch run FILE.s`."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from epoch_mlir.isa.table import INSTRUCTIONS
from tests.fuzz.harness import EXAMPLES, fuzz_settings, invoke, protect, scratch
from tests.fuzz.seeds import NUMBERS, asm_seeds, mutated

MNEMONICS = sorted(row.mnemonic for row in INSTRUCTIONS)
ASM_VOCABULARY = [
    *MNEMONICS,
    *NUMBERS,
    "r0",
    "r15",
    "r16",
    "(r1)",
    "0(r0)",
    ",",
    "{",
    "}",
    "loop",
    ".arg",
    ".result",
    ".dram",
    ".sram",
    ".const",
    ".data",
    ".word",
    ".version",
    "@",
    ":",
    "tensor<4x4xf32>",
    "tensor<0xf32>",
    "tensor<4294967295xf32>",
    "#",
    "\n",
    "acc",
    "trans",
    "none",
    "dma|vector",
    "0f7fc00000",
    "1e39",
]


def _asm_lines(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 8))):
        words = [draw(st.sampled_from(ASM_VOCABULARY)) for _ in range(draw(st.integers(1, 8)))]
        lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


random_asm = st.composite(_asm_lines)()
mutated_asm = st.sampled_from(asm_seeds()).flatmap(lambda text: mutated(text, ASM_VOCABULARY, 3))


@fuzz_settings(300)
@given(text=random_asm | mutated_asm)
def test_assembler_input(text: str) -> None:
    with scratch() as directory:
        source, program = directory / "prog.s", directory / "prog.epb"
        source.write_text(text, encoding="utf-8")
        protected = protect(program)
        invoke(
            "asm: assemble",
            ["asm", source, "-o", program],
            names=[str(source)],
            protected=protected,
        )


@fuzz_settings(150)
@given(text=mutated_asm, example=st.sampled_from(sorted((EXAMPLES / "asm").glob("*.s"))))
def test_running_mutated_assembly(text: str, example: Path) -> None:
    with scratch() as directory:
        source, output = directory / "prog.s", directory / "out.npz"
        source.write_text(text, encoding="utf-8")
        protected = protect(output)
        invoke(
            "asm: run",
            [
                "run",
                source,
                "--inputs",
                example.with_suffix(".npz"),
                "-o",
                output,
                "--max-instructions",
                "2000000",
            ],
            names=[str(source), "fault", "input", "arg", "program"],
            protected=protected,
        )
