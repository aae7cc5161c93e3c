"""The results directory: `results.jsonl` (the source of truth) and `results.csv` (derived).

Every finished point is appended to the JSONL as one line, flushed and fsynced before the next
is taken, so a crash or Ctrl-C loses no finished point; a half-written last line (a crash in the
middle of a write) is dropped on the next open. The CSV is regenerated from the JSONL, atomically,
with its rows sorted by point id.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from epoch_mlir.io import atomic_write_bytes, atomic_write_text
from epoch_mlir.sweep.spec import SweepError

JSONL = "results.jsonl"
CSV = "results.csv"
LOCK = ".sweep.lock"


class ResultsStore:
    """Appends rows to `directory/results.jsonl`; one writer at a time (a lock file)."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.jsonl = self.directory / JSONL
        self.csv = self.directory / CSV
        self.rows: dict[str, dict[str, Any]] = {}
        self._stream: io.BufferedWriter | None = None
        self._lock: int | None = None

    def open(self) -> ResultsStore:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise SweepError(f"cannot create the results directory: {error.strerror}",
                             str(self.directory)) from None  # fmt: skip
        if self.directory.joinpath(JSONL).is_dir():
            raise SweepError("results.jsonl is a directory", str(self.directory))
        self._lock = os.open(self.directory / LOCK, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            self._lock = None
            raise SweepError(
                "another sweep is writing these results", str(self.directory)
            ) from None
        self.rows = read_rows(self.jsonl, repair=True)
        self._stream = open(self.jsonl, "ab")  # noqa: SIM115 (closed by close())
        return self

    def append(self, row: Mapping[str, Any]) -> None:
        assert self._stream is not None
        line = json.dumps(row, separators=(",", ":"), allow_nan=True) + "\n"
        self._stream.write(line.encode("utf-8"))
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self.rows[row["point"]] = dict(row)

    def write_csv(self) -> None:
        write_csv(self.csv, self.rows.values())

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None

    def __enter__(self) -> ResultsStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(path: Path, repair: bool = False) -> dict[str, dict[str, Any]]:
    """The rows of a results JSONL by point id (a later row of a point replaces an earlier one).

    `repair`: a last line cut short by a crash is removed from the file (atomically).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise SweepError(f"cannot read results: {error.strerror}", str(path)) from None
    rows: dict[str, dict[str, Any]] = {}
    lines = data.split(b"\n")
    complete, tail = lines[:-1], lines[-1]
    for number, line in enumerate(complete, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise SweepError(f"line {number} is not a JSON row", str(path)) from None
        if not isinstance(row, dict) or not isinstance(row.get("point"), str):
            raise SweepError(f"line {number} is not a results row (no 'point')", str(path))
        rows[row["point"]] = row
    if tail.strip() and repair:
        # a crash cut the last row short: it was never finished, so it is not a result
        atomic_write_bytes(path, b"\n".join(complete) + (b"\n" if complete else b""))
    return rows


def columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """point, model, the parameters (model.*, machine.*, run.*), error, then the stats keys.

    Parameters are sorted; stats keys keep the order of the first row that has them, rows taken
    in point-id order, so the header is a function of the set of rows.
    """
    ordered = sorted(rows, key=lambda row: row["point"])
    seen: dict[str, None] = {}
    for row in ordered:
        for key in row:
            seen.setdefault(key, None)
    params = sorted(k for k in seen if k.startswith(("model.", "machine.", "run.")))
    head = ["point", "model", *params, "error", "error_kind"]
    rest = [k for k in seen if k not in head]
    return [k for k in head if k in seen or k in ("point", "model", "error")] + rest


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return value


def write_csv(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    rows = sorted(rows, key=lambda row: row["point"])
    header = columns(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in header])
    atomic_write_text(path, buffer.getvalue())
