"""IR text mutations fed to `epoch opt`, `epoch compile` and `epoch run FILE.mlir`.

The seeds are the example models and every chunk of the lit tests' IR inputs; a mutation
deletes, duplicates, swaps or inserts tokens, replaces numbers, truncates or edits raw
characters. Each mutant must be accepted or refused in one line naming the file.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import fuzz_settings, invoke, protect, scratch
from tests.fuzz.seeds import IR_VOCABULARY, model_seeds, mutated, mutated_ir, ssm_nn_seeds

MACHINES = st.sampled_from(["tiny", "small", "epochcore", "tpu"])


@fuzz_settings(150)
@given(text=mutated_ir())
def test_opt_on_mutated_ir(text: str) -> None:
    with scratch() as directory:
        source, output = directory / "in.mlir", directory / "out.mlir"
        source.write_text(text, encoding="utf-8")
        protected = protect(output)
        invoke(
            "ir mutation: opt",
            ["opt", source, "-o", output],
            names=[str(source)],
            protected=protected,
        )
        # the generic printer takes other paths through every attribute and type
        invoke("ir mutation: opt", ["opt", source, "--print-op-generic"], names=[str(source)])


@fuzz_settings(150)
@given(
    text=mutated_ir(ssm_nn_seeds(), 2),
    hw=MACHINES,
    emit=st.sampled_from(["bin", "asm", "mlir"]),
)
def test_compile_on_mutated_ir(text: str, hw: str, emit: str) -> None:
    with scratch() as directory:
        source, output = directory / "in.mlir", directory / "out"
        source.write_text(text, encoding="utf-8")
        protected = protect(output)
        invoke(
            "ir mutation: compile",
            ["compile", source, "--hw", hw, "--emit", emit, "-o", output],
            names=[str(source)],
            protected=protected,
        )


@fuzz_settings(80)
@given(
    case=st.sampled_from(model_seeds()).flatmap(
        lambda seed: st.tuples(mutated(seed[0], IR_VOCABULARY, 2), st.just(seed[1]))
    ),
    hw=MACHINES,
)
def test_run_on_mutated_models(case: tuple[str, object], hw: str) -> None:
    text, inputs = case
    with scratch() as directory:
        source = directory / "model.mlir"
        output, stats = directory / "out.npz", directory / "stats.json"
        source.write_text(text, encoding="utf-8")
        protected = protect(output, stats)
        invoke(
            "ir mutation: run",
            ["run", source, "--hw", hw, "--inputs", inputs, "-o", output, "--stats", stats],
            names=[str(source), "arg", "input", "res"],
            protected=protected,
        )
