"""Every ssm/nn/systolic/epoch op in generic form with wrong arity, types or properties.

The ops and their property names come from the registry, so a new op is fuzzed without a
change here. The ssm/nn ops sit in a `func.func @main` (so `compile` and the reference
interpreter see them too); the systolic and epoch ops sit where their dialect expects them.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from epoch_mlir.registry import get_all_dialects
from tests.fuzz.harness import fuzz_settings, invoke, protect, scratch
from tests.fuzz.seeds import IR_VOCABULARY, ir_seeds, mutated

TYPES = [
    "tensor<4x4xf32>",
    "tensor<4x4xf32>",
    "tensor<4xf32>",
    "tensor<8x4xf32>",
    "tensor<4x8xf32>",
    "tensor<1x4xf32>",
    "tensor<4x4xcomplex<f32>>",
    "tensor<4xcomplex<f32>>",
    "tensor<4x4x4xf32>",
    "tensor<f32>",
    "tensor<0x4xf32>",
    "tensor<?x4xf32>",
    "tensor<4x4xf64>",
    "tensor<4x4xi32>",
    "tensor<4x4xf16>",
    "tensor<4x2147483648xf32>",
    "f32",
    "i32",
    "index",
    "memref<4x4xf32>",
    "!systolic.dram<4x4xf32>",
    "!systolic.sram<input, 4x4xf32>",
]
VALUES = [
    '"zoh"',
    '"bilinear"',
    '"euler"',
    '"tanh"',
    '"none"',
    '"bogus"',
    '""',
    "true",
    "false",
    "0",
    "1",
    "-1",
    "3 : i64",
    "-5 : i64",
    "4294967296 : i64",
    "9223372036854775807 : i64",
    "1.0e-05 : f32",
    "0.0 : f32",
    "-1.0 : f32",
    "0x7FC00000 : f32",
    "array<i32: 1, 1, 1>",
    "array<i32: 1, 0>",
    "array<i32: -1, 9, 0>",
    "array<i64: 0, 0>",
    "array<i64: 4, 4>",
    "array<i64: -1, 2>",
    "[1, 2]",
    "unit",
    "dense<1.0> : tensor<4xf32>",
    "tensor<4x4xf32>",
    '"arg"',
    '"result"',
    '"const"',
    '"mac"',
    '"lima"',
    '"prodf"',
    '#systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 16384]>',
    "{a = 1}",
]
F32_TENSORS = {"f32": np.float32, "complex<f32>": np.complex64}


@functools.cache
def operations() -> dict[str, dict[str, list[str]]]:
    """dialect -> op name -> property names, for the project's own dialects."""
    ops: dict[str, dict[str, list[str]]] = {}
    for name, factory in sorted(get_all_dialects().items()):
        if name.split(".")[0] not in ("ssm", "nn", "systolic", "epoch"):
            continue
        for op in factory().operations:
            properties = list(op.get_irdl_definition().properties)
            ops.setdefault(name, {})[op.name] = properties
    return ops


_COUNTER = iter(range(1 << 62))  # unique SSA names across every drawn op


