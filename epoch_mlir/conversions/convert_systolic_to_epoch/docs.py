"""Render docs/systolic.md's table of what each systolic op becomes, from the mapping itself.

python -m epoch_mlir.conversions.convert_systolic_to_epoch.docs           # rewrite the table
python -m epoch_mlir.conversions.convert_systolic_to_epoch.docs --check   # exit 1 if stale (CI)

The table sits between two markers in docs/systolic.md; the rest of the page is written by
hand. Its rows come from the selection rules (selection.py), the structure patterns and the
instruction table's field lists, so the page cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from epoch_mlir.conversions.convert_systolic_to_epoch.patterns import LowerChunkLoop, LowerConfigure
from epoch_mlir.conversions.convert_systolic_to_epoch.selection import RULES, STORAGE_OPS
from epoch_mlir.io import write_generated
from epoch_mlir.isa.table import BY_MNEMONIC

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "systolic.md"
BEGIN = "<!-- BEGIN the mapping table: generated from convert_systolic_to_epoch/selection.py -->"
END = "<!-- END the mapping table -->"


def _op(name: str) -> str:
    return f"`{name.removeprefix('systolic.')}`"


def _fields(mnemonic: str) -> str:
    if " / " in mnemonic:  # one op, two instructions (`ldx / stx`): each one's fields
        return "; ".join(f"{one}: {_fields(one)}" for one in mnemonic.split(" / "))
    row = BY_MNEMONIC.get(mnemonic)
    if row is None:  # a family of rows (`v<function>`): the vector rows' shared shape
        return "dst, a[, b][, fimm], rows, cols, dst_stride, a_stride[, b_stride] [abc] [bbc] [acc]"
    return ", ".join(row.fields)


def render_table() -> str:
    lines = [
        BEGIN,
        "| systolic | instruction | its fields (docs/isa.md) | how the op fills them |",
        "|---|---|---|---|",
        "| "
        + ", ".join(_op(op.name) for op in STORAGE_OPS)
        + " | none | | an address (layout.py); constants also data-segment contents |",
    ]
    for pattern, mnemonic in ((LowerConfigure, "cfg"), (LowerChunkLoop, "loop")):
        op_name, fields = _op(pattern.source.name), _fields(mnemonic)
        lines.append(f"| {op_name} | `{mnemonic}` | {fields} | {pattern.summary} |")
    for rule in RULES:
        lines.append(
            f"| {_op(rule.op.name)} | `{rule.instruction}` | {_fields(rule.instruction)} "
            f"| {rule.summary} |"
        )
    lines.append(END)
    return "\n".join(lines)


def render(page: str) -> str:
    """`page` with the text between the markers replaced by the current table."""
    start, end = page.index(BEGIN), page.index(END) + len(END)
    return page[:start] + render_table() + page[end:]


def main(argv: list[str]) -> int:
    text = render(DOC_PATH.read_text())
    return write_generated(DOC_PATH, text, argv, __spec__.name if __spec__ else __name__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
