"""``wsexplorer explain FILE``: every rule broken in a capture, a HAR or a session file, one line each.

Each line reads like a compiler's error: the file, the connection, the direction, the frame (with the
packet that carried it, for a capture), then the rule, its bytes in the direction's stream, the RFC
section and how a compliant peer answers. Frames are judged in their connection's context through
the one replay path (:meth:`~wsexplorer.record.session.Session.replay`); handshakes by their own
grammar and by the client's check of the answer
(:func:`~wsexplorer.codec.client_check.check_response`). A HAR holds messages, not frame bytes: its
handshake is rebuilt from the recorded headers and each message is checked as one frame would be,
which is said on each line. Lines about what the importer could not see (gaps, TLS) start with
``note``. Exit status 1 when a rule is broken, 0 when none is.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass

from ..anatomy import Violation
from ..codec.check_step import CheckStep
from ..codec.client_check import check_response
from ..codec.extensions import Extension, PerMessageDeflate
from ..codec.frames import Frame
from ..codec.handshake import HandshakeRequest, HandshakeResponse, split_ws_url
from ..codec.http import serialize_message
from ..errors import ParseError
from ..record.capture import WebSocketCapture
from ..record.har import MessageLog, import_har
from ..record.pcap import import_capture
from ..record.session import C2S, DIRECTION_NAMES, S2C, Direction, Session
from ..record.storage import load_session
from ..render.terminal import located_violation, progress_bar
from .app import BROKEN_RULES, OK, Output
from .inputs import file_kind

__all__ = ["explain_log", "explain_session", "run"]

PacketOf = Callable[[Direction, int], int]


@dataclass
class Report:
    """Counts what was printed: rules broken, notes, frames checked, connections."""

    output: Output
    path: str
    broken: int = 0
    notes: int = 0
    frames: int = 0
    connections: int = 0

    def violation(self, location: str, v: Violation, *, base: int = 0) -> None:
        self.broken += 1
        self.output.out.print(located_violation(f"{self.path}: {location}", v, base=base))

    def note(self, text: str) -> None:
        self.notes += 1
        self.output.out.print(f"{self.path}: note: {text}", style="dim")


def run(args: argparse.Namespace, output: Output) -> int:
    path = args.file
    kind = file_kind(path)
    report = Report(output, path)
    if kind in ("pcap", "pcapng"):
        with progress_bar(output.err, f"reading {os.path.basename(path)}", os.path.getsize(path)) as update:
            capture = import_capture(path, progress=update, max_bytes=args.max_bytes)
        for number, ws in enumerate(capture.websockets, start=1):
            explain_capture(report, ws, number)
        for tls in capture.tls:
            name = f" for {tls.server_name}" if tls.server_name else ""
            where = f"TLS connection {tls.client} → {tls.server}{name}, packets {tls.packets.first}.."
            report.note(f"{where}{tls.packets.last}: encrypted, its WebSocket frames cannot be read")
            for v in tls.hello.violations if tls.hello is not None else ():
                report.violation(f"{where}{tls.packets.last}, ClientHello", v)
        for finding in capture.findings:
            report.note(str(finding))
        if capture.findings_count > len(capture.findings):
            report.note(f"{capture.findings_count - len(capture.findings)} more findings not listed")
        if not capture.websockets:
            report.note("no WebSocket connection found (RFC 6455 §4.1: an HTTP upgrade to websocket)")
    elif kind == "har":
        logs = import_har(path)
        for log in logs:
            explain_log(report, log)
        if not logs:
            report.note("no WebSocket entry (no _webSocketMessages) in this HAR")
    else:
        explain_session(report, load_session(path, max_bytes=args.max_bytes), "session")
    found = f"{report.broken} rule{'s' if report.broken != 1 else ''} broken"
    output.out.print(
        f"{path}: {found} in {report.connections} connection(s), {report.frames} frame(s) checked"
        f"{f'; {report.notes} note(s)' if report.notes else ''}",
        style="bold",
    )
    return BROKEN_RULES if report.broken else OK


def explain_capture(report: Report, ws: WebSocketCapture, number: int) -> None:
    label = f"connection {number} ({ws.client} → {ws.server})"
    if ws.midstream:
        report.note(f"{label}: the capture starts after the handshake; frames from the first boundary found")
    explain_session(report, ws.session, label, packet_at=ws.packet_at)
    for finding in ws.findings:
        report.note(f"{label}: {finding}")


def _offered(request: HandshakeRequest) -> list[Extension]:
    return [PerMessageDeflate()] if any(o.name == "permessage-deflate" for o in request.extensions) else []


def _failed_checks(steps: list[CheckStep], length: int) -> list[Violation]:
    """The client's failed checks of a response, as violations of the response's bytes."""
    out = []
    for s in steps:
        if s.outcome == "fail":
            start = s.start if s.start is not None else 0
            end = s.end if s.end is not None else start + 1
            rule = f"check failed ({s.check}): {s.detail}"
            out.append(Violation(rule, start, end, s.section, http_status=s.http_status))
    return out


def explain_handshake(
    report: Report,
    request: HandshakeRequest | None,
    response: HandshakeResponse | None,
    label: str,
    *,
    packet_at: PacketOf | None = None,
) -> None:
    """The request's and the response's grammar, and the client's check of the response."""

    def where(direction: Direction, what: str, v: Violation) -> str:
        packet = f", packet {packet_at(direction, v.start)}" if packet_at is not None else ""
        return f"{label}, {what}{packet}"

    if request is not None:
        for v in request.violations:
            report.violation(where(C2S, "handshake request", v), v)
    if response is not None:
        for v in response.violations:
            report.violation(where(S2C, "handshake response", v), v)
        if request is not None:
            verdict = check_response(request, response, _offered(request))
            for v in _failed_checks(verdict.steps, len(bytes(response))):
                report.violation(where(S2C, "client's check of the response", v), v)


