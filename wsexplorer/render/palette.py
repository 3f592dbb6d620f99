"""The look shared by every view: colours, fonts, CSS, and escaping (one place for each).

Field colours are fixed for the WebSocket header fields, so every dump, diagram and widget agrees, and
hashed (stably) for any other field name. Every field colour is a light-to-mid tone meant for dark
text (:data:`INK`) in both light and dark notebook themes. The CSS blocks are the only CSS of the
package's HTML views; each view carries the block it needs inline, so an output renders the same in
a notebook, a widget, or a saved file.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Sequence

from ..anatomy import Field

__all__ = [
    "BAD",
    "DUMP_CSS",
    "GOOD",
    "INK",
    "KEY_TINTS",
    "MONO",
    "PALETTE",
    "SANS",
    "SPLIT_TOP",
    "TABLE_CSS",
    "THEME_CSS",
    "UNLABELLED",
    "WALKTHROUGH_CSS",
    "assign_colors",
    "block",
    "clip",
    "escape",
    "field_color",
]

INK = "#1b1b1b"
"""Text colour on coloured cells: always dark, because every field colour is a light-to-mid tone."""
BAD = "#c5221f"
"""The colour of violations."""
GOOD = "#137333"
"""The colour of a check that passed."""
KEY_TINTS = ("#f9c98f", "#a8d1ff", "#b9e4a1", "#e2b6ea")
"""One tint per masking-key byte, so the key's repetition every 4 bytes shows (RFC 6455 §5.3)."""
SANS = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif'

UNLABELLED = "#cfd4da"
"""Background of bits no field describes."""
SPLIT_TOP = "#eceef1"
"""Background behind the hex digits of a byte shared by bit fields (their colours form a band below)."""

KNOWN_COLORS = {
    "fin": "#f28b82",
    "rsv1": "#e6c3f0",
    "rsv2": "#d4b0ec",
    "rsv3": "#c29ee6",
    "opcode": "#fdd663",
    "mask": "#81c995",
    "payload length": "#8ab4f8",
    "payload len": "#8ab4f8",
    "extended payload length": "#7fd3e6",
    "masking key": "#f9a66c",
    "payload data": "#e6d8bd",
    "close code": "#f48fb1",
    "close reason": "#c5e1a5",
}

PALETTE = (
    "#ffab91",
    "#ffe082",
    "#c5e1a5",
    "#80cbc4",
    "#81d4fa",
    "#9fa8da",
    "#ce93d8",
    "#f48fb1",
    "#bcaaa4",
    "#a5d6a7",
    "#e6ee9c",
    "#b0bec5",
)


def field_color(name: str) -> str:
    """A stable background colour (``#rrggbb``) for a field called ``name``.

    The WebSocket header fields have fixed colours so every dump and diagram agrees; any other name is
    hashed (CRC-32, stable across runs, unlike ``hash()``) into a palette of light, mid-saturation tones
    that stay readable with dark text on both light and dark notebook themes.
    """
    key = " ".join(name.lower().split())
    if key in KNOWN_COLORS:
        return KNOWN_COLORS[key]
    if key.startswith("extended payload length"):
        return KNOWN_COLORS["extended payload length"]
    return PALETTE[zlib.crc32(key.encode("utf-8")) % len(PALETTE)]


def assign_colors(fields: Sequence[Field]) -> list[str]:
    """Colours for ``fields`` in order, by :func:`field_color`.

    Fixed colours never move; a hashed colour already taken by another name in the same object moves to
    the next free palette colour (while any is left), so no two fields of one dump look alike.
    """
    by_name: dict[str, str] = {}
    used: set[str] = set()
    hashed: list[Field] = []
    for f in fields:
        color = field_color(f.name)
        if color not in PALETTE or " ".join(f.name.lower().split()) in KNOWN_COLORS:
            by_name.setdefault(f.name, color)
            used.add(color)
        else:
            hashed.append(f)
    for f in hashed:
        if f.name in by_name:
            continue
        color = field_color(f.name)
        start = PALETTE.index(color)
        for k in range(len(PALETTE)):
            candidate = PALETTE[(start + k) % len(PALETTE)]
            if candidate not in used:
                color = candidate
                break
        by_name[f.name] = color
        used.add(color)
    return [by_name[f.name] for f in fields]


