"""Step-by-step walkthroughs as self-contained HTML: unmasking, the accept key, the handshake's verdicts.

Each function draws one lesson from a codec object and computes no protocol result of its own: the
unmasked bytes come from :attr:`Frame.payload <wsexplorer.codec.frames.Frame.payload>`, the accept steps
from :class:`~wsexplorer.codec.accept.AcceptComputation`, the handshake lines from the message's own
fields, the verdicts from the :class:`~wsexplorer.codec.negotiation.CheckStep` lists of ``decide`` and
``check_response``. Output is HTML with an inline ``<style>`` (``wsx-wt`` classes), no scripts, so it
renders the same in a notebook, in a widget, or saved to a file.

* :func:`unmasking_html` / :func:`unmasking_text` — RFC 6455 §5.3 byte by byte: masked byte, key byte
  ``i % 4``, XOR, result.
* :func:`accept_steps_html` — base64(SHA-1(key + GUID)), one card per step, the changed part marked.
* :func:`message_lines_html` — an HTTP handshake message line by line, each line with its meaning.
* :func:`check_steps_html` — the checks a server or client made, in order, with their outcomes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from ..codec._text import wire
from ..codec.accept import GUID, AcceptComputation, AcceptStep
from ..codec.frames import Frame, Opcode
from ..codec.handshake import HandshakeRequest, HandshakeResponse
from ..codec.negotiation import CheckStep

__all__ = [
    "STYLE",
    "accept_steps_html",
    "check_steps_html",
    "message_lines_html",
    "unmasking_html",
    "unmasking_text",
]

_MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace'
_INK = "#1b1b1b"
_BAD = "#d93025"
_GOOD = "#188038"
_KEY_TINTS = ("#f9c98f", "#a8d1ff", "#b9e4a1", "#e2b6ea")
"""One tint per masking-key byte, so the key's repetition every 4 bytes shows in the table."""

STYLE = f"""
.wsx-wt {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  font-size: 13px; line-height: 1.45; margin: 4px 0 8px; max-width: 100%; overflow-x: auto; }}
.wsx-wt .wsx-wt-m {{ font-family: {_MONO}; }}
.wsx-wt .wsx-wt-lead {{ margin: 2px 0 6px; }}
.wsx-wt .wsx-wt-dim {{ opacity: .7; }}
.wsx-wt .wsx-wt-small {{ font-size: 12px; }}
.wsx-wt table {{ border-collapse: collapse; margin: 2px 0; font-size: 12.5px; }}
.wsx-wt th, .wsx-wt td {{ text-align: left; vertical-align: top; padding: 3px 10px 3px 4px; border: none;
  border-bottom: 1px solid rgba(127, 127, 127, .25); }}
.wsx-wt th {{ font-size: 11px; font-weight: 600; opacity: .75; }}
.wsx-wt tbody tr {{ background: transparent; }}
.wsx-wt .wsx-wt-chip {{ display: inline-block; padding: 0 5px; border-radius: 3px; color: {_INK};
  font-family: {_MONO}; white-space: nowrap; }}
.wsx-wt .wsx-wt-bits {{ font-family: {_MONO}; opacity: .75; font-size: 11.5px; white-space: nowrap; }}
.wsx-wt td.wsx-wt-num {{ text-align: right; font-family: {_MONO}; }}
.wsx-wt .wsx-wt-res {{ font-weight: 700; }}
.wsx-wt .wsx-wt-note {{ margin: 6px 0; padding: 5px 10px; border-left: 4px solid #f9ab00;
  background: rgba(249, 171, 0, .12); border-radius: 3px; }}
.wsx-wt .wsx-wt-badnote {{ margin: 6px 0; padding: 5px 10px; border-left: 4px solid {_BAD};
  background: rgba(217, 48, 37, .10); border-radius: 3px; }}
.wsx-wt .wsx-wt-card {{ border: 1px solid rgba(127, 127, 127, .35); border-radius: 6px; padding: 6px 10px;
  margin: 6px 0; }}
.wsx-wt .wsx-wt-card.wsx-wt-failed {{ border-color: {_BAD}; background: rgba(217, 48, 37, .06); }}
.wsx-wt .wsx-wt-card h4 {{ margin: 0 0 4px; font-size: 13.5px; }}
.wsx-wt .wsx-wt-num-badge {{ display: inline-block; width: 1.6em; height: 1.6em; line-height: 1.6em;
  text-align: center; border-radius: 50%; background: #8ab4f8; color: {_INK}; font-size: 12px;
  margin-right: 6px; }}
.wsx-wt .wsx-wt-ref {{ float: right; font-weight: 400; font-size: 11.5px; opacity: .7; }}
.wsx-wt .wsx-wt-val {{ font-family: {_MONO}; font-size: 12.5px; word-break: break-all; margin: 2px 0; }}
.wsx-wt mark {{ background: #fdd663; color: {_INK}; padding: 0 1px; border-radius: 2px; }}
.wsx-wt .wsx-wt-label {{ display: inline-block; min-width: 8.5em; font-size: 11.5px; opacity: .75; }}
.wsx-wt tr.wsx-wt-required td:first-child {{ box-shadow: inset 4px 0 0 #8ab4f8; }}
.wsx-wt tr.wsx-wt-optional td:first-child {{ box-shadow: inset 4px 0 0 #81c995; }}
.wsx-wt tr.wsx-wt-other td:first-child {{ box-shadow: inset 4px 0 0 #cfd4da; }}
.wsx-wt tr.wsx-wt-hit td {{ background: rgba(217, 48, 37, .12); }}
.wsx-wt .wsx-wt-line {{ font-family: {_MONO}; white-space: pre-wrap; overflow-wrap: anywhere;
  min-width: 22em; }}
.wsx-wt .wsx-wt-crlf {{ opacity: .45; font-size: 9.5px; letter-spacing: .04em; }}
.wsx-wt .wsx-wt-stop {{ color: {_BAD}; font-weight: 700; white-space: nowrap; }}
.wsx-wt .wsx-wt-pass {{ color: {_GOOD}; font-weight: 700; }}
.wsx-wt .wsx-wt-fail {{ color: {_BAD}; font-weight: 700; }}
.wsx-wt .wsx-wt-note-o {{ opacity: .7; font-weight: 700; }}
.wsx-wt tr.wsx-wt-failrow td {{ background: rgba(217, 48, 37, .10); }}
.wsx-wt .wsx-wt-cap {{ font-weight: 600; font-size: 11px; text-transform: uppercase; letter-spacing: .06em;
  opacity: .65; margin: 8px 0 3px; }}
"""
"""The CSS shared by every walkthrough (``wsx-wt`` classes); each function's HTML carries it inline."""


