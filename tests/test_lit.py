"""Runs the lit + FileCheck suite under tests/filecheck, so a plain `pytest` covers it too.

One pytest test per lit file, so the files spread over the xdist workers and a failure names
its file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FILECHECK_SUITE = Path(__file__).parent / "filecheck"
LIT_FILES = sorted(
    path.relative_to(FILECHECK_SUITE)
    for suffix in ("*.mlir", "*.test")
    for path in FILECHECK_SUITE.rglob(suffix)
    if "Output" not in path.parts
)

# lit 23 has no `__main__` module, so `python -m lit` fails; this is what its script runs.
RUN_LIT = "import sys; from lit.main import main; sys.exit(main())"


def test_the_suite_is_found() -> None:
    assert len(LIT_FILES) > 40


@pytest.mark.parametrize("lit_file", LIT_FILES, ids=str)
def test_lit_file_passes(lit_file: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", RUN_LIT, "-v", str(FILECHECK_SUITE / lit_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Passed: 1" in completed.stdout  # lit found and ran the test
