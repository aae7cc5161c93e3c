"""`epoch asm` and `epoch disasm`: outputs, exit codes, one-line errors, nothing clobbered."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from epoch_mlir.cli.main import cli
from epoch_mlir.isa.asm import assemble

SOURCE = """\
.arg x @0 : tensor<2x4xf32>
.sram buf @0 : 8
loop 2, r1 += 4 {
    load buf, x(r1), 1, 4, 4, 4
}
halt
"""
BAD_SOURCE = "halt\nvad 0, 0, 0\n"


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "prog.s"
    path.write_text(SOURCE)
    return path


def test_asm_writes_the_program_and_defaults_to_the_epb_suffix(source: Path) -> None:
    result = run("asm", str(source))
    assert result.exit_code == 0, result.output
    assert result.output == ""
    written = source.with_suffix(".epb").read_bytes()
    assert written == assemble(SOURCE).to_bytes()
    result = run("asm", str(source), "-o", str(source.parent / "other.bin"))
    assert result.exit_code == 0
    assert (source.parent / "other.bin").read_bytes() == written


def test_asm_reads_stdin_when_given_an_output(tmp_path: Path) -> None:
    result = run("asm", "-", "-o", str(tmp_path / "p.epb"), stdin=SOURCE)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p.epb").read_bytes() == assemble(SOURCE).to_bytes()
    assert run("asm", "-", stdin=SOURCE).exit_code == 2  # nowhere to write: a usage error


def test_disasm_prints_to_stdout_or_writes_a_file(source: Path) -> None:
    run("asm", str(source), "-o", str(source.parent / "p.epb"))
    printed = run("disasm", str(source.parent / "p.epb"))
    assert printed.exit_code == 0
    assert "loop 2, r1 += 4 {\n    load 0(r0), 0(r1), 1, 4, 4, 4  # dst: buf\n}" in printed.stdout
    written = run("disasm", str(source.parent / "p.epb"), "-o", str(source.parent / "back.s"))
    assert written.exit_code == 0
    assert written.output == ""
    assert (source.parent / "back.s").read_text() == printed.stdout


def test_disasm_then_asm_reproduces_the_file_byte_for_byte(source: Path) -> None:
    first, text, second = (source.parent / name for name in ("a.epb", "a.s", "b.epb"))
    assert run("asm", str(source), "-o", str(first)).exit_code == 0
    assert run("disasm", str(first), "-o", str(text)).exit_code == 0
    assert run("asm", str(text), "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_an_assembly_error_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.s"
    bad.write_text(BAD_SOURCE)
    result = run("asm", str(bad), "-o", str(tmp_path / "out.epb"))
    assert_one_line_error(result, f"{bad}:2:1: unknown mnemonic 'vad'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.s"]  # no output, no temporary


def test_a_failed_run_leaves_an_existing_output_untouched(tmp_path: Path) -> None:
    bad, output = tmp_path / "bad.s", tmp_path / "out.epb"
    bad.write_text(BAD_SOURCE)
    output.write_bytes(b"precious")
    assert_one_line_error(run("asm", str(bad), "-o", str(output)))
    assert output.read_bytes() == b"precious"
    corrupt, listing = tmp_path / "corrupt.epb", tmp_path / "listing.s"
    corrupt.write_bytes(b"EPCH" + bytes(40))
    listing.write_text("precious")
    assert_one_line_error(run("disasm", str(corrupt), "-o", str(listing)), str(corrupt))
    assert listing.read_text() == "precious"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["asm", "{tmp}/missing.s"], "missing.s: cannot read assembly: No such file"),
        (["disasm", "{tmp}/missing.epb"], "missing.epb: cannot read program"),
        (["disasm", "{tmp}/empty.epb"], "empty.epb: empty file, not an EpochCore program"),
        (["asm", "{tmp}/binary.s"], "binary.s: not UTF-8 text"),
        (["asm", "{tmp}/empty.epb"], "empty.epb: the output would overwrite the input"),
        (["disasm", "{tmp}/p.epb", "-o", "{tmp}/p.epb"], "the output would overwrite the input"),
    ],
)
def test_unusable_inputs_are_one_line_errors(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    (tmp_path / "empty.epb").write_bytes(b"")
    (tmp_path / "binary.s").write_bytes(b"\xff\xfe halt")
    (tmp_path / "p.epb").write_bytes(assemble("halt").to_bytes())
    result = run(*(arg.format(tmp=tmp_path) for arg in args))
    assert_one_line_error(result, fragment)
    assert (tmp_path / "p.epb").read_bytes() == assemble("halt").to_bytes()


def test_usage_errors_exit_2() -> None:
    assert run("asm").exit_code == 2
    assert run("disasm", "a", "b").exit_code == 2


@pytest.mark.skipif(shutil.which("epoch") is None, reason="the console script is not installed")
def test_the_installed_command_prints_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.s"
    bad.write_text(BAD_SOURCE)
    done = subprocess.run(
        ["epoch", "asm", str(bad), "-o", str(tmp_path / "out.epb")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    message = "unknown mnemonic 'vad' (did you mean vadd or vaddi?)"
    assert done.stderr == f"error: {bad}:2:1: {message}\n"
    assert not (tmp_path / "out.epb").exists()
