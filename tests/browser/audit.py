"""Accessibility (axe-core) and overflow audits of a notebook's outputs, and their summary files.

axe-core runs in the page through ``axe-playwright-python``, restricted to the outputs
(``.jp-OutputArea``). Two traps, both handled here: JupyterLab's ``<body>`` is 0 px tall with
``overflow: hidden``, so axe-core takes every output for clipped and silently skips colour contrast
(the body gets the viewport's height first; no pixel moves); and an element outside the viewport gets
no contrast verdict, so the viewport is made as tall as the notebook (up to :data:`TALLEST`) and a
longer notebook is scrolled into view in slices, axe running on each. Findings are merged by rule and
element. Every rule runs; none and no element is excluded.

The overflow audit lists every output child and widget root whose content is wider than its box
(``scrollWidth > clientWidth + 1``: a horizontal scrollbar) or that reaches past its output area
(content wider than the notebook), innermost first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .driver import PANEL, NotebookPage

__all__ = ["SEVERE", "TALLEST", "axe_findings", "overflow_offenders", "write_summary"]

SEVERE = ("serious", "critical")
TALLEST = 12_000  # px: the tallest viewport used; a longer notebook is audited in slices
SCROLLER = f"{PANEL} .jp-WindowedPanel-outer"

_LAYOUT = f"""() => {{
  const s = document.querySelector('{SCROLLER}');
  const cells = s.querySelectorAll('.jp-Cell');
  const last = cells[cells.length - 1];
  const top = s.getBoundingClientRect().top;
  const end = last ? last.getBoundingClientRect().bottom - top + s.scrollTop : s.scrollHeight;
  return {{end: Math.ceil(end), view: s.clientHeight}};
}}"""
_SCROLL = f"""async (y) => {{
  document.querySelector('{SCROLLER}').scrollTop = y;
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}}"""
_OVERFLOW = """(panel) => {
  const root = document.querySelector(panel);
  const cells = [...root.querySelectorAll('.jp-Cell')];
  const found = [];
  const name = (el) => {
    const classes = [...el.classList].filter(c => /^(wsx-|widget-|jp-Rendered|jp-OutputArea)/.test(c));
    return el.tagName.toLowerCase() + classes.map(c => '.' + c).join('');
  };
  cells.forEach((cell, index) => {
    const area = cell.querySelector('.jp-OutputArea');
    if (!area || area.offsetParent === null) return;
    const limit = area.getBoundingClientRect().right;
    const candidates = area.querySelectorAll(
      '.jp-OutputArea-child, .jupyter-widgets, .widget-box, .jp-RenderedHTMLCommon');
    const offenders = [];
    for (const el of candidates) {
      if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0) continue;
      const scrolls = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0;
      const past = rect.right > limit + 1;
      if (scrolls || past) offenders.push([el, scrolls, past, rect]);
    }
    for (const [el, scrolls, past, rect] of offenders) {
      if (offenders.some(([other]) => other !== el && el.contains(other))) continue;  // innermost only
      const owner = el.closest('[class*="wsx-"]');
      found.push({
        cell: index,
        selector: name(el),
        widget: owner ? name(owner) : '',
        scrollWidth: el.scrollWidth,
        clientWidth: el.clientWidth,
        right: Math.round(rect.right),
        areaRight: Math.round(limit),
        horizontalScrollbar: scrolls,
        widerThanNotebook: past,
        ancestorsAffected: offenders.filter(([other]) => other !== el && other.contains(el)).length,
        text: (el.innerText || '').trim().slice(0, 80),
      });
    }
  });
  return found;
}"""


def _slices(nb: NotebookPage) -> Iterator[None]:
    """Make the viewport as tall as the notebook (up to TALLEST), give <body> its height, and bring
    each slice of the notebook into view in turn."""
    page = nb.page
    size = page.viewport_size or {"width": 1400, "height": 1000}
    layout = page.evaluate(_LAYOUT)
    page.set_viewport_size(
        {"width": size["width"], "height": min(TALLEST, max(size["height"], layout["end"] + 300))}
    )
    try:
        page.evaluate("() => { document.body.style.height = window.innerHeight + 'px'; }")
        layout = page.evaluate(_LAYOUT)
        step = max(layout["view"] - 100, 200)
        y = 0
        while True:
            page.evaluate(_SCROLL, y)
            yield
            if y + layout["view"] >= layout["end"]:
                break
            y += step
    finally:
        page.evaluate("() => { document.body.style.height = ''; }")
        page.set_viewport_size(size)
        page.evaluate(_SCROLL, 0)


def axe_findings(nb: NotebookPage) -> list[dict[str, Any]]:
    """axe-core's violations in the notebook's outputs: one entry per rule, its nodes merged across
    slices (``id``, ``impact``, ``help``, ``helpUrl``, ``nodes``: target, html, summary)."""
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    axe = Axe()
    rules: dict[str, dict[str, Any]] = {}
    for _ in _slices(nb):
        result = axe.run(nb.page, context={"include": [f"{PANEL} .jp-OutputArea"]})
        for violation in result.response["violations"]:
            rule = rules.setdefault(
                violation["id"],
                {k: violation.get(k) for k in ("id", "impact", "help", "helpUrl")} | {"nodes": {}},
            )
            for node in violation["nodes"]:
                key = json.dumps(node["target"])
                rule["nodes"].setdefault(
                    key,
                    {
                        "target": node["target"],
                        "html": node.get("html", "")[:400],
                        "summary": (node.get("failureSummary") or "")[:400],
                    },
                )
    return [rule | {"nodes": list(rule["nodes"].values())} for rule in rules.values()]


def overflow_offenders(nb: NotebookPage) -> list[dict[str, Any]]:
    """Output children and widget roots wider than their box or than the notebook (innermost)."""
    offenders: list[dict[str, Any]] = nb.page.evaluate(_OVERFLOW, PANEL)
    return offenders


def severe_counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    """Nodes per impact level, for the levels that fail the test."""
    return {level: sum(len(f["nodes"]) for f in findings if f["impact"] == level) for level in SEVERE}


def write_summary(folder: Path, notebooks: list[str]) -> None:
    """summary.json and summary.md from the per-notebook results in ``folder`` (``<notebook>.json``,
    written by the test), for the notebooks that exist now."""
    runs = {}
    for name in notebooks:
        path = folder / f"{Path(name).stem}.json"
        if path.exists():
            runs[name] = json.loads(path.read_text(encoding="utf-8"))
    (folder / "summary.json").write_text(json.dumps(runs, indent=1), encoding="utf-8")
    lines = [
        "# axe-core and overflow audit of the teaching notebooks' outputs",
        "",
        "JupyterLab (default settings), all cells run; axe-core restricted to `.jp-OutputArea`, every rule.",
        "Counts are elements (nodes). Written by tests/browser/test_accessibility.py.",
        "",
        "| notebook | theme | critical | serious | moderate + minor | overflow offenders |",
        "|---|---|---|---|---|---|",
    ]
    for name, run in runs.items():
        for theme, result in run["themes"].items():
            findings = result["axe"]
            other = sum(len(f["nodes"]) for f in findings if f["impact"] not in SEVERE)
            counts = severe_counts(findings)
            lines.append(
                f"| {name} | {theme} | {counts['critical']} | {counts['serious']} | {other} "
                f"| {len(result['overflow'])} |"
            )
    for name, run in runs.items():
        for theme, result in run["themes"].items():
            lines += ["", f"## {name}, {theme}", ""]
            for f in sorted(
                result["axe"], key=lambda f: ("critical", "serious", "moderate", "minor").index(f["impact"])
            ):
                example = f["nodes"][0]
                lines.append(
                    f"- **{f['id']}** ({f['impact']}, {len(f['nodes'])} elements): {f['help']}. "
                    f"Example `{' '.join(map(str, example['target']))}`: `{example['html'][:200]}`"
                )
            for o in result["overflow"]:
                lines.append(
                    f"- overflow, cell {o['cell']}: `{o['selector']}` in `{o['widget']}`: scrollWidth "
                    f"{o['scrollWidth']} > clientWidth {o['clientWidth']}, right {o['right']} vs area "
                    f"{o['areaRight']} ({o['text'][:50]!r})"
                )
    (folder / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
