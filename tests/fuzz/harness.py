"""The fuzz suite's one property and its settings.

Every case runs an `epoch` command on a bad (or merely odd) input and checks what SPEC.md
promises: exit status 0, or 1 with exactly one line on stderr naming the file and place or the
offending item (2 for usage errors), never a traceback, never a hang, and no output file that
existed before the command is changed or left half-written when it fails.

Most cases run in-process through click's CliRunner (a subprocess costs ~0.5 s of imports);
`run_subprocess` checks a sample the way a user sees it. Hypothesis is derandomized so CI is
deterministic; EPOCH_FUZZ_EXAMPLES=N runs N examples per property for a longer local campaign.
"""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from epoch_mlir.cli.main import cli

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
FILECHECK = ROOT / "tests" / "filecheck"
SENTINEL = b"the user's own file: must survive every failed command\n"
IN_PROCESS_TIMEOUT = 30  # seconds; a case that takes longer is a hang
SUBPROCESS_TIMEOUT = 60

# How many cases of each kind ran in this session, printed by conftest's terminal summary.
CASES: collections.Counter[str] = collections.Counter()

_OVERRIDE = os.environ.get("EPOCH_FUZZ_EXAMPLES")
# Triage aid: EPOCH_FUZZ_COLLECT=FILE appends each failure there and carries on, so one long
# campaign lists every distinct bug instead of stopping (and shrinking) at the first.
_COLLECT = os.environ.get("EPOCH_FUZZ_COLLECT")
# EPOCH_FUZZ_LOG=FILE records every case's kind, status and first stderr line (to see how deep
# the mutants get: a fuzzer whose every case dies in the lexer tests little).
_LOG = os.environ.get("EPOCH_FUZZ_LOG")


def fuzz_settings(examples: int) -> settings:
    """Deterministic settings running `examples` cases (EPOCH_FUZZ_EXAMPLES overrides)."""
    return settings(
        max_examples=int(_OVERRIDE) if _OVERRIDE else examples,
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )


class Hang(BaseException):
    """A command ran past IN_PROCESS_TIMEOUT."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str


def protect(*paths: Path) -> dict[Path, bytes]:
    """Give each (output) path known content, to check afterwards that failures left it alone."""
    for path in paths:
        path.write_bytes(SENTINEL)
    return {path: SENTINEL for path in paths}


def invoke(
    kind: str,
    args: Sequence[str | Path],
    *,
    names: Iterable[str] = (),
    protected: dict[Path, bytes] | None = None,
    stdin: str | bytes | None = None,
) -> Outcome:
    """Run `epoch ARGS` in-process and check the property; `names`: one must be in the error."""
    CASES[kind] += 1
    runner = CliRunner()
    with time_limit(IN_PROCESS_TIMEOUT):
        result = runner.invoke(cli, [str(a) for a in args], input=stdin, catch_exceptions=True)
    try:
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            _skip_known_bug(kind, result.exc_info)
            details = "".join(traceback.format_exception(*result.exc_info)[-12:])  # type: ignore[misc]
            raise AssertionError(f"epoch {_quote(args)} raised:\n{details}")
        outcome = Outcome(result.exit_code, result.stdout, result.stderr)
        if _LOG:
            with open(_LOG, "a", encoding="utf-8") as log:
                first = (outcome.stderr.splitlines() or [""])[0]
                log.write(f"{kind}\t{outcome.status}\t{first}\n")
        check_outcome(outcome, args, names, protected or {})
    except AssertionError as failure:
        if not _COLLECT:
            raise
        with open(_COLLECT, "a", encoding="utf-8") as log:
            log.write(f"=== {kind}\n{failure}\n")
            for arg in args:  # the generated inputs, to reproduce it
                path = Path(arg)
                if (
                    "epoch-fuzz-" in str(path)
                    and path.is_file()
                    and path.suffix in (".mlir", ".s", ".toml")
                ):
                    log.write(f"--- {path.name}\n{path.read_text(errors='replace')[:4000]}\n")
        outcome = Outcome(-1, "", "")
    return outcome


# Bugs the fuzzer found in modules this suite's author does not own, reported to their owners:
# (name, text that identifies the traceback). A case that hits one is rejected (counted under
# its name) so CI stays green on everything else; tests/fuzz/test_regressions.py holds each as
# an xfail to remove with the fix.
KNOWN_BUGS: list[tuple[str, str]] = []  # (name, traceback signature): skipped, counted


def _skip_known_bug(kind: str, exc_info: object) -> None:
    from hypothesis import reject

    text = "".join(traceback.format_exception(*exc_info))  # type: ignore[misc]
    for name, signature in KNOWN_BUGS:
        if signature in text:
            CASES[f"{kind} [known bug, skipped: {name}]"] += 1
            reject()


def run_subprocess(
    kind: str,
    args: Sequence[str | Path],
    *,
    names: Iterable[str] = (),
    protected: dict[Path, bytes] | None = None,
    env: dict[str, str] | None = None,
) -> Outcome:
    """Run `epoch ARGS` as a user would, with a timeout, and check the property."""
    CASES[kind + " (subprocess)"] += 1
    try:
        process = subprocess.run(
            [sys.executable, "-m", "epoch_mlir.cli.main", *map(str, args)],
            capture_output=True,
            text=True,
            check=False,
            timeout=SUBPROCESS_TIMEOUT,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"epoch {_quote(args)} hung") from None
    outcome = Outcome(process.returncode, process.stdout, process.stderr)
    check_outcome(outcome, args, names, protected or {})
    return outcome


# `file:line:col: error: message`, then the source line and a caret (mlir-opt's diagnostics)
_CARET = re.compile(r"\s*\^\Z")


def check_outcome(
    outcome: Outcome,
    args: Sequence[str | Path],
    names: Iterable[str],
    protected: dict[Path, bytes],
) -> None:
    command = f"epoch {_quote(args)}"
    stderr = outcome.stderr
    assert "Traceback" not in stderr, f"{command}: traceback\n{stderr}"
    assert outcome.status in (0, 1, 2), f"{command}: exit status {outcome.status}\n{stderr}"
    if outcome.status == 1:
        lines = stderr.strip("\n").split("\n")
        if len(lines) == 3 and _CARET.match(lines[2]) and ": error: " in lines[0]:
            lines = lines[:1]  # epoch opt quotes the source line under its one-line message
        assert len(lines) == 1 and lines[0].strip(), f"{command}: not one line\n{stderr}"
        wanted = list(names)
        if wanted:
            assert any(name in lines[0] for name in wanted), (
                f"{command}: the error names none of {wanted}\n{stderr}"
            )
    elif outcome.status == 2:
        assert "rror" in stderr, f"{command}: usage error without a message\n{stderr}"
    if outcome.status != 0:
        for path, content in protected.items():
            assert path.exists(), f"{command}: removed {path}"
            assert path.read_bytes() == content, f"{command}: clobbered {path}"
    for path in protected:
        leftovers = list(path.parent.glob(f".{path.name}.*.tmp"))
        assert not leftovers, f"{command}: left temporary files {leftovers}"


def _quote(args: Sequence[str | Path]) -> str:
    return " ".join(repr(str(a)) if " " in str(a) or not str(a) else str(a) for a in args)


@contextmanager
def scratch() -> Iterator[Path]:
    """A fresh directory per hypothesis example (pytest's tmp_path is one per test)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="epoch-fuzz-") as directory:
        yield Path(directory)
