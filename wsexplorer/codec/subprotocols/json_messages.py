"""Plain JSON messages: every value with its JSON pointer and its bytes (RFC 8259, RFC 6901).

Many servers speak JSON without negotiating a subprotocol name; :class:`JsonConversation` (chosen
explicitly as ``"json"``) decodes each message on its own: one field per value, named by its JSON
pointer, spanning exactly the bytes of that value, and a violation for anything that is not JSON.
:func:`add_json_fields` is the same field list for the JSON-based decoders (GraphQL, Socket.IO,
WAMP), which add their own meaning to the pointers they know; :func:`pretty` is the value indented.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..role import Role
from .base import Conversation, DecodedMessage, MessageBuilder, SubprotocolRule
from .json_scan import JsonDocument, JsonNode, scan_json

__all__ = ["JsonConversation", "add_json_fields", "describe_value", "flag_json_problems", "pretty"]

_SECTIONS = {
    "object": "RFC 8259 §4",
    "array": "RFC 8259 §5",
    "number": "RFC 8259 §6",
    "string": "RFC 8259 §7",
    "true": "RFC 8259 §3",
    "false": "RFC 8259 §3",
    "null": "RFC 8259 §3",
}

NOT_JSON = SubprotocolRule("not JSON: {problem}", "{json_section}", None, "JSON text")
"""The generic rule: ``problem`` is what the JSON reader found, ``json_section`` the RFC 8259 section."""

Annotate = Callable[[JsonNode], tuple[str, str] | None]
"""Given a value, the meaning and section a decoder gives it (``None``: the generic description)."""


def pretty(value: object) -> str:
    """``value`` as indented JSON (non-ASCII kept as is)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def describe_value(node: JsonNode) -> str:
    """A value described in words: ``object of 3 members``, ``string of 5 characters``, ``number``."""
    v = node.value
    if node.kind == "object" and isinstance(v, dict):
        return f"object of {len(v)} member{'s' if len(v) != 1 else ''}"
    if node.kind == "array" and isinstance(v, list):
        return f"array of {len(v)} item{'s' if len(v) != 1 else ''}"
    if node.kind == "string" and isinstance(v, str):
        return f"string of {len(v)} character{'s' if len(v) != 1 else ''}"
    if node.kind == "number":
        return "number (integer)" if isinstance(v, int) else "number"
    return f"literal {node.kind}"


def _shown(node: JsonNode) -> object:
    """The field value: scalars as they are, containers as a short description (never a huge str)."""
    if node.kind in ("object", "array"):
        return describe_value(node)
    return node.value


def add_json_fields(
    b: MessageBuilder, doc: JsonDocument, *, annotate: Annotate | None = None, group: str = "JSON"
) -> None:
    """One field per recorded value of ``doc``: name is the JSON pointer (``(root)`` for the whole
    text), span its bytes, meaning from ``annotate`` or a generic description."""
    for node in doc.nodes:
        known = annotate(node) if annotate is not None else None
        if known is not None:
            meaning, ref = known
        else:
            meaning, ref = describe_value(node), _SECTIONS.get(node.kind, "RFC 8259")
            meaning = meaning if node.pointer else f"the whole JSON text: {meaning}"
        b.add(node.pointer or "(root)", node.start, node.end, _shown(node), meaning, ref, group)
        b.mark(node.pointer, node.start, node.end)
    if doc.omitted:
        meaning = f"{doc.omitted} more values parsed but not listed (at most {len(doc.nodes)} are)"
        b.add("(more values)", doc.end, doc.end, doc.omitted, meaning, "", group)


def flag_json_problems(b: MessageBuilder, doc: JsonDocument, rule: SubprotocolRule = NOT_JSON) -> None:
    """Each problem of ``doc`` as a violation of ``rule``, which carries the subprotocol's section and
    answer; its template gets ``problem`` (the JSON reader's words) and ``json_section`` (RFC 8259)."""
    for p in doc.problems:
        b.flag(rule, p.start, p.end, problem=p.rule, json_section=p.section)


class JsonConversation(Conversation):
    """Messages that are each one JSON text (RFC 8259), with no rules between them."""

    protocol = "json"
    title = "JSON messages"
    spec = "RFC 8259 (JSON), RFC 6901 (JSON Pointer)"

    def _decode(self, data: bytes, is_text: bool, sender: Role, index: int) -> list[DecodedMessage]:
        b = self.builder(data, sender, index, is_text=is_text)
        doc = scan_json(data)
        add_json_fields(b, doc)
        flag_json_problems(b, doc)
        b.value = doc.value
        root = doc.node("")
        if doc.complete and root is not None:
            b.kind = root.kind if root.kind in ("object", "array") else "value"
            b.headline = _headline(root)
        else:
            b.kind = "not JSON"
            b.headline = f"{len(data)} bytes"
        return [b.build()]


def _headline(root: JsonNode) -> str:
    v = root.value
    if isinstance(v, dict):
        keys = ", ".join(list(v)[:6]) + (", …" if len(v) > 6 else "")
        return f"{{{keys}}}"
    if isinstance(v, list):
        return f"[{len(v)} item{'s' if len(v) != 1 else ''}]"
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"
