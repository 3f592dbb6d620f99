"""One TCP connection of a capture, followed from its first segment to what it turned out to be.

A :class:`CaptureConnection` reassembles its two directions (:class:`~wsexplorer.record.tcp.TCPReassembler`),
holds the first bytes until :func:`~wsexplorer.record.ws_scan.judge_start` can tell what the
connection carries, then either records every further byte into a
:class:`~wsexplorer.record.session.Session` (WebSocket) or stops keeping bytes (TLS, anything else).
A session joined after its handshake names the extensions its replay assumes in
``meta["assumed_extensions"]`` and says why in ``meta["assumption"]``.
A direction cut by a gap is never glued over: what follows the gap is counted, not recorded. The
bytes it keeps and holds are counted in a shared :class:`Budget`, so the importer can bound them all.
"""

from __future__ import annotations

import ipaddress
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from .capture import Finding, OtherConnection, PacketSpan, TLSConnection, WebSocketCapture
from .context import ASSUMED_EXTENSIONS
from .packet_decode import Segment
from .session import C2S, S2C, Session
from .tcp import SECTION as TCP_SECTION
from .tcp import Gap, Piece, StreamData, TCPReassembler
from .tls_hello import ClientHello
from .ws_scan import (
    SCAN_WINDOW,
    Verdict,
    agreed_words,
    align,
    extensions_to_assume,
    judge_start,
    rsv1_on_data,
)

__all__ = ["Budget", "CaptureConnection", "Endpoint", "endpoint_label"]

Endpoint = tuple[bytes, int]
_SESSION_FINDINGS = 100  # findings copied into each session's meta, as text


def endpoint_label(end: Endpoint) -> str:
    """``"127.0.0.1:8765"`` or ``"[::1]:8765"``."""
    host = str(ipaddress.ip_address(end[0])) if len(end[0]) in (4, 16) else end[0].hex()
    return f"[{host}]:{end[1]}" if ":" in host else f"{host}:{end[1]}"


@dataclass
class Budget:
    """Bytes kept in sessions and first-bytes buffers, and out-of-order bytes held, over all connections."""

    kept: int = 0
    held: int = 0


