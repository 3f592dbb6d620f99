"""Conversations whose packets do not line up with WebSocket messages (MQTT, STOMP).

Such a protocol is a byte stream per direction: a message may carry several packets or part of one
(MQTT 5.0 §6 [MQTT-6.0.0-2]; STOMP frames end at a NUL wherever that falls). A
:class:`StreamConversation` buffers each direction in a :class:`~.base.ByteStream`, lets the protocol
take out whole packets (:meth:`StreamConversation._drain`), and reports what is left at the end
(:meth:`~StreamConversation.finish`).

Bounds: at most ``max_items`` decoded items per WebSocket message (:data:`MAX_ITEMS`), so a message of
tiny packets cannot turn into millions of objects: past it, the buffered rest becomes one undecoded
item and that direction is no longer read (:meth:`give_up`), as after a packet whose end cannot be
found. The buffer itself holds at most one incomplete packet (the protocol's size limit) plus one
message.
"""

from __future__ import annotations

import abc

from ..role import ROLES, Role
from .base import MAX_MESSAGE_SIZE, ByteStream, Conversation, DecodedMessage, MessageBuilder, SubprotocolRule

__all__ = ["MAX_ITEMS", "StreamConversation"]

MAX_ITEMS = 10_000
"""Decoded items one WebSocket message may yield before the rest of its direction is left undecoded."""

TOO_MANY = SubprotocolRule(
    "more than {limit} packets in one message: the rest of this direction is not decoded",
    "RFC 6455 §10.4 (implementation limits)",
    None,
)
UNREADABLE = SubprotocolRule(
    "not decoded: this direction stopped being readable at {why}", "{section}", None, "message"
)
STREAM_ENDED = SubprotocolRule(
    "the conversation ended inside a {what} ({have} bytes buffered)", "{section}", None, "message"
)


class StreamConversation(Conversation):
    """A conversation decoding each direction as a byte stream; subclasses implement :meth:`_drain`."""

    #: what one unit is called, and the section that says where it ends (for the stream violations)
    unit: str = "packet"
    framing_section: str = ""

    def __init__(self, *, max_message_size: int = MAX_MESSAGE_SIZE, max_items: int = MAX_ITEMS) -> None:
        super().__init__(max_message_size=max_message_size)
        if max_items < 1:
            raise ValueError(f"max_items must be positive, got {max_items}")
        self.max_items = max_items
        self.streams: dict[Role, ByteStream] = {role: ByteStream() for role in ROLES}
        self.broken: dict[Role, str] = {}  # direction -> why it is no longer read

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        out = self._on_message(data, is_text, sender, index)
        if sender in self.broken:
            b = self.builder(data, sender, index, is_text=is_text)
            b.kind, b.headline = "unreadable", f"{len(data)} bytes"
            b.flag(UNREADABLE, 0, len(data), why=self.broken[sender], section=self.framing_section)
            return [*out, b.build()]
        data, skipped = self._skip(data, sender, index)
        out += skipped
        self.streams[sender].feed(data, index, is_text=is_text)
        items, more = self._drain(sender, self.max_items)
        out += items
        if more:
            b = self.give_up(sender, f"{self.unit} {len(items) + 1} of message {index}")
            b.flag(TOO_MANY, 0, len(b.data), limit=self.max_items)
            out.append(b.build())
        return out

    def give_up(self, sender: Role, why: str) -> MessageBuilder:
        """Everything buffered in ``sender``'s direction, as one undecoded item for the caller to flag
        and build; later bytes of that direction are shown unread (a receiver would have closed)."""
        stream = self.streams[sender]
        data, pieces = stream.take(len(stream))
        b = MessageBuilder(self.protocol, data, sender, is_text=stream.is_text, pieces=pieces)
        b.kind, b.headline = "not decoded", f"{len(data)} bytes"
        self.broken[sender] = why
        return b

    def finish(self) -> list[DecodedMessage]:
        out = []
        for sender in ROLES:
            stream = self.streams[sender]
            if len(stream) and sender not in self.broken:
                data, pieces = stream.take(len(stream))
                b = MessageBuilder(self.protocol, data, sender, is_text=stream.is_text, pieces=pieces)
                b.kind, b.headline = "incomplete", f"{len(data)} bytes"
                b.flag(
                    STREAM_ENDED, 0, len(data), what=self.unit, have=len(data), section=self.framing_section
                )
                out.append(b.build())
        return out

    # -- hooks ---------------------------------------------------------------------------------------

    def _on_message(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        """Rules about the WebSocket message itself (MQTT: binary only); nothing by default."""
        return []

    def _skip(self, data: bytes, sender: Role, index: int) -> tuple[bytes, list[DecodedMessage]]:
        """Bytes of an over-limit packet to drop before buffering; none by default."""
        return data, []

    @abc.abstractmethod
    def _drain(self, sender: Role, budget: int) -> tuple[list[DecodedMessage], bool]:
        """Take whole units out of ``sender``'s stream, at most ``budget``; True when more may remain."""
