"""The ZIP session file: round trips, redaction on save, and hostile files refused with the member, field
and offset named, within bounded memory and time."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.errors import SessionFormatError, WSExplorerError
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.record.storage import (
    DEFAULT_MAX_BYTES,
    FORMAT_NAME,
    FORMAT_VERSION,
    SessionLoader,
    load_session,
    save_session,
)
from wsexplorer.record.zip_reader import MEMBERS

SECRET = "Bearer sk-live-0123456789"
COOKIE = "id=42; theme=dark"


def sample_session(meta: dict[str, Any] | None = None) -> Session:
    """A whole conversation recorded by the client: handshake with credentials, frames both ways, close."""
    lb = Loopback(
        Connection("client", url="ws://h/chat", headers=[("Authorization", SECRET), ("cookie", COOKIE)]),
        Connection("server"),
        session=Session("client", meta={"url": "ws://h/chat"} if meta is None else meta),
    )
    lb.pump()
    lb.client.send_text("hello " * 40)
    lb.client.send_ping(b"p")
    lb.pump()
    lb.server.send_binary(b"\x00\x01")
    lb.pump()
    lb.client.send_close(1000, "bye")
    lb.pump()
    return lb.session


def frames_of(s: Session) -> list[tuple[int, int, int, int, bytes]]:
    return [(r.direction, r.offset, r.t_first_ns, r.t_ns, bytes(r.frame)) for r in s.frames()]


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


# -- round trips ----------------------------------------------------------------------------------------


def test_round_trip_without_redaction_is_exact(tmp_path: Path) -> None:
    s = sample_session()
    path = tmp_path / "s.wsx"
    save_session(s, path, redact=False)
    again = load_session(path)
    assert again.role == s.role and again.handshake == s.handshake and again.meta == s.meta
    assert again.stream(C2S) == s.stream(C2S) and again.stream(S2C) == s.stream(S2C)
    assert list(again.chunks()) == list(s.chunks())
    assert frames_of(again) == frames_of(s) and again.frame_count() == 6
    assert SECRET.encode() in members_of(path)["c2s.bin"]


def test_save_redacts_credentials_and_keeps_every_offset(tmp_path: Path) -> None:
    s = sample_session()
    before = s.stream(C2S)
    path = tmp_path / "s.wsx"
    s.save(path)  # Session.save redacts by default
    assert s.stream(C2S) == before  # the session in memory is untouched
    stored = members_of(path)
    assert all(SECRET.encode() not in data and COOKIE.encode() not in data for data in stored.values())
    again = load_session(path)
    assert len(again.stream(C2S)) == len(before)
    assert again.request is not None and again.request.get("Authorization") == "*" * len(SECRET)
    assert s.request is not None and again.request.key == s.request.key  # Sec-WebSocket-Key kept
    assert again.request.get("cookie") == "*" * len(COOKIE)
    assert list(again.chunk_columns()) == list(s.chunk_columns())
    assert frames_of(again) == frames_of(s)  # the frames after the handshake parse the same
    assert again.events(C2S)[1:] == s.events(C2S)[1:]  # all but the handshake event, which holds the request
    entries = again.meta["redacted"]
    assert [(e["direction"], e["name"]) for e in entries] == [(0, "Authorization"), (0, "cookie")]
    for e in entries:
        assert before[e["start"] : e["end"]] in (SECRET.encode(), COOKIE.encode())
    assert again.meta["url"] == "ws://h/chat"


def test_saving_a_loaded_redacted_session_lists_each_range_once(tmp_path: Path) -> None:
    sample_session().save(tmp_path / "a.wsx")
    once = load_session(tmp_path / "a.wsx")
    once.save(tmp_path / "b.wsx")
    twice = load_session(tmp_path / "b.wsx")
    assert twice.meta == once.meta and twice.stream(C2S) == once.stream(C2S)
    save_session(once, tmp_path / "c.wsx", redact=False)
    assert load_session(tmp_path / "c.wsx").meta["redacted"] == once.meta["redacted"]


def test_set_cookie_in_a_refusal_and_custom_names(tmp_path: Path) -> None:
    s = Session("client")
    s.record(C2S, b"GET / HTTP/1.1\r\nHost: h\r\nX-Api-Key: k-123\r\n\r\n", 5)
    s.record(S2C, b"HTTP/1.1 403 Forbidden\r\nSet-Cookie: a=1\r\nContent-Length: 2\r\n\r\nno", 9)
    save_session(s, tmp_path / "a.wsx")
    stored = members_of(tmp_path / "a.wsx")
    assert b"Set-Cookie: ***\r\n" in stored["s2c.bin"] and b"k-123" in stored["c2s.bin"]
    save_session(s, tmp_path / "b.wsx", sensitive=["x-api-key"])
    stored = members_of(tmp_path / "b.wsx")
    assert b"X-Api-Key: *****\r\n" in stored["c2s.bin"] and b"Set-Cookie: a=1" in stored["s2c.bin"]


def test_a_header_recorded_in_small_chunks_is_redacted_and_keeps_its_chunks(tmp_path: Path) -> None:
    request = f"GET / HTTP/1.1\r\nHost: h\r\nAuthorization: {SECRET}\r\nSec-WebSocket-Key: k\r\n\r\n".encode()
    s = Session("server")
    for i in range(0, len(request), 3):
        s.received(request[i : i + 3], i)
    save_session(s, tmp_path / "s.wsx")
    again = load_session(tmp_path / "s.wsx")
    assert again.stream(C2S) == request.replace(SECRET.encode(), b"*" * len(SECRET))
    assert list(again.chunk_columns()) == list(s.chunk_columns())
    assert again.request is not None and again.request.get("Sec-WebSocket-Key") == "k"


def test_times_only_need_order_not_sign(tmp_path: Path) -> None:
    s = Session("server", handshake=False, meta={"clock": "monotonic"})
    s.record(C2S, b"\x81\x80abcd", -5_000)
    s.record(S2C, b"\x81\x00", -5_000)  # equal times are allowed
    s.record(C2S, b"\x88\x80abcd", 7)
    save_session(s, tmp_path / "s.wsx")
    again = load_session(tmp_path / "s.wsx")
    assert list(again.chunks()) == list(s.chunks()) and again.role == "server" and not again.handshake


def test_save_refuses_times_that_go_back_and_leaves_no_file(tmp_path: Path) -> None:
    s = Session("client", handshake=False)
    s.record(C2S, b"\x81\x80abcd", 10)
    s.record(S2C, b"\x81\x00", 9)
    with pytest.raises(ValueError, match="chunk 1 was recorded at 9 ns"):
        save_session(s, tmp_path / "s.wsx")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_a_foreign_redacted_key_and_non_json_meta(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reserved"):
        save_session(sample_session({"redacted": "yes"}), tmp_path / "s.wsx")
    with pytest.raises(TypeError):
        save_session(sample_session({"when": object()}), tmp_path / "s.wsx")
    assert list(tmp_path.iterdir()) == []


def test_loader_replays_in_slices(tmp_path: Path) -> None:
    s = sample_session()
    save_session(s, tmp_path / "s.wsx")
    loader = SessionLoader(tmp_path / "s.wsx")
    assert loader.total == s.chunk_count and loader.cut is None and loader.format == "zip"
    assert loader.header["format"] == FORMAT_NAME and loader.header["version"] == FORMAT_VERSION
    assert loader.session.chunk_count == 0
    assert loader.step(2) == 2 and loader.session.chunk_count == 2
    assert loader.step(0) == 2
    assert loader.step(10**6) == loader.total
    assert loader.step(1) == loader.total
    assert list(loader.session.chunk_columns()) == list(s.chunk_columns())


def test_max_bytes(tmp_path: Path) -> None:
    s = sample_session()
    save_session(s, tmp_path / "s.wsx")
    assert DEFAULT_MAX_BYTES == 256 * 1024 * 1024
    needed = sum(len(v) for v in members_of(tmp_path / "s.wsx").values())
    assert load_session(tmp_path / "s.wsx", max_bytes=needed).chunk_count == s.chunk_count
    assert load_session(tmp_path / "s.wsx", max_bytes=None).chunk_count == s.chunk_count
    with pytest.raises(SessionFormatError, match="over the load limit") as info:
        load_session(tmp_path / "s.wsx", max_bytes=needed - 1)
    assert info.value.member == "c2s.bin" and info.value.field == "uncompressed size"
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="max_bytes"):
            load_session(tmp_path / "s.wsx", max_bytes=bad)  # type: ignore[arg-type]


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_session(tmp_path / "nothing.wsx")


# -- hostile files: a ZIP writer that can lie --------------------------------------------------------------


@dataclass
class Member:
    """A ZIP member as written: ``data`` compressed with ``method`` unless ``payload`` is given; the
    declared size, CRC and flags can lie."""

    name: str
    data: bytes
    method: int = 8
    file_size: int | None = None
    crc: int | None = None
    flags: int = 0
    payload: bytes | None = None
    compress_size: int | None = None


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def raw_zip(
    members: list[Member], *, entries: int | None = None, dir_size: int | None = None, zip64_entries: int = 0
) -> bytes:
    """A ZIP archive byte by byte (PKWARE APPNOTE.TXT §4.3), so tests can write what zipfile will not."""
    out, central = bytearray(), bytearray()
    for m in members:
        payload = m.payload if m.payload is not None else (deflate(m.data) if m.method == 8 else m.data)
        crc = zlib.crc32(m.data) if m.crc is None else m.crc
        size = len(m.data) if m.file_size is None else m.file_size
        name = m.name.encode()
        packed = len(payload) if m.compress_size is None else m.compress_size
        fixed = (20, m.flags, m.method, 0, 0x21, crc, packed, size, len(name))
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fixed, 0, 0, 0, 0, 0, len(out)) + name
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fixed, 0) + name + payload
    count = len(members) if entries is None else entries
    size = len(central) if dir_size is None else dir_size
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, len(out), 0)
    if zip64_entries:  # a ZIP64 end record (§4.3.14) and its locator (§4.3.15) before the classic one
        at = len(out) + len(central)
        record = struct.pack(
            "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, *[zip64_entries] * 2, size, len(out)
        )
        eocd = record + struct.pack("<4sLQL", b"PK\x06\x07", 0, at, 1) + eocd
    return bytes(out + central + eocd)


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    path = tmp_path_factory.mktemp("valid") / "s.wsx"
    save_session(sample_session(), path)
    return members_of(path)


def rebuilt(valid: dict[str, bytes], **changes: bytes | None) -> bytes:
    """The valid file's members with some replaced (``None`` drops one), rebuilt as a ZIP."""
    members = {**valid, **{k.replace("__", "."): v for k, v in changes.items()}}
    return raw_zip([Member(name, data) for name, data in members.items() if data is not None])


