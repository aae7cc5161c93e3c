"""`epoch run --inputs` (and `--expect`) with npz files that are wrong in every way SPEC.md names:
missing, extra, misshaped or mistyped arrays, corrupt bytes, absent files, not an npz, NaN/inf."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import EXAMPLES, fuzz_settings, invoke, protect, run_subprocess, scratch

PROGRAMS = [
    (EXAMPLES / "asm" / "gemm_ws.s", EXAMPLES / "asm" / "gemm_ws.npz"),
    (EXAMPLES / "asm" / "layernorm_gelu.s", EXAMPLES / "asm" / "layernorm_gelu.npz"),
    (EXAMPLES / "models" / "s4d_block.mlir", EXAMPLES / "models" / "s4d_block.npz"),
]
DTYPES = [np.float32, np.float64, np.complex64, np.complex128, np.int32, np.int8, np.bool_, "U3"]


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


@st.composite
def bad_inputs(draw: st.DrawFn, good: dict[str, np.ndarray]) -> bytes:
    """The bytes of an inputs file derived from `good` by one or more faults."""
    arrays = dict(good)
    for _ in range(draw(st.integers(1, 3))):
        fault = draw(
            st.sampled_from(["missing", "extra", "shape", "dtype", "nan", "scalar", "object"])
        )
        key = draw(st.sampled_from(sorted(arrays))) if arrays else "arg0"
        if fault == "missing" and arrays:
            del arrays[key]
        elif fault == "extra":
            name = draw(st.sampled_from(["arg99", "res0", "x", "arg", "Arg0", "arg0 "]))
            arrays[name] = np.zeros(draw(st.sampled_from([(1,), (2, 2), ()])), np.float32)
        elif fault == "shape" and key in arrays:
            shape = draw(st.lists(st.integers(0, 5), max_size=3))
            arrays[key] = np.zeros(shape, arrays[key].dtype)
        elif fault == "dtype" and key in arrays:
            arrays[key] = np.zeros(arrays[key].shape, draw(st.sampled_from(DTYPES)))
        elif (
            fault == "nan" and key in arrays and arrays[key].dtype.kind in "fc" and arrays[key].size
        ):
            array = arrays[key].copy()
            array.reshape(-1)[0] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 3e38]))
            arrays[key] = array
        elif fault == "scalar":
            arrays[key] = np.float32(1.0)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@st.composite
def corrupt(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "flip", "empty", "text", "npy", "zip-junk"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if kind == "flip":
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= 1 << draw(st.integers(0, 7))
        return bytes(raw)
    if kind == "empty":
        return b""
    if kind == "text":
        return b"arg0 = [1, 2, 3]\n"
    if kind == "npy":
        buffer = io.BytesIO()
        np.save(buffer, np.zeros(3, np.float32))
        return buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("arg0.npy", b"\x93NUMPY junk")
        archive.writestr("readme.txt", b"hi")
    return buffer.getvalue()


def _check(kind: str, program: Path, data: bytes | None, flag: str, good: Path) -> None:
    with scratch() as directory:
        inputs = directory / "in.npz"
        if data is not None:
            inputs.write_bytes(data)
        output, stats = directory / "out.npz", directory / "stats.json"
        protected = protect(output, stats)
        args = ["run", program, "-o", output, "--stats", stats]
        args += ["--inputs", inputs, "--expect", good] if flag == "--inputs" else []
        args += ["--inputs", good, "--expect", inputs] if flag == "--expect" else []
        invoke(
            kind,
            args,
            names=[str(inputs), "arg", "res", "input", "output"],
            protected=protected,
        )


@fuzz_settings(150)
@given(
    data=st.data(), choice=st.sampled_from(PROGRAMS), flag=st.sampled_from(["--inputs", "--expect"])
)
def test_wrong_arrays(data: st.DataObject, choice: tuple[Path, Path], flag: str) -> None:
    program, good = choice
    arrays = _arrays(good)
    if flag == "--expect":
        arrays = _arrays(good.with_name(good.stem + ".expected.npz"))
    payload = data.draw(bad_inputs(arrays))
    expected = good.with_name(good.stem + ".expected.npz")
    _check("npz: wrong arrays", program, payload, flag, good if flag == "--expect" else expected)


@fuzz_settings(150)
@given(data=st.data(), choice=st.sampled_from(PROGRAMS), absent=st.integers(0, 9))
def test_corrupt_files(data: st.DataObject, choice: tuple[Path, Path], absent: int) -> None:
    program, good = choice
    payload = None if absent == 0 else data.draw(corrupt(good.read_bytes()))
    _check(
        "npz: corrupt or absent",
        program,
        payload,
        "--inputs",
        good.with_name(good.stem + ".expected.npz"),
    )


def test_a_sample_in_a_subprocess(tmp_path: Path) -> None:
    program, good = PROGRAMS[0]
    output = tmp_path / "out.npz"
    protected = protect(output)
    for data in (b"", good.read_bytes()[:100], b"not an npz"):
        inputs = tmp_path / "in.npz"
        inputs.write_bytes(data)
        outcome = run_subprocess(
            "npz",
            ["run", program, "--inputs", inputs, "-o", output],
            names=[str(inputs)],
            protected=protected,
        )
        assert outcome.status == 1
    outcome = run_subprocess(
        "npz",
        ["run", program, "--inputs", tmp_path / "absent.npz", "-o", output],
        names=["absent.npz"],
        protected=protected,
    )
    assert outcome.status == 1
