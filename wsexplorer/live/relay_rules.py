"""What a relay does to the messages it forwards: rules that match, then pass, drop, delay, modify or inject.

A :class:`Rule` matches a message (or a ping or pong) by direction (``"c2s"``: from the client towards
the upstream server, ``"s2c"``: back), by kind (``"text"``, ``"binary"``, ``"ping"``, ``"pong"``), by a
substring, a regular expression, or a JSON path (``"$.user.name"``, ``"items[0].id"``) optionally with
the value found there. The first rule of a :class:`RuleBook` that matches decides (``"pass"`` is a
decision too: it exempts a message from the rules after it); a message no rule matches passes.

Actions: ``pass`` forwards as is; ``drop`` forwards nothing; ``delay`` holds the message ``seconds``
(and, to keep the order, whatever comes after it in the same direction); ``modify`` forwards a changed
message (``replacement``: a function of the data, a regex or substring replacement, a new value at the
JSON path, or a whole new message; a function returning ``None`` drops); ``inject`` forwards the message,
then sends ``message`` onward or back to its sender. Close frames are never matched: the closing
handshake always goes through (RFC 6455 §7.1.2). Pure data and logic: no I/O, no clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ANY", "KINDS", "Rule", "RuleBook", "Verdict"]

Action = Literal["pass", "drop", "delay", "modify", "inject"]
Way = Literal["c2s", "s2c"]
KINDS = ("text", "binary", "ping", "pong")
_ACTIONS = ("pass", "drop", "delay", "modify", "inject")
_PATH_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


class _Any:
    def __repr__(self) -> str:
        return "ANY"


ANY: Any = _Any()
"""``Rule(equals=ANY)`` (the default): the JSON path only has to exist."""


def _json_steps(path: str) -> tuple[str | int, ...]:
    """``$.a.b[0]`` or ``a.b.0`` as steps (keys, and indexes for ``[n]`` or all-digit parts)."""
    text = path.strip()
    text = text[1:] if text.startswith("$") else text
    steps: list[str | int] = []
    pos = 0
    while pos < len(text):
        m = _PATH_STEP.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"JSON path {path!r}: cannot read it from character {pos + 1}")
        key, index = m.group(1), m.group(2)
        steps.append(int(index) if index is not None else int(key) if key.isdigit() else key)
        pos = m.end()
    if not steps:
        raise ValueError(f"JSON path {path!r} names nothing: write $.key or key[0].field")
    return tuple(steps)


@dataclass(frozen=True)
class Rule:
    """One rule: what to match (every condition given must hold) and what to do.

    ``direction``: ``"c2s"``/``"s2c"``/``None`` (both). ``kind``: one of :data:`KINDS` or ``None``
    (text and binary messages; pings and pongs only when named). ``text``: a substring; ``regex``: a
    Python regular expression (``re.search``); ``json_path`` and ``equals``: the value there. ``seconds``
    for ``delay``; ``replacement`` for ``modify``; ``message`` and ``to`` (``"onward"`` or ``"back"``)
    for ``inject``; ``limit`` applies the rule at most that many times per connection.
    """

    action: Action
    direction: Way | None = None
    kind: str | None = None
    text: str | bytes | None = None
    regex: str | None = None
    json_path: str | None = None
    equals: Any = ANY
    seconds: float = 0.0
    replacement: Any = None
    message: str | bytes | Sequence[str | bytes] | None = None
    to: Literal["onward", "back"] = "onward"
    limit: int | None = None
    name: str = ""
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)
    _steps: tuple[str | int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.action not in _ACTIONS:
            raise ValueError(f"rule action {self.action!r}: use one of {', '.join(_ACTIONS)}")
        if self.direction not in (None, "c2s", "s2c"):
            raise ValueError(f"rule direction {self.direction!r}: use 'c2s', 's2c' or None (both)")
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"rule kind {self.kind!r}: use one of {', '.join(KINDS)} or None")
        if self.action == "delay" and not self.seconds > 0:
            raise ValueError("a delay rule needs seconds > 0")
        if self.action == "modify" and self.replacement is None:
            raise ValueError("a modify rule needs a replacement (a function, a string, bytes or a value)")
        if self.action == "inject" and self.message is None:
            raise ValueError("an inject rule needs the message to inject")
        if self.to not in ("onward", "back"):
            raise ValueError(f"inject to {self.to!r}: use 'onward' or 'back'")
        if self.limit is not None and self.limit < 1:
            raise ValueError("limit must be at least 1 (or None for no limit)")
        if self.regex is not None:
            object.__setattr__(self, "_pattern", re.compile(self.regex))
        if self.json_path is not None:
            object.__setattr__(self, "_steps", _json_steps(self.json_path))

    @property
    def label(self) -> str:
        """The rule's name, or a short description of it."""
        if self.name:
            return self.name
        conditions = [
            f"{k}={v!r}"
            for k, v in (
                ("direction", self.direction),
                ("kind", self.kind),
                ("text", self.text),
                ("regex", self.regex),
                ("json_path", self.json_path),
            )
            if v is not None
        ]
        if self.equals is not ANY:
            conditions.append(f"equals={self.equals!r}")
        return f"{self.action}({', '.join(conditions)})"

    @property
    def inject_messages(self) -> tuple[str | bytes, ...]:
        m = self.message
        if m is None:
            return ()
        return (m,) if isinstance(m, (str, bytes)) else tuple(m)

    # -- matching ------------------------------------------------------------------------------------

    def matches(self, direction: Way, kind: str, data: str | bytes, parsed: _Parsed) -> bool:
        """Whether this rule applies to a ``kind`` message carrying ``data`` going ``direction``."""
        if self.direction is not None and self.direction != direction:
            return False
        if self.kind is None:
            if kind not in ("text", "binary"):
                return False
        elif self.kind != kind:
            return False
        if self.text is not None and not _contains(data, self.text):
            return False
        if self._pattern is not None and self._pattern.search(_as_text(data)) is None:
            return False
        if self._steps:
            found, value = _lookup(parsed.get(data), self._steps)
            if not found or (self.equals is not ANY and value != self.equals):
                return False
        return True

    def changed(self, data: str | bytes, parsed: _Parsed) -> str | bytes | None:
        """What a modify rule makes of ``data`` (``None``: drop it)."""
        new = self.replacement
        if callable(new):
            result: str | bytes | None = new(data)
            return result
        if self._steps:
            doc = parsed.get(data)
            if doc is _NOT_JSON:
                return data
            doc = json.loads(json.dumps(doc))  # a copy to change
            _assign(doc, self._steps, new)
            text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            return text if isinstance(data, str) else text.encode()
        if self._pattern is not None and isinstance(new, str):
            if isinstance(data, str):
                return self._pattern.sub(new, data)
            return re.sub(self._pattern.pattern.encode(), new.encode(), data)
        if self.text is not None and isinstance(new, (str, bytes)):
            return _replace_in(data, self.text, new)
        return new if isinstance(new, (str, bytes)) else json.dumps(new)


