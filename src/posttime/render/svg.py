"""The one weekday x hour heatmap drawer for HTML and SVG output.

It draws numbers it is given (the cells' hours, labels, shading values, marks and
outlines, dots at points in the week, a legend) and computes nothing about posts: the
caller takes every number from a result object.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from posttime.render.text import css_shade
from posttime.windows import WEEKDAYS


@dataclass(frozen=True)
class Cell:
    """One window of the grid."""

    day: int  # 0 = Monday
    start: int  # first hour
    end: int  # hour after the last (exclusive)
    text: str  # drawn in the cell, e.g. "▲12"; empty for none
    shade: float | None  # the value the fill shows (a lift: 1 is neutral); None is grey
    tip: str  # the hover text
    strong: bool = True  # bold text; False draws it faint
    outlined: bool = False


@dataclass(frozen=True)
class Dot:
    """A point in the week, e.g. one post."""

    day: int
    hour: float
    tip: str
    filled: bool = True


LEFT, TOP, HOUR_W, ROW_H = 44, 22, 30, 30
UNTESTED = "#f4f5f7"
INK = "#1d2430"
BLUE = "#2b5fd9"
GREY = "#566173"
XMLNS = ' xmlns="http://www.w3.org/2000/svg"'
#: the text style of a standalone picture (inline in HTML the page's styles apply).
STYLE = ('<style>text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, '
         'Helvetica, Arial, sans-serif; font-size: 11px; fill: #1d2430; }</style>')
#: the swatch of each kind of legend entry (x, y: the entry's corner).
SWATCHES = {
    "better": lambda x, y: f'<rect x="{x}" y="{y}" width="14" height="14" '
                           f'fill="{css_shade(1.4)}"/>',
    "worse": lambda x, y: f'<rect x="{x}" y="{y}" width="14" height="14" '
                          f'fill="{css_shade(0.7)}"/>',
    "outlined": lambda x, y: f'<rect x="{x}" y="{y}" width="14" height="14" fill="none" '
                             f'stroke="{INK}" stroke-width="2"/>',
    "dot": lambda x, y: f'<circle cx="{x + 7}" cy="{y + 7}" r="3.2" fill="{BLUE}"/>',
    "baseline": lambda x, y: f'<rect x="{x}" y="{y}" width="14" height="14" fill="none" '
                             f'stroke="{GREY}" stroke-width="1.5" stroke-dasharray="4 2"/>',
}


def heatmap_svg(cells: list[Cell], *, title: str, legend: list[tuple[str, str]],
                dots: list[Dot] | None = None, baseline: bool = True,
                standalone: bool = False, ident: str = "hm") -> str:
    """An inline SVG of the week: one row per weekday, one column per hour.

    ``cells`` are the windows (shaded by ``Cell.shade``, labelled with ``Cell.text``);
    ``dots`` points in the week; ``baseline`` outlines weekdays 10-14 dashed; ``legend`` is
    a list of (kind, text), kind one of ``SWATCHES``. Every text is escaped. A
    ``standalone`` picture (an .svg file) names its namespace; inline in HTML it needs none.
    ``ident`` names the title element (unique within one page).
    """
    width, height = LEFT + 24 * HOUR_W + 8, TOP + 7 * ROW_H + 34
    parts = [
        f'<svg{XMLNS if standalone else ""} role="img" aria-labelledby="{ident}-title" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
    ]
    if standalone:
        parts.append(STYLE)
    for h in range(0, 25, 2):
        parts.append(f'<text x="{LEFT + h * HOUR_W}" y="{TOP - 8}" text-anchor="middle">'
                     f"{h:02d}</text>")
    for d, day in enumerate(WEEKDAYS):
        parts.append(f'<text x="{LEFT - 8}" y="{TOP + d * ROW_H + ROW_H / 2 + 4}" '
                     f'text-anchor="end">{day}</text>')
    for c in cells:
        x, y, cw = LEFT + c.start * HOUR_W, TOP + c.day * ROW_H, (c.end - c.start) * HOUR_W
        fill = css_shade(c.shade) if c.shade is not None else UNTESTED
        parts.append(f'<rect x="{x}" y="{y}" width="{cw}" height="{ROW_H}" fill="{fill}" '
                     f'stroke="#ffffff" stroke-width="1"><title>{escape(c.tip)}</title></rect>')
        if c.text:
            style = 'font-weight="700"' if c.strong else 'fill-opacity="0.55"'
            parts.append(f'<text x="{x + cw / 2}" y="{y + ROW_H / 2 + 4}" '
                         f'text-anchor="middle" {style}>{escape(c.text)}</text>')
    for c in cells:
        if c.outlined:
            x, y = LEFT + c.start * HOUR_W, TOP + c.day * ROW_H
            cw = (c.end - c.start) * HOUR_W
            parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ROW_H - 2}" '
                         f'fill="none" stroke="{INK}" stroke-width="2"/>')
    if baseline:
        parts.append(f'<rect x="{LEFT + 10 * HOUR_W}" y="{TOP}" width="{4 * HOUR_W}" '
                     f'height="{5 * ROW_H}" fill="none" stroke="{GREY}" stroke-width="1.5" '
                     'stroke-dasharray="5 3"><title>The usual advice: weekdays 10-14</title>'
                     "</rect>")
    for dot in dots or []:
        x, y = LEFT + dot.hour * HOUR_W, TOP + dot.day * ROW_H + ROW_H - 6
        fill = BLUE if dot.filled else "none"
        parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="3.2" fill="{fill}" stroke="{BLUE}" '
                     f'stroke-width="1.4"><title>{escape(dot.tip)}</title></circle>')
    x, ly = LEFT, TOP + 7 * ROW_H + 22
    for kind, text in legend:
        parts += [SWATCHES[kind](x, ly - 10),
                  f'<text x="{x + 20}" y="{ly + 1}">{escape(text)}</text>']
        x += 20 + 7 * len(text) + 20
    parts.append("</svg>")
    return "\n".join(parts)


def stack_svg(pictures: list[tuple[str, str]]) -> str:
    """Several heatmaps of ``heatmap_svg``, each (caption, picture), one under the other in
    one standalone SVG."""
    width, height = LEFT + 24 * HOUR_W + 8, TOP + 7 * ROW_H + 34 + 24
    total = height * len(pictures)
    parts = [f'<svg{XMLNS} viewBox="0 0 {width} {total}" width="{width}" height="{total}">',
             STYLE]
    for k, (caption, picture) in enumerate(pictures):
        parts += [f'<text x="4" y="{k * height + 14}" font-weight="700">{escape(caption)}'
                  "</text>",
                  f'<g transform="translate(0 {k * height + 24})">{picture}</g>']
    parts.append("</svg>")
    return "\n".join(parts)
