"""The session journal: written chunk by chunk, loaded whole or up to a cut, hostile journals refused."""

from __future__ import annotations

import io
import itertools
import json
import struct
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wsexplorer.errors import SessionFormatError, WSExplorerError
from wsexplorer.protocol.connection import Connection
from wsexplorer.record.journal import (
    JOURNAL_FORMAT_NAME,
    JOURNAL_MAGIC,
    JOURNAL_VERSION,
    RECORD,
    SessionJournal,
)
from wsexplorer.record.loopback import Loopback
from wsexplorer.record.session import C2S, S2C, Session
from wsexplorer.record.storage import SessionLoader, load_session, save_session

SECRET = "Bearer sk-live-0123456789"


def sample_session() -> Session:
    lb = Loopback(
        Connection("client", url="ws://h/", headers=[("Authorization", SECRET), ("Cookie", "c=1")]),
        Connection("server"),
        session=Session("client", meta={"url": "ws://h/"}),
    )
    lb.pump()
    lb.client.send_text("hello")
    lb.pump()
    lb.server.send_binary(b"\x00\x01")
    lb.client.send_close(1000)
    lb.pump()
    return lb.session


def journal_of(s: Session, **options: Any) -> bytes:
    """``s`` written to a journal in memory, chunk by chunk."""
    out = io.BytesIO()
    with SessionJournal(out, role=s.role, handshake=s.handshake, meta=s.meta, **options) as journal:
        for d, _, data, t in s.chunks():
            journal.record(d, data, t)
    assert not out.closed  # a file object passed in stays open
    return out.getvalue()


def header_end(data: bytes) -> int:
    (n,) = struct.unpack_from("<I", data, len(JOURNAL_MAGIC))
    return len(JOURNAL_MAGIC) + 4 + int(n)


def records(data: bytes) -> list[tuple[int, int, int, int]]:
    """(offset, type, t_ns, length) of every whole record."""
    out, at = [], header_end(data)
    while at + RECORD.size <= len(data):
        kind, t, n = RECORD.unpack_from(data, at)
        if at + RECORD.size + n > len(data):
            break
        out.append((at, kind, t, n))
        at += RECORD.size + n
    return out


def load_bytes(tmp_path: Path, data: bytes, **kwargs: Any) -> SessionLoader:
    path = tmp_path / "j.wsj"
    path.write_bytes(data)
    loader = SessionLoader(path, **kwargs)
    loader.step(loader.total)
    return loader


# -- round trips -------------------------------------------------------------------------------------------


def test_round_trip_without_redaction_is_exact(tmp_path: Path) -> None:
    s = sample_session()
    loader = load_bytes(tmp_path, journal_of(s, redact=False))
    again = loader.session
    assert (
        loader.format == "journal" and loader.cut is None and loader.header["format"] == JOURNAL_FORMAT_NAME
    )
    assert again.meta == s.meta and again.role == s.role and again.handshake
    assert list(again.chunks()) == list(s.chunks())
    assert [bytes(r.frame) for r in again.frames()] == [bytes(r.frame) for r in s.frames()]


def test_journal_and_session_file_agree(tmp_path: Path) -> None:
    """Journal -> load gives what save -> load gives: the same redacted bytes, chunks and meta."""
    s = sample_session()
    data = journal_of(s)
    assert SECRET.encode() not in data and b"c=1" not in data
    from_journal = load_bytes(tmp_path, data).session
    save_session(s, tmp_path / "s.wsx")
    from_zip = load_session(tmp_path / "s.wsx")
    assert list(from_journal.chunks()) == list(from_zip.chunks())
    assert from_journal.meta == from_zip.meta and [e["name"] for e in from_zip.meta["redacted"]] == [
        "Authorization",
        "Cookie",
    ]
    assert from_journal.request is not None and from_journal.request.get("Authorization") == "*" * len(SECRET)


def test_a_path_is_opened_and_closed_and_sent_received_follow_the_role(tmp_path: Path) -> None:
    path = tmp_path / "server.wsj"
    journal = SessionJournal(path, role="server", handshake=False, meta={"peer": "127.0.0.1"})
    journal.received(b"\x81\x80abcd", -10)  # the server receives client→server bytes
    journal.sent(b"\x81\x00", -10)
    journal.close()
    journal.close()  # twice is fine
    assert journal.closed
    s = load_session(path)
    assert s.role == "server" and not s.handshake and s.meta == {"peer": "127.0.0.1"}
    assert [(d, data, t) for d, _, data, t in s.chunks()] == [
        (C2S, b"\x81\x80abcd", -10),
        (S2C, b"\x81\x00", -10),
    ]


