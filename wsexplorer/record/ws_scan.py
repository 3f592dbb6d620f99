"""What a TCP connection carries, judged from its first bytes: a WebSocket handshake, TLS, or frames.

A capture importer looks at each connection's first bytes, on any port: an HTTP request with
``Upgrade: websocket`` (RFC 6455 §4.1) makes it a WebSocket connection; a TLS handshake record makes
it TLS (read with :mod:`.tls_hello`); anything else is another protocol, unless the capture started
after the handshake. Then :func:`find_frame_start` looks for the first offset from which consecutive
frames parse plausibly (RFC 6455 §5.2): defined opcodes, RSV2/RSV3 clear, RSV1 only on the first frame
of a data message, control frames final and at most 125 bytes (§5.5), fragments in a possible order
(§5.4), and every frame masked in one direction and none in the other (§5.1, §5.3); the rest of a
message begun before the capture is passed over (:func:`past_open_message`). :func:`judge_start` puts
these together for a connection's two directions, :func:`align` does it for a direction that spoke
later; a captured 101 tells the extensions agreed, else RSV1 on data frames makes permessage-deflate
assumed (:func:`extensions_to_assume`). Sans-I/O: bytes in, verdicts out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..codec.extensions.permessage_deflate import EXTENSION_NAME
from ..codec.frame_header import (
    CONTROL_BIT,
    DEFINED_OPCODES,
    FIN_BIT,
    MASK_BIT,
    OPCODE_BITS,
    RSV1_BIT,
    RSV2_BIT,
    RSV3_BIT,
    header_layout,
)
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.http import find_header_end
from ..errors import WSExplorerError
from .tls_hello import ClientHello, looks_like_tls, read_client_hello, tls_record_start

__all__ = [
    "MIN_FRAMES",
    "SCAN_WINDOW",
    "Alignment",
    "FrameRun",
    "Verdict",
    "agreed_words",
    "align",
    "extensions_to_assume",
    "find_frame_start",
    "frame_run",
    "http_request_start",
    "judge_start",
    "past_open_message",
    "rsv1_on_data",
    "server_answer",
    "websocket_upgrade",
]

SCAN_WINDOW = 64 << 10
"""How far into a stream a frame boundary is looked for (64 KiB)."""
MIN_FRAMES = 3
"""Consecutive plausible frames that make an offset a frame boundary (fewer only if they end the data)."""

_REQUEST_LINE = re.compile(rb"[A-Z]{3,16} [^ \r\n]+ HTTP/[0-9]\.[0-9]\r?\n")
_REQUEST_START = re.compile(rb"[A-Z]{1,16}(?: [^ \r\n]*(?: [HTP/0-9.]{0,8}\r?)?)?")


@dataclass(frozen=True, slots=True)
class FrameRun:
    """Frames that parse one after the other from ``start``: ``frames`` complete ones, ending at
    ``end``; ``plausible`` is False if a header broke a rule; ``compressed`` if any had RSV1 set."""

    start: int
    frames: int
    end: int
    plausible: bool
    compressed: bool


def frame_run(data: bytes, start: int, *, masked: bool, limit: int = MIN_FRAMES) -> FrameRun:
    """Parse up to ``limit`` frames from ``start``, checking each header's plausibility."""
    pos, frames, compressed = start, 0, False
    open_message: bool | None = None  # unknown at first: the capture may start inside a message
    while frames < limit and len(data) - pos >= 2:
        b0, b1 = data[pos], data[pos + 1]
        opcode = b0 & OPCODE_BITS
        control = bool(b0 & CONTROL_BIT)
        if opcode not in DEFINED_OPCODES or b0 & (RSV2_BIT | RSV3_BIT) or bool(b1 & MASK_BIT) != masked:
            return FrameRun(start, frames, pos, False, compressed)
        if b0 & RSV1_BIT and opcode not in (1, 2):
            return FrameRun(start, frames, pos, False, compressed)
        layout = header_layout(data, pos)
        if layout is None:
            break
        header, form, length = layout
        if control and (not b0 & FIN_BIT or length > 125):
            return FrameRun(start, frames, pos, False, compressed)
        if (form == 2 and length >> 63) or (form == 1 and length < 126) or (form == 2 and length <= 0xFFFF):
            return FrameRun(start, frames, pos, False, compressed)  # not the shortest form (§5.2)
        if not control:
            if (opcode == 0 and open_message is False) or (opcode != 0 and open_message is True):
                return FrameRun(start, frames, pos, False, compressed)
            open_message = not b0 & FIN_BIT
        compressed = compressed or bool(b0 & RSV1_BIT)
        if pos + header + length > len(data):
            break
        pos += header + length
        frames += 1
    return FrameRun(start, frames, pos, True, compressed)