class CaptureConnection:
    """Direction 0 runs ``ends[0]`` -> ``ends[1]``; ``client_known`` when the capture saw the SYN (then
    ``ends[0]`` is the client). ``report`` receives every finding as it is made."""

    def __init__(
        self,
        ends: tuple[Endpoint, Endpoint],
        *,
        client_known: bool,
        first_packet: int,
        t_ns: int,
        capture_file: str,
        budget: Budget,
        report: Callable[[Finding], None],
    ) -> None:
        self.ends = ends
        self.client: int | None = 0 if client_known else None
        self.state = "pending"
        self.tcp: TCPReassembler | None = TCPReassembler()
        self.pending: list[tuple[int, bytes, int, int]] = []  # (direction, bytes, time, packet)
        self.pending_len = [0, 0]
        self._tried = 0
        self._aligning: dict[int, list[tuple[bytes, int, int]]] = {}  # midway: directions still to align
        self.cut = [False, False]
        self.dropped = [0, 0]
        self.isn: int | None = None
        self.fin = [False, False]
        self.rst = False
        self.first, self.last, self.count, self.payload = first_packet, first_packet, 0, 0
        self.last_t = t_ns
        self._clock_back = 0
        self.snapped: list[int] = []
        self.session: Session | None = None
        self.chunk_packets = array("q")
        self.hello: ClientHello | None = None
        self.agreed: tuple[str, ...] | None = None  # extensions of a captured 101 (joined midway)
        self._answer = ""  # what a 101 found while aligning the server's direction agreed, in words
        self.reason = ""
        self.findings: list[Finding] = []
        self._file = capture_file
        self._budget = budget
        self._report = report

    # -- naming ------------------------------------------------------------------------------------------

    @property
    def flip(self) -> int:
        """1 when the client is ``ends[1]`` (a connection joined midway whose client was found later)."""
        return self.client or 0

    def client_label(self) -> str:
        return endpoint_label(self.ends[self.flip])

    def server_label(self) -> str:
        return endpoint_label(self.ends[1 - self.flip])

    def name(self) -> str:
        return f"{self.client_label()} → {self.server_label()}"

    def span(self) -> PacketSpan:
        return PacketSpan(self.first, self.last, self.count, self.payload)

    @property
    def ended(self) -> bool:
        return self.rst or all(self.fin)

    def _find(
        self,
        kind: str,
        rule: str,
        section: str = "",
        *,
        direction: int | None = None,
        start: int | None = None,
        end: int | None = None,
        packets: tuple[int, ...] = (),
    ) -> None:
        finding = Finding(kind, rule, section, self.name(), direction, start, end, packets)
        self.findings.append(finding)
        self._report(finding)

    # -- segments in ---------------------------------------------------------------------------------------

    def segment(self, direction: int, seg: Segment, packet: int, t_ns: int) -> None:
        """One TCP segment sent in ``direction`` (0: ``ends[0]`` -> ``ends[1]``)."""
        self.count += 1
        self.last = packet
        self.payload += len(seg.payload)
        self.fin[direction] = self.fin[direction] or seg.fin
        self.rst = self.rst or seg.rst
        if seg.syn and not seg.is_ack and self.isn is None:
            self.isn = seg.seq
        if seg.missing and len(self.snapped) < 1000:
            self.snapped.append(packet)
        if self.tcp is None:
            return  # TLS or another protocol: counted, not kept
        before = self.tcp.held_bytes
        pieces = self.tcp.segment(
            direction,
            seg.seq,
            seg.payload,
            t_ns,
            packet=packet,
            syn=seg.syn,
            fin=seg.fin,
            rst=seg.rst,
            missing=seg.missing,
        )
        self._budget.held += self.tcp.held_bytes - before
        self._pieces(pieces, final=False)

    def _pieces(self, pieces: list[Piece], *, final: bool) -> None:
        for piece in pieces:
            d = piece.direction
            if isinstance(piece, Gap):
                rule = f"{piece.length} bytes never captured ({piece.reason}): the stream is cut here"
                self._find(
                    "gap",
                    rule,
                    TCP_SECTION,
                    direction=d ^ self.flip,
                    start=piece.start,
                    end=piece.end,
                    packets=(piece.packet,),
                )
                self.cut[d] = True
            elif isinstance(piece, StreamData):
                if self.cut[d]:
                    self.dropped[d] += len(piece.data)
                elif self.state == "pending":
                    self.pending.append((d, piece.data, piece.t_ns, piece.packet))
                    self.pending_len[d] += len(piece.data)
                    self._budget.kept += len(piece.data)
                elif d in self._aligning:
                    self._align(d, (piece.data, piece.t_ns, piece.packet), final)
                elif self.state == "websocket":
                    self._record(d, piece.data, piece.t_ns, piece.packet)
        if final:
            for d in list(self._aligning):
                self._align(d, None, final)
        total = sum(self.pending_len)
        if self.state == "pending" and (final or total >= 2 * self._tried):
            self._tried = max(total, 16)  # judge again once the bytes held have doubled
            self._judge(final)

    # -- judging ----------------------------------------------------------------------------------------

    def _judge(self, final: bool) -> None:
        prefixes = tuple(
            b"".join(data for k, data, _, _ in self.pending if k == d)[: 2 * SCAN_WINDOW] for d in (0, 1)
        )
        tcp = self.tcp
        done = tuple(
            final or self.cut[d] or (tcp is not None and tcp.halves[d].ended is not None) for d in (0, 1)
        )
        verdict = judge_start((prefixes[0], prefixes[1]), self.client, (done[0], done[1]))
        if verdict is None:
            return
        self.client = verdict.client
        for kind, rule in verdict.notes:
            self._find(kind, rule, "RFC 6455 §4.1" if verdict.handshake else "RFC 6455 §5.2")
        if verdict.kind == "websocket":
            self._websocket(verdict)
        else:
            self.hello = verdict.hello
            self._drop(verdict.kind, verdict.reason)

    def _drop(self, state: str, reason: str) -> None:
        self.state, self.reason = state, reason
        self._budget.kept -= sum(self.pending_len)
        if self.tcp is not None:
            self._budget.held -= self.tcp.held_bytes
        self.pending, self.pending_len, self.tcp = [], [0, 0], None

    def _websocket(self, verdict: Verdict) -> None:
        self.state = "websocket"
        meta = {
            "source": "capture",
            "capture_file": self._file,
            "client_address": self.client_label(),
            "server_address": self.server_label(),
            # times are the capture's, in ns since the Unix epoch: tied to the wall clock at 0
            "clock": {"wall": 0.0, "monotonic_ns": 0, "source": "capture timestamps"},
        }
        self.session = Session("client", handshake=verdict.handshake, meta=meta)
        self.agreed = verdict.extensions
        for d in verdict.unaligned:
            self.cut[d] = True
            self._find(
                "cut",
                "no frame boundary found in the first bytes: this direction is not recorded",
                "RFC 6455 §5.2",
                direction=d ^ self.flip,
            )
        for d in verdict.unknown:  # no byte yet: its first frame boundary is looked for as bytes come
            self._aligning[d] = []
        pending, self.pending = self.pending, []
        self._budget.kept -= sum(self.pending_len)
        self.pending_len = [0, 0]
        skip = list(verdict.starts)  # per direction: bytes before the first frame boundary
        for d, data, t, packet in pending:
            if self.cut[d] and not verdict.handshake:
                self.dropped[d] += len(data)
            elif skip[d] >= len(data):
                skip[d] -= len(data)
            else:
                self._record(d, data[skip[d] :], t, packet)
                skip[d] = 0

    def _align(self, d: int, piece: tuple[bytes, int, int] | None, final: bool) -> None:
        """Hold a direction's first bytes of a connection joined midway until a frame boundary shows."""
        held = self._aligning[d]
        size = sum(len(p[0]) for p in held)
        if piece is not None:
            held.append(piece)
            self._budget.kept += len(piece[0])
            if size and size + len(piece[0]) < 2 * size and not final:
                return  # look again once the bytes held have doubled
            size += len(piece[0])
        data = b"".join(p[0] for p in held)
        last_look = final or size >= SCAN_WINDOW
        found = align(data, masked=d == self.flip, final=final or self.cut[d], last_look=last_look)
        if found is None:
            return
        if found.agreed is not None and self.agreed is None:  # the server's 101 came first
            self.agreed = found.agreed
            self._answer = (
                f"the server's answer to the opening handshake was captured: {agreed_words(found.agreed)}"
            )
            self._find("mid-connection", self._answer, "RFC 6455 §4.2.2", direction=d ^ self.flip)
        del self._aligning[d]
        self._budget.kept -= size
        if found.start is None:
            self.cut[d] = True
            self.dropped[d] += size
            self._find("cut", found.rule, "RFC 6455 §5.2", direction=d ^ self.flip)
            return
        self._find("mid-connection", found.rule, "RFC 6455 §5.2", direction=d ^ self.flip)
        skip = found.start
        for data_, t, packet in held:
            if skip >= len(data_):
                skip -= len(data_)
            else:
                self._record(d, data_[skip:], t, packet)
                skip = 0

    def _extensions(self, session: Session) -> str:
        """For a session without handshake: the extensions its replay is to assume, in
        ``meta["assumed_extensions"]`` (:func:`.ws_scan.extensions_to_assume`), and the assumption in words
        (empty when a finding of the verdict already says it)."""
        rsv1 = self.agreed is None and any(rsv1_on_data(session.frame_columns(d)) for d in (C2S, S2C))
        elements, rule = extensions_to_assume(self.agreed, rsv1=rsv1)
        if elements:
            session.meta[ASSUMED_EXTENSIONS] = elements
        if self.agreed is not None:
            rule = self._answer
        elif rule:
            self._find("mid-connection", rule, "RFC 7692 §6")
        return rule[:1].upper() + rule[1:] + "." if rule else ""

    def _record(self, d: int, data: bytes, t_ns: int, packet: int) -> None:
        assert self.session is not None
        if t_ns < self.last_t:  # a capture's clock may step back; a session's times never do
            self._clock_back += 1
            t_ns = self.last_t
        self.last_t = t_ns
        self.session.record(C2S if d == self.flip else S2C, data, t_ns)
        self.chunk_packets.append(packet)
        self._budget.kept += len(data)

    # -- the end ----------------------------------------------------------------------------------------

    def finish(self) -> WebSocketCapture | TLSConnection | OtherConnection:
        """Close the connection (end of capture, reuse of its 4-tuple, or eviction) and say what it was."""
        if self.tcp is not None:
            before = self.tcp.held_bytes
            pieces = self.tcp.finish(self.last_t, self.last)
            self._budget.held += self.tcp.held_bytes - before
            self._pieces(pieces, final=True)
        if self.state == "pending":
            self._drop("other", "undecided")
        if self.state == "tls":
            return TLSConnection(self.client_label(), self.server_label(), self.span(), self.hello)
        if self.state != "websocket":
            return OtherConnection(self.client_label(), self.server_label(), self.span(), self.reason)
        return self._summary()

    def _summary(self) -> WebSocketCapture:
        tcp, session = self.tcp, self.session
        assert session is not None
        for conflict in tcp.conflicts if tcp is not None else []:
            a, b = conflict.differ
            packets = (conflict.first_packet, conflict.second_packet)
            rule = f"{conflict}; the first copy is kept"
            self._find(
                "conflict",
                rule,
                TCP_SECTION,
                direction=conflict.direction ^ self.flip,
                start=a,
                end=b,
                packets=packets,
            )
        for half in tcp.halves if tcp is not None else ():
            d = half.direction ^ self.flip
            if half.retransmitted_segments:
                self._find(
                    "retransmission",
                    f"{half.retransmitted_segments} segments sent again "
                    f"({half.retransmitted_bytes} bytes); identical copies dropped",
                    TCP_SECTION,
                    direction=d,
                )
            if half.after_end_bytes:
                self._find(
                    "after end",
                    f"{half.after_end_bytes} bytes after the FIN or RST ignored",
                    "RFC 9293 §3.6",
                    direction=d,
                )
        for d in (0, 1):
            if self.dropped[d]:
                self._find(
                    "cut",
                    f"{self.dropped[d]} bytes after a gap not recorded (a stream is never glued over a hole)",
                    direction=d ^ self.flip,
                )
        if self.snapped:
            self._find(
                "snapshot length",
                f"{len(self.snapped)} packets cut when captured",
                "draft-ietf-opsawg-pcap §5",
                packets=tuple(self.snapped),
            )
        if self._clock_back:
            self._find(
                "clock",
                f"{self._clock_back} chunks stamped earlier than the one before: given the "
                "previous time, so the session's times never go back",
            )
        meta = session.meta
        extensions = "" if session.handshake else self._extensions(session)
        meta["packets"] = {"first": self.first, "last": self.last, "count": self.count}
        meta["findings"] = [str(f) for f in self.findings[:_SESSION_FINDINGS]]
        if not session.handshake:
            said = next((f.rule for f in self.findings if f.kind == "mid-connection"), "")
            meta["assumption"] = f"{said} {extensions}" if said and extensions else said or extensions
        request = session.request
        if request is not None:
            meta["url"] = f"ws://{request.host or self.server_label()}{request.target}"
        return WebSocketCapture(
            session,
            self.client_label(),
            self.server_label(),
            self.span(),
            self.chunk_packets,
            midstream=not session.handshake,
            findings=self.findings,
        )
