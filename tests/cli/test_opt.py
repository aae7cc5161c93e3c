"""`epoch opt` exit statuses and error shapes: 0 on success, 1 for user errors (one diagnostic,
no traceback, no module dump), 2 for usage errors; `-o` is written only on success."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from epoch_mlir.cli.main import cli

VALID = """\
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x : tensor<4xf32>
  func.return %y : tensor<4xf32>
}
"""

INVALID = """\
func.func @main(%x: tensor<8x7xf32>) -> tensor<8x3xf32> {
  %y = nn.glu %x : tensor<8x7xf32> -> tensor<8x3xf32>
  func.return %y : tensor<8x3xf32>
}
"""

MALFORMED = """\
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x %x : tensor<4xf32>
"""


def opt(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["opt", *args], input=stdin)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name, text in (("valid", VALID), ("invalid", INVALID), ("malformed", MALFORMED)):
        paths[name] = tmp_path / f"{name}.mlir"
        paths[name].write_text(text)
    return paths


def test_valid_module_prints_and_exits_0(files: dict[str, Path]) -> None:
    result = opt(str(files["valid"]))
    assert result.exit_code == 0, result.output
    assert "nn.relu %x : tensor<4xf32>" in result.stdout
    assert result.stderr == ""


def test_parse_error_is_one_located_diagnostic(files: dict[str, Path]) -> None:
    result = opt(str(files["malformed"]))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{files['malformed']}:2:19: error: Expected ':'",
        "  %y = nn.relu %x %x : tensor<4xf32>",
        "                  ^",
    ]


def test_verify_error_is_one_located_diagnostic_without_module_dump(
    files: dict[str, Path],
) -> None:
    result = opt(str(files["invalid"]))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{files['invalid']}:2:8: error: 'nn.glu' op x has 7 channels but glu needs an even "
        "number (2H)",
        "  %y = nn.glu %x : tensor<8x7xf32> -> tensor<8x3xf32>",
        "       ^",
    ]


def test_verify_diagnostics_prints_the_diagnostic_and_exits_0(files: dict[str, Path]) -> None:
    result = opt(str(files["invalid"]), "--verify-diagnostics")
    assert result.exit_code == 0
    assert "error: 'nn.glu' op x has 7 channels" in result.stdout


def test_parsing_diagnostics_prints_the_diagnostic_and_exits_0(files: dict[str, Path]) -> None:
    result = opt(str(files["malformed"]), "--parsing-diagnostics")
    assert result.exit_code == 0
    assert "error: Expected ':'" in result.stdout


def test_unknown_pass_names_close_matches(files: dict[str, Path]) -> None:
    result = opt(str(files["valid"]), "-p", "cse,canonicalise")
    assert result.exit_code == 1
    assert result.stderr == "error: unknown pass 'canonicalise'; did you mean 'canonicalize'?\n"


def test_unreadable_input_is_an_error_naming_the_file(tmp_path: Path) -> None:
    result = opt(str(tmp_path / "missing.mlir"))
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"error: {tmp_path / 'missing.mlir'}: cannot read IR: No such file or directory\n"
    )


@pytest.mark.parametrize("args", [["--no-such-flag"], ["-t", "no-such-target"]])
def test_usage_errors_exit_2(files: dict[str, Path], args: list[str]) -> None:
    result = opt(str(files["valid"]), *args)
    assert result.exit_code == 2
    assert "usage: epoch opt" in result.stderr


def test_help_lists_our_passes_and_flags() -> None:
    result = opt("--help")
    assert result.exit_code == 0
    assert "canonicalize,cse,dce" in result.stdout
    assert "--print-ir-after-all" in result.stdout


def test_reads_standard_input() -> None:
    result = opt("-", stdin=VALID)
    assert result.exit_code == 0
    assert "nn.relu" in result.stdout


def test_output_file_is_written_on_success_and_kept_on_failure(
    files: dict[str, Path], tmp_path: Path
) -> None:
    output = tmp_path / "out.mlir"
    assert opt(str(files["valid"]), "-o", str(output)).exit_code == 0
    written = output.read_text()
    assert "nn.relu" in written
    assert opt(str(files["invalid"]), "-o", str(output)).exit_code == 1
    assert opt(str(files["valid"]), "-p", "nope", "-o", str(output)).exit_code == 1
    assert output.read_text() == written


def test_split_input_file_reports_every_failing_chunk(tmp_path: Path) -> None:
    path = tmp_path / "chunks.mlir"
    path.write_text(f"{INVALID}// -----\n{VALID}// -----\n{MALFORMED}")
    result = opt(str(path), "--split-input-file")
    assert result.exit_code == 1
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        f"{path}:2:8: error: 'nn.glu' op x has 7 channels but glu needs an even number (2H)",
        f"{path}:12:19: error: Expected ':'",
    ]


def test_installed_script_exits_1_without_traceback(files: dict[str, Path]) -> None:
    """The console script users run, not just the click group: no Python traceback leaks."""
    script = Path(sys.executable).with_name("epoch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "epoch_mlir.cli.main"]
    for name in ("malformed", "invalid"):
        completed = subprocess.run(
            [*command, "opt", str(files[name])], capture_output=True, text=True, check=False
        )
        assert completed.returncode == 1, completed.stderr
        assert "Traceback" not in completed.stderr
        assert len(completed.stderr.splitlines()) == 3


def test_mlir_opt_spellings_of_flags_are_accepted(files: dict[str, Path]) -> None:
    result = opt(str(files["valid"]), "--mlir-print-op-generic", "--mlir-timing")
    assert result.exit_code == 0
    assert '"nn.relu"(%x)' in result.stdout
    assert "Execution time report" in result.stderr
