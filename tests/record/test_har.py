"""HAR in and out at message level: a Chrome-style export is read as MessageLogs (no frame bytes), a
Session written as HAR reads back equal, credentials are redacted, and every malformed HAR is a
CaptureFormatError naming the entry and the field."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wsexplorer.errors import CaptureFormatError
from wsexplorer.record.har import HarMessage, MessageLog, export_har, import_har, message_log
from wsexplorer.record.pcap import import_capture
from wsexplorer.record.session import C2S, S2C

from .capture_samples import MESSAGES, PLAIN, messages


def chrome_har() -> dict[str, Any]:
    """What Chrome's DevTools "Save all as HAR" writes for a page with one fetch and one WebSocket."""
    ws_entry = {
        "_initiator": {"type": "script"},
        "_priority": "Medium",
        "_resourceType": "websocket",
        "cache": {},
        "connection": "443",
        "request": {
            "method": "GET",
            "url": "wss://echo.example/socket?v=1",
            "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": "Host", "value": "echo.example"},
                {"name": "Upgrade", "value": "websocket"},
                {"name": "Sec-WebSocket-Protocol", "value": "chat"},
                {"name": "Cookie", "value": "sid=abc"},
            ],
            "queryString": [{"name": "v", "value": "1"}],
            "cookies": [],
            "headersSize": 500,
            "bodySize": 0,
        },
        "response": {
            "status": 101,
            "statusText": "Switching Protocols",
            "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": "Upgrade", "value": "websocket"},
                {"name": "Sec-WebSocket-Protocol", "value": "chat"},
                {"name": "Sec-WebSocket-Extensions", "value": "permessage-deflate"},
            ],
            "cookies": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_transferSize": 0,
        },
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": "2024-05-01T10:00:00.000Z",
        "time": 12.5,
        "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 10, "receive": 0},
        "_webSocketMessages": [
            {"type": "send", "time": 1714557600.123456, "opcode": 1, "data": "hello"},
            {"type": "receive", "time": 1714557600.2, "opcode": 1, "data": "κόσμε"},
            {"type": "send", "time": 1714557601, "opcode": 2, "data": base64.b64encode(b"\x00\xff").decode()},
        ],
    }
    fetch = {
        "_resourceType": "fetch",
        "request": {"url": "https://echo.example/api"},
        "response": {"status": 200},
    }
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [],
            "entries": [fetch, ws_entry],
        }
    }


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_a_chrome_export_gives_message_logs(tmp_path: Path) -> None:
    (log,) = import_har(write(tmp_path / "c.har", chrome_har()))
    assert log.entry == 1 and log.url == "wss://echo.example/socket?v=1" and log.status == 101
    assert not log.has_frame_bytes and "no frame bytes" in log.summary()
    assert log.subprotocol == "chat" and log.extensions == "permessage-deflate"
    assert log.header("cookie", response=False) == "sid=abc"
    assert [(m.type, m.opcode, m.data) for m in log.messages] == [
        ("send", 1, "hello"),
        ("receive", 1, "κόσμε"),
        ("send", 2, b"\x00\xff"),
    ]
    assert log.messages[0].t_ns == 1714557600123456000 and log.messages[1].payload == "κόσμε".encode()
    assert [m.data for m in log.of(S2C)] == ["κόσμε"] and log.started == "2024-05-01T10:00:00.000Z"


def test_a_session_exported_and_imported_again_is_equal(tmp_path: Path) -> None:
    session = import_capture(PLAIN).sessions[0]
    export_har(session, tmp_path / "s.har")
    (back,) = import_har(tmp_path / "s.har")
    expected = message_log(session)
    assert back.messages == expected.messages and back.request_headers == expected.request_headers
    assert back.response_headers == expected.response_headers and back.status == 101
    assert back.url == session.meta["url"]
    assert [m.data for m in back.of(C2S)] == MESSAGES == messages(session, C2S)
    frame_times = {session.frame(d, i).t_ns for d in (C2S, S2C) for i in range(session.frame_count(d))}
    assert all(any(m.time == t / 1e9 for t in frame_times) for m in back.messages)  # each at a frame's time
    times = [m.time for m in back.messages]
    assert times == sorted(times)
    document = json.loads((tmp_path / "s.har").read_text())
    entry = document["log"]["entries"][0]
    assert entry["_resourceType"] == "websocket" and document["log"]["version"] == "1.2"
    assert all(set(m) == {"type", "time", "opcode", "data"} for m in entry["_webSocketMessages"])
    (binary,) = [m for m in entry["_webSocketMessages"] if m["opcode"] == 2 and m["type"] == "send"]
    assert binary["data"] == base64.b64encode(MESSAGES[3]).decode()  # type: ignore[arg-type]
    assert entry["startedDateTime"].endswith("Z") and entry["startedDateTime"][:4] >= "2020"


def test_logs_round_trip_and_credentials_are_redacted(tmp_path: Path) -> None:
    (log,) = import_har(write(tmp_path / "c.har", chrome_har()))
    export_har([log, log], tmp_path / "again.har")
    first, second = import_har(tmp_path / "again.har")
    assert first.messages == log.messages == second.messages
    assert first.header("Cookie", response=False) == "*******"
    export_har(log, tmp_path / "kept.har", redact=False)
    assert import_har(tmp_path / "kept.har")[0].header("Cookie", response=False) == "sid=abc"


