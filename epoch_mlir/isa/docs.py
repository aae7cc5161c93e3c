"""Render docs/isa.md from the instruction table, so the reference cannot fall behind the ISA.

python -m epoch_mlir.isa.docs            # rewrite docs/isa.md
python -m epoch_mlir.isa.docs --check    # exit 1 if docs/isa.md is stale (CI does this too)
"""

from __future__ import annotations

import sys
from pathlib import Path

from epoch_mlir.io import write_generated
from epoch_mlir.isa.encoding import FORMULA_NAMES, LAYOUTS, OPCODE_BITS, WORD_BITS
from epoch_mlir.isa.fields import FIELDS, Kind
from epoch_mlir.isa.table import INSTRUCTIONS, UNIT_ORDER, Instr

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "isa.md"

_VARIABLES = {
    "R": "rows of the PE array",
    "C": "columns of the PE array",
    "S": "rows per column segment (`cfg` seg, or R)",
    "G": "segments per column, R // S",
    "df": "the configured dataflow (`ws`, `os`, `is`, `prodf`)",
    "lanes": "vector lanes",
    "lat": "latency of the row's vector function class (machine `vector.latency`)",
    "dram_latency": "DRAM latency in cycles (0 with --ideal-memory)",
    "dram_bw": "DRAM bandwidth in bytes per cycle (unbounded with --ideal-memory)",
    "nch": "channels of the coefficients in the slot (`lima`)",
    "nm": "modes per channel of the coefficients in the slot (`lima`)",
}

_UNIT_TITLES = {
    "control": "Control (front end: registers, hardware loops, synchronization)",
    "dma": "DMA (DRAM <-> SRAM)",
    "array": "PE array",
    "vector": "Vector unit",
}


def _syntax(row: Instr) -> str:
    operands = [name for name in row.fields if FIELDS[name].kind is not Kind.FLAG]
    flags = [f"[{name}]" for name in row.fields if FIELDS[name].kind is Kind.FLAG]
    if row.mnemonic == "loop":
        return "loop count [, ra += sa [, rb += sb]] { ... }"
    return " ".join([row.mnemonic, ", ".join(operands), *flags]).strip()


def _layout(row: Instr) -> str:
    cells = [f"{OPCODE_BITS - 1}..0 opcode = {row.opcode:#04x}"]
    for field, lsb in LAYOUTS[row.mnemonic].fields:
        cells.append(f"{lsb + field.width - 1}..{lsb} {field.name}")
    top = max((lsb + field.width for field, lsb in LAYOUTS[row.mnemonic].fields), default=8)
    if top < WORD_BITS:
        cells.append(f"{WORD_BITS - 1}..{top} reserved (0)")
    return " | ".join(reversed(cells))


def _accesses(row: Instr) -> list[str]:
    lines = []
    for access in row.accesses:
        what = f"{access.mode} {access.space} `{access.address}`"
        if access.space != "slot":
            what += f": {access.rows} rows x {access.cols} elements, stride {access.stride}"
            if access.elem_words != 1:
                what += f" ({access.elem_words} words per element)"
        if access.when != "1":
            what += f", when `{access.when}`"
        lines.append(f"  - {what}")
    return lines


def render() -> str:
    out = [
        "# EpochCore instruction set",
        "",
        "<!-- Generated from epoch_mlir/isa/table.py by `python -m epoch_mlir.isa.docs`."
        " Do not edit: a test fails when this file is stale. -->",
        "",
        f"Every instruction is one {WORD_BITS}-bit word (little-endian): the opcode in bits"
        f" {OPCODE_BITS - 1}..0, then the fields packed upwards in the order listed, reserved bits"
        " zero. Addresses count 32-bit words; a memory operand is `offset(rN)`, the sum of a"
        " 28-bit signed offset and an address register (r0 reads 0).",
        "",
        "Cycle formulas are those the emulator evaluates (Python expressions); their variables are"
        " the instruction's fields and:",
        "",
        "| name | meaning |",
        "|---|---|",
        *[f"| `{name}` | {_VARIABLES[name]} |" for name in sorted(FORMULA_NAMES)],
        "",
        "## Fields",
        "",
        "| field | kind | bits | meaning |",
        "|---|---|---|---|",
    ]
    for field in FIELDS.values():
        meaning = field.meaning
        if field.keywords:
            meaning += f" ({', '.join(field.keywords)})"
        out.append(f"| `{field.name}` | {field.kind.value} | {field.width} | {meaning} |")
    for unit in UNIT_ORDER:
        out += ["", f"## {_UNIT_TITLES[unit]}", ""]
        for row in INSTRUCTIONS:
            if row.unit != unit:
                continue
            out += [
                f"### `{row.mnemonic}`",
                "",
                row.summary,
                "",
                f"- syntax: `{_syntax(row)}`",
                f"- encoding: `{_layout(row)}`",
                f"- semantics: `{row.semantics}`",
                f"- cycles: `{row.cycles}`"
                + (
                    f" (results visible `{row.latency}` cycles later)" if row.latency != "0" else ""
                ),
            ]
            events = [
                f"{name} `{value}`"
                for name, value in (
                    ("MACs", row.macs),
                    ("PE-cycles", row.pe_cycles),
                    ("fp adds", row.fp_adds),
                    ("fp multiplies", row.fp_muls),
                )
                if value != "0"
            ]
            if events:
                out.append(f"- energy events: {', '.join(events)}")
            if row.latency_class:
                out.append(f"- latency class: `{row.latency_class}`")
            if row.accesses:
                out.append("- memory:")
                out += _accesses(row)
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    return write_generated(DOC_PATH, render(), argv, "epoch_mlir.isa.docs")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
