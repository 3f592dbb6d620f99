"""One direction of a recording: its bytes, where the header block ends, and the frame index columns.

The index has two rows per frame (stream offset, first two bytes); times come from the chunk rows
(:mod:`.chunk_clock`).

Built incrementally as chunks arrive: only the new frame headers are read (RFC 6455 §5.2), so indexing
costs the same per frame however long the recording is. :class:`~wsexplorer.record.session.Session`
holds two of these and the chunk columns.
"""

from __future__ import annotations

from array import array

from ..codec.frame_header import LENGTH7_BITS, MASK_BIT, header_layout
from ..codec.handshake import HandshakeResponse
from ..codec.http import find_header_end
from ..errors import ParseError, WSExplorerError

__all__ = ["DirectionStream"]


class DirectionStream:
    """One direction: the bytes, where frames start, and the frame index columns."""

    __slots__ = (
        "data",
        "frame_offsets",
        "frames_from",
        "head_end",
        "header_bytes",
        "scan",
    )

    def __init__(self) -> None:
        self.data = bytearray()
        self.head_end: int | None = None  # end of the HTTP header block, once seen
        self.frames_from: int | None = None  # stream offset where frames start (None: not, or not yet)
        self.scan = 0  # offset of the next frame to index
        self.frame_offsets = array("Q")
        self.header_bytes = array("H")  # each frame's first two bytes (byte 0 << 8 | byte 1)

    def find_head(self, request: bool) -> int | None:
        """Look for the end of the header block; frames start after it for a request, or after a 101
        response. The response's status, once its header block is complete (else None)."""
        try:
            end = find_header_end(self.data)
        except WSExplorerError:
            self.head_end = -1  # never a valid header block: nothing after it is frames
            return None
        if end is None:
            return None
        self.head_end = end
        if request:
            self.frames_from = self.scan = end
            return None
        try:
            status = HandshakeResponse.parse(bytes(self.data[:end])).status
        except ParseError:
            status = None
        if status == 101:
            self.frames_from = self.scan = end
        return status

    def index(self) -> None:
        """Add every frame complete since the last call to the index columns."""
        data = self.data
        pos = self.scan
        end = len(data)
        offsets, heads = self.frame_offsets, self.header_bytes
        while end - pos >= 2:
            b1 = data[pos + 1]
            if b1 & LENGTH7_BITS < 126:  # the common case: a 7-bit length
                stop = pos + (6 if b1 & MASK_BIT else 2) + (b1 & LENGTH7_BITS)
            else:
                layout = header_layout(data, pos)
                if layout is None:
                    break
                stop = pos + layout[0] + layout[2]
            if stop > end:
                break
            offsets.append(pos)
            heads.append(data[pos] << 8 | b1)
            pos = stop
        self.scan = pos
