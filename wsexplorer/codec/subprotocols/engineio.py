"""Engine.IO v4 over WebSocket: the transport under Socket.IO (Engine.IO protocol, revision 4).

Each Engine.IO packet travels in its own WebSocket message. A text message is a packet type digit
followed by its data (``4hello``); a binary message is a ``message`` packet carried as is, with no
type byte. The seven types: ``0`` open (the server's handshake, JSON), ``1`` close, ``2`` ping, ``3``
pong, ``4`` message, ``5`` upgrade, ``6`` noop. Since v4 the *server* pings and the client answers
pong; the only client ping is the upgrade probe ``2probe`` (answered ``3probe``, then the client sends
``5``) when a session moves from HTTP long-polling to WebSocket. These pings are text messages of the
subprotocol, not WebSocket ping frames (opcode 0x9, RFC 6455 §5.5.2), and are shown apart from them.

Socket.IO servers negotiate no subprotocol, so this decoder is chosen explicitly (``engine.io``);
:mod:`.socketio` reads the Socket.IO packets inside ``message`` packets.
"""

from __future__ import annotations

from ..role import Role
from .base import Conversation, DecodedMessage, MessageBuilder, SubprotocolRule
from .json_messages import add_json_fields, flag_json_problems
from .json_scan import JsonNode, scan_json

__all__ = ["PACKET_TYPES", "EngineIOConversation"]

_DOC = "Engine.IO v4 protocol"

PACKET_TYPES: dict[int, tuple[str, str]] = {
    0: ("open", "the server's handshake: session id and heartbeat settings (JSON)"),
    1: ("close", "the transport can be closed"),
    2: ("ping", "Engine.IO heartbeat ping (a text message, not a WebSocket ping frame)"),
    3: ("pong", "Engine.IO heartbeat pong (a text message, not a WebSocket pong frame)"),
    4: ("message", "application data"),
    5: ("upgrade", "the client completes the upgrade to WebSocket"),
    6: ("noop", "no operation (used while upgrading)"),
}
_OPEN_KEYS = {  # key: (type, required, meaning)
    "sid": (str, True, "the session id"),
    "upgrades": (list, True, "transports the session may upgrade to"),
    "pingInterval": (int, True, "milliseconds between the server's pings"),
    "pingTimeout": (int, True, "milliseconds the client has to answer a ping with a pong"),
    # maxPayload came later within revision 4 (Socket.IO v3 servers do not send it): checked when present
    "maxPayload": (int, False, "bytes per HTTP long-polling payload"),
}


def _rule(text: str, section: str, field: str = "packet type") -> SubprotocolRule:
    return SubprotocolRule(text, f"{_DOC}: {section}", None, field)


EMPTY = _rule("an empty text message: a packet starts with its type digit", "Packet encoding")
UNKNOWN_TYPE = _rule("packet type {char!r} is not one of 0-6", "Protocol")
WRONG_SENDER = _rule("{name} packets are sent by the {allowed}", "{section}")
FIRST_NOT_OPEN = _rule(
    "the server's first packet must be open (or, on an upgrade, the client's first is 2probe)", "Handshake"
)
SECOND_OPEN = _rule("a second open packet", "Handshake")
OPEN_NOT_JSON = _rule("open data is not JSON: {problem} ({json_section})", "Handshake", "data")
OPEN_KEY = _rule("open data needs {key!r} ({want})", "Handshake", "data")
CLIENT_PING = _rule(
    "the client sent a heartbeat ping: since v4 the server pings and the client answers pong "
    "(the client pinging is Engine.IO v3)",
    "Heartbeat; History: From v3 to v4",
)
SERVER_PONG = _rule(
    "the server sent a heartbeat pong: since v4 the server pings and only the client answers pong",
    "Heartbeat; History: From v3 to v4",
)
UPGRADE_EARLY = _rule("upgrade before the probe (2probe) was answered with 3probe", "Upgrade")
AFTER_CLOSE = _rule("{name} packet after a close packet", "Protocol")
CONNECT_BINARY = _rule("binary message before the session is open", "Packet encoding", "data")


def _annotate_open(node: JsonNode) -> tuple[str, str] | None:
    key = node.pointer[1:]
    if key in _OPEN_KEYS:
        return _OPEN_KEYS[key][2], f"{_DOC}: Handshake"
    return None