def test_a_header_split_byte_by_byte_with_the_other_direction_interleaved(tmp_path: Path) -> None:
    """Redaction decides each byte as it arrives: chunks keep their order and times, nothing held back."""
    request = f"GET / HTTP/1.1\r\nHost: h\r\nauthorization: {SECRET}\r\n\r\n".encode()
    out = io.BytesIO()
    journal = SessionJournal(out)
    written = [journal.bytes_written]
    for i, byte in enumerate(request):
        journal.record(C2S, bytes([byte]), 2 * i)
        journal.record(S2C, b"x", 2 * i + 1)  # nonsense from the server, mid-request
        written.append(journal.bytes_written)
    assert all(b > a for a, b in itertools.pairwise(written))  # every chunk written at once
    journal.close()
    s = load_bytes(tmp_path, out.getvalue()).session
    assert s.stream(C2S) == request.replace(SECRET.encode(), b"*" * len(SECRET))
    assert [t for *_, t in s.chunks()] == list(range(2 * len(request)))
    [entry] = s.meta["redacted"]
    assert entry["name"] == "authorization" and request[entry["start"] : entry["end"]] == SECRET.encode()


def test_a_value_open_when_the_journal_closes_is_noted(tmp_path: Path) -> None:
    out = io.BytesIO()
    with SessionJournal(out) as journal:
        journal.record(C2S, b"GET / HTTP/1.1\r\nCookie: abc", 1)
    s = load_bytes(tmp_path, out.getvalue()).session
    assert s.stream(C2S).endswith(b"Cookie: ***") and len(s.meta["redacted"]) == 1


def test_the_writer_never_flushes_on_its_own() -> None:
    class Counting(io.BytesIO):
        flushes = 0

        def flush(self) -> None:
            self.flushes += 1
            super().flush()

    out = Counting()
    journal = SessionJournal(out)
    journal.record(C2S, b"GET / HTTP/1.1\r\n\r\n", 1)
    assert out.flushes == 0
    journal.flush()
    assert out.flushes == 1
    journal.close()
    assert out.flushes == 1


def test_writer_misuse() -> None:
    journal = SessionJournal(io.BytesIO())
    journal.record(C2S, b"", 5)  # empty chunks are not recorded
    journal.record(C2S, b"a", 5)
    with pytest.raises(ValueError, match="earlier"):
        journal.record(S2C, b"b", 4)
    with pytest.raises(ValueError, match="direction"):
        journal.record(2, b"b", 6)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="64-bit"):
        journal.record(C2S, b"b", 2**63)
    journal.close()
    with pytest.raises(ValueError, match="closed"):
        journal.record(C2S, b"b", 6)
    with pytest.raises(ValueError, match="role"):
        SessionJournal(io.BytesIO(), role="attacker")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        SessionJournal(io.BytesIO(), meta={"x": object()})


def test_a_failed_write_closes_the_journal() -> None:
    class Full(io.BytesIO):
        def write(self, data: Any) -> int:
            if self.tell() > 40:
                raise OSError(28, "No space left on device")
            return super().write(data)

    journal = SessionJournal(Full())
    with pytest.raises(OSError):
        journal.record(C2S, b"x" * 100, 1)
    with pytest.raises(ValueError, match="failed write"):
        journal.record(C2S, b"x", 2)
    journal.close()  # nothing more is written after a record that may be half-written
    assert journal.closed


def test_a_journal_that_opened_its_file_closes_it_even_after_a_failure(tmp_path: Path) -> None:
    journal = SessionJournal(tmp_path / "j.wsj")
    journal.record(C2S, b"GET", 1)
    journal._out = Broken()  # the disk fails from now on
    with pytest.raises(OSError):
        journal.record(C2S, b" / HTTP/1.1", 2)
    journal.close()
    assert journal._owned is not None and journal._owned.closed
    loader = SessionLoader(tmp_path / "j.wsj")  # what reached the file is a cut journal
    assert loader.cut is not None and loader.total == 1  # the chunk written before the failure


class Broken(io.RawIOBase):
    def write(self, data: Any) -> int:
        raise OSError(5, "Input/output error")


# -- cuts ------------------------------------------------------------------------------------------------


