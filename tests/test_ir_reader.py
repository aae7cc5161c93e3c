"""Parsing with source positions and mlir-opt style diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp

from epoch_mlir.diagnostics import SourceText, format_diagnostic, verify_module
from epoch_mlir.errors import IRError, IRParseError, IRVerifyError
from epoch_mlir.ir_reader import load_module, make_context, parse_module

TEXT = """\
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x : tensor<4xf32>
  %z = "nn.silu"(%y) : (tensor<4xf32>) -> tensor<4xf32> loc("elsewhere.mlir":7:3)
  func.return %z : tensor<4xf32>
}
"""


def positions(module: ModuleOp) -> list[tuple[str, str, int, int]]:
    found = []
    for op in module.walk():
        location = op.location
        assert isinstance(location, FileLineColLoc), op.name
        found.append((op.name, location.filename.data, location.line.data, location.column.data))
    return found


def test_every_op_is_stamped_with_the_position_of_its_name() -> None:
    module = parse_module(make_context(), SourceText("model.mlir", TEXT))
    assert positions(module) == [
        ("builtin.module", "model.mlir", 1, 1),
        ("func.func", "model.mlir", 1, 1),
        ("nn.relu", "model.mlir", 2, 8),
        ("nn.silu", "elsewhere.mlir", 7, 3),  # an explicit loc(...) wins
        ("func.return", "model.mlir", 4, 3),
    ]


def test_chunks_keep_the_line_numbers_of_the_file() -> None:
    module = parse_module(make_context(), SourceText("model.mlir", TEXT, first_line=31))
    assert positions(module)[2] == ("nn.relu", "model.mlir", 32, 8)


def test_parse_errors_point_at_the_token_with_the_line_and_a_caret() -> None:
    source = SourceText("bad.mlir", "\n\t%y = nn.relu %x %x : tensor<4xf32>\n", first_line=10)
    with pytest.raises(IRParseError) as caught:
        parse_module(make_context(), source)
    assert format_diagnostic(caught.value) == (
        "bad.mlir:11:18: error: Expected ':'\n"
        "\t%y = nn.relu %x %x : tensor<4xf32>\n"
        "\t                ^"
    )


def test_an_element_type_xdsl_cannot_pack_is_a_parse_error() -> None:
    # xDSL raises NotImplementedError for `array<i640: ...>` (found by tests/fuzz)
    text = '"test.op"() {x = array<i640: 0, 0>} : () -> ()'
    with pytest.raises(IRParseError, match="Format not implemented for i640") as caught:
        parse_module(make_context(), SourceText("m.mlir", text))
    assert caught.value.where is not None and caught.value.where.startswith("m.mlir:1:")


def test_unknown_ops_are_reported_at_their_name() -> None:
    with pytest.raises(IRParseError, match=r"Operation nn\.frobnicate is not registered") as caught:
        parse_module(make_context(), SourceText("m.mlir", '%0 = "nn.frobnicate"() : () -> i1'))
    assert caught.value.where == "m.mlir:1:6"


def test_verification_names_the_innermost_failing_op() -> None:
    # Nested in func.func, which is itself fine: the error must name nn.mean, not func.func.
    text = TEXT.replace("nn.relu %x :", "nn.mean %x : tensor<4xf32> ->")
    source = SourceText("model.mlir", text)
    module = parse_module(make_context(), source)
    with pytest.raises(IRVerifyError) as caught:
        verify_module(module, source)
    assert caught.value.where == "model.mlir:2:8"
    assert caught.value.message == (
        "'nn.mean' op x must be a 2-D tensor (L x H) or a batch of them (3-D, B x L x H), got tensor<4xf32>"
    )


def test_load_module_reads_parses_and_verifies(tmp_path: Path) -> None:
    path = tmp_path / "m.mlir"
    path.write_text(TEXT)
    assert isinstance(load_module(path), ModuleOp)
    with pytest.raises(IRError, match="cannot read IR") as caught:
        load_module(tmp_path / "missing.mlir")
    assert caught.value.where == str(tmp_path / "missing.mlir")


def test_a_diagnostic_without_a_place_is_still_one_line() -> None:
    assert format_diagnostic(IRError("no entry point")) == "error: no entry point"
