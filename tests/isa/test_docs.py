"""docs/isa.md is generated from the instruction table and must not go stale."""

from __future__ import annotations

from epoch_mlir.isa.docs import DOC_PATH, render
from epoch_mlir.isa.table import INSTRUCTIONS


def test_isa_doc_is_up_to_date() -> None:
    assert DOC_PATH.read_text() == render(), "run: python -m epoch_mlir.isa.docs"


def test_every_instruction_is_documented() -> None:
    text = render()
    for row in INSTRUCTIONS:
        assert f"### `{row.mnemonic}`" in text
        assert f"opcode = {row.opcode:#04x}" in text