def test_a_journal_cut_at_every_byte_loads_what_came_before(tmp_path: Path) -> None:
    s = sample_session()
    data = journal_of(s)
    full = load_bytes(tmp_path, data).session
    chunks = list(full.chunks())
    whole = records(data)
    assert whole[-1][1] == 3 and len(whole) == len(chunks) + 2  # the chunks, one note, the end record
    for cut in range(len(data)):
        if cut < header_end(data):
            with pytest.raises(SessionFormatError, match="ends inside its header" if cut else "neither"):
                load_bytes(tmp_path, data[:cut])
            continue
        loader = load_bytes(tmp_path, data[:cut])
        complete = [r for r in whole if r[0] + RECORD.size + r[3] <= cut]
        boundary = complete[-1][0] + RECORD.size + complete[-1][3] if complete else header_end(data)
        assert (
            loader.cut is not None
            and loader.cut.offset == boundary
            and loader.cut.discarded == cut - boundary
        )
        assert loader.session.meta["journal_cut"] == {
            "offset": boundary,
            "file_size": cut,
            "rule": loader.cut.rule,
        }
        loaded = [r for r in complete if r[1] in (C2S, S2C)]
        assert list(loader.session.chunks()) == chunks[: len(loaded)]
    assert load_bytes(tmp_path, data).cut is None and "journal_cut" not in full.meta


def test_garbage_after_a_cut_or_after_the_end_is_refused(tmp_path: Path) -> None:
    data = journal_of(sample_session())
    end = records(data)[-1][0]  # where the end record starts
    with pytest.raises(SessionFormatError, match="record type 7") as info:
        load_bytes(tmp_path, data[:end] + b"\x07" + b"\x00" * 30)
    assert info.value.offset == end and info.value.field == "type"
    with pytest.raises(SessionFormatError, match="earlier than the previous record"):  # a cut head, zeros
        load_bytes(tmp_path, data[: end - 20] + b"\x00" * 30)
    with pytest.raises(SessionFormatError, match="follow the end record") as info:
        load_bytes(tmp_path, data + b"\x00")
    assert info.value.offset == len(data) and info.value.member == f"record {len(records(data)) - 1}"
    # a partial head is checked as far as it goes: a type that is none of 0-3 is garbage, not a cut
    with pytest.raises(SessionFormatError, match="record type 200"):
        load_bytes(tmp_path, data[:end] + b"\xc8\x00")


# -- hostile journals -------------------------------------------------------------------------------------


def journal_bytes(header: dict[str, Any] | bytes, *recs: tuple[int, int, bytes] | bytes) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    body = b"".join(r if isinstance(r, bytes) else RECORD.pack(r[0], r[1], len(r[2])) + r[2] for r in recs)
    return JOURNAL_MAGIC + struct.pack("<I", len(raw)) + raw + body


HEADER = {
    "format": JOURNAL_FORMAT_NAME,
    "version": JOURNAL_VERSION,
    "role": "client",
    "handshake": False,
    "meta": {},
}
END = (3, 9, b"")
HL = len(JOURNAL_MAGIC) + 4 + len(json.dumps(HEADER))  # where the first record starts


def note(entries: object) -> tuple[int, int, bytes]:
    return (2, 5, json.dumps({"redacted": entries}).encode())


