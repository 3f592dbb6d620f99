"""What every field-drawing view needs, gathered once from an inspectable object.

Any object with ``bytes(obj)``, ``obj.fields`` and ``obj.violations`` (a frame, a frame in its
connection's context, a handshake message, a compressed message) becomes a :class:`View`: its bytes,
fields, violations, one colour and one key letter per field, and a title. The hex dump, the bit
diagram and the field table all draw from the same View, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..anatomy import Field, Inspectable, Violation
from .palette import assign_colors

__all__ = [
    "View",
    "answer",
    "ascii_char",
    "byte_owners",
    "check_limits",
    "make_view",
    "truncation_note",
    "where",
]

_KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_KIND_NAMES = {"ReplayedFrame": "Frame", "FrameRecord": "Frame"}


@dataclass(frozen=True, slots=True)
class View:
    """Bytes, fields, violations, a colour and a key letter per field, and a title."""

    data: bytes
    fields: list[Field]
    violations: list[Violation]
    colors: list[str]
    keys: list[str]
    title: str

    def owners(self, start: int, end: int) -> list[int]:
        """For each bit of bytes ``start..end-1``, the index of the narrowest field holding it (-1: none).

        Only the requested bytes are examined, so a megabyte payload costs nothing beyond them.
        """
        lo, hi = start * 8, end * 8
        out = [-1] * (hi - lo)
        for i, f in enumerate(self.fields):
            a, b = max(f.span.bit_offset, lo), min(f.span.bit_end, hi)
            n = f.span.bit_length
            for bit in range(a, b):
                cur = out[bit - lo]
                if cur < 0 or n < self.fields[cur].span.bit_length:
                    out[bit - lo] = i
        return out

    def bad_bytes(self, end: int) -> dict[int, list[Violation]]:
        """The violations touching each byte below ``end`` (an empty range marks its start byte)."""
        marks: dict[int, list[Violation]] = {}
        for v in self.violations:
            stop = max(v.end, v.start + 1)
            for b in range(max(v.start, 0), min(stop, end)):
                marks.setdefault(b, []).append(v)
        return marks

    def bad_fields(self) -> set[str]:
        return {v.field for v in self.violations if v.field}

    @property
    def has_bitfields(self) -> bool:
        return any(not f.span.whole_bytes for f in self.fields)


def make_view(
    obj: Inspectable, *, violations: Sequence[Violation] | None = None, title: str | None = None
) -> View:
    """The view of ``obj``; ``violations`` replaces the object's own list (a context's verdict)."""
    data = bytes(obj)
    fields = list(obj.fields)
    found = list(obj.violations if violations is None else violations)
    keys = [_KEYS[i] if i < len(_KEYS) else "?" for i in range(len(fields))]
    if title is None:
        kind = _KIND_NAMES.get(type(obj).__name__, type(obj).__name__)
        summary = getattr(obj, "summary", None)
        text = str(summary()) if callable(summary) else summary if isinstance(summary, str) else ""
        title = f"{kind} · {text}" if text else kind
    return View(data, fields, found, assign_colors(fields), keys, title)


def byte_owners(owners: list[int], byte_index: int) -> list[int]:
    """The distinct owners of one byte's 8 bits, in bit order (``owners`` starts at byte 0)."""
    base = byte_index * 8
    seen: list[int] = []
    for o in owners[base : base + 8]:
        if o not in seen:
            seen.append(o)
    return seen


def where(v: Violation) -> str:
    """The byte or byte range a violation points at, in words."""
    if v.end - v.start <= 1:
        return f"byte {v.start}"
    return f"bytes {v.start}..{v.end - 1}"


def answer(v: Violation) -> str:
    """How a compliant peer answers: ``close 1002``, ``HTTP 400``, or nothing."""
    parts = []
    if v.close_code is not None:
        parts.append(f"close {int(v.close_code)}")
    if v.http_status is not None:
        parts.append(f"HTTP {int(v.http_status)}")
    return ", ".join(parts)


def check_limits(max_bytes: int, width: int = 16) -> None:
    if width < 1:
        raise ValueError(f"width must be at least 1, got {width}")
    if max_bytes < 0:
        raise ValueError(f"max_bytes must not be negative, got {max_bytes}")


def truncation_note(total: int, shown: int) -> str:
    hidden = total - shown
    return f"… {hidden:,} more bytes not shown (first {shown:,} of {total:,} bytes)"


def ascii_char(b: int) -> str:
    return chr(b) if 0x20 <= b < 0x7F else "."