def with_json(valid: dict[str, bytes], **fields: object) -> bytes:
    header = json.loads(valid["session.json"])
    header.update(fields)
    return rebuilt(valid, session__json=json.dumps(header).encode())


def with_column(valid: dict[str, bytes], name: str, index: int, value: int) -> bytes:
    code = {"chunk_direction.i1": "<b", "chunk_length.u4": "<I", "chunk_time_ns.i8": "<q"}[name]
    col = bytearray(valid[name])
    struct.pack_into(code, col, index * struct.calcsize(code), value)
    return raw_zip([Member(n, bytes(col) if n == name else d) for n, d in valid.items()])


def swapped_times(valid: dict[str, bytes]) -> bytes:
    col = bytearray(valid["chunk_time_ns.i8"])
    col[8:16], col[16:24] = col[16:24], col[8:16]
    return raw_zip([Member(n, bytes(col) if n == "chunk_time_ns.i8" else d) for n, d in valid.items()])


def lying(valid: dict[str, bytes], name: str, **lies: Any) -> bytes:
    return raw_zip([Member(n, d, **(lies if n == name else {})) for n, d in valid.items()])


V = dict[str, bytes]
CASES: list[tuple[str, Callable[[V], bytes], str, str, int | None]] = [
    # (id, file, member, field, offset)
    ("not a zip", lambda v: b"hello, I am not a session", "", "end of central directory", 25),
    ("empty", lambda v: b"", "", "end of central directory", 0),
    ("cut in half", lambda v: rebuilt(v)[: len(rebuilt(v)) // 2], "", "end of central directory", None),
    ("cut in the end record", lambda v: rebuilt(v)[:-5], "", "end of central directory", None),
    (
        "many entries",
        lambda v: raw_zip([Member("a", b"")], entries=65_000),
        "",
        "total number of entries",
        None,
    ),
    (
        "huge directory",
        lambda v: raw_zip([Member("a", b"")], dir_size=2**20),
        "",
        "size of the central directory",
        None,
    ),
    ("directory past the end", lambda v: raw_zip([Member("a", b"")], dir_size=1000), "", "", None),
    *(
        (f"no {name}", (lambda n: lambda v: rebuilt(v, **{n.replace(".", "__"): None}))(name), name, "", None)
        for name in MEMBERS
    ),
    (
        "twice",
        lambda v: raw_zip([Member(n, d) for n, d in v.items()] + [Member("c2s.bin", b"")]),
        "c2s.bin",
        "",
        None,
    ),
    ("json cut", lambda v: rebuilt(v, session__json=b'{"format": '), "session.json", "", 11),
    ("json not utf-8", lambda v: rebuilt(v, session__json=b'{"format": "\xff"}'), "session.json", "", 12),
    ("json list", lambda v: rebuilt(v, session__json=b"[1, 2]"), "session.json", "(top level)", None),
    (
        "json deep",
        lambda v: rebuilt(v, session__json=b"[" * 100_000 + b"]" * 100_000),
        "session.json",
        "",
        None,
    ),
    (
        "json big int",
        lambda v: rebuilt(v, session__json=b'{"chunks": 1' + b"0" * 5000 + b"}"),
        "session.json",
        "",
        None,
    ),
    ("format", lambda v: with_json(v, format="zip"), "session.json", "format", None),
    ("version 2", lambda v: with_json(v, version=2), "session.json", "version", None),
    ("version text", lambda v: with_json(v, version="1"), "session.json", "version", None),
    ("version true", lambda v: with_json(v, version=True), "session.json", "version", None),
    ("role attacker", lambda v: with_json(v, role="attacker"), "session.json", "role", None),
    ("handshake text", lambda v: with_json(v, handshake="yes"), "session.json", "handshake", None),
    ("meta list", lambda v: with_json(v, meta=[]), "session.json", "meta", None),
    ("chunks text", lambda v: with_json(v, chunks="7"), "session.json", "chunks", None),
    ("chunks negative", lambda v: with_json(v, chunks=-1), "session.json", "chunks", None),
    ("chunks bool", lambda v: with_json(v, chunks=True), "session.json", "chunks", None),
    ("chunks disagree", lambda v: with_json(v, chunks=99), "chunk_direction.i1", "uncompressed size", None),
    ("byteorder", lambda v: with_json(v, byteorder="big"), "session.json", "byteorder", None),
    (
        "redacted text",
        lambda v: with_json(v, meta={"redacted": "yes"}),
        "session.json",
        "meta.redacted",
        None,
    ),
    (
        "redacted out of range",
        lambda v: with_json(
            v, meta={"redacted": [{"direction": 0, "name": "Cookie", "start": 5, "end": 10**9}]}
        ),
        "session.json",
        "meta.redacted[0]",
        None,
    ),
    (
        "redacted direction 7",
        lambda v: with_json(v, meta={"redacted": [{"direction": 7, "name": "Cookie", "start": 0, "end": 1}]}),
        "session.json",
        "meta.redacted[0]",
        None,
    ),
    (
        "column not whole items",
        lambda v: rebuilt(v, chunk_length__u4=v["chunk_length.u4"] + b"\0\0\0"),
        "chunk_length.u4",
        "uncompressed size",
        None,
    ),
    ("direction 7", lambda v: with_column(v, "chunk_direction.i1", 2, 7), "chunk_direction.i1", "chunk 2", 2),
    (
        "length 0xFFFFFFFF",
        lambda v: with_column(v, "chunk_length.u4", 1, 0xFFFFFFFF),
        "chunk_length.u4",
        "chunk 1",
        4,
    ),
    ("length 0", lambda v: with_column(v, "chunk_length.u4", 3, 0), "chunk_length.u4", "chunk 3", 12),
    ("bytes in no chunk", lambda v: rebuilt(v, c2s__bin=v["c2s.bin"] + b"extra"), "c2s.bin", "bytes", -1),
    ("chunk past the end", lambda v: rebuilt(v, s2c__bin=v["s2c.bin"][:-1]), "chunk_length.u4", "", None),
    ("times unsorted", swapped_times, "chunk_time_ns.i8", "chunk 2", 16),
    ("encrypted", lambda v: lying(v, "c2s.bin", flags=1), "c2s.bin", "general purpose bit flag", None),
    ("bzip2", lambda v: lying(v, "s2c.bin", method=12), "s2c.bin", "compression method", None),
    ("bad crc", lambda v: lying(v, "c2s.bin", crc=1), "c2s.bin", "", None),
    (
        "declares more",
        lambda v: lying(v, "c2s.bin", file_size=len(v["c2s.bin"]) + 10),
        "c2s.bin",
        "uncompressed size",
        None,
    ),
    ("declares less", lambda v: lying(v, "c2s.bin", file_size=len(v["c2s.bin"]) - 10), "c2s.bin", "", None),
    (
        "stored lies",
        lambda v: lying(v, "c2s.bin", method=0, file_size=10**6),
        "c2s.bin",
        "uncompressed size",
        None,
    ),
    ("garbage deflate", lambda v: lying(v, "s2c.bin", payload=b"\xff" * 50), "s2c.bin", "", None),
    (
        "json over 1 MiB",
        lambda v: lying(v, "session.json", file_size=2**20 + 1),
        "session.json",
        "uncompressed size",
        None,
    ),
    ("over the limit", lambda v: lying(v, "c2s.bin", file_size=2**30), "c2s.bin", "uncompressed size", None),
    (
        "compressed past the end",
        lambda v: lying(v, "c2s.bin", file_size=200 * 2**20, compress_size=200 * 2**20),
        "c2s.bin",
        "compressed size",
        None,
    ),
]


@pytest.mark.parametrize(
    ("file", "member", "field", "offset"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_hostile_files_are_refused_with_member_field_and_offset(
    tmp_path: Path,
    valid: dict[str, bytes],
    file: Callable[[V], bytes],
    member: str,
    field: str,
    offset: int | None,
) -> None:
    path = tmp_path / "hostile.wsx"
    path.write_bytes(file(valid))
    peak, seconds, err = traced(lambda: load_session(path))
    assert isinstance(err, SessionFormatError), "loaded"
    assert peak < 4 * 2**20 and seconds < 2  # nothing a hostile file says makes us hold much
    assert err.path == str(path) and str(path) in str(err)
    assert err.member == member and (not member or f"member {member}" in str(err))
    assert field in err.field and (not err.field or f"field {err.field}" in str(err))
    if offset == -1:  # the valid stream's length
        offset = len(valid["c2s.bin"])
    if offset is not None:
        assert err.offset == offset and f"at byte {offset}" in str(err)


def test_unknown_members_and_nan_meta_are_accepted(tmp_path: Path, valid: dict[str, bytes]) -> None:
    path = tmp_path / "later.wsx"
    header = json.loads(valid["session.json"])
    header["meta"]["ratio"] = float("nan")
    path.write_bytes(
        rebuilt(valid, session__json=json.dumps(header).encode(), notes__txt=b"from a later version")
    )
    assert load_session(path).meta["url"] == "ws://h/chat"


# -- memory bounds -------------------------------------------------------------------------------------------


def zeros_deflated(size: int) -> bytes:
    """A raw deflate stream that inflates to ``size`` zero bytes, made without compressing them all:
    a fully flushed block is self-contained, so it can be repeated."""
    block = 1 << 20
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(b"\0" * block)
    c.flush(zlib.Z_FULL_FLUSH)
    c.compress(b"\0" * block)
    segment = c.flush(zlib.Z_FULL_FLUSH)
    return segment * (size // block) + zlib.compressobj(9, zlib.DEFLATED, -15).flush()


def bomb(valid: dict[str, bytes], *, declared: int, inflates: int) -> bytes:
    """The valid file with a ``c2s.bin`` that declares ``declared`` bytes and inflates to ``inflates``
    (its CRC is right for the first ``declared`` bytes, when that is small enough to compute)."""
    crc = zlib.crc32(b"\0" * declared) if declared <= 2**20 else 0
    c2s = Member("c2s.bin", b"", file_size=declared, crc=crc, payload=zeros_deflated(inflates))
    return raw_zip([c2s if n == "c2s.bin" else Member(n, d) for n, d in valid.items()])


def traced(load: Callable[[], object]) -> tuple[int, float, BaseException | None]:
    tracemalloc.start()
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        load()
    except WSExplorerError as exc:
        error = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, time.perf_counter() - started, error


def test_a_member_declaring_a_gibibyte_is_refused_before_reading(
    tmp_path: Path, valid: dict[str, bytes]
) -> None:
    path = tmp_path / "bomb.wsx"
    path.write_bytes(bomb(valid, declared=2**30, inflates=2**30))
    assert path.stat().st_size < 2 * 2**20
    peak, seconds, error = traced(lambda: load_session(path))
    assert isinstance(error, SessionFormatError) and error.member == "c2s.bin" and "load limit" in error.rule
    assert peak < 2**20 and seconds < 2


def test_a_member_inflating_past_its_declared_size_is_cut_at_it(
    tmp_path: Path, valid: dict[str, bytes]
) -> None:
    path = tmp_path / "liar.wsx"
    path.write_bytes(bomb(valid, declared=1000, inflates=256 * 2**20))  # CRC of the first 1000 bytes
    peak, seconds, error = traced(lambda: load_session(path))
    assert isinstance(error, SessionFormatError)  # 1000 zero bytes do not match the chunks
    assert peak < 2 * 2**20 and seconds < 2


def test_rss_stays_small_on_a_gibibyte_bomb(tmp_path: Path, valid: dict[str, bytes]) -> None:
    """The same two bombs in a fresh interpreter, measured by its peak resident set size."""
    for name, declared in (("declared.wsx", 2**30), ("liar.wsx", 1000)):
        (tmp_path / name).write_bytes(bomb(valid, declared=declared, inflates=2**30))
    code = (
        "import resource, sys\n"
        "from wsexplorer.errors import SessionFormatError\n"
        "from wsexplorer.record.storage import load_session\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        load_session(path, max_bytes=None if 'liar' in path else 256 * 2**20)\n"
        "    except SessionFormatError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit('loaded ' + path)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)\n"
    )
    paths = [str(tmp_path / "declared.wsx"), str(tmp_path / "liar.wsx")]
    out = subprocess.run(
        [sys.executable, "-c", code, *paths], capture_output=True, text=True, timeout=60, check=True
    )
    growth_kib = int(out.stdout)
    assert growth_kib < 32 * 1024, f"peak RSS grew by {growth_kib} KiB"


# -- a structure-aware fuzzer --------------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "replace"]))
    at = draw(st.integers(0, len(data)))
    if op == "flip" and data:
        at = min(at, len(data) - 1)
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if op == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
    if op == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)) :]
    if op == "truncate":
        return data[:at]
    return draw(st.binary(max_size=64))


@st.composite
def mutated_file(draw: st.DrawFn, valid: dict[str, bytes]) -> bytes:
    members = dict(valid)
    kind = draw(st.sampled_from(["member", "json", "column", "container", "several"]))
    for _ in range(draw(st.integers(2, 4)) if kind == "several" else 1):
        name = draw(st.sampled_from(sorted(members)))
        try:
            header = json.loads(members["session.json"])
        except ValueError:
            header = None  # already mutated past JSON
        if isinstance(header, dict) and (kind == "json" or (kind == "several" and name == "session.json")):
            key = draw(st.sampled_from([*sorted(header), "meta.redacted", "extra"]))
            target = (
                header["meta"] if key == "meta.redacted" and isinstance(header.get("meta"), dict) else header
            )
            target[key.removeprefix("meta.")] = draw(_JSON)
            if draw(st.booleans()):
                target.pop(draw(st.sampled_from(sorted(target) or ["x"])), None)
            members["session.json"] = json.dumps(header).encode()
        elif kind == "column":
            col = draw(st.sampled_from(["chunk_direction.i1", "chunk_length.u4", "chunk_time_ns.i8"]))
            at = draw(st.integers(0, len(members[col])))
            members[col] = (
                members[col][:at] + draw(st.binary(min_size=1, max_size=8)) + members[col][at + 1 :]
            )
        elif kind != "container":
            members[name] = draw(mutated_bytes(members[name]))
    order = draw(st.permutations(sorted(members)))
    method = draw(st.sampled_from([0, 8]))
    data = raw_zip([Member(n, members[n], method=method) for n in order])
    if kind == "container":
        data = draw(mutated_bytes(data))
    return data


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_fuzzed_files_raise_only_our_errors_within_bounds(
    data: st.DataObject, fuzz_dir: Path, valid: dict[str, bytes]
) -> None:
    path = fuzz_dir / "fuzzed.wsx"
    path.write_bytes(data.draw(mutated_file(valid)))
    loaded: list[Session] = []
    peak, seconds, error = traced(lambda: loaded.append(load_session(path)))
    assert error is None or isinstance(error, SessionFormatError)
    assert peak < 8 * 2**20 and seconds < 5
    if loaded:  # whatever loads is consistent with itself
        s = loaded[0]
        directions, lengths, _ = s.chunk_columns()
        assert sum(lengths) == s.byte_count()
        assert sum(n for d, n in zip(directions, lengths, strict=True) if d == S2C) == s.byte_count(S2C)
