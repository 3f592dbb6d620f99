"""The receiving half of a connection: the peer's bytes as frames and messages, every rule checked.

RFC 6455 §5 (framing, masking, control frames), §5.4 (fragmentation), §7.4.1 (size limits), §8.1 (UTF-8)
and RFC 7692 §6 (RSV1 under permessage-deflate). :class:`FrameReceiver` knows nothing of states or
replies: :meth:`~FrameReceiver.feed` appends events and raises a
:class:`~wsexplorer.errors.ProtocolError` at the first broken rule, its offset counted from the first
byte of the TCP stream. The :class:`~wsexplorer.protocol.connection.Connection` decides what to answer.
"""

from __future__ import annotations

from ..codec import rules
from ..codec.assembler import Inflater, Message, MessageAssembler
from ..codec.frame_header import FIN_BIT, LENGTH7_BITS, MASK_BIT, OPCODE_BITS, RSV1_BIT, Opcode
from ..codec.frame_parser import FrameParser
from ..codec.masking import SMALL_PAYLOAD, mask_small
from ..codec.role import Role
from ..errors import CloseCode, error_for_close_code
from .events import BinaryMessage, CloseReceived, Event, FrameReceived, Ping, Pong, TextMessage

__all__ = ["FrameReceiver"]

# The first byte of a single-frame message or control frame the fast path takes (FIN + opcode, and
# RSV1 for a compressed message), and the 7-bit lengths it takes (a control frame's limit, §5.5).
_TEXT = FIN_BIT | Opcode.TEXT
_BINARY = FIN_BIT | Opcode.BINARY
_DEFLATED_TEXT = _TEXT | RSV1_BIT
_DEFLATED_BINARY = _BINARY | RSV1_BIT
_PING = FIN_BIT | Opcode.PING
_PONG = FIN_BIT | Opcode.PONG
_SMALL = 125
assert _SMALL <= SMALL_PAYLOAD  # the fast path unmasks with mask_small
_TEXT_OPCODE, _BINARY_OPCODE = Opcode.TEXT, Opcode.BINARY  # looked up once: an enum member lookup is slow


