"""Reading a ZIP session file (docs/session-format.md) without trusting a byte of it.

The archive's structure is checked before :mod:`zipfile` builds anything from it: the end of central
directory record (and its ZIP64 form) must announce a small directory with few entries (PKWARE APPNOTE.TXT
§4.3.14-§4.3.16), so a hostile directory cannot make us build millions of entries. Each member's
compressed bytes must lie inside the file (no read ever asks for more than the file holds) and its
declared uncompressed size is checked against the load limit *before* it is read; reading is bounded by
that declaration (at most the declared size plus one byte), so a member that inflates past what its
header says is cut there, never held. Then every field and column is checked against the others.
"""

from __future__ import annotations

import itertools
import struct
import sys
import zipfile
import zlib
from array import array
from typing import IO

from .file_checks import (
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_JSON_BYTES,
    SessionContents,
    Where,
    first_decrease,
    header_fields,
    is_integer,
    json_object,
    redactions_in,
    shown,
)
from .session import C2S, DIRECTION_NAMES, S2C

__all__ = ["COLUMNS", "MAX_DIRECTORY_BYTES", "MAX_MEMBERS", "MEMBERS", "STREAMS", "read_zip"]

STREAMS = ("c2s.bin", "s2c.bin")
COLUMNS = {"chunk_direction.i1": "b", "chunk_length.u4": "I", "chunk_time_ns.i8": "q"}
MEMBERS = ("session.json", *STREAMS, *COLUMNS)

MAX_MEMBERS = 64
"""The most entries a session archive may have (version 1 writes six; later ones may add a few)."""
MAX_DIRECTORY_BYTES = 64 * 1024
"""The largest central directory accepted (six entries take about 400 bytes)."""

APPNOTE = "PKWARE APPNOTE.TXT"
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record (§4.3.16)
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # ZIP64 end of central directory locator (§4.3.15)
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # ZIP64 end of central directory record (§4.3.14)
_MAX_COMMENT = 0xFFFF

# What zipfile and zlib raise on damaged archives; each becomes a SessionFormatError at the boundary.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    IndexError,
    KeyError,
)


def _check_directory(fp: IO[bytes], where: Where) -> int:
    """Find the end of central directory record as zipfile will, and bound what it announces; return
    the file's size."""
    size = fp.seek(0, 2)
    tail_start = max(size - _EOCD.size - _MAX_COMMENT, 0)
    fp.seek(tail_start)
    tail = fp.read()
    at = len(tail) - _EOCD.size
    if not (at >= 0 and tail.startswith(b"PK\x05\x06", at) and tail.endswith(b"\0\0")):
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + _EOCD.size > len(tail):
            raise where.error(
                "neither a session journal nor a ZIP archive (no end of central directory record: "
                "another kind of file, or a ZIP archive cut short)",
                field="end of central directory",
                offset=size,
                section=f"{APPNOTE} §4.3.16",
            )
    _, _, _, _, entries, dir_size, _, _ = _EOCD.unpack_from(tail, at)
    _bound_directory(entries, dir_size, tail_start + at, where, "§4.3.16")
    locator = tail_start + at - _EOCD64_LOCATOR.size
    if locator < _EOCD64.size:
        return size
    fp.seek(locator)
    sig, _, _, _ = _EOCD64_LOCATOR.unpack(fp.read(_EOCD64_LOCATOR.size))
    if sig != b"PK\x06\x07":
        return size
    fp.seek(locator - _EOCD64.size)
    record = fp.read(_EOCD64.size)
    if record.startswith(b"PK\x06\x06"):
        _, _, _, _, _, _, _, entries64, dir_size64, _ = _EOCD64.unpack(record)
        _bound_directory(entries64, dir_size64, locator - _EOCD64.size, where, "§4.3.14")
    return size


