"""`epoch sweep` end to end: results files, resume, summary, one-line errors, usage errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.cli.process import assert_user_error, epoch

SWEEP = """
[sweep]
name = "cli"

[[model]]
generator = "s4d"
length = [16, 32]
channels = 4
modes = 2

[[machine]]
hw = "tiny"
dram.bandwidth_bytes_per_cycle = [8.0, 16.0]

[run]
dataflow = ["default", "ws"]
"""


def test_sweep_end_to_end(tmp_path: Path) -> None:
    sweep = tmp_path / "grid.toml"
    sweep.write_text(SWEEP)
    out = tmp_path / "results"
    first = epoch("sweep", sweep, "-o", out, "-j", "2", "--no-plot")
    assert first.returncode == 0, first.stderr
    assert "8 points (8 run now, 0 already in the results, 0 with errors)" in first.stdout
    assert "s4d-x1-L16-H4-N2" in first.stdout and "best latency" in first.stdout
    with (out / "results.csv").open() as stream:
        rows = list(csv.DictReader(stream))
    assert [row["point"] for row in rows] == sorted(row["point"] for row in rows)
    assert {row["run.dataflow"] for row in rows} == {"prodf", "ws"}
    for key in ("cycles", "energy_pj", "hw.rows", "energy_breakdown_pj.dram", "latency_us"):
        assert all(row[key] for row in rows), key
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 8 and all(json.loads(line)["error"] == "" for line in lines)

    again = epoch("sweep", sweep, "-o", out, "--no-plot")
    assert again.returncode == 0, again.stderr
    assert "(0 run now, 8 already in the results" in again.stdout
    assert (out / "results.jsonl").read_text().splitlines() == lines

    listed = epoch("sweep", sweep, "-o", out, "--list")
    assert listed.returncode == 0 and listed.stdout.count(" done ") == 8


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("[[model]\n", ("TOML syntax error",)),
        ("[[model]]\ngenerator = 's4d'\nlength = 8\nchannels = 4\nmodes = 2\n[machine]\nhw = 'x'\n",
         ("unknown machine preset 'x'",)),
        ("[[model]]\nfile = 'none.mlir'\n", ("'model[0].file'", "none.mlir")),
        ("[[model]]\ngenerator = 's4d'\nlength = 8\nchannels = 4\nmodes = 2\n[machine]\n"
         "cols = [4, true]\n", ("'machine[0].cols'",)),
    ],
)  # fmt: skip
def test_bad_sweep_files_are_one_line(tmp_path: Path, text: str, fragments: tuple[str]) -> None:
    sweep = tmp_path / "bad.toml"
    sweep.write_text(text)
    assert_user_error(epoch("sweep", sweep, "-o", tmp_path / "out"), str(sweep), *fragments)


def test_missing_sweep_file_and_usage_errors(tmp_path: Path) -> None:
    assert_user_error(epoch("sweep", tmp_path / "no.toml"), "no.toml", "cannot read sweep file")
    sweep = tmp_path / "grid.toml"
    sweep.write_text(SWEEP)
    assert epoch("sweep", sweep, "--address", "10.0.0.1:6379").returncode == 2
    assert epoch("sweep", sweep, "-j", "0").returncode == 2
