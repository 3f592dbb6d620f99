"""One STOMP frame read with its spans (STOMP 1.2 and 1.1; 1.0 where it differs).

A frame is a command line, header lines ``name:value``, a blank line, a body, and a NUL octet; lines end
with LF (1.2 also allows CR LF). Header names and values are UTF-8 and, from 1.1 on and except in
CONNECT and CONNECTED, escape CR, LF, colon and backslash as ``\\r``, ``\\n``, ``\\c``, ``\\\\``; any
other escape is a fatal protocol error (STOMP 1.2: Value Encoding). With a ``content-length`` header
the body is exactly that many octets (and may hold NULs); without one it ends at the first NUL.

:func:`read_head` reads the command and headers once, recording where each is; the stream in
:mod:`.stomp` uses it to find where the body ends, then :func:`fill_frame` turns the recorded head and
the body into fields and the frame's own violations. STOMP names no WebSocket close code: a server
answers a broken rule with an ERROR frame and closes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .base import MessageBuilder, SubprotocolRule

__all__ = ["BODY_ALLOWED", "CLIENT_COMMANDS", "SERVER_COMMANDS", "FrameHead", "fill_frame", "read_head"]

CLIENT_COMMANDS = frozenset(
    {
        "CONNECT",
        "STOMP",
        "SEND",
        "SUBSCRIBE",
        "UNSUBSCRIBE",
        "ACK",
        "NACK",
        "BEGIN",
        "COMMIT",
        "ABORT",
        "DISCONNECT",
    }
)
SERVER_COMMANDS = frozenset({"CONNECTED", "MESSAGE", "RECEIPT", "ERROR"})
BODY_ALLOWED = frozenset({"SEND", "MESSAGE", "ERROR"})
_ESCAPES = {b"\\\\": "\\", b"\\n": "\n", b"\\c": ":", b"\\r": "\r"}
_ESCAPE = re.compile(rb"\\.?", re.DOTALL)
HEADER_MEANINGS = {
    "accept-version": "the STOMP versions the client speaks",
    "host": "the virtual host to connect to",
    "login": "user name",
    "passcode": "password",
    "heart-beat": "heart-beating: 'send every, want every' in milliseconds (0: never)",
    "version": "the STOMP version the server chose",
    "session": "the session's id",
    "server": "the server's name and version",
    "destination": "where the message goes (opaque to STOMP)",
    "transaction": "the transaction the frame belongs to",
    "id": "the subscription (SUBSCRIBE, UNSUBSCRIBE) or the message to (n)ack (ACK, NACK)",
    "ack": "acknowledgement mode (SUBSCRIBE) or the id to acknowledge with (MESSAGE)",
    "message-id": "the message's unique id",
    "subscription": "the subscription the message is delivered for",
    "receipt": "asks the server for a RECEIPT with this id",
    "receipt-id": "the receipt asked for",
    "message": "a short description of the error",
    "content-length": "the body's length in octets",
    "content-type": "the body's MIME type",
}


_REQUIRED_10 = {
    "SEND": ("destination",),
    "SUBSCRIBE": ("destination",),
    "ACK": ("message-id",),
    "BEGIN": ("transaction",),
    "COMMIT": ("transaction",),
    "ABORT": ("transaction",),
    "MESSAGE": ("destination", "message-id"),
    "RECEIPT": ("receipt-id",),
}


def required_headers(command: str, version: str) -> tuple[str, ...]:
    """The headers ``command`` must carry in ``version`` (STOMP 1.2: Frames and Headers)."""
    if version == "1.0":
        return _REQUIRED_10.get(command, ())
    ack = ("id",) if version == "1.2" else ("message-id", "subscription")
    return {
        "CONNECT": ("accept-version", "host"),
        "STOMP": ("accept-version", "host"),
        "CONNECTED": ("version",),
        "SEND": ("destination",),
        "SUBSCRIBE": ("destination", "id"),
        "UNSUBSCRIBE": ("id",),
        "ACK": ack,
        "NACK": ack,
        "BEGIN": ("transaction",),
        "COMMIT": ("transaction",),
        "ABORT": ("transaction",),
        "MESSAGE": ("destination", "message-id", "subscription"),
        "RECEIPT": ("receipt-id",),
    }.get(command, ())


def _rule(text: str, section: str, field: str = "") -> SubprotocolRule:
    return SubprotocolRule(text, "STOMP {v}: " + section, None, field)


UNKNOWN_COMMAND = _rule("unknown command {command!r}", "Frames and Headers", "command")
NOT_UTF8 = _rule("headers are UTF-8; invalid UTF-8 here", "Value Encoding")
BAD_ESCAPE = _rule("undefined escape {escape!r} in a header: a fatal protocol error", "Value Encoding")
NO_COLON = _rule("a header line without ':'", "Augmented BNF")
MISSING_HEADER = _rule("{command} needs the {header!r} header", "Frames and Headers")
BODY_NOT_ALLOWED = _rule("{command} must not have a body", "Body", "body")
BAD_LENGTH = _rule(
    "content-length {value!r} is not a number of octets", "Header content-length", "content-length"
)
NO_NUL = _rule(
    "content-length {length}: the octet after the body must be NUL", "Header content-length", "body"
)
BAD_ACK_MODE = _rule("ack mode {mode!r}: auto, client or client-individual", "SUBSCRIBE ack Header", "ack")
BAD_HEART_BEAT = _rule("heart-beat {value!r} is two integers 'x,y'", "Heart-beating", "heart-beat")


@dataclass(slots=True)
class HeaderLine:
    """One header line: name and value (unescaped), where the line is, and where its colon is."""

    name: str
    value: str
    start: int
    end: int
    colon: int


@dataclass(slots=True)
class FrameHead:
    """The command and headers of a frame, as read: spans, values, and the problems found."""

    command: str
    command_end: int
    headers: list[HeaderLine]
    end: int  # just after the blank line
    problems: list[tuple[SubprotocolRule, int, int, dict[str, object]]] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The first value of header ``name`` (STOMP 1.2: Repeated Header Entries: the first wins)."""
        for h in self.headers:
            if h.name == name:
                return h.value
        return None

    @property
    def content_length(self) -> int | None:
        value = self.get("content-length")
        return int(value) if value is not None and value.isdigit() and len(value) <= 12 else None