def find_frame_start(data: bytes, *, masked: bool, final: bool = False) -> FrameRun | None:
    """The first offset (within :data:`SCAN_WINDOW`) from which frames parse plausibly.

    An offset qualifies with :data:`MIN_FRAMES` consecutive plausible frames, or, when the data will
    not grow (``final``), with at least two that end exactly where the data ends. None when no offset
    qualifies (yet).
    """
    fallback: FrameRun | None = None
    for start in range(min(len(data), SCAN_WINDOW)):
        run = frame_run(data, start, masked=masked)
        if not run.plausible:
            continue
        if run.frames >= MIN_FRAMES:
            return run
        if final and fallback is None and run.frames >= 2 and run.end == len(data):
            fallback = run
    return fallback


def past_open_message(data: bytes, start: int) -> int | None:
    """Where the first whole message from frame boundary ``start`` begins (RFC 6455 §5.4).

    ``start`` itself unless the first data frame from there is a continuation: the rest of a message
    begun before the capture, which no receiver can take without that message's first frame. Then the
    offset just past the continuation frame with FIN (control frames in between go with it), or None
    while that frame is not within ``data``.
    """
    pos, inside = start, False
    while (layout := header_layout(data, pos)) is not None and pos + layout[0] + layout[2] <= len(data):
        b0, end = data[pos], pos + layout[0] + layout[2]
        if not b0 & CONTROL_BIT:
            if b0 & OPCODE_BITS:
                return pos if inside else start
            inside = True
            if b0 & FIN_BIT:
                return end
        pos = end
    return None


@dataclass(frozen=True, slots=True)
class Alignment:
    """Where one direction of a connection joined midway is read from: ``start`` (None: no frame
    boundary found, the direction is not recorded), what a leading 101 agreed (``agreed``; None when the
    direction does not start with one) and ``rule``, the start in words."""

    start: int | None
    agreed: tuple[str, ...] | None
    rule: str


def align(data: bytes, *, masked: bool, final: bool, last_look: bool) -> Alignment | None:
    """The first bytes of a direction that began sending after the connection was judged; None while
    more bytes could change the answer (never when ``last_look``). ``final``: the data will not grow.

    The server's direction may start with its 101 answer (RFC 6455 §4.2.2); then frames follow it.
    """
    answer = (0, None) if masked else server_answer(data)
    if answer is None and not last_look:
        return None
    skip, agreed = answer or (0, None)
    run = find_frame_start(data[skip:], masked=masked, final=final)
    if run is None:
        rule = f"no frame boundary in the first {len(data)} bytes: this direction is not recorded"
        return Alignment(None, agreed, rule) if last_look else None
    start = skip + run.start
    begun = past_open_message(data, start)
    if begun is None and not last_look:
        return None
    rule = f"this direction's first frame boundary is at byte {start}"
    if begun is not None and begun != start:
        rule, start = rule + _open_message_words(start, begun), begun
    return Alignment(start, agreed, rule)


def _open_message_words(boundary: int, begun: int) -> str:
    return (
        f"; bytes {boundary}..{begun - 1} end a message begun before the capture and are not recorded: "
        "no receiver can take continuation frames without their message's first frame (RFC 6455 §5.4)"
    )


def http_request_start(data: bytes) -> bool | None:
    """Whether ``data`` starts with an HTTP request line: True, False, or None (too short to tell)."""
    line_end = data.find(b"\n", 0, 8192)
    if line_end >= 0:
        return _REQUEST_LINE.match(data, 0, line_end + 1) is not None
    match = _REQUEST_START.match(data)
    if match is not None and match.end() == len(data) and len(data) < 8192:
        return None
    return False


def websocket_upgrade(data: bytes) -> HandshakeRequest | str | None:
    """The opening handshake at the start of ``data`` if it asks for ``Upgrade: websocket``; else why
    not (a reason in words), or None while the header block is not complete."""
    try:
        end = find_header_end(data)
    except WSExplorerError as exc:
        return f"not a WebSocket handshake: {exc.rule}"
    if end is None:
        return None
    try:
        request = HandshakeRequest.parse(data[:end])
    except WSExplorerError as exc:
        return f"not a WebSocket handshake: {exc.rule}"
    if "websocket" not in (u.lower() for u in request.upgrade):
        return f"HTTP without Upgrade: websocket ({request.method} {request.target})"
    return request


