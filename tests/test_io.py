"""The npz helpers: readable errors naming the file or key, and writes that never half-happen."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from epoch_mlir import io as epoch_io
from epoch_mlir.errors import InputError, OutputError
from epoch_mlir.io import (
    ArraySpec,
    atomic_write_text,
    check_arrays,
    check_writable,
    check_writable_directory,
    load_inputs,
    save_outputs,
)


def test_outputs_round_trip_through_inputs(tmp_path: Path) -> None:
    arrays = {
        "res0": np.arange(6, dtype=np.float32).reshape(2, 3),
        "res1": np.array([1 + 2j], np.complex64),
    }
    path = tmp_path / "out.npz"
    save_outputs(path, arrays)
    loaded = load_inputs(path)
    assert list(loaded) == ["res0", "res1"]
    for key, array in arrays.items():
        np.testing.assert_array_equal(loaded[key], array)
        assert loaded[key].dtype == array.dtype


def test_save_writes_exactly_the_given_path(tmp_path: Path) -> None:
    # np.savez appends ".npz" to names without it; our files keep the user's name.
    path = tmp_path / "outputs.bin"
    save_outputs(path, {"res0": np.zeros(1, np.float32)})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outputs.bin"]


def test_new_files_get_the_usual_permissions(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    atomic_write_text(path, "hello")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    atomic_write_text(path, "again")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == "again"


def test_failed_write_leaves_the_previous_file_and_no_debris(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.npz"
    path.write_text("previous")

    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(epoch_io.os, "replace", refuse)
    with pytest.raises(OutputError, match="No space left on device") as caught:
        save_outputs(path, {"res0": np.zeros(3, np.float32)})
    assert caught.value.where == str(path)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.npz"]


def test_writing_into_a_missing_directory_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot write"):
        atomic_write_text(tmp_path / "missing" / "out.mlir", "x")


def test_missing_inputs_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read inputs") as caught:
        load_inputs(tmp_path / "nope.npz")
    assert caught.value.where == str(tmp_path / "nope.npz")


def test_a_single_npy_array_is_not_an_inputs_file(tmp_path: Path) -> None:
    path = tmp_path / "x.npy"
    np.save(path, np.zeros(2))
    with pytest.raises(InputError, match=r"expected an \.npz archive"):
        load_inputs(path)


def test_garbage_is_not_an_inputs_file(tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    path.write_text("not a zip file")
    with pytest.raises(InputError, match=r"not a valid \.npz file"):
        load_inputs(path)


def test_pickled_object_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.npz"
    np.savez(path, arg0=np.array([{"a": 1}], dtype=object))
    with pytest.raises(InputError, match=r"not a valid \.npz file"):
        load_inputs(path)


def test_check_arrays_accepts_an_exact_match() -> None:
    specs = [ArraySpec("arg0", (2,), np.dtype(np.float32))]
    check_arrays(specs, {"arg0": np.zeros(2, np.float32)})


def test_check_arrays_with_no_expected_keys_names_the_extra_one() -> None:
    with pytest.raises(InputError, match=r"unexpected input 'x' \(expected keys: none\)"):
        check_arrays([], {"x": np.zeros(1)})


def test_check_writable_probes_without_touching_the_target(tmp_path: Path) -> None:
    existing = tmp_path / "out.npz"
    existing.write_bytes(b"keep")
    check_writable(existing, tmp_path / "new.json", None)
    assert existing.read_bytes() == b"keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz"]  # no probe left behind
    with pytest.raises(OutputError, match="no directory"):
        check_writable(tmp_path / "missing" / "x.npz")
    with pytest.raises(OutputError, match="is a directory"):
        check_writable(tmp_path)


def test_check_writable_directory_accepts_what_it_can_create(tmp_path: Path) -> None:
    check_writable_directory(tmp_path / "a" / "b")  # created later, parents included
    check_writable_directory(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputError, match="not a directory"):
        check_writable_directory(tmp_path / "file")
    with pytest.raises(OutputError, match="is not a directory"):
        check_writable_directory(tmp_path / "file" / "sub")
    assert not (tmp_path / "a").exists()
