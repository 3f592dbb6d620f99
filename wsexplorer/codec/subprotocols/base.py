"""What every subprotocol decoder shares: a decoded message that explains itself, and a conversation.

After the opening handshake the endpoints may speak a subprotocol negotiated with
``Sec-WebSocket-Protocol`` (RFC 6455 §1.9, §4.1 item 10, §11.5). A decoder knows nothing of WebSocket
framing: a :class:`Conversation` gets whole messages, text (``str``) or binary (``bytes``), in the order
they were sent, each with its sender, and returns :class:`DecodedMessage` objects. Each one keeps the
bytes it came from and describes itself like a frame does: ``fields`` (spans recorded while parsing,
inside the message's own bytes) and ``violations`` (the subprotocol's rule, its section, and the
WebSocket close code to answer with when the subprotocol names one). The conversation also judges what
may come when (the subprotocol's own state machine), so an in-context rule shows on the message that
broke it.

Limits (all documented, all bounded): a message over ``max_message_size`` (1 MiB by default) is not
decoded but shown with a 1009 violation; ids a conversation remembers (open operations, pending
requests) are capped at :data:`MAX_TRACKED` per kind, the oldest forgotten first.
"""

from __future__ import annotations

import abc
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from ...anatomy import Field, FieldList, Span, Violation
from ..role import ROLES, Role

__all__ = [
    "MAX_MESSAGE_SIZE",
    "MAX_TRACKED",
    "ByteStream",
    "Conversation",
    "DecodedMessage",
    "MessageBuilder",
    "Piece",
    "SubprotocolRule",
    "Tracker",
]

MAX_MESSAGE_SIZE = 1 << 20
"""Default bound on one message (1 MiB, the connection's default ``max_message_size``)."""
MAX_TRACKED = 4096
"""How many ids of one kind a conversation remembers (open operations, pending requests)."""


@dataclass(frozen=True, slots=True)
class SubprotocolRule:
    """A subprotocol rule written once: a :meth:`str.format` template, its section and its answer.

    ``close_code`` is the WebSocket close code the subprotocol tells a receiver to close with (the
    4000-4999 private range of RFC 6455 §7.4.2, or a registered code); ``None`` when it names none.
    ``section`` may hold placeholders too (one rule for every message type, each citing its own).
    """

    text: str
    section: str
    close_code: int | None = None
    field: str = ""

    def says(self, **values: object) -> str:
        return self.text.format(**values)

    def violation(self, start: int, end: int, *, field: str | None = None, **values: object) -> Violation:
        """The rule broken by bytes ``start..end-1`` of a decoded message."""
        section = self.section.format(**values) if "{" in self.section else self.section
        return Violation(
            self.says(**values),
            start,
            end,
            section,
            close_code=self.close_code,
            field=self.field if field is None else field,
        )


MESSAGE_TOO_BIG = SubprotocolRule(
    "message of {size} bytes is over the decoder's limit of {limit} bytes; not decoded",
    "RFC 6455 §10.4, §7.4.1",
    1009,
    "message",
)


@dataclass(frozen=True, slots=True)
class Piece:
    """Where bytes of a decoded message came from: bytes ``start..end-1`` of WebSocket message
    ``message`` (numbered from 0 in the conversation, both directions counted)."""

    message: int
    start: int
    end: int


@dataclass(frozen=True, slots=True, eq=False)
class DecodedMessage:
    """One message of a subprotocol, decoded: the bytes it came from, its fields and the rules it breaks.

    ``kind`` is the message type as its spec names it (``subscribe``, ``PUBLISH``, ``EVENT``);
    ``headline`` says the rest in a few words. ``value`` is the application value carried (a JSON
    value, a payload); ``attributes`` the protocol facts read from it (ids, topics, namespaces).
    ``pieces`` says which WebSocket message(s) the bytes came from: one piece for most subprotocols,
    several when a stream protocol (MQTT, STOMP) spreads a packet over messages.
    """

    protocol: str
    kind: str
    data: bytes
    sender: Role | None
    fields: tuple[Field, ...]
    violations: tuple[Violation, ...]
    headline: str = ""
    is_text: bool = False
    pieces: tuple[Piece, ...] = ()
    value: object = None
    attributes: Mapping[str, object] = field(default_factory=dict)

    def __bytes__(self) -> bytes:
        return self.data

    def __len__(self) -> int:
        return len(self.data)

    @property
    def text(self) -> str:
        """The bytes as text (invalid UTF-8 shown as U+FFFD)."""
        return self.data.decode("utf-8", "replace")

    def summary(self) -> str:
        """One line: who sent it, its type, and the headline."""
        who = f"{self.sender}: " if self.sender else ""
        return f"{who}{self.kind} {self.headline}".rstrip()

    def __repr__(self) -> str:
        n = len(self.violations)
        bad = f" ({n} violation{'s' if n != 1 else ''})" if n else ""
        return f"<DecodedMessage {self.protocol} {self.summary()}{bad}>"


