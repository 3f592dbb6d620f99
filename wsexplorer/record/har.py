"""HAR files in and out at message level: the WebSocket messages browser DevTools record.

Chrome and Edge (and Firefox, whose exports follow them) save a WebSocket connection as a HAR entry
with ``"_resourceType": "websocket"`` and a ``_webSocketMessages`` list: per message its ``type``
(``"send"`` from the page, ``"receive"`` from the server), ``time`` (seconds since the Unix epoch, a
float), ``opcode`` (1 text, 2 binary) and ``data`` (the text, or the bytes in base64). Custom fields
start with an underscore (HAR 1.2, "Custom fields"). A HAR holds no frame bytes: no masking keys, no
fragmentation, no compression, no control frames. So :func:`import_har` gives :class:`MessageLog`
objects, not Sessions: the handshake's headers, the URL and the messages, marked
``has_frame_bytes = False``.

:func:`message_log` turns a recorded Session into the same shape (from the one replay path,
``session.events``), and :func:`export_har` writes logs or sessions in Chrome's format, so a session
exported and imported again gives equal messages. Bounded: the file and each message have a size
limit; anything malformed raises :class:`~wsexplorer.errors.CaptureFormatError` naming the entry and
the field.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
import os
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from ..codec.frame_header import Opcode
from ..errors import CaptureFormatError
from ..protocol.events import BinaryMessage, TextMessage
from .redact import SENSITIVE_HEADERS
from .session import C2S, S2C, Direction, Session

__all__ = [
    "DEFAULT_MAX_HAR_BYTES",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "HarMessage",
    "MessageLog",
    "export_har",
    "import_har",
    "message_log",
]

DEFAULT_MAX_HAR_BYTES = 64 << 20
"""The largest HAR file read (64 MiB: JSON takes several times its size in memory once parsed)."""
DEFAULT_MAX_MESSAGE_BYTES = 16 << 20
"""The largest message accepted in a HAR file (16 MiB of text, or of base64)."""
HAR = "HAR 1.2"
_TYPES = {"send": C2S, "receive": S2C}


@dataclass(frozen=True, slots=True)
class HarMessage:
    """One WebSocket message as a HAR holds it: ``data`` is ``str`` for text, ``bytes`` for binary."""

    index: int
    direction: Direction
    time: float
    opcode: int
    data: str | bytes

    @property
    def type(self) -> str:
        """``"send"`` (client to server) or ``"receive"``, as the HAR says."""
        return "send" if self.direction == C2S else "receive"

    @property
    def payload(self) -> bytes:
        """The message's bytes (text in UTF-8)."""
        return self.data.encode("utf-8", "surrogatepass") if isinstance(self.data, str) else self.data

    @property
    def t_ns(self) -> int:
        """``time`` in nanoseconds (a HAR's float seconds hold about a quarter of a microsecond)."""
        return round(self.time * 1e9)


@dataclass(frozen=True)
class MessageLog:
    """A WebSocket connection at message level: its handshake headers, URL and messages.

    ``has_frame_bytes`` is False: there are no frames to inspect, only what the page sent and got.
    ``entry`` is the entry's index in the HAR's ``log.entries`` (-1 when built from a Session).
    """

    url: str
    request_headers: tuple[tuple[str, str], ...]
    response_headers: tuple[tuple[str, str], ...]
    status: int | None
    status_text: str
    messages: tuple[HarMessage, ...]
    started: str = ""
    http_version: str = "HTTP/1.1"
    entry: int = -1
    path: str = ""
    has_frame_bytes: ClassVar[bool] = False

    def header(self, name: str, *, response: bool = True) -> str | None:
        """The first value of header ``name`` (case-insensitive) in the response or the request."""
        for key, value in self.response_headers if response else self.request_headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def subprotocol(self) -> str | None:
        return self.header("Sec-WebSocket-Protocol")

    @property
    def extensions(self) -> str | None:
        return self.header("Sec-WebSocket-Extensions")

    def of(self, direction: Direction) -> list[HarMessage]:
        """The messages of one direction, in order."""
        return [m for m in self.messages if m.direction == direction]

    def summary(self) -> str:
        sent = sum(1 for m in self.messages if m.direction == C2S)
        return (
            f"{self.url}: {sent} sent, {len(self.messages) - sent} received (messages only, no frame bytes)"
        )

    def __repr__(self) -> str:
        return f"<MessageLog {self.summary()}>"


# -- reading ------------------------------------------------------------------------------------------------


