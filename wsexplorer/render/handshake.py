"""The opening handshake's views: a message line by line, and the checks of each side's verdict.

:func:`message_html` / :func:`message_text` show an HTTP handshake message (RFC 6455 §4) with every
line's bytes, its text as sent and what it is for; :func:`checks_html` / :func:`checks_text` show the
server's decision (:func:`~wsexplorer.codec.server_decision.decide`) or the client's check
(:func:`~wsexplorer.codec.client_check.check_response`) step by step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..codec.check_step import CheckStep
from ..codec.client_check import ClientCheck
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.server_decision import ServerDecision
from .palette import WALKTHROUGH_CSS, block, escape

__all__ = [
    "LEFT",
    "checks_html",
    "checks_text",
    "message_html",
    "message_text",
    "section_html",
    "section_text",
    "sentence",
    "step_line",
    "verdict_title",
]

LEFT = "text-align:left"
"""Inline style of every prose cell: JupyterLab right-aligns table cells with a selector
(``:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td``) that outranks a one-class rule, and an
inline style outranks any selector, so prose reads left-aligned in every front end."""

_RFC_VARIABLE = re.compile(r"\s*\(/[^/()]+/\)")


def _block(body: str, extra_class: str = "") -> str:
    return block("wsx-wt " + extra_class, WALKTHROUGH_CSS, body)


def section_text(section: str) -> str:
    """``section`` without RFC 6455's variable notation: ``§4.2.2 step 4 (/key/)`` -> ``§4.2.2 step 4``.

    The RFC names what a server establishes ``/origin/``, ``/key/``, ``/version/``; a reader of a
    citation in small print needs the section and step, and the checks already say which header.
    """
    return _RFC_VARIABLE.sub("", section)


def sentence(text: str) -> str:
    """``text`` as a sentence: first letter capitalised, ending with a full stop (rules and reasons
    are written lower-case to fit inside other sentences)."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def message_text(message: HandshakeRequest | HandshakeResponse) -> str:
    """A terminal dump: each line with its byte range, group and meaning, then violations."""
    out = [repr(message)]
    for f in message.fields:
        where = f"{f.span.byte_start:>5}..{f.span.byte_end - 1:<5}"
        shown = f.raw.decode("latin-1").rstrip("\r\n")
        if f.name == "Body":
            shown = f"({len(f.raw)} bytes) " + shown[:60]
        elif f.name == "End of headers":
            shown = "(blank line)"
        out.append(f"{where} {f.group:<8} {shown}")
        out.append(f"{'':13}{'':9}{f.meaning} [{section_text(f.rfc_ref)}]")
    if message.violations:
        out.append("Violations:")
        out.extend(f"  - {v}" for v in message.violations)
    return "\n".join(out)


def step_line(step: CheckStep) -> str:
    """One check as a line: ``[pass] check: detail (section) -> HTTP 400``."""
    status = f" -> HTTP {step.http_status}" if step.http_status else ""
    return f"[{step.outcome}] {step.check}: {step.detail} ({section_text(step.section)}){status}"


def verdict_title(verdict: ServerDecision | ClientCheck) -> str:
    """The verdict in one line: the server's status and reason, or the client's outcome."""
    if isinstance(verdict, ServerDecision):
        word = "accepted" if verdict.accepted else "refused"
        return f"Server decision: {word}, {verdict.status}: {verdict.reason}"
    return "Client check: " + ("connection established" if verdict.ok else f"FAILED: {verdict.error}")


def checks_text(verdict: ServerDecision | ClientCheck) -> str:
    """A verdict's title and its checks, one line each."""
    title = verdict_title(verdict)
    if isinstance(verdict, ServerDecision):
        title += f" ({section_text(verdict.section)})"
    return "\n".join([title, *(f"  {step_line(s)}" for s in verdict.steps)])


def checks_html(verdict: ServerDecision | ClientCheck, *, title: str | None = None) -> str:
    """A verdict's checks as a table, titled with the verdict (or ``title``)."""
    return check_steps_html(verdict.steps, title=verdict_title(verdict) if title is None else title)