HOSTILE: list[tuple[str, bytes, str, str, int | None, str]] = [
    # (id, file, member, field, offset, words in the rule)
    ("magic only", JOURNAL_MAGIC, "header", "", 8, "ends inside its header"),
    ("header length huge", JOURNAL_MAGIC + b"\xff\xff\xff\xff", "header", "length", 8, "header of"),
    ("header not json", journal_bytes(b"{nope}"), "header", "", 13, "not JSON"),
    ("header list", journal_bytes(b"[]"), "header", "(top level)", None, "not an object"),
    ("format", journal_bytes({**HEADER, "format": "wsexplorer-session"}), "header", "format", None, "format"),
    ("version", journal_bytes({**HEADER, "version": 9}), "header", "version", None, "version 9"),
    ("role", journal_bytes({**HEADER, "role": "attacker"}), "header", "role", None, "attacker"),
    ("handshake", journal_bytes({**HEADER, "handshake": 1}), "header", "handshake", None, "true or false"),
    ("meta", journal_bytes({**HEADER, "meta": "x"}), "header", "meta", None, "must be an object"),
    ("type 7", journal_bytes(HEADER, (0, 1, b"a"), (7, 1, b"a"), END), "record 1", "type", HL + 14, "type 7"),
    (
        "time back",
        journal_bytes(HEADER, (0, 5, b"a"), (1, 4, b"b"), END),
        "record 1",
        "t_ns",
        HL + 15,
        "earlier",
    ),
    ("empty chunk", journal_bytes(HEADER, (0, 5, b""), END), "record 0", "length", HL + 9, "0 bytes"),
    ("end length", journal_bytes(HEADER, (3, 5, b"x")), "record 0", "length", HL + 9, "end record"),
    (
        "note not json",
        journal_bytes(HEADER, (0, 1, b"a"), (2, 1, b"{"), END),
        "record 1",
        "",
        HL + 14 + 14,
        "JSON",
    ),
    (
        "note past the stream",
        journal_bytes(
            HEADER, (0, 1, b"abc"), note([{"direction": 0, "name": "Cookie", "start": 1, "end": 9}]), END
        ),
        "record 1",
        "redacted[0]",
        None,
        "not a range",
    ),
    (
        "note direction",
        journal_bytes(
            HEADER, (0, 1, b"abc"), note([{"direction": 5, "name": "Cookie", "start": 0, "end": 1}]), END
        ),
        "record 1",
        "redacted[0]",
        None,
        "direction 5",
    ),
    (
        "note list",
        journal_bytes(HEADER, (0, 1, b"a"), note("all"), END),
        "record 1",
        "redacted",
        None,
        "not an array",
    ),
    (
        "length over the limit",
        journal_bytes(HEADER, RECORD.pack(0, 1, 0xFFFFFFF0) + b"abc"),
        "record 0",
        "length",
        HL + 9,
        "load limit",
    ),
]


@pytest.mark.parametrize(
    ("data", "member", "field", "offset", "words"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_journals_are_refused(
    tmp_path: Path, data: bytes, member: str, field: str, offset: int | None, words: str
) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(SessionFormatError) as info:
            load_bytes(tmp_path, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20
    err = info.value
    assert err.member == member and field in err.field and words in err.rule
    if offset is not None:
        assert err.offset == offset


def test_the_load_limit_counts_header_and_payloads(tmp_path: Path) -> None:
    data = journal_bytes(HEADER, (0, 1, b"a" * 100), (1, 2, b"b" * 100), END)
    needed = len(json.dumps(HEADER)) + 200
    assert load_bytes(tmp_path, data, max_bytes=needed).session.byte_count() == 200
    assert load_bytes(tmp_path, data, max_bytes=None).session.byte_count() == 200
    with pytest.raises(SessionFormatError, match="load limit"):
        load_bytes(tmp_path, data, max_bytes=needed - 1)
    with pytest.raises(SessionFormatError, match="header of"):
        load_bytes(tmp_path, data, max_bytes=10)


def test_a_record_declaring_4_gib_is_refused_within_a_small_memory_bound(tmp_path: Path) -> None:
    data = journal_bytes(HEADER, (0, 1, b"a"), RECORD.pack(1, 2, 0xFFFFFFFF) + b"\0" * 1000)
    path = tmp_path / "bomb.wsj"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(SessionFormatError, match="load limit"):
            load_session(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    # with no limit, the same record is a cut journal: what came before it loads, nothing more is held
    loader = SessionLoader(path, max_bytes=None)
    assert loader.total == 1 and loader.cut is not None and "cut" in loader.cut.rule


@st.composite
def mutated_journal(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, len(out)))
        if op == "flip" and at < len(out):
            out[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del out[at : at + draw(st.integers(1, 32))]
        else:
            del out[at:]
    return bytes(out)


@pytest.fixture(scope="module")
def journal_sample() -> bytes:
    return journal_of(sample_session())


@pytest.fixture(scope="module")
def fuzz_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("journal-fuzz") / "fuzzed.wsj"


@settings(max_examples=250, deadline=None)
@given(data=st.data())
def test_fuzzed_journals_raise_only_our_errors_within_bounds(
    data: st.DataObject, journal_sample: bytes, fuzz_path: Path
) -> None:
    fuzz_path.write_bytes(data.draw(mutated_journal(journal_sample)))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        s = load_session(fuzz_path)
    except WSExplorerError as err:
        assert isinstance(err, SessionFormatError)
    else:
        _, lengths, _ = s.chunk_columns()
        assert sum(lengths) == s.byte_count()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 8 * 2**20 and time.perf_counter() - started < 5