class _Entry:
    """Checked access to one HAR entry: every miss raises naming the entry and the field."""

    def __init__(self, path: str, index: int) -> None:
        self.path, self.member = path, f"entry {index}"

    def fail(self, field: str, rule: str) -> CaptureFormatError:
        return CaptureFormatError(rule, path=self.path, member=self.member, field=field, section=HAR)

    def get(self, obj: Any, key: str, kind: type | tuple[type, ...], field: str) -> Any:
        if not isinstance(obj, dict) or key not in obj:
            raise self.fail(field, "missing")
        value = obj[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail(field, f"must be {names}, not {type(value).__name__}")
        return value

    def headers(self, obj: Any, field: str) -> tuple[tuple[str, str], ...]:
        items = self.get(obj, "headers", list, f"{field}.headers")
        return tuple(
            (
                self.get(h, "name", str, f"{field}.headers[{k}].name"),
                self.get(h, "value", str, f"{field}.headers[{k}].value"),
            )
            for k, h in enumerate(items)
        )


def _message(e: _Entry, raw: Any, k: int, limit: int) -> HarMessage:
    field = f"_webSocketMessages[{k}]"
    kind = e.get(raw, "type", str, f"{field}.type")
    if kind not in _TYPES:
        raise e.fail(f"{field}.type", f"must be 'send' or 'receive', not {kind!r}")
    time = float(e.get(raw, "time", (int, float), f"{field}.time"))
    if not math.isfinite(time):
        raise e.fail(f"{field}.time", "must be a finite number of seconds")
    opcode = e.get(raw, "opcode", int, f"{field}.opcode")
    if not 0 <= opcode <= 15:
        raise e.fail(f"{field}.opcode", f"{opcode} is not a 4-bit opcode (RFC 6455 §5.2)")
    text = e.get(raw, "data", str, f"{field}.data")
    if len(text) > limit:
        raise e.fail(f"{field}.data", f"{len(text)} characters pass the message limit of {limit}")
    data: str | bytes = text
    if opcode == Opcode.BINARY:
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise e.fail(f"{field}.data", "a binary message's data must be base64") from None
    return HarMessage(k, _TYPES[kind], time, opcode, data)


def _log(e: _Entry, raw: Any, index: int, limit: int) -> MessageLog:
    request = e.get(raw, "request", dict, "request")
    response = e.get(raw, "response", dict, "response")
    raw_messages = e.get(raw, "_webSocketMessages", list, "_webSocketMessages")
    status = e.get(response, "status", int, "response.status")
    return MessageLog(
        url=e.get(request, "url", str, "request.url"),
        request_headers=e.headers(request, "request"),
        response_headers=e.headers(response, "response"),
        status=status,
        status_text=str(response.get("statusText", "")),
        messages=tuple(_message(e, m, k, limit) for k, m in enumerate(raw_messages)),
        started=str(raw.get("startedDateTime", "")),
        http_version=str(response.get("httpVersion", "HTTP/1.1")),
        entry=index,
        path=e.path,
    )


def import_har(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_HAR_BYTES,
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> list[MessageLog]:
    """The WebSocket connections of the HAR file at ``path`` (entries with ``_resourceType`` websocket,
    or with a ``_webSocketMessages`` list), in file order. Other entries are skipped."""
    name = str(path)
    top = _Entry(name, 0)
    top.member = "log"
    try:
        with open(path, "rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > max_bytes:
                raise CaptureFormatError(
                    f"{size} bytes pass the HAR limit of {max_bytes}", path=name, section=HAR
                )
            raw = file.read(max_bytes + 1)
    except OSError as exc:
        raise CaptureFormatError(f"cannot read the file: {exc.strerror}", path=name) from None
    if len(raw) > max_bytes:  # the file grew while being read
        raise CaptureFormatError(f"more than {max_bytes} bytes: past the HAR limit", path=name, section=HAR)
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CaptureFormatError(
            f"not JSON: {exc.msg}", path=name, offset=exc.pos, section="RFC 8259"
        ) from None
    except (ValueError, RecursionError) as exc:  # bad UTF-8, digits past the int limit, deep nesting
        raise CaptureFormatError(f"not JSON: {type(exc).__name__}", path=name, section="RFC 8259") from None
    log = top.get(document, "log", dict, "log")
    entries = top.get(log, "entries", list, "log.entries")
    logs = []
    for index, raw_entry in enumerate(entries):
        if not isinstance(raw_entry, dict):
            raise _Entry(name, index).fail("", f"an entry must be an object, not {type(raw_entry).__name__}")
        if raw_entry.get("_resourceType") == "websocket" or "_webSocketMessages" in raw_entry:
            logs.append(_log(_Entry(name, index), raw_entry, index, max_message_bytes))
    return logs


# -- from sessions, and writing --------------------------------------------------------------------------


def message_log(session: Session, *, epoch_offset_ns: int = 0) -> MessageLog:
    """A Session's messages as a HAR would hold them: each at the time of its last frame.

    ``epoch_offset_ns`` is added to the session's times to make them wall-clock times: 0 for a
    session imported from a capture (already since the Unix epoch); for a live session, whose
    times are monotonic, the difference between the wall clock and the monotonic clock.
    """
    messages: list[tuple[int, int, int, str | bytes]] = []
    for direction in (C2S, S2C):
        offsets = session.frame_offsets(direction)
        for event in session.events(direction):
            if isinstance(event, (TextMessage, BinaryMessage)):
                last = bisect_right(offsets, event.message.offsets[-1]) - 1
                t_ns = session.frame(direction, last).t_ns + epoch_offset_ns
                messages.append((t_ns, direction, int(event.message.opcode), event.data))
    messages.sort(key=lambda m: (m[0], m[1]))
    request, response = session.request, session.response
    meta_url = session.meta.get("url")
    url = meta_url if isinstance(meta_url, str) else ""
    if not url and request is not None:
        scheme = "wss" if session.meta.get("tls") else "ws"
        url = f"{scheme}://{request.host or 'localhost'}{request.target}"
    first = session.chunk_columns()[2]
    started = _iso(first[0] + epoch_offset_ns) if len(first) else ""
    return MessageLog(
        url=url or "ws://unknown/",
        request_headers=tuple((h.name, h.value) for h in request.headers) if request is not None else (),
        response_headers=tuple((h.name, h.value) for h in response.headers) if response is not None else (),
        status=response.status if response is not None else None,
        status_text=response.reason if response is not None else "",
        messages=tuple(
            HarMessage(k, C2S if d == C2S else S2C, t / 1e9, op, data)
            for k, (t, d, op, data) in enumerate(messages)
        ),
        started=started,
        http_version=response.http_version if response is not None else "HTTP/1.1",
    )


def _iso(t_ns: int) -> str:
    moment = datetime.datetime.fromtimestamp(t_ns // 1_000_000_000, tz=datetime.timezone.utc)
    moment += datetime.timedelta(microseconds=(t_ns % 1_000_000_000) // 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _entry(log: MessageLog, redact: bool) -> dict[str, Any]:
    secret = {name.lower() for name in SENSITIVE_HEADERS} if redact else set()

    def headers(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
        return [{"name": n, "value": "*" * len(v) if n.lower() in secret else v} for n, v in pairs]

    return {
        "startedDateTime": log.started or _iso(0),
        "time": 0,
        "request": {
            "method": "GET",
            "url": log.url,
            "httpVersion": log.http_version,
            "headers": headers(log.request_headers),
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 0 if log.status is None else log.status,
            "statusText": log.status_text,
            "httpVersion": log.http_version,
            "headers": headers(log.response_headers),
            "cookies": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"blocked": -1, "dns": -1, "ssl": -1, "connect": -1, "send": 0, "wait": 0, "receive": 0},
        "_resourceType": "websocket",
        "_webSocketMessages": [
            {
                "type": m.type,
                "time": m.time,
                "opcode": m.opcode,
                "data": m.data if isinstance(m.data, str) else base64.b64encode(m.data).decode("ascii"),
            }
            for m in log.messages
        ],
    }


def export_har(
    items: Session | MessageLog | Sequence[Session | MessageLog], path: str | Path, *, redact: bool = True
) -> None:
    """Write sessions (through :func:`message_log`) or message logs to ``path`` as a HAR 1.2 file with
    one websocket entry each, in Chrome's format. With ``redact`` (the default) the values of
    credential headers (:data:`~wsexplorer.record.redact.SENSITIVE_HEADERS`) become as many ``*``."""
    if isinstance(items, (Session, MessageLog)):
        items = [items]
    logs = [item if isinstance(item, MessageLog) else message_log(item) for item in items]
    try:
        ours = metadata.version("wsexplorer")
    except metadata.PackageNotFoundError:  # a source checkout: the HAR still needs a version string
        ours = "0"
    document = {
        "log": {
            "version": "1.2",
            "creator": {"name": "wsexplorer", "version": ours},
            "pages": [],
            "entries": [_entry(log, redact) for log in logs],
        }
    }
    with open(path, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=1)  # ASCII escapes: text with lone surrogates still writes