@dataclass(frozen=True)
class Verdict:
    """What a connection carries. ``client`` is the direction (0 or 1) that is the client; for a
    connection joined after its handshake (``handshake=False``), ``starts`` gives where frames start in
    each direction, ``unaligned`` the directions with bytes but no frame boundary (not recorded) and
    ``unknown`` the directions that had sent nothing yet (their first frame boundary is still to find),
    and ``extensions`` the extension elements agreed by the server's 101 when the capture begins with
    it (None when it does not: unknown). ``notes`` are (kind, rule) pairs the importer reports as
    findings."""

    kind: Literal["websocket", "tls", "other"]
    reason: str = ""
    client: int = 0
    handshake: bool = True
    starts: tuple[int, int] = (0, 0)
    unaligned: tuple[int, ...] = ()
    unknown: tuple[int, ...] = ()
    hello: ClientHello | None = None
    notes: tuple[tuple[str, str], ...] = ()
    extensions: tuple[str, ...] | None = None


def judge_start(prefixes: tuple[bytes, bytes], client: int | None, done: tuple[bool, bool]) -> Verdict | None:
    """Judge a connection by the first bytes of each direction; None while more bytes could change it.

    ``client`` is the client's direction when the capture saw the SYN, else None; ``done[d]`` says
    direction ``d`` will not grow (ended, cut by a gap, or the capture is over).
    """
    notes: tuple[tuple[str, str], ...] = ()
    if client is None:
        if any(tls_record_start(p) and not looks_like_tls(p) for p in prefixes):
            return Verdict("tls", "TLS records (the capture missed the TLS handshake)")
        for d in (0, 1):
            if http_request_start(prefixes[d]) or looks_like_tls(prefixes[d]):
                client = d
                notes = (
                    (
                        "mid-connection",
                        "the capture missed the SYN: the side that sent the first "
                        "request is taken as the client",
                    ),
                )
                break
    if client is None:
        return _midstream(prefixes, done)
    verdict = _judge(prefixes[client], prefixes[1 - client], done[client])
    if verdict is None:
        return None
    return Verdict(verdict.kind, verdict.reason, client, hello=verdict.hello, notes=notes)


def _judge(client: bytes, server: bytes, final: bool) -> Verdict | None:
    if not client:
        if final or len(server) >= SCAN_WINDOW:
            return Verdict("other", "the client sent nothing" + (" (the server did)" if server else ""))
        return None
    if looks_like_tls(client):
        hello = read_client_hello(client, final=final)
        return None if hello is None else Verdict("tls", "TLS", hello=hello)
    start = http_request_start(client)
    if start is None:
        return Verdict("other", "too few bytes to tell the protocol") if final else None
    verdict = websocket_upgrade(client) if start else "neither HTTP nor TLS"
    if verdict is None:
        return Verdict("other", "an HTTP request whose header block never ends") if final else None
    if isinstance(verdict, str):
        return Verdict("other", verdict)
    return Verdict("websocket")


def _response_end(data: bytes) -> int | None:
    """Where a leading HTTP response's header block ends (0: none there; None: not complete yet)."""
    if not data.startswith(b"HTTP/"):
        return 0
    try:
        return find_header_end(data)
    except WSExplorerError:
        return 0


def _agreed(data: bytes, end: int) -> tuple[str, ...] | None:
    """The extension elements a leading 101 response agreed (RFC 6455 §4.2.2, §9.1: those of its
    ``Sec-WebSocket-Extensions`` lines that parse); None when the header block is no 101."""
    try:
        response = HandshakeResponse.parse(data[:end])
        if response.status != 101:
            return None
        return tuple(str(e) for e in response.extensions)
    except WSExplorerError:
        return None


def agreed_words(agreed: tuple[str, ...]) -> str:
    """What a captured 101 agreed, in words."""
    return "the extensions agreed are read from the server's answer: " + (", ".join(agreed) or "none")


def rsv1_on_data(columns: Mapping[str, Any]) -> bool:
    """Whether a text or binary frame of a direction's frame columns
    (:meth:`~wsexplorer.record.session.Session.frame_columns`) has RSV1 set."""
    opcodes = columns["opcode"]
    return bool((columns["rsv1"] & ((opcodes == 1) | (opcodes == 2))).any())


