"""Runs the lit + FileCheck suite under tests/filecheck, so a plain `pytest` covers it too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FILECHECK_SUITE = Path(__file__).parent / "filecheck"

# lit 23 has no `__main__` module, so `python -m lit` fails; this is what its script runs.
RUN_LIT = "import sys; from lit.main import main; sys.exit(main())"


def test_lit_suite_passes() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", RUN_LIT, "-v", str(FILECHECK_SUITE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Passed" in completed.stdout  # lit found and ran tests, not an empty suite
