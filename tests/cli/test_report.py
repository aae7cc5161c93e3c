"""`epoch report`: markdown and plots from a run's stats and trace, comparisons, user errors."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from epoch_mlir.report import Track, busy_fraction
from tests.cli.process import assert_user_error, epoch

EXAMPLES = Path(__file__).parents[2] / "examples" / "asm"
GEMM = EXAMPLES / "gemm_ws.s"
GEMM_INPUTS = EXAMPLES / "gemm_ws.npz"
HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Stats and trace of the GEMM example on epochcore and on tpu."""
    directory = tmp_path_factory.mktemp("runs")
    files = {}
    for hw in ("epochcore", "tpu"):
        stats, trace = directory / f"{hw}.json", directory / f"{hw}.trace.json"
        process = epoch(
            "run", GEMM, "--hw", hw, "--inputs", GEMM_INPUTS, "--stats", stats, "--trace", trace
        )
        assert process.returncode == 0, process.stderr
        files[hw], files[f"{hw}.trace"] = stats, trace
    return files


def test_report_of_one_run(runs: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "new" / "report"
    process = epoch("report", runs["epochcore"], runs["epochcore.trace"], "-o", out)
    assert process.returncode == 0, process.stderr
    assert "report.md" in process.stdout
    text = (out / "report.md").read_text()
    stats = json.loads(runs["epochcore"].read_text())
    assert text.startswith("# Run report: epochcore")
    assert "`epochcore` (128x128 lima PEs" in text
    assert f"| cycles | {stats['cycles']:,} |" in text
    assert f"| instructions | {stats['instructions']:,} |" in text
    assert "PE utilization" in text and "DRAM read / written" in text
    assert "## Energy" in text and "| dram |" in text and "**total**" in text
    for unit, busy in stats["unit_busy_cycles"].items():
        assert f"| {unit} | {busy:,} | {busy / stats['cycles']:.1%} |" in text
    for mnemonic, count in stats["instructions_by_mnemonic"].items():
        assert f"| `{mnemonic}` | {count:,} |" in text
    assert "### Busy cycles by instruction" in text
    for unit, by_mnemonic in stats["unit_busy_cycles_by_mnemonic"].items():
        for mnemonic, busy in by_mnemonic.items():
            assert f"| {unit} | `{mnemonic}` | {busy:,} |" in text
    assert "## Trace" in text and "| array |" in text
    pngs = {"energy.png", "busy.png", "timeline.png"}
    if HAVE_MATPLOTLIB:
        for name in pngs:
            assert (out / name).read_bytes().startswith(PNG_MAGIC), name
            assert f"]({name})" in text
        assert "note:" not in process.stderr
    else:
        assert not any((out / name).exists() for name in pngs)
        assert "pip install 'epoch-mlir[plot]'" in process.stderr


def test_comparison_of_two_runs(runs: dict[str, Path], tmp_path: Path) -> None:
    process = epoch(
        "report",
        runs["tpu"],
        runs["tpu.trace"],
        runs["epochcore"],
        "-o",
        tmp_path,
    )
    assert process.returncode == 0, process.stderr
    text = (tmp_path / "report.md").read_text()
    tpu, core = (json.loads(runs[hw].read_text()) for hw in ("tpu", "epochcore"))
    assert text.startswith("# Run comparison")
    assert "| | `tpu` | `epochcore` |".replace("| |", "|  |") in text
    speedup = tpu["latency_us"] / core["latency_us"]
    energy = tpu["energy_pj"] / core["energy_pj"]
    assert f"| speedup vs baseline | 1x | {speedup:,.3g}x |" in text
    assert f"| energy ratio vs baseline | 1x | {energy:,.3g}x |" in text
    assert "## Trace of `tpu`" in text and "## Trace of `epochcore`" not in text
    if HAVE_MATPLOTLIB:
        for name in ("comparison.png", "energy.png", "busy.png", "timeline-1-tpu.png"):
            assert (tmp_path / name).read_bytes().startswith(PNG_MAGIC), name


def test_without_matplotlib_the_markdown_is_written(
    runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from epoch_mlir.cli.main import cli

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    result = CliRunner().invoke(cli, ["report", str(runs["epochcore"]), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.md").exists()
    assert not list(tmp_path.glob("*.png"))
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert notes == ["note: plots need matplotlib: pip install 'epoch-mlir[plot]'"]
    assert "pip install 'epoch-mlir[plot]'" in (tmp_path / "report.md").read_text()


def test_same_stem_runs_get_distinct_labels(runs: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "run.json", tmp_path / "b" / "run.json"
    first.write_text(runs["tpu"].read_text())
    second.write_text(runs["epochcore"].read_text())
    process = epoch("report", first, second, "-o", tmp_path / "out", "--no-plots")
    assert process.returncode == 0, process.stderr
    text = (tmp_path / "out" / "report.md").read_text()
    assert "`run (tpu)`" in text and "`run (epochcore)`" in text
    assert not list((tmp_path / "out").glob("*.png"))


def _existing_report(directory: Path) -> bytes:
    directory.mkdir(exist_ok=True)
    (directory / "report.md").write_text("old report\n")
    return b"old report\n"


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (None, ("missing.json", "no such file")),
        ("{not json", ("bad.json:1:2", "not JSON")),
        ('{"cycles": 3}', ("bad.json", "not an epoch stats file", "'macs'")),
        ("[1, 2]", ("bad.json", "a trace must follow the stats file")),
        ("42", ("bad.json", "not an epoch stats file", "expected a JSON object")),
    ],
)
def test_bad_stats_file_is_a_one_line_error(
    tmp_path: Path, content: str | None, fragments: tuple[str, ...]
) -> None:
    path = tmp_path / ("missing.json" if content is None else "bad.json")
    if content is not None:
        path.write_text(content)
    old = _existing_report(tmp_path / "out")
    process = epoch("report", path, "-o", tmp_path / "out")
    assert_user_error(process, *fragments)
    assert (tmp_path / "out" / "report.md").read_bytes() == old


def test_wrong_types_and_bad_trace(runs: dict[str, Path], tmp_path: Path) -> None:
    stats = json.loads(runs["epochcore"].read_text())
    stats["cycles"] = "many"
    bad = tmp_path / "typed.json"
    bad.write_text(json.dumps(stats))
    assert_user_error(
        epoch("report", bad, "-o", tmp_path / "out"), "typed.json", "'cycles'", "integer"
    )
    trace = tmp_path / "trace.json"
    trace.write_text(json.dumps({"traceEvents": [{"ph": "X", "name": "mm", "dur": 3}]}))
    old = _existing_report(tmp_path / "out")
    process = epoch("report", runs["epochcore"], trace, "-o", tmp_path / "out")
    assert_user_error(process, "trace.json", "not a Chrome trace", "event 0")
    assert (tmp_path / "out" / "report.md").read_bytes() == old
    process = epoch(
        "report", runs["epochcore"], runs["epochcore.trace"], trace, "-o", tmp_path / "out"
    )
    assert_user_error(process, "trace.json", "a second trace")


def test_output_that_is_a_file_is_a_user_error(runs: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep")
    assert_user_error(epoch("report", runs["epochcore"], "-o", target), str(target))
    assert target.read_text() == "keep"


def test_report_needs_files_and_output() -> None:
    assert epoch("report", "-o", "x").returncode == 2
    assert epoch("report", "a.json").returncode == 2


def test_busy_fraction_matches_a_loop() -> None:
    rng = np.random.default_rng(0)
    durations = rng.integers(1, 30, size=200).astype(float)
    gaps = rng.integers(0, 30, size=200).astype(float)
    starts = np.cumsum(gaps + durations) - durations
    track = Track("array", starts, durations, ["mm"] * 200)
    edges = np.linspace(0, starts[-1] + durations[-1] + 10, 37)
    expected = [
        sum(max(0.0, min(b, s + d) - max(a, s)) for s, d in zip(starts, durations, strict=True))
        / (b - a)
        for a, b in itertools.pairwise(edges)
    ]
    np.testing.assert_allclose(busy_fraction(track, edges), expected, atol=1e-9)
