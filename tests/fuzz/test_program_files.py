"""Program files that are truncated, bit-flipped, of the wrong magic or version, empty, or that
declare huge sizes, fed to `epoch run` and `epoch disasm`."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from epoch_mlir.isa.asm import assemble
from tests.fuzz.harness import EXAMPLES, fuzz_settings, invoke, protect, run_subprocess, scratch

SOURCES = sorted((EXAMPLES / "asm").glob("*.s"))
PROGRAMS = [
    (assemble(path.read_text(), str(path)).to_bytes(), path.with_suffix(".npz")) for path in SOURCES
]
HEADER = struct.Struct("<4sHHIIIIII")


def reseal(data: bytes) -> bytes:
    """Recompute the checksum, so a corrupt field reaches the checks behind the CRC."""
    header = data[: HEADER.size - 4] + b"\0\0\0\0"
    checksum = zlib.crc32(data[HEADER.size :], zlib.crc32(header))
    return data[: HEADER.size - 4] + struct.pack("<I", checksum) + data[HEADER.size :]


@st.composite
def damaged(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "empty", "magic", "version", "field", "append", "splice"]
        )
    )
    if kind == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif kind == "flip":
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= 1 << draw(st.integers(0, 7))
        data = bytes(raw)
    elif kind == "empty":
        return b""
    elif kind == "magic":
        data = draw(st.sampled_from([b"EPCX", b"\0\0\0\0", b"PK\3\4", b"\x7fELF"])) + data[4:]
    elif kind == "version":
        data = (
            data[:4]
            + struct.pack("<HH", draw(st.integers(0, 65535)), draw(st.integers(0, 65535)))
            + data[8:]
        )
    elif kind == "field":  # one header word (count, data base/words, DRAM words, table bytes)
        index = draw(st.integers(0, 4))
        value = draw(
            st.sampled_from([0, 1, 0xFFFFFFFF, 0x7FFFFFFF, 1 << 30, 12345])
            | st.integers(0, 2**32 - 1)
        )
        data = data[: 12 + 4 * index] + struct.pack("<I", value) + data[16 + 4 * index :]
    elif kind == "append":
        data += draw(st.binary(min_size=1, max_size=64))
    else:  # overwrite a run of bytes after the header (code, data or symbols)
        at = draw(st.integers(HEADER.size, len(data) - 1))
        patch = draw(st.binary(min_size=1, max_size=16))
        data = data[:at] + patch + data[at + len(patch) :]
    return reseal(data) if draw(st.booleans()) else data


@fuzz_settings(400)
@given(data=st.data(), choice=st.sampled_from(PROGRAMS))
def test_damaged_programs(data: st.DataObject, choice: tuple[bytes, Path]) -> None:
    program, inputs = choice
    payload = data.draw(damaged(program))
    with scratch() as directory:
        path, output = directory / "prog.epb", directory / "out.npz"
        path.write_bytes(payload)
        protected = protect(output)
        names = [str(path), "fault", "input", "program"]
        invoke(
            "program file: run",
            ["run", path, "--inputs", inputs, "-o", output],
            names=names,
            protected=protected,
        )
        listing = directory / "prog.s"
        protected = protect(listing)
        invoke(
            "program file: disasm",
            ["disasm", path, "-o", listing],
            names=names,
            protected=protected,
        )


def test_a_sample_in_a_subprocess(tmp_path: Path) -> None:
    program, inputs = PROGRAMS[0]
    path, output = tmp_path / "p.epb", tmp_path / "o.npz"
    protected = protect(output)
    for payload in (b"", program[:40], b"EPCX" + program[4:], program + b"\0"):
        path.write_bytes(payload)
        outcome = run_subprocess(
            "program file",
            ["run", path, "--inputs", inputs, "-o", output],
            names=[str(path)],
            protected=protected,
        )
        assert outcome.status == 1
