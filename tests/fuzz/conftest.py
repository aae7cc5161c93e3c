"""Report how many fuzz cases of each kind ran (the issue asks for the counts)."""

from __future__ import annotations

import pytest

from tests.fuzz.harness import CASES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CASES:
        return
    terminalreporter.section("fuzz cases")
    for kind, count in sorted(CASES.items()):
        terminalreporter.write_line(f"{count:8d}  {kind}")
    terminalreporter.write_line(f"{sum(CASES.values()):8d}  total")