@st.composite
def generic_op(
    draw: st.DrawFn, dialects: tuple[str, ...], operands: list[tuple[str, str]]
) -> tuple[str, list[tuple[str, str]]]:
    """One op in generic form: mostly the right arity, drawn types, drawn property values."""
    table = operations()
    name = draw(st.sampled_from(sorted(op for d in dialects for op in table[d])))
    known = table[next(d for d in dialects if name in table[d])][name]
    arity, result_count = ARITY[name]
    if operands and draw(st.integers(0, 3)):
        count = arity + draw(st.sampled_from([0, 0, 0, -1, 1]))
        chosen = [draw(st.sampled_from(operands)) for _ in range(max(count, 0))]
    else:
        chosen = draw(st.lists(st.sampled_from(operands), max_size=8)) if operands else []
    count = result_count + (draw(st.sampled_from([0, 0, 0, -1, 1])) if result_count else 0)
    results = [draw(st.sampled_from(TYPES)) for _ in range(max(count, 0))]
    candidates = [*known, "bogus_key"] if known else ["bogus_key", "method"]
    keys = [k for k in known if draw(st.integers(0, 12))] + draw(
        st.lists(st.sampled_from(candidates), max_size=2)
    )
    values = {key: draw(st.sampled_from(VALUES)) for key in dict.fromkeys(keys)}
    if "operandSegmentSizes" in values and draw(st.booleans()):
        segments = ", ".join(["1"] * (len(chosen) - 1) + ["0"] * 2)
        values["operandSegmentSizes"] = f"array<i32: {segments}>"
    properties = ", ".join(f"{key} = {value}" for key, value in values.items())
    props = f" <{{{properties}}}>" if values else ""
    names = ", ".join(v for v, _ in chosen)
    types = ", ".join(t for _, t in chosen)
    defined = [(f"%r{next(_COUNTER)}", type_) for type_ in results]
    lhs = ", ".join(value for value, _ in defined)
    lhs = f"{lhs} = " if results else ""
    line = f'    {lhs}"{name}"({names}){props} : ({types}) -> ({", ".join(results)})\n'
    return line, defined


@functools.cache
def _arity() -> dict[str, tuple[int, int]]:
    counts = {}
    for name, factory in get_all_dialects().items():
        if name.split(".")[0] in ("ssm", "nn", "systolic", "epoch"):
            for op in factory().operations:
                definition = op.get_irdl_definition()
                counts[op.name] = (len(definition.operands), len(definition.results))
    return counts


ARITY = _arity()


