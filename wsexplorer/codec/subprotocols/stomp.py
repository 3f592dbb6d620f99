"""STOMP over WebSocket (``v12.stomp``, ``v11.stomp``, ``v10.stomp``): frames and heart-beats as a stream.

STOMP frames end with a NUL octet, not with the WebSocket message: clients may split a large frame over
messages or send several in one, so each direction is read as a stream (:mod:`.stream`). End-of-line
octets between frames are heart-beats (STOMP 1.2: Heart-beating) - the subprotocol's keep-alive,
shown as such and not to be confused with WebSocket ping frames. :mod:`.stomp_frames` reads each
frame; this module checks what may come when: CONNECT (or STOMP) first, CONNECTED or ERROR in answer
with a version the client accepts, subscriptions, acknowledgements, receipts and transactions that
refer to something that exists, and nothing after ERROR or DISCONNECT.

Bounds: a frame (headers and body) of more than ``max_frame_size`` octets (1 MiB by default) is not
decoded and its direction is no longer read, like a frame whose end cannot be found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..role import Role
from .base import MAX_MESSAGE_SIZE, DecodedMessage, MessageBuilder, SubprotocolRule, Tracker
from .stomp_frames import CLIENT_COMMANDS, SERVER_COMMANDS, FrameHead, fill_frame, read_head
from .stream import MAX_ITEMS, StreamConversation

__all__ = ["MAX_FRAME_SIZE", "StompConversation"]

MAX_FRAME_SIZE = 1 << 20
"""Default bound on one frame, headers and body."""
_EOLS = re.compile(rb"(?:\r?\n)+")
_VERSIONS = ("1.0", "1.1", "1.2")


def _rule(text: str, section: str, field: str = "command") -> SubprotocolRule:
    return SubprotocolRule(text, "STOMP {v}: " + section, None, field)


TOO_BIG = _rule("a frame of more than {limit} octets: not decoded", "Size Limits", "message")
WRONG_SENDER = _rule("{command} is a {who} frame", "Frames and Headers")
FIRST_CLIENT = _rule("the client's first frame must be CONNECT or STOMP, not {command}", "Connecting")
FIRST_SERVER = _rule("the server answers CONNECT with CONNECTED or ERROR, not {command}", "CONNECTED Frame")
SECOND_CONNECT = _rule("a second {command}", "Connecting")
VERSION_NOT_OFFERED = _rule(
    "the server chose version {version!r}, which the client did not accept ({accepted})",
    "Protocol Negotiation",
    "version",
)
AFTER_ERROR = _rule("{command} after ERROR: the server closes the connection after an ERROR", "ERROR")
AFTER_DISCONNECT = _rule("{command} after DISCONNECT", "DISCONNECT")
RECEIPT_UNKNOWN = _rule("RECEIPT for {id!r}, which no frame asked for", "RECEIPT", "receipt-id")
DUPLICATE_SUBSCRIPTION = _rule("subscription id {id!r} is already in use", "SUBSCRIBE id Header", "id")
UNKNOWN_SUBSCRIPTION = _rule("{command} for subscription {id!r}, which does not exist", "{section}", "id")
ACK_HEADER_MISSING = _rule(
    "MESSAGE for a subscription in {mode!r} mode needs an 'ack' header", "MESSAGE", "subscription"
)
ACK_UNKNOWN = _rule("{command} id {id!r} matches no MESSAGE awaiting acknowledgement", "{command}", "id")
UNKNOWN_TRANSACTION = _rule(
    "{command} for transaction {id!r}, which was not begun", "{section}", "transaction"
)


@dataclass(slots=True)
class _Partial:
    """A frame whose headers are read (once) while its body is still arriving."""

    head_end: int
    head: FrameHead
    scanned: int = 0  # the body's NUL is not before this offset

    def __post_init__(self) -> None:
        self.scanned = max(self.scanned, self.head_end)


class StompConversation(StreamConversation):
    """STOMP 1.0, 1.1 and 1.2 frames over one WebSocket, judged in order."""

    protocol = "stomp"
    title = "STOMP over WebSocket"
    spec = "https://stomp.github.io/stomp-specification-1.2.html"
    unit = "frame"
    framing_section = "STOMP 1.2: STOMP Frames"

    def __init__(
        self,
        *,
        version: str | None = None,
        max_frame_size: int = MAX_FRAME_SIZE,
        max_message_size: int = MAX_MESSAGE_SIZE,
        max_items: int = MAX_ITEMS,
    ) -> None:
        super().__init__(max_message_size=max_message_size, max_items=max_items)
        if version not in (None, *_VERSIONS):
            raise ValueError(f"STOMP version is one of {', '.join(_VERSIONS)}, not {version!r}")
        self.version = version or "1.2"
        self.version_given = version is not None
        self.max_frame_size = max_frame_size
        self.accepted: tuple[str, ...] = ()
        self.seen = {"client": 0, "server": 0}
        self.closed = {"client": False, "server": False}
        self.subscriptions: Tracker[str, str] = Tracker()  # id -> ack mode
        self.pending_acks: Tracker[str, str] = Tracker()  # ack id -> subscription
        self.receipts: Tracker[str, str] = Tracker()  # receipt -> command asking
        self.transactions: Tracker[str, int] = Tracker()
        self._partial: dict[Role, _Partial] = {}  # a frame whose head is read, awaiting its body
        self._head_scanned = {"client": 0, "server": 0}  # bytes searched for the end of a head

    @property
    def state(self) -> str:
        if not self.seen["client"]:
            return "awaiting CONNECT"
        if not self.seen["server"]:
            return "awaiting CONNECTED"
        if any(self.closed.values()):
            return "closed"
        return f"connected (STOMP {self.version}), {len(self.subscriptions)} subscription(s)"

    def _drain(self, sender: Role, budget: int) -> tuple[list[DecodedMessage], bool]:
        stream, out = self.streams[sender], list[DecodedMessage]()
        while len(stream):
            if len(out) >= budget:
                return out, True
            if sender not in self._partial:
                start = stream.peek(4096)
                eols = _EOLS.match(start)
                if eols is not None:
                    out.append(self._heart_beat(sender, eols.end()))
                    continue
                if start == b"\r":
                    break  # maybe a CR LF heart-beat, cut between messages
                if not self._find_head(sender):
                    if len(stream) > self.max_frame_size:
                        out.append(self._too_big(sender))
                    break
            partial = self._partial[sender]
            head_end, head = partial.head_end, partial.head
            length = head.content_length
            if length is not None:
                body_end = head_end + length
            else:
                body_end = stream.find(b"\x00", partial.scanned)
                partial.scanned = len(stream) if body_end < 0 else body_end
            if body_end > self.max_frame_size or (body_end < 0 and len(stream) > self.max_frame_size):
                out.append(self._too_big(sender))
                break
            if body_end < 0 or len(stream) <= body_end:
                break
            del self._partial[sender]
            is_text = stream.is_text
            data, pieces = stream.take(body_end + 1)
            b = MessageBuilder(self.protocol, data, sender, is_text=is_text, pieces=pieces)
            fill_frame(b, head, body_end, self._frame_version(head))
            self._judge(b, head, sender)
            out.append(b.build())
        return out, False

    def _find_head(self, sender: Role) -> bool:
        """Look for the blank line ending the buffered frame's headers, from where the last look
        stopped (so a frame arriving in many small messages is scanned once); read the head if found."""
        stream = self.streams[sender]
        since = max(self._head_scanned[sender] - 2, 0)
        lf = stream.find(b"\n\n", since)
        crlf = stream.find(b"\n\r\n", since, lf + 2 if lf >= 0 else None)  # only where it comes first
        if lf < 0 and crlf < 0:
            self._head_scanned[sender] = len(stream)
            return False
        self._head_scanned[sender] = 0
        head_end = crlf + 3 if crlf >= 0 else lf + 2
        self._partial[sender] = _Partial(head_end, read_head(stream.peek(head_end), head_end, self.version))
        return True

    def _frame_version(self, head: FrameHead) -> str:
        """The version a frame is judged by: the conversation's, except that a CONNECT without
        accept-version speaks 1.0 when no version was negotiated (STOMP 1.2: Protocol Negotiation)."""
        connect = head.command in ("CONNECT", "STOMP")
        if connect and not self.version_given and head.get("accept-version") is None:
            return "1.0"
        return self.version

    def _heart_beat(self, sender: Role, n: int) -> DecodedMessage:
        is_text = self.streams[sender].is_text
        data, pieces = self.streams[sender].take(n)
        b = MessageBuilder(self.protocol, data, sender, is_text=is_text, pieces=pieces)
        b.kind = "heart-beat"
        b.headline = f"{data.count(10)} EOL(s)"
        meaning = "end-of-line octets between frames: a STOMP heart-beat (not a WebSocket ping frame)"
        b.add("EOL", 0, n, data, meaning, f"STOMP {self.version}: Heart-beating", "heart-beat")
        return b.build()

    def _too_big(self, sender: Role) -> DecodedMessage:
        self._partial.pop(sender, None)
        b = self.give_up(sender, f"a frame over {self.max_frame_size} octets")
        b.flag(TOO_BIG, 0, len(b.data), limit=self.max_frame_size, v=self.version)
        return b.build()

    # -- what may come when ------------------------------------------------------------------------

    def _judge(self, b: MessageBuilder, head: FrameHead, sender: Role) -> None:
        command, v = head.command, self.version
        first = self.seen[sender] == 0
        self.seen[sender] += 1
        if command in CLIENT_COMMANDS and sender != "client":
            b.flag_at(WRONG_SENDER, "command", command=command, who="client", v=v)
        elif command in SERVER_COMMANDS and sender != "server":
            b.flag_at(WRONG_SENDER, "command", command=command, who="server", v=v)
        if sender == "client" and first and command not in ("CONNECT", "STOMP"):
            b.flag_at(FIRST_CLIENT, "command", command=command, v=v)
        elif sender == "client" and not first and command in ("CONNECT", "STOMP"):
            b.flag_at(SECOND_CONNECT, "command", command=command, v=v)
        if sender == "server" and first and command not in ("CONNECTED", "ERROR"):
            b.flag_at(FIRST_SERVER, "command", command=command, v=v)
        if self.closed[sender]:
            rule = AFTER_ERROR if sender == "server" else AFTER_DISCONNECT
            b.flag_at(rule, "command", command=command, v=v)
        receipt = head.get("receipt")
        if sender == "client" and receipt is not None:
            self.receipts.put(receipt, command)
        if command in ("CONNECT", "STOMP"):
            offered = head.get("accept-version")
            self.accepted = tuple(x.strip() for x in offered.split(",")) if offered is not None else ("1.0",)
        elif command == "CONNECTED":
            self._connected(b, head)
        elif command in ("ERROR", "DISCONNECT"):
            self.closed[sender] = True
        elif command == "RECEIPT":
            rid = head.get("receipt-id")
            if rid is not None and self.receipts.pop(rid) is None:
                b.flag_at(RECEIPT_UNKNOWN, "receipt-id", id=rid, v=v)
        self._subscriptions(b, head)
        self._transactions(b, head)

    def _connected(self, b: MessageBuilder, head: FrameHead) -> None:
        version = head.get("version") or "1.0"
        if self.accepted and version not in self.accepted:
            b.flag_at(
                VERSION_NOT_OFFERED, "version", version=version, accepted=",".join(self.accepted), v=version
            )
        if version in _VERSIONS:
            self.version = version

    def _subscriptions(self, b: MessageBuilder, head: FrameHead) -> None:
        command, v, sid = head.command, self.version, head.get("id")
        if command == "SUBSCRIBE" and sid is not None:
            if sid in self.subscriptions:
                b.flag_at(DUPLICATE_SUBSCRIPTION, "id", id=sid, v=v)
            self.subscriptions.put(sid, head.get("ack") or "auto")
        elif command == "UNSUBSCRIBE" and sid is not None:
            if self.subscriptions.pop(sid) is None:
                b.flag_at(UNKNOWN_SUBSCRIPTION, "id", command=command, id=sid, section="UNSUBSCRIBE", v=v)
        elif command == "MESSAGE":
            sub = head.get("subscription")
            mode = self.subscriptions.get(sub) if sub is not None else None
            if sub is not None and mode is None:
                b.flag_at(
                    UNKNOWN_SUBSCRIPTION, "subscription", command=command, id=sub, section="MESSAGE", v=v
                )
            ack = head.get("ack")
            if mode in ("client", "client-individual") and v == "1.2":
                if ack is None:
                    b.flag_at(ACK_HEADER_MISSING, "subscription", mode=mode, v=v)
                else:
                    self.pending_acks.put(ack, sub or "")
        elif (
            command in ("ACK", "NACK")
            and v == "1.2"
            and sid is not None
            and self.pending_acks.pop(sid) is None
        ):
            b.flag_at(ACK_UNKNOWN, "id", command=command, id=sid, v=v)

    def _transactions(self, b: MessageBuilder, head: FrameHead) -> None:
        command, tx = head.command, head.get("transaction")
        if tx is None:
            return
        if command == "BEGIN":
            self.transactions.put(tx, 0)
        elif command in ("COMMIT", "ABORT", "SEND", "ACK", "NACK") and tx not in self.transactions:
            b.flag_at(
                UNKNOWN_TRANSACTION, "transaction", command=command, id=tx, section=command, v=self.version
            )
        if command in ("COMMIT", "ABORT"):
            self.transactions.pop(tx)
