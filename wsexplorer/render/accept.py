"""The Sec-WebSocket-Accept computation, step by step (RFC 6455 §1.3, §4.2.2 step 5.4).

One card per step of :class:`~wsexplorer.codec.accept.AcceptComputation`, the part that is new in the
step marked. The point of the lesson: the key is *checked* by decoding it, but it is the key's *text*
plus the GUID that is hashed.
"""

from __future__ import annotations

from ..codec.accept import GUID, AcceptComputation, AcceptStep
from ..codec.http import header_bytes
from .handshake import section_text, sentence
from .palette import WALKTHROUGH_CSS, block, escape

__all__ = ["accept_html", "accept_text", "step_value_text"]


def _block(body: str, extra_class: str = "") -> str:
    return block("wsx-wt " + extra_class, WALKTHROUGH_CSS, body)


def step_value_text(value: str | bytes) -> str:
    """A step's input or output as text: strings quoted, bytes as hex with their count."""
    if isinstance(value, bytes):
        return f"{len(value)} bytes: {value.hex(' ')}" if value else "(no bytes)"
    return repr(value)


def accept_text(computation: AcceptComputation) -> str:
    """The steps as plain text for a terminal."""
    out = [f"Sec-WebSocket-Accept for key {computation.key!r}"]
    for step in computation.steps:
        mark = "" if step.ok else "  [FAILED]"
        out.append(f"{step.number}. {step.title} ({section_text(step.section)}){mark}")
        out.append(f"   in:  {step_value_text(step.input)}")
        out.append(f"   out: {step_value_text(step.output)}")
        out.append(f"   {step.explanation}")
    out.append(f"=> Sec-WebSocket-Accept: {computation.accept}")
    return "\n".join(out)


_ACCEPT_NOTES = {
    2: (
        "These 16 bytes are only <b>checked</b> (a server refuses a key that is not 16 bytes of base64 with "
        "400 Bad Request). They are <b>not</b> what gets hashed: the next step uses the key <b>text</b>."
    ),
    3: (
        "SHA-1 reads the <b>characters</b> of the key text, one byte each (d = 0x64, G = 0x47, …), "
        "followed by the GUID's characters. A common mistake is to hash the decoded 16 bytes instead: "
        "the result would be wrong."
    ),
    4: "SHA-1 always gives 20 bytes (160 bits), whatever the length of its input.",
    5: "This text is what the server sends back as <b>Sec-WebSocket-Accept</b>.",
}


def _hex_spans(data: bytes, changed_from: int, limit: int = 64) -> str:
    """``data`` as hex, bytes from ``changed_from`` on marked; at most ``limit`` bytes shown."""
    shown = data[:limit]
    old = " ".join(f"{b:02x}" for b in shown[:changed_from])
    new = " ".join(f"{b:02x}" for b in shown[changed_from:])
    text = old + (" " if old and new else "") + (f"<mark>{new}</mark>" if new else "")
    if len(data) > limit:
        text += f' <span class="wsx-wt-dim">… ({len(data) - limit} more)</span>'
    return text


def _accept_value(step: AcceptStep) -> str:
    """The step's output with the part that is new in this step marked."""
    out, inp = step.output, step.input
    if isinstance(out, str):
        common = len(inp) if isinstance(inp, str) and out.startswith(inp) and out != inp else 0
        if isinstance(inp, str) and out == inp:
            text = escape(out)
            raw_from = len(header_bytes(out))
        else:
            text = escape(out[:common]) + f"<mark>{escape(out[common:])}</mark>"
            raw_from = len(header_bytes(out[:common]))
        raw = header_bytes(out)
        return (
            f'<div class="wsx-wt-val"><span class="wsx-wt-label">text</span>"{text}" '
            f'<span class="wsx-wt-dim">({len(out)} characters)</span></div>'
            f'<div class="wsx-wt-val"><span class="wsx-wt-label">as bytes</span>{_hex_spans(raw, raw_from)}'
            f' <span class="wsx-wt-dim">({len(raw)} bytes)</span></div>'
        )
    if not out:
        return '<div class="wsx-wt-val wsx-wt-dim">(no bytes: the key does not decode)</div>'
    decoded = step.number == 2  # the 16-byte check: the only step that decodes the key
    label = "decoded bytes" if decoded else "bytes (hex)"
    shown = (
        f'<div class="wsx-wt-val"><span class="wsx-wt-label">{label}</span>{_hex_spans(out, 0)} '
        f'<span class="wsx-wt-dim">({len(out)} bytes)</span></div>'
    )
    if decoded and all(0x20 <= b < 0x7F for b in out):
        shown += (
            f'<div class="wsx-wt-small wsx-wt-dim">(these bytes happen to be ASCII text: '
            f"{escape(repr(out.decode('ascii')))}; a real client draws 16 random bytes)</div>"
        )
    return shown


def accept_html(computation: AcceptComputation, upto: int | None = None) -> str:
    """The first ``upto`` steps of ``computation`` (all when ``None``) as cards, the changed part marked.

    The point of the walkthrough: the key is checked by decoding it, but it is the key's *text* plus
    the GUID that is hashed (RFC 6455 §4.2.2 step 5.4). Long values wrap anywhere, so the cards fit
    the width of the page whatever the key.
    """
    steps = computation.steps if upto is None else computation.steps[: max(0, upto)]
    cards = []
    for step in steps:
        failed = " wsx-wt-failed" if not step.ok else ""
        note = _ACCEPT_NOTES.get(step.number, "")
        extra = ""
        if step.number == 3:
            extra = (
                f'<div class="wsx-wt-small wsx-wt-dim">GUID = {escape(GUID)}, the same for every WebSocket '
                "server (RFC 6455 §1.3)</div>"
            )
        verdict = ""
        if not step.ok:
            why = computation.error.rule if computation.error is not None else step.explanation
            verdict = (
                f'<div class="wsx-wt-badnote">✗ The key fails this check. {escape(sentence(why))} A server '
                "answers <b>400 Bad Request</b> and does not open the connection. The steps below go on "
                "anyway, so you can follow the computation.</div>"
            )
        explanation = "" if not step.ok else f'<div class="wsx-wt-small">{escape(step.explanation)}</div>'
        cards.append(
            f'<div class="wsx-wt-card{failed}" data-step="{step.number}" style="overflow-wrap:anywhere"><h3>'
            f'<span class="wsx-wt-num-badge">{step.number}</span>{escape(step.title)}'
            f'<span class="wsx-wt-ref">{escape(section_text(step.section))}</span></h3>'
            f"{_accept_value(step)}{extra}{explanation}{verdict}"
            + (f'<div class="wsx-wt-note">{note}</div>' if note and step.ok else "")
            + "</div>"
        )
    return _block("".join(cards))
