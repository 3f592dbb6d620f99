"""What every session file must satisfy, in either container: limits, header fields, chunks, redactions.

Both containers (the ZIP session file and the append-only journal, docs/session-format.md) are read into
one :class:`SessionContents` that has passed every check here, so that replaying it into a
:class:`~wsexplorer.record.session.Session` cannot fail half-way. Every refusal is a
:class:`~wsexplorer.errors.SessionFormatError` naming the file, the member (a ZIP member or a journal
part), the field and, when there is one, the byte offset (inside the ZIP member; in the file for a
journal).
"""

from __future__ import annotations

import itertools
import json
import operator
from array import array
from dataclasses import dataclass
from typing import Any, TypeGuard

from ..codec.role import ROLES, Role
from ..errors import SessionFormatError
from .redact import Redaction
from .session import C2S, DIRECTION_NAMES, S2C, Direction

__all__ = [
    "CUT_KEY",
    "DEFAULT_MAX_BYTES",
    "FORMAT_DOC",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_JSON_BYTES",
    "REDACTED_KEY",
    "JournalCut",
    "SessionContents",
    "Where",
    "first_decrease",
    "header_fields",
    "is_integer",
    "json_object",
    "merged_redactions",
    "redactions_in",
    "shown",
]

FORMAT_NAME = "wsexplorer-session"
FORMAT_VERSION = 1

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
"""Load limit: the bytes a file may make us hold (ZIP: declared uncompressed member sizes; journal:
header and record payloads), checked before they are read. ``max_bytes=None`` lifts it."""

MAX_JSON_BYTES = 1024 * 1024
"""The largest ``session.json`` or journal header accepted, whatever ``max_bytes`` says: parsed JSON
takes many times its size in memory."""

FORMAT_DOC = "docs/session-format.md"
REDACTED_KEY = "redacted"
"""The ``meta`` key listing the redacted header values (a key reserved by wsexplorer)."""
CUT_KEY = "journal_cut"
"""The ``meta`` key a journal's reader sets when the journal ends before its end record."""


@dataclass(frozen=True, slots=True)
class JournalCut:
    """Where a journal without its end record stops being readable: everything before ``offset`` loaded."""

    offset: int
    file_size: int
    rule: str

    @property
    def discarded(self) -> int:
        """Bytes after the last complete record (a record cut short), not loaded."""
        return self.file_size - self.offset

    def as_json(self) -> dict[str, object]:
        return {"offset": self.offset, "file_size": self.file_size, "rule": self.rule}


@dataclass(slots=True)
class SessionContents:
    """A session file's contents, checked: the header, both streams and the chunk columns."""

    header: dict[str, Any]
    role: Role
    handshake: bool
    meta: dict[str, Any]
    streams: tuple[bytes | bytearray, bytes | bytearray]
    directions: array[int]
    lengths: array[int]
    times: array[int]
    cut: JournalCut | None = None


class Where:
    """The file being checked; makes the errors that name it."""

    def __init__(self, path: str) -> None:
        self.path = path

    def error(
        self,
        rule: str,
        *,
        member: str = "",
        field: str = "",
        offset: int | None = None,
        section: str = FORMAT_DOC,
    ) -> SessionFormatError:
        return SessionFormatError(
            rule, path=self.path, member=member, field=field, offset=offset, section=section
        )


def json_object(raw: bytes, where: Where, member: str, base: int = 0) -> dict[str, Any]:
    """``raw`` read as one UTF-8 JSON object (RFC 8259), or SessionFormatError with the byte offset
    (``base`` plus the offset in ``raw``: a journal reports offsets in the file)."""
    if len(raw) > MAX_JSON_BYTES:
        raise where.error(f"{len(raw)} bytes of JSON, over the {MAX_JSON_BYTES} allowed", member=member)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise where.error(
            f"not UTF-8 ({exc.reason})", member=member, offset=base + exc.start, section="RFC 8259 §8.1"
        ) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        at = len(text[: exc.pos].encode("utf-8"))
        raise where.error(
            f"not JSON: {exc.msg}", member=member, offset=base + at, section="RFC 8259 §2"
        ) from None
    except (ValueError, RecursionError) as exc:  # an integer too long to convert, nesting too deep
        raise where.error(f"not usable JSON: {exc}", member=member, section="RFC 8259 §9") from None
    if not isinstance(obj, dict):
        raise where.error(f"{_kind(obj)}, not an object", member=member, field="(top level)")
    return obj


