"""WAMP v2 (``wamp.2.json``, ``wamp.2.msgpack``, ``wamp.2.cbor``): messages named and requests matched.

Every WAMP message is an array whose first element is the message type code (WAMP basic profile:
Messages; the table below names all of them, with the Advanced Profile's CHALLENGE, AUTHENTICATE,
CANCEL and INTERRUPT). The conversation follows the session (HELLO first; WELCOME, ABORT or
CHALLENGE in answer; GOODBYE answered by GOODBYE) and matches every answer to its request by request
id: SUBSCRIBED to SUBSCRIBE, RESULT to CALL, YIELD to INVOCATION, ERROR to whichever request its
``REQUEST.Type`` names. Subscription and registration ids are followed too, so an EVENT or an
INVOCATION for an id nobody holds is shown. A rule broken is a protocol error: a router answers with
ABORT ``wamp.error.protocol_violation`` and closes the session (Transports: Protocol errors); WAMP
names no WebSocket close code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...anatomy import Violation
from ..role import Role, peer_of
from .base import Conversation, DecodedMessage, MessageBuilder, SubprotocolRule, Tracker
from .json_messages import add_json_fields
from .wamp_serializers import Elements, decode_elements, missing_package

__all__ = ["MESSAGES", "WampConversation", "WampMessage"]

_DOC = "WAMP basic profile"
_LOOSE_URI = re.compile(r"^([^\s.#]+\.)*([^\s.#]+)$")
_PATTERN_URI = re.compile(r"^(([^\s.#]+\.)|\.)*([^\s.#]+)?$")
_MAX_ID = 2**53


@dataclass(frozen=True, slots=True)
class WampMessage:
    """A message type: its name, sender (None: either), elements after the code, optional trailing ones."""

    name: str
    sender: Role | None
    elements: tuple[str, ...]
    optional: tuple[str, ...] = ()
    section: str = "Messages"


_ARGS = ("Arguments|list", "ArgumentsKw|dict")
MESSAGES: dict[int, WampMessage] = {
    1: WampMessage("HELLO", "client", ("Realm|uri", "Details|dict"), (), "Sessions"),
    2: WampMessage("WELCOME", "server", ("Session|id", "Details|dict"), (), "Sessions"),
    3: WampMessage("ABORT", None, ("Details|dict", "Reason|uri"), (), "Sessions"),
    4: WampMessage(
        "CHALLENGE", "server", ("AuthMethod|string", "Extra|dict"), (), "Advanced: Authentication"
    ),
    5: WampMessage(
        "AUTHENTICATE", "client", ("Signature|string", "Extra|dict"), (), "Advanced: Authentication"
    ),
    6: WampMessage("GOODBYE", None, ("Details|dict", "Reason|uri"), (), "Sessions"),
    8: WampMessage(
        "ERROR", None, ("REQUEST.Type|int", "REQUEST.Request|id", "Details|dict", "Error|uri"), _ARGS
    ),
    16: WampMessage("PUBLISH", "client", ("Request|id", "Options|dict", "Topic|uri"), _ARGS),
    17: WampMessage("PUBLISHED", "server", ("PUBLISH.Request|id", "Publication|id")),
    32: WampMessage("SUBSCRIBE", "client", ("Request|id", "Options|dict", "Topic|uri")),
    33: WampMessage("SUBSCRIBED", "server", ("SUBSCRIBE.Request|id", "Subscription|id")),
    34: WampMessage("UNSUBSCRIBE", "client", ("Request|id", "SUBSCRIBED.Subscription|id")),
    35: WampMessage("UNSUBSCRIBED", "server", ("UNSUBSCRIBE.Request|id",), ("Details|dict",)),
    36: WampMessage(
        "EVENT", "server", ("SUBSCRIBED.Subscription|id", "PUBLISHED.Publication|id", "Details|dict"), _ARGS
    ),
    48: WampMessage("CALL", "client", ("Request|id", "Options|dict", "Procedure|uri"), _ARGS),
    49: WampMessage("CANCEL", "client", ("CALL.Request|id", "Options|dict"), (), "Advanced: Call Canceling"),
    50: WampMessage("RESULT", "server", ("CALL.Request|id", "Details|dict"), _ARGS),
    64: WampMessage("REGISTER", "client", ("Request|id", "Options|dict", "Procedure|uri")),
    65: WampMessage("REGISTERED", "server", ("REGISTER.Request|id", "Registration|id")),
    66: WampMessage("UNREGISTER", "client", ("Request|id", "REGISTERED.Registration|id")),
    67: WampMessage("UNREGISTERED", "server", ("UNREGISTER.Request|id",), ("Details|dict",)),
    68: WampMessage(
        "INVOCATION", "server", ("Request|id", "REGISTERED.Registration|id", "Details|dict"), _ARGS
    ),
    69: WampMessage(
        "INTERRUPT", "server", ("INVOCATION.Request|id", "Options|dict"), (), "Advanced: Call Canceling"
    ),
    70: WampMessage("YIELD", "client", ("INVOCATION.Request|id", "Options|dict"), _ARGS),
}
"""Message type code -> its definition (Messages: Message Definitions, Message Codes and Direction)."""
_ANSWERS = {17: 16, 33: 32, 35: 34, 50: 48, 65: 64, 67: 66, 70: 68}  # answer -> request
_REQUESTS = frozenset(_ANSWERS.values())  # the requests an ERROR may answer
_SESSIONLESS = {1, 2, 3, 4, 5}  # allowed before WELCOME


def _rule(text: str, section: str, field: str = "/0") -> SubprotocolRule:
    return SubprotocolRule(text + " (protocol violation)", f"{_DOC}: {section}", None, field)


WRONG_MESSAGE_TYPE = _rule("{kind} message in {serializer}: {want} messages only", "Transports", "message")
UNDECODABLE = _rule("{problem}", "Serializations", "message")
NOT_ARRAY = _rule("a WAMP message is an array with the type code first", "Messages", "message")
UNKNOWN_CODE = _rule("message type {code!r} is not defined", "Message Codes and Direction")
WRONG_SENDER = _rule("{name} is sent by the {allowed}", "Message Codes and Direction")
BAD_LENGTH = _rule("{name} has {got} elements; it takes {want}", "Messages", "message")
BAD_ELEMENT = _rule("{element} must be {want}", "{section}", "message")
FIRST_HELLO = _rule("HELLO must be the very first message of the client, not {name}", "Sessions")
BEFORE_SESSION = _rule(
    "{name} before the session is established (no WELCOME yet)", "Transports: Protocol errors"
)
UNASKED = _rule("{name} answers a HELLO, and none is pending", "Sessions")
IN_SESSION = _rule("{name} during an established session", "Transports: Protocol errors")
ERROR_TYPE = _rule(
    "ERROR for request type {type}, which is not a request that can fail", "Transports: Protocol errors"
)
NOT_PENDING = _rule("{name} for request {request}, which no {wanted} awaits", "{section}")
ID_IN_USE = _rule("request id {request} is still pending", "Identifiers: IDs")
UNKNOWN_HANDLE = _rule("{name} for {what} {id}, which is not held", "{section}")

_WANT = {"uri": "a URI string", "id": "an integer id in [1, 2^53]", "int": "a non-negative integer",
         "dict": "a dictionary with string keys", "list": "a list", "string": "a string"}  # fmt: skip


def _type_problem(kind: str, value: object, pattern: bool) -> bool:
    if kind == "uri":
        return not isinstance(value, str) or not (_PATTERN_URI if pattern else _LOOSE_URI).match(value)
    if kind in ("id", "int"):
        if not isinstance(value, int) or isinstance(value, bool):
            return True
        return not 1 <= value <= _MAX_ID if kind == "id" else value < 0
    if kind == "dict":
        return not isinstance(value, dict) or not all(isinstance(k, str) for k in value)
    return not isinstance(value, {"list": list, "string": str}.get(kind, object))


class WampConversation(Conversation):
    """A WAMP v2 session over one WebSocket: message formats, the session, requests and answers."""

    protocol = "wamp.2.json"
    title = "WAMP v2"
    spec = "https://wamp-proto.org/wamp_latest_ietf.html"

    def __init__(self, *, serializer: str = "json", max_message_size: int = 1 << 20) -> None:
        super().__init__(max_message_size=max_message_size)
        if serializer not in ("json", "msgpack", "cbor"):
            raise ValueError(f"WAMP serializer is json, msgpack or cbor, not {serializer!r}")
        self.serializer = serializer
        self.missing = missing_package(serializer)
        self.phase = "closed"  # closed, establishing, established, closing
        self.pending: Tracker[tuple[Role, int], int] = Tracker()  # (requester, request id) -> request code
        self.handles: Tracker[tuple[str, int], int] = Tracker()  # ("subscription"|"registration", id)
        self.releases: Tracker[tuple[Role, int], tuple[str, int]] = Tracker()  # unsubscribe -> its handle
        self.seen_client = False

    @property
    def state(self) -> str:
        return f"session {self.phase}, {len(self.pending)} request(s) pending"

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        b = self.builder(data, sender, index, is_text=is_text)
        b.protocol = f"wamp.2.{self.serializer}"
        want_text = self.serializer == "json"
        if is_text != want_text:
            kind, want = ("a text", "binary") if is_text else ("a binary", "text")
            b.flag(WRONG_MESSAGE_TYPE, 0, len(data), kind=kind, serializer=b.protocol, want=want)
        decoded = decode_elements(data, self.serializer)
        if decoded.missing:
            b.kind = "not decoded"
            b.headline = f"install the optional package {decoded.missing!r} to read {b.protocol}"
            b.violations.append(_missing(decoded.missing, len(data)))
            return [b.build()]
        self._fields(b, decoded)
        for problem, start, end, section in decoded.problems:
            b.flag(UNDECODABLE, start, end, problem=f"{problem} ({section})")
        values = [e.value for e in decoded.elements]
        if not decoded.is_array or not values:
            if decoded.is_array or not decoded.problems:
                b.flag(NOT_ARRAY, 0, len(data))
            b.kind = "invalid"
            return [b.build()]
        b.value = values
        self._judge(b, values, sender)
        return [b.build()]

    def _fields(self, b: MessageBuilder, decoded: Elements) -> None:
        """One field per element, named by its position (``/1``) and meaning its WAMP element name;
        for JSON, nested values too (their JSON pointers)."""
        code = decoded.elements[0].value if decoded.elements else None
        spec = MESSAGES.get(code) if isinstance(code, int) and not isinstance(code, bool) else None
        names = ("MessageType|integer", *spec.elements, *spec.optional) if spec is not None else ()
        ref = f"{_DOC}: Messages"

        def element_name(pointer: str) -> str:
            i = int(pointer[1:])
            if i == 0 and spec is not None:
                return f"message type {code}: {spec.name}"
            return names[i] if i < len(names) else f"element {i} (not in the message's definition)"

        if decoded.json is not None:
            top = {f"/{i}" for i in range(len(decoded.elements))}
            add_json_fields(
                b,
                decoded.json,
                annotate=lambda node: (element_name(node.pointer), ref) if node.pointer in top else None,
                group="message",
            )
            return
        kind = "MessagePack" if self.serializer == "msgpack" else "CBOR"
        if decoded.is_array:
            count = len(decoded.elements)
            b.add(
                "array header",
                0,
                decoded.header_end,
                count,
                f"{kind} array of {count} elements",
                ref,
                "message",
            )
        for i, e in enumerate(decoded.elements):
            v = e.value
            shown = f"{type(v).__name__} of {len(v)}" if isinstance(v, (dict, list)) else v
            b.add(f"/{i}", e.start, e.end, shown, element_name(f"/{i}"), ref, "message")
            b.mark(f"/{i}", e.start, e.end)

    def _judge(self, b: MessageBuilder, values: list[object], sender: Role) -> None:
        code = values[0]
        if not isinstance(code, int) or isinstance(code, bool) or code not in MESSAGES:
            b.kind = "unknown"
            b.flag_at(UNKNOWN_CODE, "/0", code=code)
            return
        spec = MESSAGES[code]
        b.kind = spec.name
        if spec.sender is not None and spec.sender != sender:
            b.flag_at(
                WRONG_SENDER, "/0", name=spec.name, allowed="client" if spec.sender == "client" else "router"
            )
        n, low = len(values) - 1, len(spec.elements)
        if not low <= n <= low + len(spec.optional):
            b.flag(
                BAD_LENGTH, 0, len(b.data), name=spec.name, got=n + 1, want=_counts(low, len(spec.optional))
            )
        options = values[2] if len(values) > 2 and isinstance(values[2], dict) else {}
        pattern = options.get("match") in ("prefix", "wildcard")
        for i, element in enumerate((*spec.elements, *spec.optional)[:n], 1):
            kind = element.rsplit("|", 1)[1]
            if _type_problem(kind, values[i], pattern):
                b.flag_at(
                    BAD_ELEMENT, f"/{i}", element=element, want=_WANT.get(kind, kind), section=spec.section
                )
        b.headline = " ".join(repr(v)[:40] for v in values[1:4] if not isinstance(v, (dict, list)))
        self._session(b, code, spec.name, sender)
        self._requests(b, code, values, sender, options)

    def _session(self, b: MessageBuilder, code: int, name: str, sender: Role) -> None:
        if sender == "client" and not self.seen_client and code != 1:
            b.flag_at(FIRST_HELLO, "/0", name=name)
        self.seen_client = self.seen_client or sender == "client"
        if self.phase in ("closed", "establishing") and code not in _SESSIONLESS:
            b.flag_at(BEFORE_SESSION, "/0", name=name)
        elif self.phase == "established" and code in (1, 2, 4):
            b.flag_at(IN_SESSION, "/0", name=name)
        elif self.phase == "closed" and code in (2, 4):
            b.flag_at(UNASKED, "/0", name=name)
        if code == 1:
            self.phase = "establishing" if self.phase == "closed" else self.phase
        elif code == 2:
            self.phase = "established"
        elif code == 3:
            self.phase = "closed"
        elif code == 6:
            self.phase = "closing" if self.phase == "established" else "closed"

    def _requests(
        self, b: MessageBuilder, code: int, values: list[object], sender: Role, options: dict[str, object]
    ) -> None:
        name = MESSAGES[code].name
        first = values[1] if len(values) > 1 else None
        second = values[2] if len(values) > 2 else None
        if code == 8:
            if not isinstance(first, int) or first not in _REQUESTS:
                b.flag_at(ERROR_TYPE, "/1", type=first)
                return
            self._answer(b, name, first, second, sender, "/2")
        elif code in _REQUESTS and isinstance(first, int):
            if (sender, first) in self.pending:
                b.flag_at(ID_IN_USE, "/1", request=first)
            if code != 16 or options.get("acknowledge") is True:
                self.pending.put((sender, first), code)
            handle = {34: "subscription", 66: "registration", 68: "registration"}.get(code)
            if handle is not None and isinstance(second, int):
                if (handle, second) not in self.handles:
                    section = MESSAGES[code].section
                    b.flag_at(UNKNOWN_HANDLE, "/2", name=name, what=handle, id=second, section=section)
                elif code != 68:
                    self.releases.put((sender, first), (handle, second))
        elif code in _ANSWERS:
            keep = code in (50, 70) and isinstance(second, dict) and second.get("progress") is True
            self._answer(b, name, _ANSWERS[code], first, sender, "/1", keep=keep)
            handle = {33: "subscription", 65: "registration"}.get(code)
            if handle is not None and isinstance(second, int):
                self.handles.put((handle, second), 0)
        elif code == 36 and isinstance(first, int) and ("subscription", first) not in self.handles:
            b.flag_at(UNKNOWN_HANDLE, "/1", name=name, what="subscription", id=first, section="Messages")
        if code in (35, 67) and isinstance(first, int):  # the UNSUBSCRIBE / UNREGISTER answered
            released = self.releases.pop((peer_of(sender), first))
            if released is not None:
                self.handles.pop(released)

    def _answer(
        self,
        b: MessageBuilder,
        name: str,
        wanted: int,
        request: object,
        sender: Role,
        at: str,
        keep: bool = False,
    ) -> None:
        asker = peer_of(sender)
        if not isinstance(request, int) or self.pending.get((asker, request)) != wanted:
            section = "Publish & Subscribe" if wanted < 48 else "Remote Procedure Calls"
            b.flag_at(
                NOT_PENDING, at, name=name, request=request, wanted=MESSAGES[wanted].name, section=section
            )
        elif not keep:
            self.pending.pop((asker, request))


def _counts(low: int, extra: int) -> str:
    return " to ".join(str(n + 1) for n in sorted({low, low + extra}))


def _missing(package: str, size: int) -> Violation:
    return Violation(
        f"the optional package {package!r} is needed to decode this serialization: pip install {package}",
        0,
        size,
        f"{_DOC}: Transports (wsexplorer optional extra)",
        fault="local",
    )