def escape(text: object) -> str:
    """``text`` escaped for HTML, quotes included (safe in attributes too)."""
    return html.escape(str(text), quote=True)


def block(css_class: str, css: str, body: str) -> str:
    """``body`` in a ``div`` of ``css_class`` carrying ``css`` inline (self-contained HTML)."""
    return f'<div class="{css_class.strip()}"><style>{css}</style>{body}</div>'


def clip(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


# -- CSS ---

THEME_CSS = """
:root { --wsx-dim: #5f6368;
  --wsx-bad: #c5221f; --wsx-good: #137333; --wsx-busy: #174ea6; --wsx-warn: #8a5300;
  --wsx-c2s: #174ea6; --wsx-s2c: #137333; }
body[data-jp-theme-light="false"], body.vscode-dark { --wsx-dim: #bdc1c6; --wsx-bad: #f28b82;
  --wsx-good: #81c995; --wsx-busy: #8ab4f8; --wsx-warn: #fdd663; --wsx-c2s: #8ab4f8; --wsx-s2c: #81c995; }
"""
"""Colours for text that must read on both themes: ``var(--wsx-bad)`` etc. JupyterLab marks its theme
on ``<body>`` (``data-jp-theme-light``); every CSS block below starts with these rules, so any view
carries them (a ``<style>`` in an output applies to the page)."""

MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace'

DUMP_CSS = (
    THEME_CSS
    + f"""
.wsx-dump {{ font-family: {SANS};
  font-size: 13px; line-height: 1.4; margin: 6px 0 10px; max-width: 100%; overflow-x: auto; }}
.wsx-dump .wsx-title {{ font-weight: 600; font-size: 14px; font-family: {MONO}; }}
.wsx-dump .wsx-sub {{ color: var(--wsx-dim); font-size: 12px; margin-bottom: 4px; }}
.wsx-dump .wsx-h {{ font-weight: 600; font-size: 11px; text-transform: uppercase;
  letter-spacing: .06em; color: var(--wsx-dim); margin: 12px 0 4px; }}
.wsx-dump .wsx-hex {{ font-family: {MONO}; font-size: 12.5px; }}
.wsx-dump .wsx-row {{ display: flex; align-items: center; gap: 14px; margin: 2px 0; }}
.wsx-dump .wsx-off {{ width: 4.5em; text-align: right; color: var(--wsx-dim); flex: none; }}
.wsx-dump .wsx-cells {{ display: flex; gap: 2px; flex: none; }}
.wsx-dump .wsx-b {{ display: inline-block; box-sizing: border-box; width: 28px; height: 26px;
  line-height: 26px; text-align: center; color: {INK}; border-radius: 3px; }}
.wsx-dump .wsx-b.wsx-split {{ font-weight: 700; line-height: 18px;
  box-shadow: inset 0 0 0 1px rgba(0, 0, 0, .3); }}
.wsx-dump .wsx-b.wsx-g8 {{ margin-left: 6px; }}
.wsx-dump .wsx-b.wsx-pad {{ visibility: hidden; }}
.wsx-dump .wsx-b.wsx-bad {{ outline: 2px solid {BAD}; outline-offset: -1px;
  box-shadow: inset 0 -4px 0 {BAD}; }}
.wsx-dump .wsx-ascii {{ white-space: pre; flex: none; }}
.wsx-dump .wsx-ascii span {{ color: {INK}; padding: 1px 0; }}
.wsx-dump .wsx-note {{ font-size: 12px; font-style: italic; color: var(--wsx-dim); margin: 4px 0 0 5.2em; }}
.wsx-dump table.wsx-ft {{ border-collapse: collapse; margin: 2px 0; font-size: 12.5px; }}
.wsx-dump.wsx-dump table.wsx-ft th, .wsx-dump.wsx-dump table.wsx-ft td {{ text-align: left;
  vertical-align: top;
  padding: 3px 10px 3px 0; border: none; border-bottom: 1px solid rgba(127, 127, 127, .25);
  max-width: 34em; }}
.wsx-dump table.wsx-ft th {{ font-size: 11px; font-weight: 600; color: var(--wsx-dim); }}
.wsx-dump table.wsx-ft tbody tr, .wsx-dump table.wsx-bd tbody tr {{ background: transparent; }}
.wsx-dump .wsx-m {{ font-family: {MONO}; white-space: normal; overflow-wrap: anywhere; }}
.wsx-dump .wsx-ref {{ color: var(--wsx-dim); white-space: normal; }}
.wsx-dump .wsx-pill {{ display: inline-block; padding: 0 7px; border-radius: 9px; color: {INK};
  font-weight: 600; white-space: nowrap; }}
.wsx-dump .wsx-flag {{ display: inline-block; margin-left: 4px; padding: 0 5px; border-radius: 8px;
  background: {BAD}; color: #fff; font-size: 10.5px; font-weight: 700; }}
.wsx-dump tr.wsx-badrow td {{ border-bottom: 1px solid rgba(217, 48, 37, .55); }}
.wsx-dump .wsx-viol {{ margin-top: 10px; padding: 6px 12px; border: 1px solid {BAD};
  border-left: 5px solid {BAD}; border-radius: 4px; background: rgba(217, 48, 37, .09); }}
.wsx-dump .wsx-viol-h {{ font-weight: 700; margin-bottom: 2px; }}
.wsx-dump .wsx-viol ul {{ margin: 2px 0; padding-left: 18px; }}
.wsx-dump .wsx-viol li {{ margin: 3px 0; }}
.wsx-dump .wsx-meta {{ color: var(--wsx-dim); font-size: 12px; }}
.wsx-dump .wsx-then {{ font-size: 12px; margin-top: 1px; }}
.wsx-dump .wsx-badge {{ display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px;
  background: {BAD}; color: #fff; font-size: 11px; font-weight: 700; white-space: nowrap; }}
.wsx-dump .wsx-ok {{ margin-top: 10px; font-size: 12px; }}
.wsx-dump .wsx-ok .wsx-okmark {{ display: inline-block; padding: 0 7px; border-radius: 8px;
  background: #81c995; color: {INK}; font-weight: 700; }}
.wsx-dump details.wsx-det > summary {{ cursor: pointer; font-weight: 600; font-size: 11px;
  text-transform: uppercase; letter-spacing: .06em; color: var(--wsx-dim); margin: 12px 0 4px; }}
.wsx-dump table.wsx-bd {{ border-collapse: collapse; table-layout: fixed; margin: 2px 0;
  font-family: {MONO}; }}
.wsx-dump table.wsx-bd th, .wsx-dump table.wsx-bd td {{ padding: 0; text-align: center;
  vertical-align: middle; border: none; }}
.wsx-dump table.wsx-bd th.wsx-rl {{ width: 26px; min-width: 26px; font-size: 10px; font-weight: 400;
  color: var(--wsx-dim); padding-bottom: 2px; }}
.wsx-dump table.wsx-bd th.wsx-rl.wsx-b0 {{ color: inherit; font-weight: 700; }}
.wsx-sr {{ position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }}
.wsx-dump table.wsx-bd th.wsx-rowl {{ font-size: 10.5px; font-weight: 400; color: var(--wsx-dim);
  text-align: right; padding-right: 8px; white-space: nowrap; }}
.wsx-dump table.wsx-bd td.wsx-bit {{ color: {INK}; font-size: 12.5px; font-weight: 700; height: 20px;
  border-top: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd td.wsx-bit.wsx-in {{ box-shadow: inset 1px 0 0 rgba(0, 0, 0, .12); }}
.wsx-dump table.wsx-bd td.wsx-lab {{ color: {INK}; font-size: 10.5px; line-height: 1.25;
  padding: 2px 1px 4px; border-bottom: 1px solid rgba(0, 0, 0, .45); overflow: hidden;
  word-wrap: break-word; }}
.wsx-dump table.wsx-bd td.wsx-l {{ border-left: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd td.wsx-r {{ border-right: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd td.wsx-dash {{ border-bottom: none; background-repeat: no-repeat;
  background-position: bottom; background-size: 100% 3px;
  background-image: repeating-linear-gradient(to right, rgba(0, 0, 0, .6) 0 7px,
  transparent 7px 12px); }}
.wsx-dump table.wsx-bd td.wsx-more {{ color: {INK}; font-size: 12px; height: 20px;
  border-top: 1px solid rgba(0, 0, 0, .45); }}
.wsx-dump table.wsx-bd tr.wsx-gaprow td {{ height: 6px; }}
.wsx-dump table.wsx-bd td.wsx-bdbad {{ box-shadow: inset 0 0 0 2px {BAD}; }}
.wsx-dump .wsx-bd-n {{ font-weight: 700; }}
.wsx-dump .wsx-bd-v {{ color: #3c4043; }}
"""
)


WALKTHROUGH_CSS = (
    THEME_CSS
    + f"""
.wsx-wt {{ font-family: {SANS};
  font-size: 13px; line-height: 1.45; margin: 4px 0 8px; max-width: 100%; overflow-x: auto; }}
.wsx-wt .wsx-wt-m {{ font-family: {MONO}; }}
.wsx-wt .wsx-wt-lead {{ margin: 2px 0 6px; }}
.wsx-wt .wsx-wt-dim {{ color: var(--wsx-dim); }}
.wsx-wt .wsx-wt-small {{ font-size: 12px; }}
.wsx-wt table {{ border-collapse: collapse; margin: 2px 0; font-size: 12.5px; }}
.wsx-wt.wsx-wt th, .wsx-wt.wsx-wt td {{ text-align: left; vertical-align: top; padding: 3px 10px 3px 4px;
  border: none;
  border-bottom: 1px solid rgba(127, 127, 127, .25); }}
.wsx-wt th {{ font-size: 11px; font-weight: 600; color: var(--wsx-dim); }}
.wsx-wt tbody tr {{ background: transparent; }}
.wsx-wt .wsx-wt-chip {{ display: inline-block; padding: 0 5px; border-radius: 3px; color: {INK};
  font-family: {MONO}; white-space: nowrap; }}
.wsx-wt .wsx-wt-bits {{ font-family: {MONO}; color: var(--wsx-dim); font-size: 11.5px; white-space: nowrap; }}
.wsx-wt td.wsx-wt-num {{ text-align: right; font-family: {MONO}; }}
.wsx-wt .wsx-wt-res {{ font-weight: 700; }}
.wsx-wt .wsx-wt-note {{ margin: 6px 0; padding: 5px 10px; border-left: 4px solid #f9ab00;
  background: rgba(249, 171, 0, .12); border-radius: 3px; }}
.wsx-wt .wsx-wt-badnote {{ margin: 6px 0; padding: 5px 10px; border-left: 4px solid {BAD};
  background: rgba(217, 48, 37, .10); border-radius: 3px; }}
.wsx-wt .wsx-wt-card {{ border: 1px solid rgba(127, 127, 127, .35); border-radius: 6px; padding: 6px 10px;
  margin: 6px 0; }}
.wsx-wt .wsx-wt-card.wsx-wt-failed {{ border-color: {BAD}; background: rgba(217, 48, 37, .06); }}
.wsx-wt .wsx-wt-card h3 {{ margin: 0 0 4px; font-size: 13.5px; font-weight: 700; }}
.wsx-wt .wsx-wt-num-badge {{ display: inline-block; width: 1.6em; height: 1.6em; line-height: 1.6em;
  text-align: center; border-radius: 50%; background: #8ab4f8; color: {INK}; font-size: 12px;
  margin-right: 6px; }}
.wsx-wt .wsx-wt-ref {{ float: right; font-weight: 400; font-size: 11.5px; color: var(--wsx-dim); }}
.wsx-wt .wsx-wt-val {{ font-family: {MONO}; font-size: 12.5px; word-break: break-all; margin: 2px 0; }}
.wsx-wt mark {{ background: #fdd663; color: {INK}; padding: 0 1px; border-radius: 2px; }}
.wsx-wt .wsx-wt-label {{ display: inline-block; min-width: 8.5em; font-size: 11.5px; color: var(--wsx-dim); }}
.wsx-wt tr.wsx-wt-required td:first-child {{ box-shadow: inset 4px 0 0 #8ab4f8; }}
.wsx-wt tr.wsx-wt-optional td:first-child {{ box-shadow: inset 4px 0 0 #81c995; }}
.wsx-wt tr.wsx-wt-other td:first-child {{ box-shadow: inset 4px 0 0 #cfd4da; }}
.wsx-wt tr.wsx-wt-hit td {{ background: rgba(217, 48, 37, .12); }}
.wsx-wt .wsx-wt-line {{ font-family: {MONO}; white-space: pre-wrap; overflow-wrap: anywhere;
  min-width: 16em; }}
.wsx-wt .wsx-wt-crlf {{ color: var(--wsx-dim); font-size: 9.5px; letter-spacing: .04em; }}
.wsx-wt .wsx-wt-stop {{ color: var(--wsx-bad, {BAD}); font-weight: 700; white-space: nowrap; }}
.wsx-wt .wsx-wt-pass {{ color: var(--wsx-good, {GOOD}); font-weight: 700; }}
.wsx-wt .wsx-wt-fail {{ color: var(--wsx-bad, {BAD}); font-weight: 700; }}
.wsx-wt .wsx-wt-note-o {{ color: var(--wsx-dim); font-weight: 700; }}
.wsx-wt tr.wsx-wt-failrow td {{ background: rgba(217, 48, 37, .10); }}
.wsx-wt li.wsx-wt-badline {{ color: var(--wsx-bad, {BAD}); }}
.wsx-wt pre.wsx-wt-content {{ font-family: {MONO}; font-size: 12px; white-space: pre-wrap;
  overflow-wrap: anywhere; max-height: 24em; overflow-y: auto; margin: 4px 0; padding: 6px 8px;
  border: 1px solid rgba(127, 127, 127, .35); border-radius: 4px; }}
.wsx-wt .wsx-wt-cap {{ font-weight: 600; font-size: 11px; text-transform: uppercase; letter-spacing: .06em;
  color: var(--wsx-dim); margin: 8px 0 3px; }}
"""
)


TABLE_CSS = (
    THEME_CSS
    + """
.wsx-frame-table { border-collapse: collapse; font-family: var(--jp-code-font-family, monospace);
  font-size: 12px; }
.wsx-frame-table th { text-align: left; border-bottom: 2px solid var(--jp-border-color1, #9aa0a6);
  padding: 2px 8px; background: var(--jp-layout-color2, #f1f3f4); color: var(--jp-ui-font-color1, #1b1b1b); }
.wsx-frame-table td { padding: 1px 8px; border-bottom: 1px solid var(--jp-border-color2, #e8eaed);
  white-space: pre; text-align: left; }
.wsx-frame-table td.wsx-num { text-align: right; }
.wsx-frame-table tr.wsx-dir-c2s td.wsx-dir { color: var(--wsx-c2s); }
.wsx-frame-table tr.wsx-dir-s2c td.wsx-dir { color: var(--wsx-s2c); }
.wsx-frame-table tr.wsx-op-close td.wsx-op, .wsx-frame-table tr.wsx-op-reserved td.wsx-op {
  color: var(--wsx-bad); font-weight: bold; }
"""
)