def _line_end(data: bytes, start: int, stop: int) -> tuple[int, int]:
    """(end of the line's text, start of the next line) for the line at ``start``."""
    nl = data.find(b"\n", start, stop)
    nl = stop if nl < 0 else nl
    text_end = nl - 1 if nl > start and data[nl - 1] == 0x0D else nl
    return text_end, nl + 1


def read_head(data: bytes, stop: int, version: str) -> FrameHead:
    """Read the command and headers in ``data[:stop]`` (``stop`` is just after the blank line)."""
    cmd_end, pos = _line_end(data, 0, stop)
    command = data[:cmd_end].decode("utf-8", "replace")
    head = FrameHead(command, cmd_end, [], stop)
    escaping = version != "1.0" and command not in ("CONNECT", "CONNECTED")
    while pos < stop:
        end, nxt = _line_end(data, pos, stop)
        if end == pos:  # the blank line
            break
        line = data[pos:end]
        colon = line.find(b":")
        if colon < 0:
            head.problems.append((NO_COLON, pos, end, {}))
            name, value, colon = _text(head, line, pos, version, escaping), "", end
        else:
            name = _text(head, line[:colon], pos, version, escaping)
            value = _text(head, line[colon + 1 :], pos + colon + 1, version, escaping)
            colon += pos
        head.headers.append(HeaderLine(name, value, pos, end, colon))
        pos = nxt
    return head