def _bound_directory(entries: int, dir_size: int, offset: int, where: Where, section: str) -> None:
    if entries > MAX_MEMBERS:
        raise where.error(
            f"the archive announces {entries} entries; a session file has at most {MAX_MEMBERS}",
            field="total number of entries",
            offset=offset,
            section=f"{APPNOTE} {section}",
        )
    if dir_size > MAX_DIRECTORY_BYTES:
        raise where.error(
            f"the archive announces a central directory of {dir_size} bytes; at most "
            f"{MAX_DIRECTORY_BYTES} are read",
            field="size of the central directory",
            offset=offset,
            section=f"{APPNOTE} {section}",
        )


def _index(z: zipfile.ZipFile, size: int, where: Where, max_bytes: int | None) -> dict[str, zipfile.ZipInfo]:
    """The known members by name: none twice, their compressed bytes inside the file (so no read asks for
    more than the file holds) and their declared sizes within the limits."""
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise where.error(f"{len(infos)} entries; a session file has at most {MAX_MEMBERS}")
    found: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        if info.filename in MEMBERS:
            if info.filename in found:
                raise where.error("appears twice in the archive", member=info.filename)
            found[info.filename] = info
            if info.header_offset + info.compress_size > size:
                raise where.error(
                    f"declares {info.compress_size} compressed bytes after its local header at byte "
                    f"{info.header_offset}, past the end of the file ({size} bytes)",
                    member=info.filename,
                    field="compressed size",
                    section=f"{APPNOTE} §4.4.8",
                )
    json_info = found.get("session.json")
    if json_info is not None and json_info.file_size > MAX_JSON_BYTES:
        raise where.error(
            f"declares {json_info.file_size} bytes; at most {MAX_JSON_BYTES} are read",
            member="session.json",
            field="uncompressed size",
            section=f"{APPNOTE} §4.4.9",
        )
    declared = sum(info.file_size for info in found.values())
    if max_bytes is not None and declared > max_bytes:
        biggest = max(found.values(), key=lambda info: info.file_size)
        raise where.error(
            f"the members declare {declared} bytes in all, over the load limit of {max_bytes} "
            f"(max_bytes=); the largest is {biggest.filename} with {biggest.file_size}",
            member=biggest.filename,
            field="uncompressed size",
            section=f"{APPNOTE} §4.4.9",
        )
    return found


