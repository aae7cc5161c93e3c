"""The bugs the fuzzer found, each pinned by its smallest input; and the known bugs elsewhere."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from epoch_mlir.errors import InputError, IRParseError
from epoch_mlir.io import load_inputs
from epoch_mlir.ir_reader import SourceText, make_context, parse_module
from tests.fuzz.harness import EXAMPLES, invoke, protect


def test_a_lexer_error_on_the_first_token_is_a_parse_error(tmp_path: Path) -> None:
    # xDSL lexes the first token while the parser is built, outside parse_module's try
    source = tmp_path / "alias.mlir"
    source.write_text('# = #systolic.target<"small">\n')
    outcome = invoke("regression", ["opt", source], names=[f"{source}:1:1"])
    assert outcome.status == 1


@pytest.mark.parametrize("length", [30, 3000])
def test_an_unclosed_string_fails_fast(length: int) -> None:
    # xDSL's string-literal regex backtracks exponentially without the closing quote: 25
    # characters took minutes before ir_reader replaced it
    text = (
        '"builtin.module"() ({\n  "nn.add"() <{a = "'
        + "ab cd" * length
        + "}> : () -> ()\n}) : () -> ()\n"
    )
    started = time.perf_counter()
    with pytest.raises(IRParseError, match="closing string literal"):
        parse_module(make_context(), SourceText("s.mlir", text))
    assert time.perf_counter() - started < 2


def test_an_escaped_string_still_parses() -> None:
    text = 'func.func @f() attributes {note = "a\\"b\\n\\41"} {\n  func.return\n}\n'
    module = parse_module(make_context(), SourceText("s.mlir", text))
    function = next(iter(module.body.block.ops))
    assert function.attributes["note"].data == 'a"b\nA'  # type: ignore[attr-defined]


def _npz_with_member(name: str, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, payload)
    return buffer.getvalue()


def test_a_corrupt_npy_header_is_an_input_error(tmp_path: Path) -> None:
    # numpy parses the header with `tokenize`: an unbalanced bracket raised TokenError
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (3,"
    payload = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    path = tmp_path / "in.npz"
    path.write_bytes(_npz_with_member("arg0.npy", payload))
    with pytest.raises(InputError, match=r"not a valid \.npz"):
        load_inputs(path)


def test_a_huge_declared_shape_is_refused_before_allocating(tmp_path: Path) -> None:
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }"
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    payload = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 16
    path = tmp_path / "in.npz"
    path.write_bytes(_npz_with_member("arg0.npy", payload))
    with pytest.raises(InputError, match="declares shape"):
        load_inputs(path)


def test_expected_outputs_of_text_dtype_are_an_input_error(tmp_path: Path) -> None:
    expect = tmp_path / "expect.npz"
    np.savez(expect, res0=np.array(["a", "b"]))
    outcome = invoke(
        "regression",
        [
            "run",
            EXAMPLES / "asm" / "gemm_ws.s",
            "--inputs",
            EXAMPLES / "asm" / "gemm_ws.npz",
            "--expect",
            expect,
        ],
        names=["res0"],
    )
    assert outcome.status == 1


def test_a_nan_output_does_not_match_a_finite_expectation(tmp_path: Path) -> None:
    from epoch_mlir.cli.run import check_against
    from epoch_mlir.errors import EpochError

    with pytest.raises(EpochError, match=r"at \[1\]: nan vs 2.0"):
        check_against({"res0": np.array([1.0, np.nan])}, {"res0": np.array([1.0, 2.0])})
    assert "match" in check_against({"res0": np.array([np.nan])}, {"res0": np.array([np.nan])})


def test_a_preset_name_with_a_newline_stays_on_one_line(tmp_path: Path) -> None:
    output = tmp_path / "out.epb"
    protected = protect(output)
    outcome = invoke(
        "regression",
        ["compile", EXAMPLES / "models" / "s4d_block.mlir", "--hw", "a\nb", "-o", output],
        names=["a\\nb"],
        protected=protected,
    )
    assert outcome.status == 1


def test_a_pass_refusing_the_module_names_the_pass_and_file(tmp_path: Path) -> None:
    model = EXAMPLES / "models" / "s4d_block.mlir"
    outcome = invoke(
        "regression", ["opt", model, "-p", "convert-nn-to-systolic"], names=[str(model)]
    )
    assert "pass 'convert-nn-to-systolic' failed" in outcome.stderr
    outcome = invoke(
        "regression",
        [
            "compile",
            model,
            "--hw",
            "tiny",
            "-p",
            "convert-nn-to-systolic",
            "-o",
            tmp_path / "p.epb",
        ],
        names=[str(model)],
    )
    assert outcome.status == 1


def test_an_entry_declaration_without_a_body(tmp_path: Path) -> None:
    from tests.fuzz import harness

    source = tmp_path / "decl.mlir"
    source.write_text("func.func @main(%x: tensor<4x4xf32>) -> tensor<4x4xf32>\n")
    known, harness.KNOWN_BUGS = harness.KNOWN_BUGS, []
    try:
        invoke(
            "regression",
            ["compile", source, "--hw", "tiny", "-o", tmp_path / "p.epb"],
            names=[str(source)],
        )
    finally:
        harness.KNOWN_BUGS = known


def test_an_integer_beyond_i64_in_a_custom_form(tmp_path: Path) -> None:
    # systolic.py's window parser hands the number to DenseArrayBase, which raises ValueError
    source = tmp_path / "window.mlir"
    source.write_text(
        '#t = #systolic.target<"t", 8x4, lima, loop_depth 2, banks [input 1024, weight 512, output 1024]>\n'
        "builtin.module attributes {systolic.target = #t} {\n"
        "  %x = systolic.alloc : !systolic.sram<input, 16x8xf32>\n"
        "  systolic.vector relu %x[0, 99999999999999999999] -> %x[0, 0] sizes [16, 8, 1]"
        " : !systolic.sram<input, 16x8xf32>, !systolic.sram<input, 16x8xf32>\n"
        "}\n"
    )
    outcome = invoke("regression", ["opt", source], names=[f"{source}:4:"])
    assert "out of range" in outcome.stderr


def test_machine_names_too_long_for_the_file_system(tmp_path: Path) -> None:
    # the preset lookup probed PRESET_DIR/<name>.toml: ENAMETOOLONG escaped as an OSError
    machine = tmp_path / "hw.toml"
    machine.write_text(f'base = "{"x" * 300}"\n')
    program = EXAMPLES / "asm" / "gemm_ws.s"
    assert (
        invoke(
            "regression", ["run", program, "--hw", machine], names=["unknown base preset"]
        ).status
        == 1
    )
    for name in ("y" * 300, "y" * 300 + ".toml", "a\0b"):
        assert (
            invoke("regression", ["run", program, "--hw", name], names=["y" * 20, "a"]).status == 1
        )