@st.composite
def ssm_nn_module(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A func @main of ssm/nn ops in generic form, and its argument types."""
    args = draw(st.lists(st.sampled_from(TYPES[:16]), min_size=1, max_size=7))
    operands = [(f"%a{i}", t) for i, t in enumerate(args)]
    body = ""
    for _ in range(draw(st.integers(1, 3))):
        line, defined = draw(generic_op(("ssm", "nn"), operands))
        body += line
        operands += defined
    result = operands[-1]
    signature = ", ".join(f"%a{i}: {t}" for i, t in enumerate(args))
    text = (
        f"func.func @main({signature}) -> {result[1]} {{\n{body}"
        f"    func.return {result[0]} : {result[1]}\n}}\n"
    )
    return text, args


def _inputs(args: list[str]) -> dict[str, np.ndarray] | None:
    arrays = {}
    for index, type_ in enumerate(args):
        if not type_.startswith("tensor<"):
            return None
        *dims, element = type_[len("tensor<") : -1].split("x", maxsplit=type_.count("x") - 1)
        if element not in F32_TENSORS or not all(d.isdigit() for d in dims):
            return None
        shape = tuple(int(d) for d in dims)
        if np.prod(shape, dtype=np.int64) > 4096:
            return None
        arrays[f"arg{index}"] = np.ones(shape, F32_TENSORS[element])
    return arrays


@fuzz_settings(200)
@given(module=ssm_nn_module(), hw=st.sampled_from(["tiny", "epochcore", "tpu"]))
def test_ssm_nn_ops_in_generic_form(module: tuple[str, list[str]], hw: str) -> None:
    text, args = module
    with scratch() as directory:
        source, output = directory / "ops.mlir", directory / "out"
        source.write_text(text)
        protected = protect(output)
        named = [str(source)]
        invoke("generic ops: opt", ["opt", source, "-o", output], names=named, protected=protected)
        invoke(
            "generic ops: compile",
            ["compile", source, "--hw", hw, "-o", output],
            names=named,
            protected=protected,
        )
        arrays = _inputs(args)
        if arrays is not None:
            inputs = directory / "in.npz"
            np.savez(inputs, **arrays)
            invoke(
                "generic ops: run --reference",
                ["run", source, "--reference", "--inputs", inputs, "-o", output],
                names=[*named, "arg", "input"],
                protected=protected,
            )


@st.composite
def systolic_module(draw: st.DrawFn) -> str:
    args = draw(st.lists(st.sampled_from(TYPES[-2:] + TYPES[:3]), min_size=1, max_size=4))
    operands = [(f"%a{i}", t) for i, t in enumerate(args)]
    body = "".join(
        draw(generic_op(("systolic",), operands))[0] for _ in range(draw(st.integers(1, 3)))
    )
    signature = ", ".join(f"%a{i}: {t}" for i, t in enumerate(args))
    target = draw(
        st.sampled_from(
            [
                "",
                ' attributes {systolic.target = #systolic.target<"tiny", 4x4, lima, loop_depth 4, banks [input 16384, weight 16384, output 16384]>}',
            ]
        )
    )
    return f"builtin.module{target} {{\nfunc.func @main({signature}) {{\n{body}    func.return\n}}\n}}\n"


@fuzz_settings(150)
@given(text=systolic_module(), passes=st.sampled_from(["", "convert-systolic-to-epoch"]))
def test_systolic_ops_in_generic_form(text: str, passes: str) -> None:
    with scratch() as directory:
        source = directory / "systolic.mlir"
        source.write_text(text)
        args = ["opt", source] + (["-p", passes] if passes else [])
        invoke("generic ops: systolic", args, names=[str(source), passes or str(source)])


@st.composite
def epoch_module(draw: st.DrawFn) -> str:
    body = "".join(draw(generic_op(("epoch",), []))[0] for _ in range(draw(st.integers(1, 5))))
    halt = draw(st.sampled_from(['    "epoch.halt"() : () -> ()\n', ""]))
    return f'"epoch.program"() ({{\n{body}{halt}}}) : () -> ()\n'


@fuzz_settings(200)
@given(text=epoch_module(), target=st.sampled_from(["mlir", "epoch-asm", "epoch-bin"]))
def test_epoch_ops_in_generic_form(text: str, target: str) -> None:
    with scratch() as directory:
        source, output = directory / "program.mlir", directory / "out"
        source.write_text(text)
        protected = protect(output)
        invoke(
            "generic ops: epoch",
            ["opt", source, "-t", target, "-o", output],
            names=[str(source)],
            protected=protected,
        )


@functools.cache
def generic_seeds() -> tuple[str, ...]:
    """Every seed that parses, printed in generic form (where properties are spelled out)."""
    import io

    from xdsl.printer import Printer

    from epoch_mlir.errors import IRError
    from epoch_mlir.ir_reader import SourceText, make_context, parse_module

    texts = []
    for text in ir_seeds():
        try:
            module = parse_module(make_context(), SourceText("seed.mlir", text))
        except IRError:
            continue
        stream = io.StringIO()
        Printer(stream=stream, print_generic_format=True).print_op(module)
        texts.append(stream.getvalue() + "\n")
    return tuple(texts)


GENERIC_VOCABULARY = [*IR_VOCABULARY, *TYPES, *VALUES, "<{", "}>", "%0, ", "#epoch.addr<@x>"]


@fuzz_settings(200)
@given(
    text=st.sampled_from(generic_seeds()).flatmap(
        lambda text: mutated(text, GENERIC_VOCABULARY, 2)
    ),
    target=st.sampled_from(["mlir", "epoch-asm", "epoch-bin"]),
)
def test_mutated_generic_forms(text: str, target: str) -> None:
    with scratch() as directory:
        source, output = directory / "generic.mlir", directory / "out"
        source.write_text(text, encoding="utf-8")
        protected = protect(output)
        invoke(
            "generic ops: mutated generic form",
            ["opt", source, "-t", target, "-o", output],
            names=[str(source)],
            protected=protected,
        )
        if "ssm." in text or "nn." in text:
            protected = protect(output)  # opt may have written it
            invoke(
                "generic ops: mutated generic form compiled",
                ["compile", source, "--hw", "tiny", "-o", output],
                names=[str(source)],
                protected=protected,
            )
