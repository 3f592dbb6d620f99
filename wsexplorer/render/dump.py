"""The annotated dump of any inspectable object: hex by field, bit layout, field table, rules broken.

Works on anything with ``bytes(obj)``, ``obj.fields`` and ``obj.violations`` (a frame, a frame in its
connection's context, a handshake message, a compressed message). Every byte range, bit string and
colour comes from the object's own fields, so the parts can never disagree. Callers choose the parts
(``sections``) and may pass the violations found in a context (``violations``) instead of the
object's own; nothing is hidden with CSS.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ..anatomy import Inspectable, Violation
from .bitdiagram import bit_diagram_text, diagram_table
from .fields import fields_html, fields_text, violations_html, violations_text
from .hexdump import hex_html, hex_text
from .palette import DUMP_CSS, escape
from .view import View, check_limits, make_view

__all__ = ["SECTIONS", "html_dump", "text_dump"]

SECTIONS = ("hex", "bits", "fields", "violations")
"""The parts of a dump, in the order they are drawn."""


def _counts(view: View) -> str:
    n = len(view.violations)
    found = f"{n} violation{'s' if n != 1 else ''}" if n else "no violations"
    return f"{len(view.data):,} bytes · {len(view.fields)} fields · {found}"


def _check_sections(sections: Collection[str]) -> None:
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown dump sections {sorted(unknown)}: choose from {list(SECTIONS)}")


def text_dump(
    obj: Inspectable,
    *,
    width: int = 16,
    max_bytes: int = 512,
    violations: Sequence[Violation] | None = None,
    sections: Collection[str] = ("hex", "fields", "violations"),
    title: str | None = None,
) -> str:
    """A plain-text dump for a terminal: title, labelled hex, fields, violations.

    Only the first ``max_bytes`` bytes are dumped; ``violations`` replaces the object's own list.
    """
    check_limits(max_bytes, width)
    _check_sections(sections)
    view = make_view(obj, violations=violations, title=title)
    out = [view.title, _counts(view), ""]
    if "hex" in sections:
        out.extend(hex_text(view, width=width, max_bytes=max_bytes))
    if "bits" in sections and view.has_bitfields:
        out += ["", bit_diagram_text(obj, violations=view.violations)]
    if "fields" in sections:
        out += ["", *fields_text(view)]
    if "violations" in sections:
        out += ["", *violations_text(view)]
    return "\n".join(out)


def html_dump(
    obj: Inspectable,
    *,
    max_bytes: int = 512,
    violations: Sequence[Violation] | None = None,
    sections: Collection[str] = SECTIONS,
    title: str | None = None,
) -> str:
    """Self-contained HTML for a notebook: colour-coded hex, bit layout, field table, violations.

    Inline ``<style>`` with ``wsx-`` classes, no scripts, no external assets.
    """
    check_limits(max_bytes)
    _check_sections(sections)
    view = make_view(obj, violations=violations, title=title)
    parts = [f'<div class="wsx-dump"><style>{DUMP_CSS}</style>']
    parts.append(f'<div class="wsx-title">{escape(view.title)}</div>')
    parts.append(f'<div class="wsx-sub">{escape(_counts(view))}</div>')
    if "hex" in sections:
        parts.append(hex_html(view, max_bytes=max_bytes))
    if "bits" in sections and view.has_bitfields:
        parts.append('<details class="wsx-det" open><summary>Bit layout</summary>')
        parts.append(diagram_table(view, header_only=True))
        parts.append("</details>")
    if "fields" in sections:
        parts.append(fields_html(view))
    if "violations" in sections:
        parts.append(violations_html(view.violations))
    parts.append("</div>")
    return "".join(parts)