def extensions_to_assume(agreed: tuple[str, ...] | None, *, rsv1: bool) -> tuple[list[str], str]:
    """The extension elements to replay a connection joined after its handshake with, and why (a rule).

    The permessage-deflate element of the server's 101 when the capture began with it (``agreed``);
    else, when data frames carry RSV1 (``rsv1``), permessage-deflate, the registered extension that
    defines RSV1 (RFC 7692 §6), with its defaults: context takeover and 15-bit windows (§7.1), which
    inflate whatever window the peers agreed.
    """
    if agreed is not None:
        return [e for e in agreed if e.split(";")[0].strip().lower() == EXTENSION_NAME][:1], ""
    if not rsv1:
        return [], ""
    return [EXTENSION_NAME], (
        "RSV1 is set on data frames: permessage-deflate is assumed, with context takeover and 15-bit "
        "windows (its defaults, RFC 7692 §7.1); a message compressed against history sent before the "
        "capture began is shown as not inflated (§7.2.3)"
    )


def server_answer(data: bytes) -> tuple[int, tuple[str, ...] | None] | None:
    """For a server's stream joined midway: where a leading HTTP response ends (0 when the stream does
    not start with one) and the extensions it agreed when it is a 101 (else None); None while the
    header block is not complete."""
    end = _response_end(data)
    if end is None:
        return None
    return end, _agreed(data, end) if end else None


def _find(data: bytes, skip: int, masked: bool, final: bool) -> FrameRun | None:
    run = find_frame_start(data[skip:], masked=masked, final=final) if len(data) > skip else None
    return None if run is None else replace(run, start=run.start + skip, end=run.end + skip)


def _midstream(prefixes: tuple[bytes, bytes], done: tuple[bool, bool]) -> Verdict | None:
    skips = [_response_end(p) for p in prefixes]  # the capture may begin with the server's 101
    if any(k is None and not done[d] for d, k in enumerate(skips)):
        return None
    skip = [k or 0 for k in skips]
    for client in (0, 1):
        server = 1 - client
        if skip[client]:
            continue  # the side that sent an HTTP response is the server
        c = _find(prefixes[client], 0, True, done[client]) if prefixes[client] else None
        s = _find(prefixes[server], skip[server], False, done[server]) if prefixes[server] else None
        if c is None and s is None and not skip[server]:
            continue
        for k, run in ((client, c), (server, s)):  # a direction may still show its first frame boundary
            if run is None and len(prefixes[k]) > skip[k] and not done[k] and len(prefixes[k]) < SCAN_WINDOW:
                return None
        at = {client: c.start if c else 0, server: s.start if s else skip[server]}
        words = {client: "", server: ""}
        for k, run in ((client, c), (server, s)):  # a message begun before the capture is passed over
            begun = past_open_message(prefixes[k], run.start) if run is not None else None
            if run is not None and begun is None and not done[k] and len(prefixes[k]) < SCAN_WINDOW:
                return None
            if begun is not None and begun != at[k]:
                words[k], at[k] = _open_message_words(at[k], begun), begun
        unaligned = tuple(
            k for k, run in ((client, c), (server, s)) if run is None and len(prefixes[k]) > skip[k]
        )
        unknown = tuple(k for k in (client, server) if len(prefixes[k]) <= skip[k] and not done[k])
        agreed = _agreed(prefixes[server], skip[server]) if skip[server] else None
        seen = " (the server's answer to it was captured, not the request)" if skip[server] else ""
        where = {k: "not seen yet" if k in unknown else f"byte {at[k]}{words[k]}" for k in (client, server)}
        known = (
            "the extensions and subprotocol agreed are unknown" if agreed is None else agreed_words(agreed)
        )
        rule = (
            f"the capture starts after the opening handshake{seen}: the session starts at the first frame "
            f"boundary found (client→server {where[client]}, server→client {where[server]}); the client is "
            f"the side whose frames are masked (RFC 6455 §5.1); {known}."
        )
        return Verdict(
            "websocket",
            client=client,
            handshake=False,
            starts=(at[0], at[1]),
            unaligned=unaligned,
            unknown=unknown,
            notes=(("mid-connection", rule),),
            extensions=agreed,
        )
    if all(done[k] or len(prefixes[k]) >= SCAN_WINDOW or not prefixes[k] for k in (0, 1)):
        return Verdict("other", "no opening handshake, no TLS and no run of WebSocket frames")
    return None