def _entry(**changes: Any) -> dict[str, Any]:
    document = chrome_har()
    entry = document["log"]["entries"][1]
    for path, value in changes.items():
        target = entry
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last = keys[-1]
        if value is KeyError:
            del target[int(last) if isinstance(target, list) else last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return document


BAD_ENTRIES: dict[str, tuple[dict[str, Any], str]] = {
    "no url": (_entry(request__url=KeyError), "request.url"),
    "url not text": (_entry(request__url=5), "request.url"),
    "no response": (_entry(response=KeyError), "response"),
    "status text": (_entry(response__status="101"), "response.status"),
    "headers not a list": (_entry(request__headers={}), "request.headers"),
    "header without value": (_entry(response__headers__0__value=KeyError), "response.headers[0].value"),
    "messages not a list": (_entry(_webSocketMessages="none"), "_webSocketMessages"),
    "message without time": (_entry(_webSocketMessages__0__time=KeyError), "_webSocketMessages[0].time"),
    "message time text": (_entry(_webSocketMessages__1__time="soon"), "_webSocketMessages[1].time"),
    "message without data": (_entry(_webSocketMessages__2__data=KeyError), "_webSocketMessages[2].data"),
    "bad type": (_entry(_webSocketMessages__0__type="sent"), "_webSocketMessages[0].type"),
    "opcode as bool": (_entry(_webSocketMessages__0__opcode=True), "_webSocketMessages[0].opcode"),
    "opcode 16": (_entry(_webSocketMessages__0__opcode=16), "_webSocketMessages[0].opcode"),
    "binary not base64": (_entry(_webSocketMessages__2__data="*not base64*"), "_webSocketMessages[2].data"),
    "message not an object": (_entry(_webSocketMessages__0=[1, 2]), "_webSocketMessages[0].type"),
}


@pytest.mark.parametrize("name", sorted(BAD_ENTRIES))
def test_bad_entries_name_the_entry_and_the_field(name: str, tmp_path: Path) -> None:
    document, field = BAD_ENTRIES[name]
    path = write(tmp_path / "bad.har", document)
    with pytest.raises(CaptureFormatError) as err:
        import_har(path)
    assert (err.value.member, err.value.field) == ("entry 1", field)
    assert err.value.path == str(path) and "entry 1" in str(err.value) and field in str(err.value)


@pytest.mark.parametrize(
    ("content", "field", "text"),
    [
        (b"", "", "not JSON"),
        (b'{"log": {"entries": [', "", "not JSON"),
        (b"\xff\xfe\x00garbage", "", "not JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "", "not JSON"),
        (b'{"log": {"entries": [' + b"1" * 5000 + b"]}}", "", "not JSON"),
        (b"[]", "log", "missing"),
        (b'{"log": []}', "log", "must be dict"),
        (b'{"log": {}}', "log.entries", "missing"),
        (b'{"log": {"entries": [3]}}', "", "an entry must be an object"),
    ],
    ids=[
        "empty",
        "cut",
        "not utf-8",
        "deep",
        "huge int",
        "array",
        "log list",
        "no entries",
        "entry int",
    ],
)
def test_bad_documents(content: bytes, field: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.har"
    path.write_bytes(content)
    with pytest.raises(CaptureFormatError, match=text) as err:
        import_har(path)
    assert err.value.field == field


def test_size_limits(tmp_path: Path) -> None:
    path = write(tmp_path / "c.har", chrome_har())
    with pytest.raises(CaptureFormatError, match="HAR limit"):
        import_har(path, max_bytes=100)
    with pytest.raises(CaptureFormatError, match="message limit") as err:
        import_har(path, max_message_bytes=4)
    assert err.value.field == "_webSocketMessages[1].data" or err.value.field == "_webSocketMessages[0].data"
    with pytest.raises(CaptureFormatError, match="cannot read"):
        import_har(tmp_path / "missing.har")


def test_infinite_times_are_refused(tmp_path: Path) -> None:
    document = _entry(_webSocketMessages__0__time=float("inf"))
    path = tmp_path / "inf.har"
    path.write_text(json.dumps(document))  # json writes Infinity, which Python reads back
    with pytest.raises(CaptureFormatError, match="finite"):
        import_har(path)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=JSON, where=st.sampled_from(["entry", "message", "request", "response", "root"]))
def test_random_json_raises_nothing_but_capture_format_errors(
    junk: object, where: str, tmp_path: Path
) -> None:
    document: Any = chrome_har()
    entry = document["log"]["entries"][1]
    if where == "entry":
        document["log"]["entries"][1] = junk
    elif where == "message":
        entry["_webSocketMessages"][0] = junk
    elif where in ("request", "response"):
        entry[where] = junk
    else:
        document = junk
    path = write(tmp_path / "j.har", document)
    try:
        logs = import_har(path)
    except CaptureFormatError as exc:
        assert exc.path == str(path)
    else:
        assert all(isinstance(log, MessageLog) for log in logs)
        assert all(isinstance(m, HarMessage) for log in logs for m in log.messages)


def test_the_committed_har_sample_matches_its_capture() -> None:
    (log,) = import_har(PLAIN.with_suffix(".har"))
    assert log.messages == message_log(import_capture(PLAIN).sessions[0]).messages
    assert [m.data for m in log.of(S2C)] == MESSAGES