class MessageBuilder:
    """Collects one message's fields and violations while it is parsed (spans recorded as read)."""

    def __init__(
        self,
        protocol: str,
        data: bytes,
        sender: Role | None,
        *,
        is_text: bool = False,
        pieces: tuple[Piece, ...] = (),
    ) -> None:
        self.protocol = protocol
        self.data = data
        self.sender: Role | None = sender
        self.is_text = is_text
        self.pieces = pieces
        self.kind = "message"
        self.headline = ""
        self.value: object = None
        self.attributes: dict[str, object] = {}
        self.violations: list[Violation] = []
        self._fields = FieldList()
        self._spans: dict[str, tuple[int, int]] = {}

    def add(
        self, name: str, start: int, end: int, value: object, meaning: str, ref: str = "", group: str = ""
    ) -> None:
        """A field of bytes ``start..end-1``."""
        self._fields.add(self.data, name, Span.of_bytes(start, end), value, meaning, ref, group)

    def add_bits(
        self,
        name: str,
        bit_offset: int,
        bit_length: int,
        value: object,
        meaning: str,
        ref: str = "",
        group: str = "",
    ) -> None:
        """A field narrower than whole bytes (MQTT flags, for example)."""
        self._fields.add(self.data, name, Span(bit_offset, bit_length), value, meaning, ref, group)

    def mark(self, name: str, start: int, end: int) -> None:
        """Remember where ``name`` is, for a rule the conversation checks later."""
        self._spans[name] = (start, end)

    def span(self, *names: str) -> tuple[int, int]:
        """Where the first marked name of ``names`` is; the whole message when none is marked."""
        for name in names:
            if name in self._spans:
                return self._spans[name]
        return (0, len(self.data))

    def flag(self, rule: SubprotocolRule, start: int, end: int, **values: Any) -> None:
        """Record that ``rule`` is broken by bytes ``start..end-1``."""
        self.violations.append(rule.violation(start, max(end, start), **values))

    def flag_at(self, rule: SubprotocolRule, *names: str, **values: Any) -> None:
        """Record that ``rule`` is broken where the first marked name of ``names`` is."""
        start, end = self.span(*names)
        self.flag(rule, start, end, **values)

    @property
    def field_count(self) -> int:
        return len(self._fields.items)

    def build(self) -> DecodedMessage:
        return DecodedMessage(
            self.protocol,
            self.kind,
            self.data,
            self.sender,
            tuple(self._fields.items),
            tuple(self.violations),
            self.headline,
            self.is_text,
            self.pieces,
            self.value,
            dict(self.attributes),
        )


K = TypeVar("K")
V = TypeVar("V")


class Tracker(Generic[K, V]):
    """A dict that remembers at most ``limit`` entries, forgetting the oldest first (bounded state)."""

    def __init__(self, limit: int = MAX_TRACKED) -> None:
        self.limit = limit
        self._items: dict[K, V] = {}
        self.forgotten = 0

    def put(self, key: K, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = value
        while len(self._items) > self.limit:
            del self._items[next(iter(self._items))]
            self.forgotten += 1

    def pop(self, key: K) -> V | None:
        return self._items.pop(key, None)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)