def message_html(
    message: HandshakeRequest | HandshakeResponse,
    *,
    highlight: tuple[int, int | None] | None = None,
    highlight_note: str = "",
) -> str:
    """An HTTP handshake message line by line: bytes, the line as sent, what it is for, RFC section.

    ``highlight`` is a byte range ``(start, end)`` (``end`` may be ``None``: the line holding ``start``)
    to mark, such as the line a failed check looked at; ``highlight_note`` is written next to it.
    Lines that break a grammar rule are marked too and the rules listed under the table.
    """
    data = bytes(message)
    violations = list(message.violations)
    heads = "".join(
        f'<th style="{LEFT}">{h}</th>' for h in ("bytes", "line as sent", "what it is for", "RFC")
    )
    rows = [f"<table><thead><tr>{heads}</tr></thead><tbody>"]
    for f in message.fields:
        start, end = f.span.byte_start, f.span.byte_end
        hit = highlight is not None and (
            start <= highlight[0] < end
            or (highlight[1] is not None and highlight[0] < end and start < highlight[1])
        )
        bad = any(start <= v.start < end for v in violations)
        raw = data[start:end]
        if f.name == "Body":
            line = escape(raw[:300].decode("utf-8", "replace")) + ("…" if len(raw) > 300 else "")
        else:
            body = raw.rstrip(b"\r\n").decode("latin-1")
            ending = raw[len(raw.rstrip(b"\r\n")) :]
            marks = {b"\r\n": "CRLF", b"\n": "LF only", b"": ""}.get(ending, repr(ending))
            line = (escape(body) if body else '<span class="wsx-wt-dim">(empty line)</span>') + (
                f' <span class="wsx-wt-crlf">{marks}</span>'
            )
        flag = ""
        if hit:
            flag = f'<div class="wsx-wt-stop">◀ {escape(highlight_note or "here")}</div>'
        elif bad:
            flag = '<div class="wsx-wt-stop">◀ breaks a rule</div>'
        cls = f"wsx-wt-{f.group}" if f.group in ("required", "optional", "other") else ""
        if hit or bad:
            cls += " wsx-wt-hit"
        rows.append(
            f'<tr class="{cls.strip()}"><td class="wsx-wt-m wsx-wt-dim" style="{LEFT};white-space:nowrap">'
            f"{start}..{end - 1}</td>"
            f'<td class="wsx-wt-line" style="{LEFT};min-width:16em">{line}</td>'
            f'<td style="{LEFT};overflow-wrap:anywhere">{escape(f.meaning)}{flag}</td>'
            f'<td class="wsx-wt-dim wsx-wt-small" style="{LEFT}">{section_html(f.rfc_ref)}</td></tr>'
        )
    rows.append("</tbody></table>")
    legend = (
        '<div class="wsx-wt-small wsx-wt-dim">Left edge of a row: '
        f"{_swatch('#8ab4f8')} required header {_swatch('#81c995')} optional "
        f"{_swatch('#cfd4da')} other. Every line ends with CRLF (carriage return, line feed); an "
        "empty line ends the headers.</div>"
    )
    listing = ""
    if violations:
        items = "".join(f"<li>{escape(v)}</li>" for v in violations)
        listing = f'<div class="wsx-wt-badnote">Grammar problems:<ul style="margin:2px 0">{items}</ul></div>'
    return _block("".join(rows) + legend + listing)


def _swatch(colour: str) -> str:
    """A small square of ``colour`` for a legend: a box, not a character, so it needs no text contrast."""
    return (
        f'<span aria-hidden="true" style="display:inline-block;width:.8em;height:.8em;'
        f'vertical-align:-1px;border-radius:2px;background:{colour}"></span>'
    )


_OUTCOME = {
    "pass": '<span class="wsx-wt-pass">✓ pass</span>',
    "fail": '<span class="wsx-wt-fail">✗ fail</span>',
    "note": '<span class="wsx-wt-note-o">• note</span>',
}


def section_html(section: str) -> str:
    """``section`` for a narrow table column: it may wrap between citations, never inside one
    (``RFC 6455``, ``§4.2.1 item 1`` stay whole)."""
    text = escape(section_text(section)).replace(" ", "&nbsp;")
    return text.replace(",&nbsp;", ", ").replace("&nbsp;§", " §")


def check_steps_html(steps: Sequence[CheckStep], *, title: str = "") -> str:
    """The checks of ``decide`` or ``check_response``, in order: outcome (with the HTTP status a
    failure answers with), check, detail, RFC section.

    The first failure is where the handshake stopped; notes are choices made (the subprotocol picked,
    an extension declined).
    """
    heads = "".join(f'<th style="{LEFT}">{h}</th>' for h in ("outcome", "check", "detail", "RFC"))
    rows = [f"<table><thead><tr>{heads}</tr></thead><tbody>"]
    for s in steps:
        cls = ' class="wsx-wt-failrow"' if s.outcome == "fail" else ""
        outcome = _OUTCOME.get(s.outcome, escape(s.outcome))
        if s.http_status:
            outcome += f'<div class="wsx-wt-m wsx-wt-small">→ HTTP {s.http_status}</div>'
        rows.append(
            f'<tr{cls}><td style="{LEFT};white-space:nowrap">{outcome}</td>'
            f'<td style="{LEFT}">{escape(s.check)}</td>'
            f'<td style="{LEFT};overflow-wrap:anywhere">{escape(s.detail)}</td>'
            f'<td class="wsx-wt-dim wsx-wt-small" style="{LEFT}">{section_html(s.section)}</td></tr>'
        )
    rows.append("</tbody></table>")
    head = f'<div class="wsx-wt-cap">{escape(title)}</div>' if title else ""
    return _block(head + "".join(rows))
