"""convert-systolic-to-epoch (+ systolic-allocate-sram): the worked systolic examples of
docs/systolic.md, lowered to programs and run on the emulator against numpy."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.emulator.core import Emulator
from epoch_mlir.interpreters.ssm import scan
from epoch_mlir.ir_reader import SourceText, make_context, parse_module, verify_module
from epoch_mlir.machine import load_machine
from epoch_mlir.pass_spec import build_pipeline
from epoch_mlir.registry import get_all_passes
from epoch_mlir.targets.epoch_program import module_to_program

EXAMPLES = Path(__file__).parents[1] / "filecheck" / "dialects" / "systolic" / "examples.mlir"
SMALL = load_machine("small")


def lower(function: str):  # type: ignore[no-untyped-def]
    """The program of the example function `function` (examples.mlir is split like lit does)."""
    chunk = next(c for c in EXAMPLES.read_text().split("// -----") if f"@{function}(" in c)
    text = "\n".join(line for line in chunk.splitlines() if not line.lstrip().startswith("//"))
    ctx = make_context()
    module = parse_module(ctx, SourceText(f"{function}.mlir", text))
    build_pipeline("systolic-allocate-sram,convert-systolic-to-epoch", get_all_passes()).apply(
        ctx, module
    )
    verify_module(module)
    return module_to_program(module)


def random_inputs(program, rng):  # type: ignore[no-untyped-def]
    inputs = {}
    for index, symbol in enumerate(program.args):
        if symbol.dtype == "c64":
            value = rng.normal(size=symbol.shape) + 1j * rng.normal(size=symbol.shape)
            if index == 1:  # abar: a stable decay
                value = np.exp(
                    -rng.uniform(0.05, 0.5, symbol.shape) + 1j * rng.uniform(0, 3, symbol.shape)
                )
        else:
            value = rng.normal(size=symbol.shape)
        inputs[f"arg{index}"] = value.astype(symbol.numpy_dtype)
    return inputs


@pytest.mark.parametrize("function", ["s4d", "s4d_mode_folds"])
def test_prodf_examples_compute_the_scan(function: str) -> None:
    program = lower(function)
    inputs = random_inputs(program, np.random.default_rng(0))
    result = Emulator(program, SMALL).run(inputs)
    expected = scan(
        *[v.astype(np.complex128 if np.iscomplexobj(v) else np.float64) for v in inputs.values()]
    )
    scale = np.abs(expected).max()
    np.testing.assert_allclose(result.outputs["res0"], expected, rtol=1e-4, atol=1e-5 * scale)


def test_the_chunk_loop_becomes_one_hardware_loop_with_register_strides() -> None:
    program = lower("s4d")
    mnemonics = [instruction.mnemonic for instruction in program.decoded()]
    loops = [i for i in program.decoded() if i.mnemonic == "loop"]
    assert len(loops) == 2  # one per channel fold
    assert all(loop.values["count"] == 3 and loop.values["ra"] != 0 for loop in loops)
    assert mnemonics.count("lima") == 2 * (1 + 2 + 1)  # per fold: first, loop body x2, last


def test_gemm_example() -> None:
    program = lower("linear")
    rng = np.random.default_rng(1)
    inputs = random_inputs(program, rng)
    result = Emulator(program, SMALL, ideal_memory=True).run(inputs)
    x, w = (v.astype(np.float64) for v in inputs.values())
    np.testing.assert_allclose(result.outputs["res0"], x @ w.T, rtol=1e-4, atol=1e-4)


def test_layer_norm_gelu_example() -> None:
    program = lower("layer_norm_gelu")
    inputs = random_inputs(program, np.random.default_rng(2))
    result = Emulator(program, SMALL).run(inputs)
    x, gamma, beta = (v.astype(np.float64) for v in inputs.values())
    mean = x.mean(axis=1, keepdims=True)
    z = (x - mean) / np.sqrt(((x - mean) ** 2).mean(axis=1, keepdims=True) + 1e-5) * gamma + beta
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(
        result.outputs["res0"], 0.5 * z * (1 + erf(z / math.sqrt(2))), rtol=1e-4, atol=1e-5
    )


FAR = """
#small = #systolic.target<"small", 8x4, lima, loop_depth 4, banks [input 262144, weight 131072, output 262144]>
builtin.module attributes {systolic.target = #small} {
  func.func @main(%x: !systolic.dram<2x8xf32>) -> !systolic.dram<2x8xf32> {
    %far = systolic.alloc_dram : !systolic.dram<70000x1000xf32>
    %y = systolic.alloc_dram : !systolic.dram<2x8xf32>
    %b = systolic.alloc : !systolic.sram<input, 2x8xf32>
    systolic.load %x[0, 0] -> %b[0, 0] sizes [2, 8] : !systolic.dram<2x8xf32>, !systolic.sram<input, 2x8xf32>
    systolic.store %b[0, 0] -> %far[69998, 992] sizes [2, 8] : !systolic.sram<input, 2x8xf32>, !systolic.dram<70000x1000xf32>
    systolic.chunk_loop 2 {
      systolic.load %far[69998, 992] step [1, 0] -> %b[0, 0] step [1, 0] sizes [1, 8] : !systolic.dram<70000x1000xf32>, !systolic.sram<input, 2x8xf32>
    }
    systolic.store %b[0, 0] -> %y[0, 0] sizes [2, 8] : !systolic.sram<input, 2x8xf32>, !systolic.dram<2x8xf32>
    func.return %y : !systolic.dram<2x8xf32>
  }
}
"""


def test_addresses_beyond_the_offset_field_go_through_registers() -> None:
    ctx = make_context()
    module = parse_module(ctx, SourceText("far.mlir", FAR))
    build_pipeline("systolic-allocate-sram,convert-systolic-to-epoch", get_all_passes()).apply(
        ctx, module
    )
    program = module_to_program(module)
    assert any(i.mnemonic == "li" and i.values["imm"] >= 1 << 26 for i in program.decoded())
    x = np.arange(16, dtype=np.float32).reshape(2, 8)
    result = Emulator(program, SMALL, ideal_memory=True).run({"arg0": x})
    np.testing.assert_array_equal(result.outputs["res0"], x)


def test_the_data_segment_holds_the_constants_only(tmp_path: Path) -> None:
    """Constants are placed first: the data segment never spans the DRAM intermediates."""
    from epoch_mlir.compiler import compile_file
    from epoch_mlir.models import s4d_coefficients, s4d_model

    constants = [s4d_coefficients(8, 4, np.random.default_rng(0)) for _ in range(2)]
    sizes = set()
    for length in (256, 4096):
        path = tmp_path / f"m{length}.mlir"
        path.write_text(s4d_model(2, length, 8, 4, constants))
        sizes.add(len(compile_file(path, SMALL, "small", None, None).program.data))
    assert len(sizes) == 1
    assert sizes.pop() < 4 * 2 * (3 * 2 * 8 * 4 + 8) * 2  # a few times the coefficient words


def test_docs_systolic_table_is_rendered_from_the_selection() -> None:
    from epoch_mlir.conversions.convert_systolic_to_epoch import docs

    page = docs.DOC_PATH.read_text()
    assert docs.render(page) == page, (
        "run: python -m epoch_mlir.conversions.convert_systolic_to_epoch.docs"
    )
    for rule in docs.RULES:
        assert f"| `{rule.op.name.removeprefix('systolic.')}` | `{rule.instruction}` |" in page


def test_every_instruction_traces_back_to_the_ssm_or_nn_op_it_came_from() -> None:
    from pathlib import Path

    from xdsl.dialects.builtin import FileLineColLoc

    from epoch_mlir.compiler import compile_file
    from epoch_mlir.dialects.epoch import InstructionOp
    from epoch_mlir.machine import load_machine

    source = Path(__file__).parents[2] / "examples" / "models" / "s4d_block.mlir"
    lines = source.read_text().splitlines()
    compiled = compile_file(source, load_machine("tiny"), "tiny", None, None)
    instructions = [op for op in compiled.module.walk() if isinstance(op, InstructionOp)]
    assert len(instructions) > 100
    for op in instructions:
        if op.name in ("epoch.halt",):
            continue
        location = op.location
        assert isinstance(location, FileLineColLoc), op
        line = lines[location.line.data - 1]
        assert " ssm." in line or " nn." in line, (op.name, line)