def explain_session(
    report: Report, session: Session, label: str, *, packet_at: PacketOf | None = None
) -> None:
    """Every rule broken in ``session``: its handshake, then each direction's frames in context."""
    report.connections += 1
    if session.handshake:
        request, response = session.request, session.response
        if request is None:
            report.note(f"{label}: no complete handshake request recorded")
        elif response is None:
            report.note(f"{label}: no complete handshake response recorded")
        explain_handshake(report, request, response, label, packet_at=packet_at)
    for direction in (C2S, S2C):
        replay = session.replay(direction)
        name = DIRECTION_NAMES[direction]
        count, end = session.frames_extent(direction)
        for index in range(count):
            frame = replay.frame(index)
            report.frames += 1
            offset = frame.frame.offset
            for v in frame.violations:
                packet = ""
                if packet_at is not None:
                    packet = f", packet {packet_at(direction, offset + v.start)}"
                where = f"{label}, {name} frame #{index + 1} at stream byte {offset}{packet}"
                report.violation(where, v, base=offset)
        if replay.failure is not None:
            failed_at = replay.failure[0] + 1
            if failed_at < count:
                report.note(f"{label}: {name}: the receiver failed the connection at frame #{failed_at}")
        start = session.frames_start(direction)
        left = session.byte_count(direction) - end
        if start is not None and left > 0 and (count or end >= start):
            report.note(f"{label}: {name}: the stream ends inside a frame ({left} bytes after byte {end})")


def _rebuilt(log: MessageLog) -> tuple[HandshakeRequest | None, HandshakeResponse | None, str]:
    """The handshake a HAR's headers describe, as bytes (the HAR keeps no bytes)."""
    try:
        _, target = split_ws_url(log.url)
        request: HandshakeRequest | None = HandshakeRequest.parse(
            serialize_message(f"GET {target} {log.http_version}", log.request_headers)
        )
        response = None
        if log.status is not None and log.status:
            start = f"{log.http_version} {log.status} {log.status_text}".rstrip()
            response = HandshakeResponse.parse(serialize_message(start, log.response_headers))
    except (ValueError, ParseError) as exc:
        rule = exc.rule if isinstance(exc, ParseError) else str(exc)
        return None, None, rule
    return request, response, ""


def explain_log(report: Report, log: MessageLog) -> None:
    """A HAR entry: its handshake, rebuilt from its headers, and each message checked as one frame."""
    report.connections += 1
    label = f"entry {log.entry} ({log.url})"
    request, response, problem = _rebuilt(log)
    if problem:
        report.note(f"{label}: the handshake cannot be rebuilt from its headers: {problem}")
    explain_handshake(report, request, response, f"{label}, rebuilt from the HAR's headers")
    for message in log.messages:
        frame = Frame.build(message.opcode, message.payload)
        report.frames += 1
        for v in frame.violations:
            where = f"{label}, _webSocketMessages[{message.index}] ({message.type}) as one frame"
            report.violation(where, v)
