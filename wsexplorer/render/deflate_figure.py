"""Figures for permessage-deflate (RFC 7692): how much each message shrinks, setting against setting.

matplotlib is imported when a figure is drawn, never when this module is imported. Figures are built
with :class:`matplotlib.figure.Figure` directly, not through ``pyplot``: nothing is registered in
pyplot's global list of open figures, so a widget redrawing on every change leaks nothing and needs no
``plt.close``, and a notebook does not show the figure twice.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "figure_img_html",
    "figure_png",
    "ratio_alt_text",
    "ratio_figure",
]

_STYLES = (
    {"color": "#1a73e8", "marker": "o"},
    {"color": "#e8710a", "marker": "s"},
    {"color": "#188038", "marker": "^"},
    {"color": "#a142f4", "marker": "D"},
)


def ratio_figure(
    ratios_by_setting: Mapping[str, Sequence[float | None]],
    *,
    title: str = "permessage-deflate: compressed size ÷ original size, per message",
) -> Figure:
    """One line per setting: compressed size ÷ original size for message 1, 2, 3, ...

    Below 1 the message got smaller, above 1 larger; the dashed line at 1 is "same size". ``None``
    (an empty message) leaves a gap. Comparing "context takeover on" with "off" on the same messages
    shows the point of takeover (RFC 7692 §7.1.1): later messages can refer back to words of earlier
    ones.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(6.4, 3.0), dpi=100)
    # Fixed margins: a layout engine ("constrained", "tight") would triple the drawing time.
    fig.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.16)
    ax = fig.add_subplot()
    top = 1.0
    longest = 0
    for index, (label, ratios) in enumerate(ratios_by_setting.items()):
        ys = [math.nan if r is None else float(r) for r in ratios]
        xs = list(range(1, len(ys) + 1))
        longest = max(longest, len(ys))
        finite = [y for y in ys if not math.isnan(y)]
        if finite:
            top = max(top, *finite)
        style = _STYLES[index % len(_STYLES)]
        ax.plot(xs, ys, label=label, linewidth=1.8, markersize=5, **style)  # type: ignore[arg-type]
    ax.axhline(1.0, color="#888888", linestyle="--", linewidth=1)
    ax.text(
        1.0,
        1.0,
        "same size ",
        transform=ax.get_yaxis_transform(),
        va="bottom",
        ha="right",
        fontsize=8,
        color="#666666",
    )
    ax.set_ylim(0, top * 1.4)  # headroom above the lines for the legend
    if longest:
        ax.set_xlim(0.6, longest + 0.4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("message number")
    ax.set_ylabel("compressed ÷ original")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    if ratios_by_setting:
        ax.legend(fontsize=8, loc="upper left", ncols=min(len(ratios_by_setting), 3), frameon=False)
    return fig


def figure_png(fig: Figure, *, dpi: int = 100) -> bytes:
    """``fig`` rendered as PNG bytes (no display backend needed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def ratio_alt_text(ratios_by_setting: Mapping[str, Sequence[float | None]], window_bits: int) -> str:
    """The figure in words, for its ``alt`` text: each setting's ratio per message."""
    parts = []
    for setting, ratios in ratios_by_setting.items():
        shown = ", ".join("empty" if r is None else f"{r:.2f}" for r in ratios[:20])
        more = f" and {len(ratios) - 20} more" if len(ratios) > 20 else ""
        parts.append(f"{setting}: {shown}{more}")
    return (
        f"Compressed size divided by original size for each message, window bits {window_bits} "
        "(below 1: smaller). " + "; ".join(parts) + "."
    )


def figure_img_html(png: bytes, alt: str) -> str:
    """A PNG as an ``<img>`` that fits the output width, with ``alt`` (escaped) as its text alternative."""
    import base64
    import html

    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
        'style="max-width:100%; height:auto">'
    )
