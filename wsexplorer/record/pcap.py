"""Import pcap and pcapng captures: every WebSocket connection, on any port, becomes a Session.

:func:`import_capture` reads a capture packet by packet (:mod:`.capture_file`, bounded), decodes each
TCP segment (:mod:`.packet_decode`), reassembles each connection's two byte streams itself
(:mod:`.tcp`: out-of-order segments, retransmissions, overlaps, gaps, sequence wraparound), and judges
each connection by its first bytes (:mod:`.ws_scan`): an opening handshake with ``Upgrade: websocket``
(RFC 6455 §4.1) makes a :class:`~wsexplorer.record.session.Session` with the capture's timestamps; a
TLS ClientHello makes a TLS entry with its server name; anything else is counted and dropped. A
connection the capture joined after its handshake is still a Session (``handshake=False``) from the
first frame boundary found, with the assumption stated. ``export_pcapng`` writes a Session back.

Streaming and bounded: the file is never read whole; only WebSocket streams' bytes are kept, plus at
most :data:`~wsexplorer.record.ws_scan.SCAN_WINDOW` bytes per direction while a connection is being
judged and the reassembler's bounded out-of-order buffers; ``max_bytes`` caps their sum. At most
:data:`MAX_CONNECTIONS` connections are followed at once (the least recently active is closed first).
Bad input raises :class:`~wsexplorer.errors.CaptureFormatError`, never another exception.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from ..errors import CaptureFormatError
from .capture import MAX_LISTED, CaptureImport, Finding, TLSConnection, WebSocketCapture
from .capture_connection import Budget, CaptureConnection, Endpoint
from .capture_file import CapturedPacket, CaptureReader
from .packet_decode import LINK_TYPES, decode_segment
from .pcapng_export import export_pcapng

__all__ = ["DEFAULT_MAX_BYTES", "MAX_CONNECTIONS", "CaptureImport", "export_pcapng", "import_capture"]

DEFAULT_MAX_BYTES = 256 << 20
"""Bytes kept at most while importing (WebSocket streams, first bytes being judged, held out-of-order
bytes): 256 MiB."""
MAX_CONNECTIONS = 65_536
"""TCP connections followed at once; past it the least recently active one is closed and reported."""

Progress = Callable[[int, int], None]


class _Importer:
    """Packets in, connections followed by 4-tuple, a CaptureImport out."""

    def __init__(self, reader: CaptureReader, path: str, max_bytes: int | None, strict: bool) -> None:
        self.result = CaptureImport(path, reader.format)
        self.path = path
        self.max_bytes = max_bytes
        self.strict = strict
        self.table: OrderedDict[tuple[Endpoint, Endpoint], CaptureConnection] = OrderedDict()
        self.budget = Budget()

    def _fail(self, packet: CapturedPacket, field: str, rule: str, section: str = "") -> CaptureFormatError:
        member = f"packet {packet.number}"
        return CaptureFormatError(
            rule, path=self.path, member=member, field=field, offset=packet.offset, section=section
        )

    def _skip(self, reason: str) -> None:
        self.result.skipped[reason] = self.result.skipped.get(reason, 0) + 1

    def packet(self, p: CapturedPacket) -> None:
        res = self.result
        res.packet_count += 1
        res.link_types[p.linktype] = res.link_types.get(p.linktype, 0) + 1
        if p.linktype not in LINK_TYPES:
            known = ", ".join(f"{k} ({v})" for k, v in sorted(LINK_TYPES.items()))
            raise self._fail(p, "link type", f"link type {p.linktype} is not supported; supported: {known}")
        seg = decode_segment(p.linktype, p.data, p.orig_len)
        if isinstance(seg, str):
            self._skip(seg)
            if seg not in ("not IP", "not TCP"):
                kind = (
                    "snapshot length"
                    if "snapshot" in seg
                    else "IP fragment"
                    if "fragment" in seg
                    else "undecodable"
                )
                res.add_finding(Finding(kind, f"packet passed over: {seg}", packets=(p.number,)))
            return
        if seg.missing and self.strict:
            raise self._fail(
                p,
                "captured packet length",
                f"{seg.missing} TCP payload bytes were cut by the snapshot length",
                "draft-ietf-opsawg-pcap §5",
            )
        a, b = (seg.src, seg.sport), (seg.dst, seg.dport)
        key = (a, b) if a <= b else (b, a)
        conn = self.table.get(key)
        if (
            conn is not None
            and seg.syn
            and not seg.is_ack
            and (conn.ended or conn.isn not in (None, seg.seq))
        ):
            del self.table[key]  # a new connection on the same 4-tuple
            self._close(conn)
            conn = None
        if conn is None:
            if not (seg.payload or seg.syn or seg.missing):
                self._skip("no data on a connection not seen before")
                return
            ends = (b, a) if seg.syn and seg.is_ack else (a, b)  # a SYN-ACK comes from the server
            conn = CaptureConnection(
                ends,
                client_known=seg.syn,
                first_packet=p.number,
                t_ns=p.t_ns,
                capture_file=self.path,
                budget=self.budget,
                report=res.add_finding,
            )
            self.table[key] = conn
            if len(self.table) > MAX_CONNECTIONS:
                _, oldest = self.table.popitem(last=False)
                res.add_finding(
                    Finding(
                        "limit",
                        f"more than {MAX_CONNECTIONS} connections at once: this one was "
                        "closed before its end",
                        connection=oldest.name(),
                    )
                )
                self._close(oldest)
        else:
            self.table.move_to_end(key)
        conn.segment(0 if a == conn.ends[0] else 1, seg, p.number, p.t_ns)
        budget = self.budget
        if self.max_bytes is not None and budget.kept + budget.held > self.max_bytes:
            raise self._fail(
                p,
                "max_bytes",
                f"the WebSocket streams and the bytes being judged pass max_bytes="
                f"{self.max_bytes}: import with a higher limit, or max_bytes=None",
            )

    def _close(self, conn: CaptureConnection) -> None:
        outcome = conn.finish()
        res = self.result
        if isinstance(outcome, WebSocketCapture):
            res.websockets.append(outcome)
        elif isinstance(outcome, TLSConnection):
            res.tls.append(outcome)
        else:
            res.other_count += 1
            if len(res.other) < MAX_LISTED:
                res.other.append(outcome)

    def finish(self) -> CaptureImport:
        while self.table:
            self._close(self.table.popitem(last=False)[1])
        res = self.result
        res.websockets.sort(key=lambda w: w.packets.first)
        res.tls.sort(key=lambda c: c.packets.first)
        res.other.sort(key=lambda c: c.packets.first)
        return res


def import_capture(
    path: str | Path,
    *,
    progress: Progress | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    strict: bool = False,
) -> CaptureImport:
    """Every WebSocket connection in the pcap or pcapng file at ``path``, and the TLS and other ones.

    ``progress(bytes_read, total)`` is called as the file is read (about every 1 % or MiB, and at the
    end). ``max_bytes`` caps the bytes kept (None: no cap). A packet cut by the snapshot length makes a
    gap and a finding; with ``strict`` it raises instead. Raises CaptureFormatError for a file that is
    not a capture, is cut short, contradicts itself, passes a limit or uses an unsupported link type.
    """
    name = str(path)
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed by the with statement below
    except OSError as exc:
        raise CaptureFormatError(f"cannot open the file: {exc.strerror}", path=name) from None
    with file:
        reader = CaptureReader(file, name)
        importer = _Importer(reader, name, max_bytes, strict)
        step = max(1 << 20, reader.size // 100)
        report = step
        for packet in reader.packets():
            importer.packet(packet)
            if progress is not None and reader.position >= report:
                progress(reader.position, reader.size)
                report = reader.position + step
        result = importer.finish()
    if progress is not None:
        progress(reader.size, reader.size)
    return result