def is_integer(value: object) -> TypeGuard[int]:
    """An integer in the JSON sense: Python's ``True`` is an int, but ``true`` is no number."""
    return isinstance(value, int) and not isinstance(value, bool)


def shown(obj: dict[str, Any], key: str) -> str:
    """How a field looks in the file, for messages: its JSON (shortened), or "missing"."""
    if key not in obj:
        return "missing"
    try:
        text = json.dumps(obj[key])
    except (ValueError, RecursionError):  # pragma: no cover - what json.loads made, json.dumps writes
        text = "(a value)"
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    """The JSON kind of a parsed value, as RFC 8259 §3 names them."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def header_fields(
    obj: dict[str, Any], where: Where, member: str, *, format_name: str, version: int
) -> tuple[Role, bool, dict[str, Any]]:
    """Check ``format``, ``version``, ``role``, ``handshake`` and ``meta``; return the last three."""
    if obj.get("format") != format_name:
        raise where.error(
            f"not a wsexplorer session file: format is {shown(obj, 'format')}, not {json.dumps(format_name)}",
            member=member,
            field="format",
        )
    found = obj.get("version")
    if not is_integer(found) or found != version:
        raise where.error(
            f"{format_name} version {shown(obj, 'version')} is not supported (this reader knows {version})",
            member=member,
            field="version",
        )
    role = obj.get("role")
    if role not in ROLES:
        raise where.error(
            f'role is {shown(obj, "role")}: it must be "client" or "server"', member=member, field="role"
        )
    handshake = obj.get("handshake")
    if not isinstance(handshake, bool):
        raise where.error(
            f"handshake is {shown(obj, 'handshake')}: it must be true or false",
            member=member,
            field="handshake",
        )
    meta = obj.get("meta")
    if not isinstance(meta, dict):
        raise where.error(f"meta is {shown(obj, 'meta')}: it must be an object", member=member, field="meta")
    return ("client" if role == "client" else "server"), handshake, meta


def entry_redactions(
    entries: object, stream_lengths: tuple[int, int], where: Where, member: str, field: str
) -> list[Redaction]:
    """Redaction entries (``{"direction", "name", "start", "end"}``) checked against the streams' lengths."""
    if not isinstance(entries, list):
        raise where.error(f"{_kind(entries)}, not an array", member=member, field=field)
    out = []
    for i, entry in enumerate(entries):
        at = f"{field}[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"direction", "name", "start", "end"}:
            raise where.error(
                "not an object with exactly direction, name, start and end", member=member, field=at
            )
        d, name, start, end = entry["direction"], entry["name"], entry["start"], entry["end"]
        if not is_integer(d) or d not in (C2S, S2C):
            raise where.error(f"direction {d!r}: it must be 0 or 1", member=member, field=at)
        if not isinstance(name, str) or not is_integer(start) or not is_integer(end):
            raise where.error("name must be a string, start and end integers", member=member, field=at)
        direction: Direction = C2S if d == C2S else S2C
        if not 0 <= start < end <= stream_lengths[direction]:
            raise where.error(
                f"bytes {start}..{end - 1} are not a range inside the {stream_lengths[direction]} bytes "
                f"of the {DIRECTION_NAMES[direction]} stream",
                member=member,
                field=at,
            )
        out.append(Redaction(direction, name, start, end))
    return out


def redactions_in(meta: dict[str, Any], stream_lengths: tuple[int, int], where: Where, member: str) -> None:
    """Check ``meta["redacted"]`` (when present) against the streams it describes."""
    if REDACTED_KEY in meta:
        entry_redactions(meta[REDACTED_KEY], stream_lengths, where, member, f"meta.{REDACTED_KEY}")


def merged_redactions(earlier: list[Redaction], found: list[Redaction]) -> list[dict[str, object]]:
    """The ``meta["redacted"]`` entries: the ``earlier`` ones, then those ``found`` that are new."""
    out = list(dict.fromkeys([*earlier, *found]))
    return [r.as_json() for r in out]


def first_decrease(times: array[int]) -> int | None:
    """The index of the first time earlier than the one before it, or None when they never decrease.

    Only the order is checked, not the sign: monotonic clocks count from an arbitrary point, so a
    negative timestamp is a valid one (docs/session-format.md).
    """
    if all(map(operator.le, times, itertools.islice(times, 1, None))):
        return None
    return next(k for k in range(1, len(times)) if times[k] < times[k - 1])