class EngineIOConversation(Conversation):
    """Engine.IO v4 packets over one WebSocket: handshake, upgrade probe, heartbeat, messages."""

    protocol = "engine.io"
    title = "Engine.IO v4"
    spec = "https://github.com/socketio/engine.io-protocol"

    def __init__(self, **options: int) -> None:
        super().__init__(**options)
        self.phase = "start"  # start, probing, probed, open, closed
        self.pings_pending = 0

    @property
    def state(self) -> str:
        return {
            "start": "awaiting open (or the upgrade probe)",
            "probing": "upgrade probe sent, awaiting 3probe",
            "probed": "probe answered, awaiting upgrade",
            "open": "open",
            "closed": "closed",
        }[self.phase]

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        b = self.builder(data, sender, index, is_text=is_text)
        if not is_text:
            self._binary(b, sender)
        elif not data:
            b.kind = "invalid"
            b.flag(EMPTY, 0, 0)
        elif not 0x30 <= data[0] <= 0x36:
            b.kind = "invalid"
            shown = chr(data[0]) if data[0] < 0x80 else data[0]
            b.add("packet type", 0, 1, shown, "not a packet type", f"{_DOC}: Protocol", "Engine.IO")
            b.flag(UNKNOWN_TYPE, 0, 1, char=data[:1].decode("utf-8", "replace"))
        else:
            self._text_packet(b, data, sender)
        return [b.build()]

    def _binary(self, b: MessageBuilder, sender: Role) -> None:
        b.kind = "message (binary)"
        b.headline = f"{len(b.data)} bytes"
        meaning = "binary data of a message packet, sent as is (no type byte over WebSocket)"
        b.add("data", 0, len(b.data), b.data, meaning, f"{_DOC}: Packet encoding (WebSocket)", "data")
        if self.phase in ("start", "probing"):
            b.flag(CONNECT_BINARY, 0, len(b.data))
        self._binary_message(b, sender)

    def _text_packet(self, b: MessageBuilder, data: bytes, sender: Role) -> None:
        ptype = data[0] - 0x30
        name, meaning = PACKET_TYPES[ptype]
        payload = data[1:].decode("utf-8", "replace")
        b.kind = name
        b.attributes["packet type"] = ptype
        b.add("packet type", 0, 1, ptype, f"{ptype}: {name} - {meaning}", f"{_DOC}: Protocol", "Engine.IO")
        b.mark("packet type", 0, 1)
        if len(data) > 1 and ptype not in (0, 4):
            b.add("data", 1, len(data), payload, f"{name} data", f"{_DOC}: Packet encoding", "Engine.IO")
        if self.phase == "closed":
            b.flag_at(AFTER_CLOSE, "packet type", name=name)
        if ptype == 0:
            self._open(b, data, sender)
        elif ptype in (2, 3):
            self._heartbeat(b, ptype, payload, sender)
        elif ptype == 5:
            if sender != "client":
                b.flag_at(WRONG_SENDER, "packet type", name=name, allowed="client", section="Upgrade")
            elif self.phase in ("start", "probing"):
                b.flag_at(UPGRADE_EARLY, "packet type")
            self.phase = "open"
        elif ptype == 1:
            self.phase = "closed"
        elif ptype == 4:
            if self.phase == "start":
                b.flag_at(FIRST_NOT_OPEN, "packet type")
            self._message_packet(b, data, sender)
        elif self.phase == "start" and sender == "server":
            b.flag_at(FIRST_NOT_OPEN, "packet type")

    def _open(self, b: MessageBuilder, data: bytes, sender: Role) -> None:
        if sender != "server":
            b.flag_at(WRONG_SENDER, "packet type", name="open", allowed="server", section="Handshake")
            return
        if self.phase != "start":
            b.flag_at(SECOND_OPEN, "packet type")
        self.phase = "open"
        doc = scan_json(data, 1)
        add_json_fields(b, doc, annotate=_annotate_open, group="handshake")
        flag_json_problems(b, doc, OPEN_NOT_JSON)
        b.value = doc.value
        if not isinstance(doc.value, dict):
            return
        for key, (want, required, _) in _OPEN_KEYS.items():
            value = doc.value.get(key)
            if (required or key in doc.value) and (not isinstance(value, want) or isinstance(value, bool)):
                b.flag_at(OPEN_KEY, f"/{key}", "", key=key, want=want.__name__.replace("str", "string"))
        sid = doc.value.get("sid")
        b.headline = f"sid={sid!r}" if isinstance(sid, str) else ""
        b.attributes.update({k: v for k, v in doc.value.items() if k in _OPEN_KEYS})

    def _heartbeat(self, b: MessageBuilder, ptype: int, payload: str, sender: Role) -> None:
        probe = payload == "probe"
        if ptype == 2 and probe:
            if sender != "client":
                b.flag_at(WRONG_SENDER, "packet type", name="ping probe", allowed="client", section="Upgrade")
            elif self.phase == "start":
                self.phase = "probing"
            b.kind = "ping (upgrade probe)"
        elif ptype == 3 and probe:
            if sender != "server":
                b.flag_at(WRONG_SENDER, "packet type", name="pong probe", allowed="server", section="Upgrade")
            elif self.phase == "probing":
                self.phase = "probed"
            b.kind = "pong (upgrade probe)"
        elif ptype == 2:
            if sender == "client":
                b.flag_at(CLIENT_PING, "packet type")
            else:
                self.pings_pending += 1
        else:
            if sender == "server":
                b.flag_at(SERVER_PONG, "packet type")
            elif self.pings_pending:
                self.pings_pending -= 1
                b.headline = "(answers the server's ping)"
            else:
                b.headline = "(no ping pending)"
        if self.phase == "start" and sender == "server" and not probe:
            b.flag_at(FIRST_NOT_OPEN, "packet type")

    # -- hooks for Socket.IO --------------------------------------------------------------------------

    def _message_packet(self, b: MessageBuilder, data: bytes, sender: Role) -> None:
        """A text ``message`` packet (``4...``): Engine.IO alone shows its data as text."""
        text = data[1:].decode("utf-8", "replace")
        b.add("data", 1, len(data), text, "message data (text)", f"{_DOC}: Message", "Engine.IO")
        b.headline = repr(text[:48]) + ("…" if len(text) > 48 else "")

    def _binary_message(self, b: MessageBuilder, sender: Role) -> None:
        """A binary ``message`` packet: Engine.IO alone has nothing more to say."""
        del b, sender