def _member(found: dict[str, zipfile.ZipInfo], name: str, where: Where) -> zipfile.ZipInfo:
    """Member ``name``: present, not encrypted, stored or deflated (nothing else is ever read)."""
    info = found.get(name)
    if info is None:
        raise where.error("missing from the archive", member=name)
    if info.flag_bits & 0x1:
        raise where.error(
            "is encrypted", member=name, field="general purpose bit flag", section=f"{APPNOTE} §4.4.4"
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise where.error(
            f"compression method {info.compress_type}: only 0 (stored) and 8 (deflate) are read",
            member=name,
            field="compression method",
            section=f"{APPNOTE} §4.4.5",
        )
    return info


def _read(z: zipfile.ZipFile, info: zipfile.ZipInfo, where: Where) -> bytes:
    """The member's bytes: at most its declared size plus one is ever inflated."""
    try:
        with z.open(info) as f:
            data = f.read(info.file_size + 1)
    except _ZIP_ERRORS as exc:
        raise where.error(f"cannot be read: {exc}", member=info.filename, section=APPNOTE) from exc
    if len(data) != info.file_size:
        raise where.error(
            f"holds {'more than ' if len(data) > info.file_size else ''}{len(data)} bytes, not the "
            f"{info.file_size} its directory entry declares",
            member=info.filename,
            field="uncompressed size",
            offset=min(len(data), info.file_size),
            section=f"{APPNOTE} §4.4.9",
        )
    return data


def _column(raw: bytes, code: str) -> array[int]:
    a = array(code)
    a.frombytes(raw)
    if sys.byteorder != "little":
        a.byteswap()
    return a


def read_zip(fp: IO[bytes], where: Where, max_bytes: int | None) -> SessionContents:
    """Read and check a ZIP session file from ``fp``; SessionFormatError names what is wrong and where."""
    size = _check_directory(fp, where)
    try:
        z = zipfile.ZipFile(fp)
    except _ZIP_ERRORS as exc:
        raise where.error(f"not a readable ZIP archive: {exc}", section=APPNOTE) from exc
    with z:
        found = _index(z, size, where, max_bytes)
        header = json_object(_read(z, _member(found, "session.json", where), where), where, "session.json")
        role, handshake, meta = header_fields(
            header, where, "session.json", format_name=FORMAT_NAME, version=FORMAT_VERSION
        )
        chunks = header.get("chunks")
        if not is_integer(chunks) or chunks < 0:
            raise where.error(
                f"chunks is {shown(header, 'chunks')}: it must be a count (an integer >= 0)",
                member="session.json",
                field="chunks",
            )
        if header.get("byteorder") != "little":
            raise where.error(
                f'byteorder is {shown(header, "byteorder")}: the columns are "little"-endian',
                member="session.json",
                field="byteorder",
            )
        infos = {name: _member(found, name, where) for name in MEMBERS}
        for name, code in COLUMNS.items():
            size = array(code).itemsize
            if infos[name].file_size != chunks * size:
                raise where.error(
                    f"declares {infos[name].file_size} bytes; {chunks} chunks of {size} bytes make "
                    f"{chunks * size}",
                    member=name,
                    field="uncompressed size",
                )
        streams = (_read(z, infos[STREAMS[C2S]], where), _read(z, infos[STREAMS[S2C]], where))
        directions, lengths, times = (_column(_read(z, infos[n], where), c) for n, c in COLUMNS.items())
    _check_chunks(streams, directions, lengths, times, where)
    redactions_in(meta, (len(streams[C2S]), len(streams[S2C])), where, "session.json")
    return SessionContents(header, role, handshake, meta, streams, directions, lengths, times)


def _check_chunks(
    streams: tuple[bytes, bytes], directions: array[int], lengths: array[int], times: array[int], where: Where
) -> None:
    """Directions are 0/1, chunks are not empty, each direction's chunks tile its stream exactly, and
    times never decrease."""
    if directions.count(C2S) + directions.count(S2C) != len(directions):
        k = next(i for i, d in enumerate(directions) if d not in (C2S, S2C))
        raise where.error(
            f"direction {directions[k]}: it must be 0 (client→server) or 1 (server→client)",
            member="chunk_direction.i1",
            field=f"chunk {k}",
            offset=k,
        )
    if 0 in lengths:
        k = lengths.index(0)
        raise where.error(
            "a chunk of 0 bytes: a recorded chunk is never empty",
            member="chunk_length.u4",
            field=f"chunk {k}",
            offset=4 * k,
        )
    s2c_total = sum(itertools.compress(lengths, directions))
    totals = (sum(lengths) - s2c_total, s2c_total)
    for d in (C2S, S2C):
        have, covered = len(streams[d]), totals[d]
        if covered > have:
            k, start = _chunk_past(directions, lengths, d, have)
            raise where.error(
                f"chunk {k} ({DIRECTION_NAMES[d]}) covers bytes {start}..{start + lengths[k] - 1} of "
                f"{STREAMS[d]}, which holds {have} bytes",
                member="chunk_length.u4",
                field=f"chunk {k}",
                offset=4 * k,
            )
        if covered < have:
            raise where.error(
                f"bytes {covered}..{have - 1} are in no chunk: the {DIRECTION_NAMES[d]} chunks cover "
                f"{covered} bytes",
                member=STREAMS[d],
                field="bytes",
                offset=covered,
            )
    back = first_decrease(times)
    if back is not None:
        raise where.error(
            f"time {times[back]} ns is earlier than chunk {back - 1}'s {times[back - 1]} ns: chunks are in "
            "recording order, so times never decrease",
            member="chunk_time_ns.i8",
            field=f"chunk {back}",
            offset=8 * back,
        )


def _chunk_past(directions: array[int], lengths: array[int], d: int, have: int) -> tuple[int, int]:
    """The first chunk of direction ``d`` that ends past ``have`` bytes, and where it starts."""
    start = 0
    for k, (direction, n) in enumerate(zip(directions, lengths, strict=True)):
        if direction == d:
            if start + n > have:
                return k, start
            start += n
    raise AssertionError("called only when the chunks cover more than the stream")