def _as_text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def _contains(data: str | bytes, needle: str | bytes) -> bool:
    if isinstance(data, str):
        return (needle if isinstance(needle, str) else needle.decode("utf-8", "replace")) in data
    return (needle.encode() if isinstance(needle, str) else needle) in data


def _replace_in(data: str | bytes, old: str | bytes, new: str | bytes) -> str | bytes:
    if isinstance(data, str):
        o = old if isinstance(old, str) else old.decode("utf-8", "replace")
        return data.replace(o, new if isinstance(new, str) else new.decode("utf-8", "replace"))
    return data.replace(
        old.encode() if isinstance(old, str) else old, new.encode() if isinstance(new, str) else new
    )


_NOT_JSON: Any = object()


class _Parsed:
    """A message's JSON, parsed once for all the rules that look at it."""

    def __init__(self) -> None:
        self._done = False
        self._value: Any = _NOT_JSON

    def get(self, data: str | bytes) -> Any:
        if not self._done:
            self._done = True
            try:
                self._value = json.loads(data)
            except (ValueError, UnicodeDecodeError, RecursionError):
                self._value = _NOT_JSON
        return self._value


def _lookup(doc: Any, steps: tuple[str | int, ...]) -> tuple[bool, Any]:
    if doc is _NOT_JSON:
        return False, None
    for step in steps:
        if isinstance(doc, dict) and str(step) in doc:
            doc = doc[str(step)]
        elif isinstance(doc, list) and isinstance(step, int) and -len(doc) <= step < len(doc):
            doc = doc[step]
        else:
            return False, None
    return True, doc


def _assign(doc: Any, steps: tuple[str | int, ...], value: Any) -> None:
    for step in steps[:-1]:
        doc = doc[int(step)] if isinstance(doc, list) else doc[str(step)]
    last = steps[-1]
    if isinstance(doc, list):
        doc[int(last)] = value
    else:
        doc[str(last)] = value


@dataclass(frozen=True)
class Verdict:
    """What to do with one message: ``action``, by which ``rule`` (``None``: no rule matched), the data
    to forward (changed by a modify rule), the delay, and the messages to inject (and where)."""

    action: Action
    rule: Rule | None
    data: str | bytes
    seconds: float = 0.0
    inject: tuple[str | bytes, ...] = ()
    to: Literal["onward", "back"] = "onward"


class RuleBook:
    """The rules of one relayed connection, in order, with how often each has applied (``limit``)."""

    def __init__(self, rules: Sequence[Rule] = ()) -> None:
        for rule in rules:
            if not isinstance(rule, Rule):
                raise TypeError(f"a relay rule must be a Rule, not {type(rule).__name__}")
        self.rules = tuple(rules)
        self.applied = [0] * len(self.rules)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def may_apply(self, direction: Way, kind: str) -> bool:
        """Whether any rule could match a ``kind`` message going ``direction`` (else it can stream)."""
        data_kind = kind in ("text", "binary")
        for rule in self.rules:
            if rule.direction not in (None, direction):
                continue
            if rule.kind == kind or (rule.kind is None and data_kind):
                return True
        return False

    def decide(self, direction: Way, kind: str, data: str | bytes) -> Verdict:
        """The first matching rule's verdict on a message (a pass when none matches)."""
        parsed = _Parsed()
        for k, rule in enumerate(self.rules):
            if rule.limit is not None and self.applied[k] >= rule.limit:
                continue
            if not rule.matches(direction, kind, data, parsed):
                continue
            self.applied[k] += 1
            if rule.action == "modify":
                new = rule.changed(data, parsed)
                if new is None:
                    return Verdict("drop", rule, data)
                return Verdict("modify", rule, new)
            if rule.action == "inject":
                return Verdict("inject", rule, data, inject=rule.inject_messages, to=rule.to)
            return Verdict(rule.action, rule, data, seconds=rule.seconds)
        return Verdict("pass", None, data)


Change = Callable[[str | bytes], str | bytes | None]
"""The type of a ``replacement`` function."""
