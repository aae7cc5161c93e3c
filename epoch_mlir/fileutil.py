"""Atomic file output: a failed run never leaves a partial file or clobbers the user's old one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from epoch_mlir.errors import EpochError


@contextlib.contextmanager
def atomic_output(path: str | Path, mode: str = "wb") -> Iterator[IO]:
    """Yield a temporary file beside `path`; it replaces `path` only if the block succeeds."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as error:
        raise EpochError(f"cannot write output: {error.strerror}", str(path)) from None
    try:
        with os.fdopen(handle, mode) as stream:
            yield stream
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    with atomic_output(path, "wb") as stream:
        stream.write(data)


def write_text_atomic(path: str | Path, text: str) -> None:
    with atomic_output(path, "w") as stream:
        stream.write(text)
