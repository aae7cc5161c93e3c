"""Running the `epoch` command in a subprocess, as a user would, and checking its user errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def epoch(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "epoch_mlir.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def assert_user_error(process: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit status 1, one line on stderr naming every fragment, no traceback (SPEC.md)."""
    assert process.returncode == 1, process.stderr
    assert "Traceback" not in process.stderr
    lines = process.stderr.strip().splitlines()
    assert len(lines) == 1, process.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