def _text(head: FrameHead, raw: bytes, at: int, version: str, escaping: bool) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        head.problems.append((NOT_UTF8, at + e.start, at + e.end, {}))
    if not escaping or b"\\" not in raw:
        return raw.decode("utf-8", "replace")
    out, last = [], 0
    for m in _ESCAPE.finditer(raw):
        out.append(raw[last : m.start()].decode("utf-8", "replace"))
        known = _ESCAPES.get(m.group())
        if known is None or (m.group() == b"\\r" and version == "1.1"):
            head.problems.append(
                (BAD_ESCAPE, at + m.start(), at + m.end(), {"escape": m.group().decode("latin-1")})
            )
            known = m.group().decode("utf-8", "replace")
        out.append(known)
        last = m.end()
    out.append(raw[last:].decode("utf-8", "replace"))
    return "".join(out)


def fill_frame(b: MessageBuilder, head: FrameHead, body_end: int, version: str) -> None:
    """Fields and the frame's own violations, from the recorded ``head`` and the body up to ``body_end``
    (the NUL is at ``body_end``)."""
    v = version
    command, data = head.command, b.data
    b.kind = command or "(no command)"
    ref = f"STOMP {v}: STOMP Frames"
    meaning = "a client frame" if command in CLIENT_COMMANDS else "a server frame"
    b.add("command", 0, head.command_end, command, meaning, ref, "frame")
    b.mark("command", 0, max(head.command_end, 1))
    if command not in CLIENT_COMMANDS | SERVER_COMMANDS:
        b.flag(UNKNOWN_COMMAND, 0, head.command_end, command=command, v=v)
    seen: set[str] = set()
    for h in head.headers:
        meaning = HEADER_MEANINGS.get(h.name, "an application header")
        if h.name in seen:
            meaning += "; repeated: only the first counts (Repeated Header Entries)"
        seen.add(h.name)
        b.add(
            f"header {h.name}", h.start, h.end, h.value, meaning, f"STOMP {v}: Frames and Headers", "headers"
        )
        b.mark(h.name, h.start, h.end)
    for rule, start, end, values in head.problems:
        b.flag(rule, start, end, v=v, **values)
    for name in required_headers(command, version):
        if head.get(name) is None:
            b.flag(MISSING_HEADER, 0, head.command_end, command=command, header=name, v=v)
    b.add(
        "end of headers",
        head.end - 1 - (data[head.end - 2] == 0x0D),
        head.end,
        "",
        "a blank line",
        ref,
        "frame",
    )
    body = data[head.end : body_end]
    preview = body[:60].decode("utf-8", "replace")
    b.add("body", head.end, body_end, body, f"{len(body)} octets: {preview!r}", f"STOMP {v}: Body", "body")
    b.mark("body", head.end, body_end)
    b.value = body
    if body and command not in BODY_ALLOWED and command in CLIENT_COMMANDS | SERVER_COMMANDS:
        b.flag(BODY_NOT_ALLOWED, head.end, body_end, command=command, v=v)
    length = head.get("content-length")
    if length is not None and head.content_length is None:
        b.flag_at(BAD_LENGTH, "content-length", value=length, v=v)
    if body_end < len(data):
        b.add("NUL", body_end, body_end + 1, data[body_end], "ends the frame", ref, "frame")
        if data[body_end] != 0:
            b.flag(NO_NUL, body_end, body_end + 1, length=head.content_length, v=v)
    mode = head.get("ack")
    if command == "SUBSCRIBE" and mode is not None and mode not in ("auto", "client", "client-individual"):
        b.flag_at(BAD_ACK_MODE, "ack", mode=mode, v=v)
    beat = head.get("heart-beat")
    if command in ("CONNECT", "STOMP", "CONNECTED") and beat is not None and not _heart_beat(beat):
        b.flag_at(BAD_HEART_BEAT, "heart-beat", value=beat, v=v)
    b.attributes.update({h.name: h.value for h in reversed(head.headers)})
    b.headline = " ".join(f"{k}={head.get(k)!r}" for k in ("destination", "id", "receipt-id") if head.get(k))


def _heart_beat(value: str) -> bool:
    parts = value.split(",")
    return len(parts) == 2 and all(p.strip().isdigit() for p in parts)
