"""One compressed message seen both ways: what was on the wire and what it inflates to (RFC 7692 §7.2).

:class:`CompressedMessage` is data: the compressed payload, the inflated payload, and the fields a
view draws (the first DEFLATE block's header bits, the ``00 00 ff ff`` tail the receiver appends).
Views live in :mod:`wsexplorer.render.deflate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ....anatomy import Field, FieldList, Span, Violation
from .params import SYNC_FLUSH_TAIL

__all__ = ["CompressedMessage"]

_BTYPE_MEANING: Final = {
    0: "stored (no compression)",
    1: "fixed Huffman codes",
    2: "dynamic Huffman codes",
    3: "reserved (an error)",
}


@dataclass(frozen=True, slots=True)
class CompressedMessage:
    """One message both ways: the compressed payload on the wire and what it inflates to (RFC 7692
    §7.2).

    ``context_takeover`` says whether the compressor's window could hold earlier messages (so the
    payload may refer back to them, §7.1.1); ``window_bits`` is the window it was compressed with,
    when known. ``bytes(message)`` is the wire payload; :attr:`stream` is what the receiver actually
    inflates.
    """

    compressed: bytes
    inflated: bytes
    context_takeover: bool = False
    window_bits: int | None = None

    def __bytes__(self) -> bytes:
        return self.compressed

    @property
    def stream(self) -> bytes:
        """The wire payload plus the ``00 00 ff ff`` the receiver appends (RFC 7692 §7.2.2)."""
        return self.compressed + SYNC_FLUSH_TAIL

    @property
    def ratio(self) -> float | None:
        """Compressed size over inflated size (below 1 means smaller); None for an empty message."""
        return len(self.compressed) / len(self.inflated) if self.inflated else None

    @property
    def saving_percent(self) -> float | None:
        """How much smaller the wire payload is, in percent (negative when it grew)."""
        ratio = self.ratio
        return None if ratio is None else (1 - ratio) * 100

    def summary(self) -> str:
        """One line: the sizes both ways and how much smaller (or larger) the wire payload is."""
        sizes = f"{len(self.inflated)} bytes of message, {len(self.compressed)} bytes compressed"
        saving = self.saving_percent
        if saving is None:
            return f"{sizes} (empty message)"
        if saving >= 0:
            return f"{sizes} ({saving:.0f}% smaller)"
        return f"{sizes} ({-saving:.0f}% larger: too short or too random to compress)"

    def __repr__(self) -> str:
        return f"<CompressedMessage {self.summary()}>"

    @property
    def violations(self) -> Sequence[Violation]:
        return ()

    @property
    def fields(self) -> list[Field]:
        """Wire payload, first DEFLATE block header, implied tail, inflated payload."""
        stream = self.stream
        n = len(self.compressed)
        out = FieldList()
        out.add(
            stream,
            "compressed payload",
            Span.of_bytes(0, n),
            self.compressed,
            f"{n} bytes of DEFLATE blocks as sent; the sender removed the trailing 00 00 ff ff",
            "RFC 7692 §7.2.1",
            "wire",
        )
        if n:
            first = self.compressed[0]
            # DEFLATE packs header bits from the least significant bit: BFINAL is bit 0 of the first
            # byte (the last in MSB-first order), BTYPE bits 1-2 (RFC 1951 §3.1.1, §3.2.3).
            out.add(
                stream,
                "BFINAL",
                Span(7, 1),
                bool(first & 1),
                "last block of the DEFLATE stream" if first & 1 else "more blocks follow",
                "RFC 1951 §3.2.3, RFC 7692 §7.2.3.4",
                "first DEFLATE block",
            )
            btype = (first >> 1) & 3
            out.add(
                stream,
                "BTYPE",
                Span(5, 2),
                btype,
                _BTYPE_MEANING[btype],
                "RFC 1951 §3.2.3",
                "first DEFLATE block",
            )
        out.add(
            stream,
            "sync-flush tail",
            Span.of_bytes(n, n + 4),
            SYNC_FLUSH_TAIL,
            "not on the wire: the receiver appends 00 00 ff ff before inflating",
            "RFC 7692 §7.2.2",
            "implied",
        )
        fields = out.items
        fields.append(
            Field(
                "inflated payload",
                Span((n + 4) * 8, 0),
                b"",
                _preview(self.inflated),
                f"{len(self.inflated)} bytes after inflating",
                "RFC 7692 §7.2.2",
                "",
                "inflated",
            )
        )
        return fields


def _preview(data: bytes, limit: int = 60) -> str:
    """Text as a quoted string when it is UTF-8, else hex; cut at ``limit`` characters."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        shown = data[: limit // 3].hex(" ")
        return shown + (" …" if len(data) > limit // 3 else "")
    shown = repr(text[:limit])
    return shown + (" …" if len(text) > limit else "")
