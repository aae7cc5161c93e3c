"""Every output path of every command is checked before the long work: a mistyped directory is
a one-line error naming the path, found before reading (here: broken) inputs, and nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.process import assert_user_error, epoch

BROKEN_IR = "func.func @main( {"
BROKEN_ASM = "halt 1 2\n"


def _commands(tmp: Path) -> list[tuple[str, ...]]:
    """Each command with broken inputs and the output option under test left last."""
    (tmp / "broken.mlir").write_text(BROKEN_IR)
    (tmp / "broken.s").write_text(BROKEN_ASM)
    (tmp / "broken.epb").write_bytes(b"EPCH but not a program")
    (tmp / "broken.toml").write_text("[[[")
    ir, asm, program = (str(tmp / name) for name in ("broken.mlir", "broken.s", "broken.epb"))
    return [
        ("run", ir, "-o"),
        ("run", ir, "--stats"),
        ("run", ir, "--trace"),
        ("run", program, "--stats"),
        ("compile", ir, "-o"),
        ("compile", ir, "--emit", "asm", "-o"),
        ("compile", ir, "--emit", "mlir", "-o"),
        ("opt", ir, "-o"),
        ("asm", asm, "-o"),
        ("disasm", program, "-o"),
    ]


@pytest.mark.parametrize("index", range(10))
def test_an_unwritable_output_is_refused_before_any_work(tmp_path: Path, index: int) -> None:
    command = _commands(tmp_path)[index]
    target = tmp_path / "no such dir" / "out"
    process = epoch(*command, target)
    assert_user_error(process, str(target), f"no directory '{target.parent}'")
    assert process.stdout == ""


@pytest.mark.parametrize("command", ["report", "sweep"])
def test_an_output_directory_that_cannot_be_created_is_refused_first(
    tmp_path: Path, command: str
) -> None:
    _commands(tmp_path)
    source = {"report": tmp_path / "missing.json", "sweep": tmp_path / "broken.toml"}[command]
    (tmp_path / "a file").write_text("")
    target = tmp_path / "a file" / "results"
    process = epoch(command, source, "-o", target)
    assert_user_error(process, str(target), "is not a directory")
    assert process.stdout == ""


@pytest.mark.parametrize("command", ["run", "compile", "asm", "disasm"])
def test_a_directory_is_not_a_file_to_write(tmp_path: Path, command: str) -> None:
    args = {
        "run": ("run", "broken.mlir", "--stats"),
        "compile": ("compile", "broken.mlir", "-o"),
        "asm": ("asm", "broken.s", "-o"),
        "disasm": ("disasm", "broken.epb", "-o"),
    }[command]
    _commands(tmp_path)
    (tmp_path / "taken").mkdir()
    process = epoch(args[0], tmp_path / args[1], *args[2:], tmp_path / "taken")
    # click refuses a directory for options declared file-only (a usage error, status 2)
    assert process.returncode in (1, 2)
    assert "directory" in process.stderr and "Traceback" not in process.stderr


def test_an_existing_output_survives_a_failed_check(tmp_path: Path) -> None:
    _commands(tmp_path)
    kept = tmp_path / "kept.epb"
    kept.write_bytes(b"precious")
    process = epoch("compile", tmp_path / "broken.mlir", "-o", kept)
    assert process.returncode == 1 and "broken.mlir" in process.stderr  # the check passed
    assert kept.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
