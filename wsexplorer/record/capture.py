"""What a capture import gives: WebSocket sessions, TLS connections, other connections, findings.

:func:`~wsexplorer.record.pcap.import_capture` returns a :class:`CaptureImport`. Each WebSocket
connection is a :class:`WebSocketCapture`: a :class:`~wsexplorer.record.session.Session` rebuilt from
the reassembled TCP streams (so frames, handshake, messages and summaries work as for a live
recording), with the packet number of every recorded chunk, to find a frame in Wireshark. Everything
the importer had to decide or could not see is a :class:`Finding`: gaps, conflicting retransmissions,
packets cut by the snapshot length, a connection whose start the capture missed.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass, field

from .session import Direction, Session
from .tls_hello import ClientHello

__all__ = [
    "MAX_FINDINGS",
    "MAX_LISTED",
    "CaptureImport",
    "Finding",
    "OtherConnection",
    "PacketSpan",
    "TLSConnection",
    "WebSocketCapture",
]


@dataclass(frozen=True, slots=True)
class Finding:
    """Something about a captured connection a reader must know, with where it is.

    ``kind`` is one of ``"gap"``, ``"conflict"``, ``"snapshot length"``, ``"mid-connection"``,
    ``"cut"`` (stream bytes after a gap, not recorded), ``"retransmission"``, ``"after end"``,
    ``"undecodable"``, ``"IP fragment"``, ``"clock"`` (timestamps going back) or ``"limit"``.
    ``direction`` is 0 (client to server) or 1 when it applies; ``start``/``end`` are stream offsets
    in that direction; ``packets`` the packet numbers involved (counted from 1, as Wireshark does).
    """

    kind: str
    rule: str
    section: str = ""
    connection: str = ""
    direction: int | None = None
    start: int | None = None
    end: int | None = None
    packets: tuple[int, ...] = ()

    def __str__(self) -> str:
        where = []
        if self.connection:
            where.append(self.connection)
        if self.direction is not None:
            where.append(("client→server", "server→client")[self.direction])
        if self.start is not None and self.end is not None:
            where.append(f"stream bytes {self.start}..{self.end - 1}")
        if self.packets:
            where.append(
                "packet " + ", ".join(map(str, self.packets[:5])) + (" …" if len(self.packets) > 5 else "")
            )
        ref = f" ({self.section})" if self.section else ""
        return f"{self.kind}: {self.rule}{ref}" + (f" [{'; '.join(where)}]" if where else "")


@dataclass(frozen=True, slots=True)
class PacketSpan:
    """A connection's packets: the first and last packet numbers and how many there were."""

    first: int
    last: int
    count: int
    payload_bytes: int


@dataclass
class WebSocketCapture:
    """One WebSocket connection found in a capture.

    ``session`` holds both directions' bytes as reassembled (direction 0 is the client's), timed with
    the capture's timestamps in nanoseconds since the Unix epoch; ``chunk_packets`` gives the packet
    number that made each recorded chunk readable. ``midstream`` is True when the capture started
    after the opening handshake: the session then starts at the first frame boundary found.
    """

    session: Session
    client: str
    server: str
    packets: PacketSpan
    chunk_packets: array[int]
    midstream: bool = False
    findings: list[Finding] = field(default_factory=list)
    _ends: tuple[list[int], list[int]] | None = field(default=None, repr=False)
    _packets_by_direction: tuple[list[int], list[int]] | None = field(default=None, repr=False)

    def packet_at(self, direction: Direction, offset: int) -> int:
        """The packet whose chunk carried byte ``offset`` of ``direction``'s stream (0 if none did)."""
        if self._ends is None or len(self._ends[0]) + len(self._ends[1]) != self.session.chunk_count:
            ends: tuple[list[int], list[int]] = ([], [])
            numbers: tuple[list[int], list[int]] = ([], [])
            totals = [0, 0]
            dirs, lengths, _ = self.session.chunk_columns()
            for k in range(len(dirs)):
                d = dirs[k]
                totals[d] += lengths[k]
                ends[d].append(totals[d])
                numbers[d].append(self.chunk_packets[k] if k < len(self.chunk_packets) else 0)
            self._ends, self._packets_by_direction = ends, numbers
        assert self._packets_by_direction is not None
        k = bisect_right(self._ends[direction], offset)
        chunk_packets = self._packets_by_direction[direction]
        return chunk_packets[k] if k < len(chunk_packets) else 0

    def frame_packet(self, direction: Direction, index: int) -> int:
        """The packet that completed frame ``index`` of ``direction`` (the one holding its last byte)."""
        offsets = self.session.frame_offsets(direction)
        end = offsets[index + 1] if index + 1 < len(offsets) else self.session.frames_extent(direction)[1]
        return self.packet_at(direction, end - 1)

    def __repr__(self) -> str:
        how = " (from mid-connection)" if self.midstream else ""
        return f"<WebSocketCapture {self.client} → {self.server}{how}: {self.session!r}>"


@dataclass(frozen=True)
class TLSConnection:
    """A TCP connection that carries TLS (a ``wss://`` one, or any other), with its ClientHello."""

    client: str
    server: str
    packets: PacketSpan
    hello: ClientHello | None

    @property
    def server_name(self) -> str | None:
        """The SNI host name the client asked for (RFC 6066 §3), if the hello was captured."""
        return self.hello.server_name if self.hello is not None else None


@dataclass(frozen=True)
class OtherConnection:
    """A TCP connection that is neither WebSocket nor TLS, counted and not kept; ``reason`` says why
    it was passed over. When the capture missed its SYN, ``client`` is just the first sender."""

    client: str
    server: str
    packets: PacketSpan
    reason: str


@dataclass
class CaptureImport:
    """Everything found in one capture file.

    ``other`` lists at most :data:`MAX_LISTED` connections (``other_count`` counts them all);
    ``findings`` at most :data:`MAX_FINDINGS` (``findings_count`` counts them all); ``skipped`` counts
    packets that were no TCP segment, by reason; ``link_types`` counts packets by link type.
    """

    path: str
    format: str
    packet_count: int = 0
    websockets: list[WebSocketCapture] = field(default_factory=list)
    tls: list[TLSConnection] = field(default_factory=list)
    other: list[OtherConnection] = field(default_factory=list)
    other_count: int = 0
    findings: list[Finding] = field(default_factory=list)
    findings_count: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    link_types: dict[int, int] = field(default_factory=dict)

    @property
    def sessions(self) -> list[Session]:
        """One Session per WebSocket connection, in the order the connections started."""
        return [w.session for w in self.websockets]

    def add_finding(self, finding: Finding) -> None:
        self.findings_count += 1
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)

    def summary(self) -> str:
        frames = sum(s.frame_count() for s in self.sessions)
        return (
            f"{self.path}: {self.packet_count} packets ({self.format}); {len(self.websockets)} WebSocket "
            f"connection(s) with {frames} frames, {len(self.tls)} TLS, {self.other_count} other; "
            f"{self.findings_count} finding(s)"
        )

    def __repr__(self) -> str:
        return f"<CaptureImport {self.summary()}>"


MAX_LISTED = 10_000
"""Other connections listed one by one in a :class:`CaptureImport` (more are only counted)."""
MAX_FINDINGS = 10_000
"""Findings kept in a :class:`CaptureImport` (more are only counted)."""