class ByteStream:
    """One direction's bytes for a stream subprotocol (MQTT, STOMP), remembering each byte's message.

    Such protocols do not align their packets with WebSocket messages (MQTT 5.0 §6: a message may carry
    several packets or part of one), so the decoder buffers and takes whole packets out; :meth:`take`
    says which messages the taken bytes came from.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pieces: deque[list[int]] = deque()  # [message, start, end] per run of buffered bytes
        self.is_text: bool = False

    def feed(self, data: bytes, message: int, *, is_text: bool = False) -> None:
        if not self._buf:
            self.is_text = is_text
        if data:
            self._buf += data
            self._pieces.append([message, 0, len(data)])

    def __len__(self) -> int:
        return len(self._buf)

    def peek(self, n: int) -> bytes:
        """The first ``n`` buffered bytes (fewer when fewer are buffered), without taking them."""
        return bytes(self._buf[:n])

    def find(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        """Where ``sub`` first occurs in the buffer within ``start..end`` (-1: nowhere)."""
        return self._buf.find(sub, start, len(self._buf) if end is None else end)

    def take(self, n: int) -> tuple[bytes, tuple[Piece, ...]]:
        """Remove and return the first ``n`` buffered bytes and where they came from."""
        n = min(n, len(self._buf))
        data = bytes(self._buf[:n])
        del self._buf[:n]
        pieces: list[Piece] = []
        left = n
        while left and self._pieces:
            run = self._pieces[0]
            message, start, end = run
            used = min(left, end - start)
            pieces.append(Piece(message, start, start + used))
            left -= used
            if used == end - start:
                self._pieces.popleft()
            else:
                run[1] = start + used
        return data, tuple(pieces)


class Conversation(abc.ABC):
    """One WebSocket connection's subprotocol traffic, judged in order (the subprotocol's state machine).

    Feed every message with :meth:`receive` in the order it was sent, with its sender; call
    :meth:`finish` at the end to learn about anything left incomplete. ``state`` names where the
    conversation is. Subclasses set ``protocol`` (the name negotiated), ``title`` and ``spec``, and
    implement :meth:`_decode`.
    """

    protocol: ClassVar[str] = ""
    title: ClassVar[str] = ""
    spec: ClassVar[str] = ""

    def __init__(self, *, max_message_size: int = MAX_MESSAGE_SIZE) -> None:
        if max_message_size < 1:
            raise ValueError(f"max_message_size must be positive, got {max_message_size}")
        self.max_message_size = max_message_size
        self.count = 0

    def receive(self, message: str | bytes | bytearray | memoryview, sender: Role) -> list[DecodedMessage]:
        """Decode the next WebSocket message, sent by ``sender``; what it decodes to, in order.

        Most subprotocols give one decoded message per WebSocket message; a stream subprotocol gives
        as many packets as the message completes (possibly none).
        """
        if sender not in ROLES:
            raise ValueError(f"sender must be 'client' or 'server', not {sender!r}")
        if not isinstance(message, (str, bytes, bytearray, memoryview)):
            raise TypeError(f"a message is str (text) or bytes (binary), not {type(message).__name__}")
        is_text = isinstance(message, str)
        # A str from a real text message is valid Unicode; a pasted one may hold lone surrogates, kept
        # as their bytes so the decoder can point at them.
        data = message.encode("utf-8", "surrogatepass") if isinstance(message, str) else bytes(message)
        index = self.count
        self.count += 1
        if len(data) > self.max_message_size:
            b = self.builder(data, sender, index, is_text=is_text)
            b.kind = "unread"
            b.headline = f"{len(data):,} bytes not decoded (over the limit)"
            b.flag(MESSAGE_TOO_BIG, 0, len(data), size=len(data), limit=self.max_message_size)
            return [b.build()]
        return self._decode(data, is_text, sender, index)

    def finish(self) -> list[DecodedMessage]:
        """The end of the conversation: anything left incomplete, as decoded messages with violations."""
        return []

    @property
    def state(self) -> str:
        """Where the conversation is, in a few words."""
        return "open"

    def close_meaning(self, code: int) -> str | None:
        """What a close code means in this subprotocol (``None`` when it gives the code no meaning)."""
        return None

    def builder(
        self, data: bytes, sender: Role | None, index: int, *, is_text: bool = False
    ) -> MessageBuilder:
        """A builder for a message made of the whole of WebSocket message ``index``."""
        return MessageBuilder(
            self.protocol, data, sender, is_text=is_text, pieces=(Piece(index, 0, len(data)),)
        )

    @abc.abstractmethod
    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        """Decode one WebSocket message (within the size limit) in the conversation's context."""
