"""Reading the user's `.npz` inputs and writing our outputs without ever leaving half a file.

SPEC.md: inputs are keyed `arg0, arg1, ...`, outputs `res0, res1, ...`, arrays are float32 or
complex64, and nothing the user gave is overwritten on failure. Every write therefore goes to
a temporary file in the destination's directory and is renamed over the target only once
complete (a rename within one file system is atomic).
"""

from __future__ import annotations

import io
import math
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from epoch_mlir.errors import InputError, OutputError


@dataclass(frozen=True)
class ArraySpec:
    """What one named array must look like: the shape and dtype of an entry argument."""

    key: str
    shape: tuple[int, ...]
    dtype: np.dtype

    def describe(self) -> str:
        return f"a {self.dtype.name} array of shape {self.shape}"


def load_inputs(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of the `.npz` file at `path`, by key; InputError if it cannot be read.

    Each member's declared size is checked against the bytes it holds before numpy allocates
    the array, so a corrupt header cannot ask for terabytes.
    """
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise InputError("expected an .npz archive of named arrays", where=str(path))
        with loaded as archive:
            _check_declared_sizes(archive)
            return {key: archive[key] for key in archive.files}
    except InputError as error:
        error.where = error.where or str(path)
        raise
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot read inputs: {reason}", where=str(path)) from None
    except MemoryError:
        raise InputError("not a valid .npz file: an array is too large", where=str(path)) from None
    except Exception as error:
        # numpy's readers raise ValueError, SyntaxError, tokenize.TokenError, KeyError,
        # zlib.error, ... for a corrupt member: all of them the user's file, not our bug.
        message = " ".join(str(error).split()) or type(error).__name__
        raise InputError(f"not a valid .npz file: {message}", where=str(path)) from None


def _check_declared_sizes(archive: np.lib.npyio.NpzFile) -> None:
    """InputError if a member's header declares more data than the member holds."""
    members = archive.zip
    assert members is not None  # an archive np.load opened, not one being written
    for info in members.infolist():
        if not info.filename.endswith(".npy"):
            continue
        with members.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                continue
        declared = math.prod(shape) * dtype.itemsize
        if declared > info.file_size:
            key = info.filename.removesuffix(".npy")
            raise InputError(
                f"corrupt array '{key}': its header declares shape {shape} ({declared} bytes) "
                f"but the archive holds {info.file_size} bytes"
            )


def check_arrays(expected: Sequence[ArraySpec], arrays: Mapping[str, np.ndarray]) -> None:
    """Refuse `arrays` unless it holds exactly the expected keys with their shapes and dtypes.

    The message names the offending key, as SPEC.md asks.
    """
    expected_keys = [spec.key for spec in expected]
    for spec in expected:
        if spec.key not in arrays:
            raise InputError(f"missing input '{spec.key}': expected {spec.describe()}")
        array = np.asarray(arrays[spec.key])
        if array.shape != spec.shape:
            raise InputError(
                f"input '{spec.key}' has shape {array.shape} but expected {spec.shape}"
            )
        if array.dtype != spec.dtype:
            raise InputError(
                f"input '{spec.key}' has dtype {array.dtype.name} but expected {spec.dtype.name}"
            )
    for key in arrays:
        if key not in expected_keys:
            accepted = ", ".join(expected_keys) if expected_keys else "none"
            raise InputError(f"unexpected input '{key}' (expected keys: {accepted})")


def save_outputs(path: str | Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Write `arrays` as an uncompressed `.npz` at exactly `path`, atomically."""
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **dict(arrays))
    atomic_write_bytes(path, buffer.getvalue())


def check_writable(*paths: str | Path | None) -> None:
    """OutputError now if a later `atomic_write_bytes` to any of `paths` would fail.

    Commands call this before their long work (a compile, a run), so a mistyped directory
    costs the user nothing. The probe creates and removes a temporary sibling, exactly what
    the real write does first; an existing file at the path is not touched.
    """
    for path in paths:
        if path is None:
            continue
        target = Path(path)
        if target.is_dir():
            raise OutputError("cannot write: is a directory", where=str(path))
        _probe_directory(target.parent if str(target.parent) else Path("."), str(path))


def check_writable_directory(path: str | Path) -> None:
    """OutputError now if files cannot later be written in directory `path` (created if
    missing): it must be a directory, or the nearest existing ancestor a writable one."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise OutputError("cannot write there: not a directory", where=str(path))
    existing = target
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"cannot create: {existing} is not a directory", where=str(path))
    _probe_directory(existing, str(path))


def _probe_directory(directory: Path, where: str) -> None:
    if not directory.is_dir():
        raise OutputError(f"cannot write: no directory '{directory}'", where=where)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".epoch-probe.", suffix=".tmp")
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror or error}", where=where) from None
    os.close(handle)
    Path(temporary).unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path`, atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary sibling file; OutputError if impossible.

    On failure the temporary file is removed and any previous file at `path` is untouched.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror or error}", where=str(path)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot write: {error.strerror or error}", where=str(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int:
    """The permissions of the file being replaced, else the default for a new file."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_generated(path: Path, text: str, argv: Sequence[str], module: str) -> int:
    """A generated doc's `main`: write `text` to `path`, or with `--check` exit 1 (naming the
    command that regenerates it) when the file differs, as CI runs it."""
    if "--check" in argv:
        if not path.exists() or path.read_text() != text:
            print(f"{path} is stale: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    path.write_text(text)
    return 0
