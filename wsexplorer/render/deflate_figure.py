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

__all__ = ["figure_png", "ratio_figure"]

_STYLES = (
    {"color": "#1a73e8", "marker": "o"},
    {"color": "#e8710a", "marker": "s"},
    {"color": "#188038", "marker": "^"},
    {"color": "#a142f4", "marker": "D"},
)


def ratio_figure(
    ratios_by_setting: Mapping[str, Sequence[float | None]],
    *,
    title: str = "permessage-deflate: size on the wire / original size, per message",
) -> Figure:
    """One line per setting: compressed size / original size for message 1, 2, 3, ...

    Below 1 the message got smaller; the dashed line at 1 is "no saving". ``None`` (an empty message)
    leaves a gap. Comparing "context takeover on" with "off" on the same messages shows the point of
    takeover (RFC 7692 §7.1.1): later messages can refer back to words of earlier ones.
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
        " no saving",
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
    ax.set_ylabel("compressed / original")
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