class FrameReceiver:
    """Frames from a byte stream cut anywhere, checked as a receiver must, and put into messages.

    ``sender`` is who the frames come from (the masking rule, §5.1; ``None`` skips that rule).
    ``stream_base`` is the stream offset of the first frame byte (the handshake's length). After the
    peer's close frame, later frames are still checked but otherwise ignored (§5.5.1).
    """

    __slots__ = (
        "_assembler",
        "_inflater",
        "_max_message_size",
        "_parser",
        "closed",
        "frame_events",
        "max_frame_size",
        "sender",
        "stream_base",
    )

    def __init__(
        self,
        *,
        sender: Role | None,
        max_frame_size: int | None,
        max_message_size: int | None,
        stream_base: int = 0,
        frame_events: bool = True,
    ) -> None:
        self.sender = sender
        self.max_frame_size = max_frame_size
        self._max_message_size = max_message_size
        self.stream_base = stream_base
        self.frame_events = frame_events
        self.closed = False  # the peer's close frame has arrived
        self._parser = FrameParser()
        self._inflater: Inflater | None = None
        self._assembler = MessageAssembler(max_message_size=max_message_size)

    def use(self, inflater: Inflater | None) -> None:
        """Start receiving with the extension that defines RSV1 (permessage-deflate), or none."""
        self._inflater = inflater
        self._assembler = MessageAssembler(max_message_size=self._max_message_size, inflater=inflater)

    @property
    def buffered(self) -> int:
        """Bytes received that are not yet a complete frame."""
        return self._parser.buffered

    @property
    def stream_offset(self) -> int:
        """The stream offset of the next byte to arrive."""
        return self._parser.stream_offset + self.stream_base

    def feed(self, data: bytes | bytearray | memoryview, events: list[Event]) -> bool:
        """Take ``data``; append the events it completes. True when a ping or close frame arrived (the
        connection may have to answer). Raises ProtocolError at the first broken rule, also when the
        header of a frame still incomplete announces more than the limits allow (:meth:`check_pending`).
        """
        parser = self._parser
        control = False
        if not self.frame_events:
            # Finish the frame left cut by the last call through the general path, then the fast one.
            buffered = parser.buffered
            while buffered:
                need = parser.missing()
                if need >= len(data):
                    break
                control = self._frames(memoryview(data)[:need], events) or control
                data = memoryview(data)[need:]
                buffered = parser.buffered
            if not (buffered or self.closed or self._assembler.in_progress):
                taken, ping = self._whole_messages(data, events)
                control = control or ping
                if taken:
                    parser.skip(taken)
                    if taken == len(data):
                        return control
                    data = memoryview(data)[taken:]
        control = self._frames(data, events) or control
        if parser.buffered:
            self.check_pending()
        return control

    def _frames(self, data: bytes | bytearray | memoryview, events: list[Event]) -> bool:
        """The general path: every frame through the parser, the header rules and the assembler."""
        control = False
        base = self.stream_base
        rsv1_allowed = self._inflater is not None
        max_frame = self.max_frame_size
        for frame in self._parser.feed(data):
            offset = frame.offset = frame.offset + base
            if self.frame_events:
                events.append(FrameReceived(frame, offset))
            problems = frame.header_violations(sender=self.sender, rsv1_allowed=rsv1_allowed)
            if problems:
                v = problems[0]
                error = error_for_close_code(v.close_code or CloseCode.PROTOCOL_ERROR)
                raise error(v.rule, section=v.section, offset=offset + v.start)
            plen = frame.payload_length
            if max_frame is not None and plen > max_frame:
                raise rules.FRAME_PAYLOAD_OVER_LIMIT.error(offset=offset, length=plen, limit=max_frame)
            if self.closed:
                continue  # the peer must send nothing after its close frame; ignore it (§5.5.1)
            op = bytes(frame)[0] & OPCODE_BITS
            if op < 3:
                # Data may still arrive after we sent a close frame (§7.1.2); it is delivered.
                message = self._assembler.add(frame)
                if message is not None:
                    if message.decoded is not None:
                        events.append(TextMessage(message.decoded, message))
                    elif message.opcode == Opcode.BINARY:
                        events.append(BinaryMessage(message.payload, message))
                    else:  # a text message always has its text decoded by the assembler
                        events.append(TextMessage(message.payload.decode("utf-8"), message))
            elif op == Opcode.PING:
                events.append(Ping(frame.payload))
                control = True
            elif op == Opcode.PONG:
                events.append(Pong(frame.payload))
            else:
                problems = frame.close_violations()
                if problems:
                    v = problems[0]
                    error = error_for_close_code(v.close_code or CloseCode.PROTOCOL_ERROR)
                    raise error(v.rule, section=v.section, offset=offset + v.start)
                code = frame.close_code
                reason = frame.payload[2:].decode("utf-8") if code is not None else ""
                events.append(CloseReceived(CloseCode.NO_STATUS_RCVD if code is None else code, reason))
                self.closed = True
                control = True
        return control

    def _whole_messages(self, data: bytes | bytearray | memoryview, events: list[Event]) -> tuple[int, bool]:
        """The fast path: messages of one small frame each, pings and pongs, from the start of
        ``data``; returns the bytes taken and whether a ping came (to be answered).

        Most messages are one frame of at most 125 bytes (a 2- or 6-byte header, RFC 6455 §5.2). Such
        a frame obeys every header rule when its first byte is FIN + text/binary (+ RSV1 with
        permessage-deflate, RFC 7692 §6) or FIN + ping/pong (§5.5), and its MASK bit is what the
        sender must use (§5.1), so it becomes its event without a Frame object or the assembler. It
        stops at the first frame that is anything else: incomplete, longer, a close frame, a
        fragment, masked wrongly, over a limit, or not UTF-8 where text must be; the general path
        takes that frame and every later one in this call, and names the broken rule. Only a
        compressed message can fail here (inflating it changes the decompressor, so it cannot be
        handed back): with the same error and offset as the general path.
        """
        ping = False
        inflater = self._inflater
        limit = self._max_message_size
        max_frame = self.max_frame_size
        sender = self.sender
        base = self._parser.consumed + self.stream_base  # nothing is buffered on this path
        end = len(data)
        pos = 0
        while end - pos >= 2:
            b0 = data[pos]
            b1 = data[pos + 1]
            plen = b1 & LENGTH7_BITS
            if plen > _SMALL:
                break
            if b1 & MASK_BIT:
                if sender == "server":
                    break
                stop = pos + 6 + plen
                if stop > end:
                    break
                payload = mask_small(data[pos + 6 : stop], data[pos + 2 : pos + 6], plen)
            else:
                if sender == "client":
                    break
                stop = pos + 2 + plen
                if stop > end:
                    break
                payload = bytes(data[pos + 2 : stop])
            if max_frame is not None and plen > max_frame:
                break
            if b0 in (_TEXT, _BINARY):  # no RSV bit
                if limit is not None and plen > limit:
                    break
                if b0 == _BINARY:
                    message = Message(_BINARY_OPCODE, payload, False, plen, (base + pos,))
                    events.append(BinaryMessage(payload, message))
                else:
                    try:
                        text = payload.decode("utf-8")
                    except UnicodeDecodeError:
                        break
                    message = Message(_TEXT_OPCODE, payload, False, plen, (base + pos,), text)
                    events.append(TextMessage(text, message))
            elif b0 in (_DEFLATED_TEXT, _DEFLATED_BINARY) and inflater is not None:
                message = self._assembler.compressed_single(b0 == _DEFLATED_TEXT, payload, base + pos)
                if message.decoded is not None:
                    events.append(TextMessage(message.decoded, message))
                else:
                    events.append(BinaryMessage(message.payload, message))
            elif b0 == _PING:
                events.append(Ping(payload))
                ping = True
            elif b0 == _PONG:
                events.append(Pong(payload))
            else:
                break
            pos = stop
        return pos, ping

    def check_pending(self) -> None:
        """Refuse the frame being received as soon as its header announces too much (§5.2, §7.4.1),
        before its payload is buffered."""
        pending = self._parser.peek_header()
        if pending is None:
            return
        offset, _, announced, opcode = pending
        offset += self.stream_base
        if announced >= 1 << 63:
            raise rules.LENGTH_TOP_BIT.error(offset=offset + 2)
        if self.max_frame_size is None:
            return
        if announced > self.max_frame_size:
            raise rules.FRAME_ANNOUNCED_OVER_LIMIT.error(
                offset=offset, length=announced, limit=self.max_frame_size
            )
        if opcode < 8:
            self._assembler.check_announced(announced, offset)
