"""Bar charts drawn on the server as SVG: a pure function of the data, no script needed.

``bar_chart`` returns SVG markup built with ``Markup.format`` (every value is escaped).
The SVG is an image with a title and a description for screen readers; each bar carries a
``<title>`` (the browser's own tooltip) and a ``data-tip`` that ``static/chart.js`` shows
as a styled tooltip. Pages also offer the same numbers as a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH, HEIGHT = 720, 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 14, 30
_MAX_LABELS = 8


@dataclass(frozen=True, slots=True)
class Bar:
    label: str  # the bucket in full, e.g. "Mon 4 Mar 2024"
    short: str  # its axis label, e.g. "4 Mar"
    value: int | None  # None: not counted (outside a sample's window)
    partial: bool = False


def nice_ticks(highest: int, most: int = 5) -> list[int]:
    """Round tick values from 0 to at least ``highest`` (1, 2 or 5 times a power of ten)."""
    if highest <= 0:
        return [0, 1]
    raw = highest / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    top = step * math.ceil(highest / step)
    return list(range(0, top + 1, step))


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _bar(i: int, bar: Bar, slot: float, plot_h: float, top_value: int) -> Markup:
    x = _LEFT + i * slot
    width = max(1.0, slot * 0.72)
    inner = x + (slot - width) / 2
    if bar.value is None:
        tip = f"{bar.label}: not counted (before the sample)"
    else:
        tip = f"{bar.label}: {bar.value:,} completion{'' if bar.value == 1 else 's'}"
        if bar.partial:
            tip += " (partly sampled)"
    parts = [Markup('<g class="bar" data-tip="{}"><title>{}</title>').format(tip, tip),
             Markup('<rect class="hit" x="{}" y="{}" width="{}" height="{}"/>').format(
                 _n(x), _TOP, _n(slot), _n(plot_h))]
    if bar.value is None:
        parts.append(Markup('<rect class="missing" x="{}" y="{}" width="{}" height="{}"/>')
                     .format(_n(inner), _TOP, _n(width), _n(plot_h)))
    elif bar.value > 0:
        height = plot_h * bar.value / top_value
        parts.append(Markup('<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>').format(
            "value partial" if bar.partial else "value", _n(inner),
            _n(_TOP + plot_h - height), _n(width), _n(height)))
    parts.append(Markup("</g>"))
    return Markup("").join(parts)


def bar_chart(bars: Sequence[Bar], *, title: str, description: str,
              chart_id: str = "chart") -> Markup:
    """An accessible SVG bar chart of ``bars`` (left to right)."""
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    ticks = nice_ticks(max((b.value or 0 for b in bars), default=0))
    top_value = ticks[-1]
    slot = plot_w / max(1, len(bars))
    out = [Markup('<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title'
                  ' {}-desc" preserveAspectRatio="xMidYMid meet">').format(
                      WIDTH, HEIGHT, chart_id, chart_id),
           Markup('<title id="{}-title">{}</title>').format(chart_id, title),
           Markup('<desc id="{}-desc">{}</desc>').format(chart_id, description),
           Markup('<g class="axis" aria-hidden="true">')]
    for tick in ticks:
        y = _TOP + plot_h - plot_h * tick / top_value
        out.append(Markup('<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                          '<text class="y-label" x="{}" y="{}" text-anchor="end">{}</text>')
                   .format(_LEFT, WIDTH - _RIGHT, _n(y), _n(y), _LEFT - 8, _n(y + 4),
                           f"{tick:,}"))
    every = max(1, math.ceil(len(bars) / _MAX_LABELS))
    for i, bar in enumerate(bars):
        if i % every == 0:  # every other label is "minor": narrow screens hide those
            kind = "x-label minor" if (i // every) % 2 else "x-label"
            out.append(Markup('<text class="{}" x="{}" y="{}" text-anchor="middle">{}'
                              '</text>').format(kind, _n(_LEFT + (i + 0.5) * slot),
                                                HEIGHT - 10, bar.short))
    out.append(Markup('</g><g class="bars">'))
    out.extend(_bar(i, bar, slot, plot_h, top_value) for i, bar in enumerate(bars))
    out.append(Markup("</g></svg>"))
    return Markup("").join(out)