def _e(text: object) -> str:
    return html.escape(str(text))


def _wrap(body: str, extra_class: str = "") -> str:
    cls = f"wsx-wt {extra_class}".strip()
    return f'<div class="{cls}"><style>{STYLE}</style>{body}</div>'


def _printable(b: int) -> str:
    return chr(b) if 0x20 <= b < 0x7F else ""


# --------------------------------------------------------------------------------------------------
# Unmasking (RFC 6455 §5.3)
# --------------------------------------------------------------------------------------------------


def _is_text(frame: Frame) -> bool:
    return frame.opcode in (Opcode.TEXT, Opcode.CONTINUATION, Opcode.CLOSE) and not frame.rsv1


def unmasking_html(frame: Frame, *, max_rows: int = 32) -> str:
    """RFC 6455 §5.3 for ``frame``, byte by byte: masked byte, key byte ``i % 4``, XOR, unmasked byte.

    Shows why a masked payload looks like noise on the wire and how the receiver gets it back: the
    same XOR with the same 4-byte key, repeated. Only the first ``max_rows`` bytes get a row.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    key = frame.masking_key
    if key is None:
        return _wrap(
            '<div class="wsx-wt-lead">This frame is <b>not masked</b> (MASK bit = 0): the payload bytes '
            "on the wire are the data itself. Only frames from a client to a server are masked; a server "
            "never masks (RFC 6455 §5.1).</div>"
        )
    masked = frame.masked_payload
    plain = frame.payload  # unmasked by the codec (apply_mask), never recomputed here
    key_chips = " ".join(
        f'<span class="wsx-wt-chip" style="background:{_KEY_TINTS[j]}">{k:02x}</span>'
        for j, k in enumerate(key)
    )
    parts = [
        '<div class="wsx-wt-lead">Masking key (4 bytes): '
        f"{key_chips}. Payload byte <i>i</i> is XORed (⊕, bit by bit: 1 where the bits differ) with key byte "
        "<i>i</i> mod 4. Doing the same XOR again gives the bytes back, so masking and unmasking are one "
        "operation <span class='wsx-wt-dim'>(RFC 6455 §5.3)</span>.</div>"
    ]
    if not masked:
        parts.append('<div class="wsx-wt-dim">The payload is empty: nothing to unmask.</div>')
        return _wrap("".join(parts))
    rows = [
        "<table><thead><tr><th>i</th><th>masked byte (wire)</th><th></th><th>key byte i mod 4</th>"
        "<th></th><th>unmasked byte</th><th>char</th></tr></thead><tbody>"
    ]
    text = _is_text(frame)
    for i in range(min(len(masked), max_rows)):
        m, k, p = masked[i], key[i % 4], plain[i]
        char = _printable(p)
        if char:
            shown = f"'{_e(char)}'"
        elif text and p >= 0x80:
            shown = '<span class="wsx-wt-dim">part of a UTF-8 character</span>'
        else:
            shown = '<span class="wsx-wt-dim">—</span>'
        rows.append(
            f'<tr><td class="wsx-wt-num">{i}</td>'
            f'<td><span class="wsx-wt-chip" style="background:#e6d8bd">{m:02x}</span> '
            f'<span class="wsx-wt-bits">{m:08b}</span></td><td>⊕</td>'
            f'<td><span class="wsx-wt-chip" style="background:{_KEY_TINTS[i % 4]}">{k:02x}</span> '
            f'<span class="wsx-wt-bits">{k:08b}</span> <span class="wsx-wt-dim wsx-wt-small">'
            f"(key[{i % 4}])</span></td><td>=</td>"
            f'<td><span class="wsx-wt-chip wsx-wt-res" style="background:#d7f0dd">{p:02x}</span> '
            f'<span class="wsx-wt-bits">{p:08b}</span></td><td class="wsx-wt-m">{shown}</td></tr>'
        )
    rows.append("</tbody></table>")
    parts.extend(rows)
    hidden = len(masked) - min(len(masked), max_rows)
    if hidden:
        parts.append(
            f'<div class="wsx-wt-dim wsx-wt-small">… {hidden:,} more bytes, unmasked the same way '
            f"(first {max_rows} of {len(masked):,} shown).</div>"
        )
    if frame.missing:
        parts.append(
            f'<div class="wsx-wt-note">The frame is incomplete: {frame.missing:,} announced payload bytes '
            "never arrived, so only the bytes present are unmasked.</div>"
        )
    if text:
        preview = plain[:200].decode("utf-8", "replace")
        more = "…" if len(plain) > 200 else ""
        parts.append(
            f'<div class="wsx-wt-lead">Unmasked payload as text: <b>{_e(repr(preview))}</b>{more}</div>'
        )
    return _wrap("".join(parts))


def unmasking_text(frame: Frame, *, max_rows: int = 32) -> str:
    """The same walkthrough as :func:`unmasking_html`, as plain text for a terminal."""
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    key = frame.masking_key
    if key is None:
        return "not masked (MASK = 0): the payload on the wire is the data itself (RFC 6455 §5.1)"
    masked, plain = frame.masked_payload, frame.payload
    out = [f"masking key {key.hex(' ')}; payload byte i XOR key byte i mod 4 (RFC 6455 §5.3)"]
    out.append(f"{'i':>5}  masked      key (i%4)       unmasked    char")
    for i in range(min(len(masked), max_rows)):
        m, k, p = masked[i], key[i % 4], plain[i]
        out.append(
            f"{i:>5}  {m:02x} {m:08b} ^ {k:02x} {k:08b} [{i % 4}] = {p:02x} {p:08b}  {_printable(p)!r}"
        )
    if len(masked) > max_rows:
        out.append(f"… {len(masked) - max_rows:,} more bytes, unmasked the same way")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# Sec-WebSocket-Accept (RFC 6455 §4.2.2)
# --------------------------------------------------------------------------------------------------

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
            text = _e(out)
            raw_from = len(wire(out))
        else:
            text = _e(out[:common]) + f"<mark>{_e(out[common:])}</mark>"
            raw_from = len(wire(out[:common]))
        raw = wire(out)
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
            f"{_e(repr(out.decode('ascii')))}; a real client draws 16 random bytes)</div>"
        )
    return shown


def accept_steps_html(computation: AcceptComputation, upto: int | None = None) -> str:
    """The first ``upto`` steps of ``computation`` (all when ``None``) as cards, the changed part marked.

    The point of the walkthrough: the key is checked by decoding it, but it is the key's *text* plus
    the GUID that is hashed (RFC 6455 §4.2.2 step 5.4).
    """
    steps = computation.steps if upto is None else computation.steps[: max(0, upto)]
    cards = []
    for step in steps:
        failed = " wsx-wt-failed" if not step.ok else ""
        note = _ACCEPT_NOTES.get(step.number, "")
        extra = ""
        if step.number == 3:
            extra = (
                f'<div class="wsx-wt-small wsx-wt-dim">GUID = {_e(GUID)}, the same for every WebSocket '
                "server (RFC 6455 §1.3)</div>"
            )
        verdict = ""
        if not step.ok:
            verdict = (
                f'<div class="wsx-wt-badnote">✗ {_e(step.explanation)} A server answers '
                "<b>400 Bad Request</b> and the connection is not opened. The rest is shown anyway so you "
                "can follow the computation.</div>"
            )
        explanation = "" if not step.ok else f'<div class="wsx-wt-small">{_e(step.explanation)}</div>'
        cards.append(
            f'<div class="wsx-wt-card{failed}" data-step="{step.number}"><h4>'
            f'<span class="wsx-wt-num-badge">{step.number}</span>{_e(step.title)}'
            f'<span class="wsx-wt-ref">{_e(step.section)}</span></h4>'
            f"{_accept_value(step)}{extra}{explanation}{verdict}"
            + (f'<div class="wsx-wt-note">{note}</div>' if note and step.ok else "")
            + "</div>"
        )
    return _wrap("".join(cards))


# --------------------------------------------------------------------------------------------------
# Handshake messages and verdicts (RFC 6455 §4)
# --------------------------------------------------------------------------------------------------


def message_lines_html(
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
    rows = [
        "<table><thead><tr><th>bytes</th><th>line as sent</th><th>what it is for</th><th>RFC</th>"
        "</tr></thead><tbody>"
    ]
    for f in message.fields:
        start, end = f.span.byte_start, f.span.byte_end
        hit = highlight is not None and (
            start <= highlight[0] < end
            or (highlight[1] is not None and highlight[0] < end and start < highlight[1])
        )
        bad = any(start <= v.start < end for v in violations)
        raw = data[start:end]
        if f.name == "Body":
            line = _e(raw[:300].decode("utf-8", "replace")) + ("…" if len(raw) > 300 else "")
        else:
            body = raw.rstrip(b"\r\n").decode("latin-1")
            ending = raw[len(raw.rstrip(b"\r\n")) :]
            marks = {b"\r\n": "CRLF", b"\n": "LF only", b"": ""}.get(ending, repr(ending))
            line = (_e(body) if body else '<span class="wsx-wt-dim">(empty line)</span>') + (
                f' <span class="wsx-wt-crlf">{marks}</span>'
            )
        flag = ""
        if hit:
            flag = f'<div class="wsx-wt-stop">◀ {_e(highlight_note or "here")}</div>'
        elif bad:
            flag = '<div class="wsx-wt-stop">◀ breaks a rule</div>'
        cls = f"wsx-wt-{f.group}" if f.group in ("required", "optional", "other") else ""
        if hit or bad:
            cls += " wsx-wt-hit"
        rows.append(
            f'<tr class="{cls.strip()}"><td class="wsx-wt-m wsx-wt-dim" style="white-space:nowrap">'
            f"{start}..{end - 1}</td>"
            f'<td class="wsx-wt-line">{line}</td><td>{_e(f.meaning)}{flag}</td>'
            f'<td class="wsx-wt-dim" style="white-space:nowrap">{_e(f.rfc_ref)}</td></tr>'
        )
    rows.append("</tbody></table>")
    legend = (
        '<div class="wsx-wt-small wsx-wt-dim">Left edge: <span style="color:#4a7fd6">■</span> required '
        '<span style="color:#3a9a5b">■</span> optional <span style="color:#9aa0a6">■</span> other. '
        "Every line ends with CRLF (carriage return, line feed); an empty line ends the headers.</div>"
    )
    listing = ""
    if violations:
        items = "".join(f"<li>{_e(v)}</li>" for v in violations)
        listing = f'<div class="wsx-wt-badnote">Grammar problems:<ul style="margin:2px 0">{items}</ul></div>'
    return _wrap("".join(rows) + legend + listing)


_OUTCOME = {
    "pass": '<span class="wsx-wt-pass">✓ pass</span>',
    "fail": '<span class="wsx-wt-fail">✗ fail</span>',
    "note": '<span class="wsx-wt-note-o">• note</span>',
}


def check_steps_html(steps: Sequence[CheckStep], *, title: str = "") -> str:
    """The checks of ``decide`` or ``check_response``, in order: outcome, check, detail, RFC, HTTP status.

    The first failure is where the handshake stopped; notes are choices made (the subprotocol picked,
    an extension declined).
    """
    rows = [
        "<table><thead><tr><th>outcome</th><th>check</th><th>detail</th><th>RFC</th><th>answer</th></tr>"
        "</thead><tbody>"
    ]
    for s in steps:
        cls = ' class="wsx-wt-failrow"' if s.outcome == "fail" else ""
        status = f"HTTP {s.http_status}" if s.http_status else ""
        rows.append(
            f"<tr{cls}><td style='white-space:nowrap'>{_OUTCOME.get(s.outcome, _e(s.outcome))}</td>"
            f"<td>{_e(s.check)}</td><td>{_e(s.detail)}</td>"
            f'<td class="wsx-wt-dim" style="white-space:nowrap">{_e(s.section)}</td>'
            f'<td class="wsx-wt-m" style="white-space:nowrap">{_e(status)}</td></tr>'
        )
    rows.append("</tbody></table>")
    head = f'<div class="wsx-wt-cap">{_e(title)}</div>' if title else ""
    return _wrap(head + "".join(rows))
