"""Frames from a byte stream cut at any points (RFC 6455 §5.2), and a stream split for display.

:class:`FrameParser` is the incremental parser a receiving connection feeds. :func:`split_frames` takes
a whole byte string (pasted hex, a recorded stream) apart: the complete frames, then what is left and
why it is not a frame yet, so a view can show a cut-off frame as far as it goes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import IncompleteInput
from .frame_header import LENGTH7_BITS, MASK_BIT, OPCODE_BITS, LengthForm, header_layout, header_needed
from .frames import Frame
from .masking import LARGE_PAYLOAD, PayloadWriter, apply_mask

__all__ = ["FrameParser", "StreamSplit", "split_frames"]

STREAMED_PAYLOAD = 65536
"""A frame with at least this many payload bytes that takes more than one read is unmasked into its
payload as the reads arrive (:class:`~wsexplorer.codec.masking.PayloadWriter`) instead of being
buffered whole and unmasked at the end: one pass over each byte instead of two."""
_STREAMED_MAX = 64 * 1024 * 1024  # above this, a payload is not allocated before its bytes arrive
_CAN_STREAM = PayloadWriter.AVAILABLE


class FrameParser:
    """Incremental frame parser for a byte stream cut at any points.

    Feed bytes with :meth:`feed`; it returns the frames completed so far, each with its ``offset``
    counted from the first byte ever fed. :meth:`peek_header` shows the header of an incomplete frame,
    so a receiver can refuse an oversized frame before its payload arrives. Small frames keep their wire
    bytes and unmask on demand; large ones are unmasked here, once: from the buffer when they arrived
    in one read, or piece by piece into their payload when they take several (``STREAMED_PAYLOAD``).
    A streamed frame starts on the read after the one that completed its header, so a receiver has
    checked the announced length (:meth:`peek_header`) before its payload is allocated.
    """

    __slots__ = ("_buf", "_header", "_writer", "consumed")

    def __init__(self) -> None:
        self._buf = bytearray()
        # The stream offset of the first byte not yet returned in a frame: of the buffered bytes, if any.
        self.consumed = 0
        self._header = b""  # the streamed frame's header
        self._writer: PayloadWriter | None = None  # the streamed frame's payload, being written

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        if self._writer is not None:
            return len(self._header) + self._writer.filled
        return len(self._buf)

    @property
    def stream_offset(self) -> int:
        """Offset of the next byte fed, counted from the first byte ever fed."""
        return self.consumed + self.buffered

    def peek_header(self) -> tuple[int, int, int, int] | None:
        """(stream offset, header length, payload length, opcode) of an incomplete frame whose header
        is complete.

        Lets a receiver enforce a size limit as soon as the header is read, before any payload arrives.
        """
        writer = self._writer
        if writer is not None:
            header = self._header
            return self.consumed, len(header), writer.length, header[0] & OPCODE_BITS
        layout = header_layout(self._buf, 0)
        if layout is None:
            return None
        return self.consumed, layout[0], layout[2], self._buf[0] & OPCODE_BITS

    def missing(self) -> int:
        """How many more bytes complete the frame being received, or its header while that is cut
        (then more may be needed); 0 when nothing is buffered."""
        if self._writer is not None:
            return self._writer.missing
        buf = self._buf
        if not buf:
            return 0
        layout = header_layout(buf, 0)
        if layout is None:
            return header_needed(buf) - len(buf)
        return layout[0] + layout[2] - len(buf)

    def skip(self, count: int) -> None:
        """Count ``count`` bytes of whole frames that a caller took straight from its input instead of
        feeding them (a receiver's fast path), so later offsets stay right. Only between frames."""
        if self._buf or self._writer is not None:
            raise ValueError("skip() in the middle of a frame")
        self.consumed += count

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        """Add bytes; return every frame now complete, in order."""
        frames: list[Frame] = []
        buf = self._buf
        # Only the 8-byte length form announces STREAMED_PAYLOAD bytes or more.
        if self._writer is None and len(buf) >= 10 and buf[1] & LENGTH7_BITS == 127 and _CAN_STREAM:
            self._start_streaming()
        if self._writer is not None:
            rest = self._stream(data, frames)
            if not rest:
                return frames
            data = rest
        if buf:
            buf += data
            source: bytes | bytearray = buf
        else:
            source = bytes(data)
        view = memoryview(source)
        pos = 0
        end = len(source)
        base = self.consumed
        new = Frame.from_layout
        while end - pos >= 2:
            b1 = source[pos + 1]
            len7 = b1 & LENGTH7_BITS
            if len7 < 126:
                hlen = 6 if b1 & MASK_BIT else 2
                form = 0
                plen = len7
                if end - pos < hlen + plen:
                    break
            else:
                layout = header_layout(source, pos)
                if layout is None:
                    break
                hlen, form, plen = layout
                if end - pos < hlen + plen:
                    break
            stop = pos + hlen + plen
            if plen < LARGE_PAYLOAD:  # large: kept as header + payload, one copy instead of two
                frames.append(new(bytes(view[pos:stop]), hlen, form, plen, base + pos))
            else:
                frames.append(_large_frame(view, pos, hlen, form, stop, base + pos, b1 & MASK_BIT))
            pos = stop
        view.release()
        if buf:
            del buf[:pos]
        elif pos < end:
            buf += memoryview(source)[pos:]
        self.consumed = base + pos
        return frames

    def _start_streaming(self) -> None:
        """Turn the buffered start of a large frame into a payload being written (one pass from here)."""
        buf = self._buf
        layout = header_layout(buf, 0)
        if layout is None:
            return
        hlen, _, plen = layout
        if not STREAMED_PAYLOAD <= plen <= _STREAMED_MAX:
            return
        header = self._header = bytes(buf[:hlen])
        writer = self._writer = PayloadWriter(plen, header[-4:] if header[1] & MASK_BIT else None)
        writer.write(memoryview(buf)[hlen:])
        buf.clear()

    def _stream(self, data: bytes | bytearray | memoryview, frames: list[Frame]) -> memoryview | None:
        """Write ``data`` into the streamed payload; when it completes, append the frame and return the
        bytes after it (None when ``data`` ended first)."""
        writer = self._writer
        assert writer is not None
        need = writer.missing
        if len(data) < need:
            writer.write(data)
            return None
        view = memoryview(data)
        writer.write(view[:need])
        header = self._header
        payload = writer.payload()
        # Only the 64-bit length form streams (feed() checks for it).
        frames.append(Frame.from_header_and_payload(header, payload, LengthForm.BITS_64, self.consumed))
        self.consumed += len(header) + writer.length
        self._writer = None
        self._header = b""
        return view[need:]


def _large_frame(
    view: memoryview, pos: int, hlen: int, form: int, stop: int, offset: int, masked: int
) -> Frame:
    """The frame at ``view[pos:stop]`` as its header and its payload, unmasked from the view (§5.3)."""
    header = bytes(view[pos : pos + hlen])
    body = view[pos + hlen : stop]
    payload = apply_mask(body, header[-4:]) if masked else bytes(body)
    body.release()
    return Frame.from_header_and_payload(header, payload, form, offset)


@dataclass(frozen=True, slots=True)
class StreamSplit:
    """A byte string taken apart into frames.

    ``frames`` are the complete frames in order (``offset`` from the first byte); when the bytes end
    inside a frame, ``incomplete`` says what is missing and ``partial`` is that frame as far as it came
    (``None`` when even its header is cut).
    """

    frames: tuple[Frame, ...]
    incomplete: IncompleteInput | None = None
    partial: Frame | None = None

    @property
    def shown(self) -> tuple[Frame, ...]:
        """The complete frames, then the partial one if there is one."""
        return self.frames + ((self.partial,) if self.partial is not None else ())


def split_frames(data: bytes | bytearray | memoryview) -> StreamSplit:
    """Every complete frame of ``data``, then what is left: the frame a receiver is still waiting for."""
    data = bytes(data)
    parser = FrameParser()
    frames = tuple(parser.feed(data))
    if not parser.buffered:
        return StreamSplit(frames)
    start = len(data) - parser.buffered
    tail = data[start:]
    try:
        Frame.parse(tail)
    except IncompleteInput as exc:
        missing = IncompleteInput(
            exc.rule, missing=exc.missing, section=exc.section, offset=start + (exc.offset or 0)
        )
    else:  # cannot happen: FrameParser keeps bytes only while they are not a whole frame
        return StreamSplit((*frames, Frame.parse(tail)))
    try:
        partial: Frame | None = Frame.parse(tail, allow_truncated=True)
    except IncompleteInput:
        partial = None
    if partial is not None:
        partial.offset = start
    return StreamSplit(frames, missing, partial)
