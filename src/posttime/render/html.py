"""The weekly summary as one self-contained HTML file.

Inline CSS and an inline SVG heatmap; nothing is fetched from anywhere (no scripts, no
stylesheets, no fonts, no images, and a Content-Security-Policy that forbids them), so the
file can be mailed, archived and opened offline.
"""

from __future__ import annotations

import math
from html import escape

from posttime.render.tables import ASSOCIATION
from posttime.render.weekly import (
    EXPECTED_NOTE,
    PERIOD_HEADER,
    POST_HEADER,
    PROVISIONAL_NOTE,
    WINDOW_HEADER,
    basis_line,
    history_line,
    period_rows,
    post_rows,
    suggestion_line,
    week_span,
    window_rows,
    zones_line,
)

#: lift at which a heatmap cell is fully coloured (and 1 / this below 1).
FULL_SHADE = 1.5

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; color: #1d2430; background: #fff; margin: 0; }
main { max-width: 920px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 1.5em; margin: 0 0 4px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; border-bottom: 1px solid #d9dee7;
     padding-bottom: 4px; }
.headline { font-size: 1.1em; font-weight: 600; background: #f2f6fc; border-left: 4px solid
            #2b5fd9; padding: 10px 14px; margin: 14px 0; }
.meta, .note { color: #566173; font-size: 0.9em; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e6e9ef; text-align: left; }
th { background: #f7f8fa; font-weight: 600; }
td.num, th.num { text-align: right; }
tr.provisional td { color: #7a8496; font-style: italic; }
.good { color: #17733a; font-weight: 600; }
.bad { color: #a3262e; }
svg { max-width: 100%; height: auto; }
svg text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
           sans-serif; fill: #1d2430; }
footer { margin-top: 32px; color: #566173; font-size: 0.85em; }
"""

_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; font-src 'none'; "
        "script-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'")


def _table(header: list[str], rows: list[list[str]], right: set[int],
           row_classes: list[str] | None = None) -> str:
    def attr(i: int) -> str:
        return ' class="num"' if i in right else ""

    head = "".join(f'<th{attr(i)} scope="col">{escape(h)}</th>' for i, h in enumerate(header))
    body = []
    for k, row in enumerate(rows):
        cls = f' class="{row_classes[k]}"' if row_classes and row_classes[k] else ""
        cells = "".join(f"<td{attr(i)}>{escape(c)}</td>" for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _shade(lift: float | None) -> str:
    """Fill colour of a heatmap cell: green above 1, red below, stronger further away."""
    if lift is None or not math.isfinite(lift) or lift <= 0:
        return "#eef0f3"
    strength = min(1.0, abs(math.log(lift)) / math.log(FULL_SHADE))
    if lift >= 1:
        low, high = (236, 246, 239), (38, 140, 78)
    else:
        low, high = (250, 238, 238), (190, 52, 60)
    rgb = [round(a + (b - a) * strength) for a, b in zip(low, high, strict=True)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def heatmap_svg(report) -> str:
    """Weekday x hour grid of the analysis: each window shaded by its shrunken lift against
    weekdays 10-14 and labelled with its post count; recommended windows outlined; the
    week's posts as dots at their weekday and time (hollow while provisional)."""
    from posttime.weekly import window_effects
    from posttime.windows import WEEKDAYS

    a = report.analysis
    if a is None:
        return '<p class="note">No heatmap yet: no posts to analyse.</p>'
    left, top, hour_w, row_h = 44, 22, 30, 30
    width, height = left + 24 * hour_w + 8, top + 7 * row_h + 34
    _, est = window_effects(a)
    chosen = {(w.weekday, w.start) for w in report.recommendations}
    parts = [
        f'<svg role="img" aria-labelledby="hm-title" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        '<title id="hm-title">Posting windows shaded by shrunken lift against weekdays '
        '10-14</title>',
    ]
    for h in range(0, 25, 2):
        parts.append(f'<text x="{left + h * hour_w}" y="{top - 8}" text-anchor="middle">'
                     f"{h:02d}</text>")
    for d, day in enumerate(WEEKDAYS):
        parts.append(f'<text x="{left - 8}" y="{top + d * row_h + row_h / 2 + 4}" '
                     f'text-anchor="end">{day}</text>')
    for w in a.windows.itertuples():
        x = left + int(w.start) * hour_w
        y = top + int(w.weekday_index) * row_h
        cw = (int(w.end) - int(w.start)) * hour_w
        lift = w.shrunk_lift if w.tested else None
        fill = _shade(lift) if w.tested else "#f4f5f7"
        tip = (f"{w.weekday} {int(w.start):02d}-{int(w.end):02d}: {int(w.n)} posts, "
               + (f"shrunken lift {w.shrunk_lift:.2f}x, {w.verdict}" if w.tested
                  else f"{w.verdict} (estimate {est[int(w.window)]:.2f}x)"
                  if math.isfinite(est[int(w.window)]) else w.verdict))
        parts.append(
            f'<rect x="{x}" y="{y}" width="{cw}" height="{row_h}" fill="{fill}" '
            f'stroke="#ffffff" stroke-width="1"><title>{escape(tip)}</title></rect>'
        )
        if int(w.n):
            mark = {"better": "\u25b2", "worse": "\u25bc"}.get(w.verdict, "")
            style = 'font-weight="700"' if w.tested else 'fill-opacity="0.55"'
            parts.append(f'<text x="{x + cw / 2}" y="{y + row_h / 2 + 4}" '
                         f'text-anchor="middle" {style}>{mark}{int(w.n)}</text>')
    for w in a.windows.itertuples():
        if (w.weekday, int(w.start)) in chosen:
            x = left + int(w.start) * hour_w
            y = top + int(w.weekday_index) * row_h
            cw = (int(w.end) - int(w.start)) * hour_w
            parts.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{row_h - 2}" '
                         'fill="none" stroke="#1d2430" stroke-width="2"/>')
    parts.append(f'<rect x="{left + 10 * hour_w}" y="{top}" width="{4 * hour_w}" '
                 f'height="{5 * row_h}" fill="none" stroke="#566173" stroke-width="1.5" '
                 'stroke-dasharray="5 3"><title>The usual advice: weekdays 10-14</title></rect>')
    for p in report.posts.itertuples(index=False):
        day = WEEKDAYS.index(p.weekday)
        x = left + (p.published.hour + p.published.minute / 60) * hour_w
        y = top + day * row_h + row_h - 6
        fill = "none" if p.provisional else "#2b5fd9"
        parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="3.2" fill="{fill}" stroke="#2b5fd9" '
                     f'stroke-width="1.4"><title>{escape(p.post_id)}</title></circle>')
    ly = top + 7 * row_h + 22
    parts += [
        f'<rect x="{left}" y="{ly - 10}" width="14" height="14" fill="{_shade(1.4)}"/>',
        f'<text x="{left + 20}" y="{ly + 1}">better than weekdays 10-14</text>',
        f'<rect x="{left + 190}" y="{ly - 10}" width="14" height="14" fill="{_shade(0.7)}"/>',
        f'<text x="{left + 210}" y="{ly + 1}">worse</text>',
        f'<rect x="{left + 260}" y="{ly - 10}" width="14" height="14" fill="none" '
        'stroke="#1d2430" stroke-width="2"/>',
        f'<text x="{left + 280}" y="{ly + 1}">recommended</text>',
        f'<circle cx="{left + 380}" cy="{ly - 3}" r="3.2" fill="#2b5fd9"/>',
        f'<text x="{left + 390}" y="{ly + 1}">a post of this week</text>',
        f'<rect x="{left + 510}" y="{ly - 10}" width="14" height="14" fill="none" '
        'stroke="#566173" stroke-width="1.5" stroke-dasharray="4 2"/>',
        f'<text x="{left + 530}" y="{ly + 1}">weekdays 10-14</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def to_html(report) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    rows = post_rows(report)
    classes = ["provisional" if p else "" for p in report.posts["provisional"].tolist()]
    a = report.analysis
    title = f"Week {report.week}: {report.page}"
    body = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(week_span(report))}. {escape(zones_line(report))} '
        f"{escape(history_line(report))}</p>",
        f'<p class="headline">{escape(report.headline)}</p>',
        "<h2>Posts of the week</h2>",
        _table(POST_HEADER, rows, {2, 3, 4}, classes),
    ]
    if report.provisional:
        body.append(f'<p class="note">{escape(PROVISIONAL_NOTE)}</p>')
    body += [
        f'<p class="note">{escape(EXPECTED_NOTE)}</p>',
        "<h2>This week against earlier weeks</h2>",
        _table(PERIOD_HEADER, period_rows(report), {1, 2, 3, 4}),
        "<h2>Recommended windows</h2>",
        f"<p>{escape(basis_line(report))}</p>",
    ]
    if report.recommendations:
        body.append(_table(WINDOW_HEADER, window_rows(report), {1, 2, 3}))
    if a is not None:
        body.append(f"<p>{escape(a.headline)}</p>")
    body += [
        heatmap_svg(report),
        '<p class="note">Cells: posts in each window (bold where tested), shaded by the '
        "shrunken lift against weekdays 10-14; \u25b2 reliably better, \u25bc reliably worse. "
        "Hours in the audience zone.</p>",
        "<h2>Changes since last week</h2>",
        f"<p>{escape(report.changes.text)}</p>",
        "<h2>Next week</h2>",
        f"<p>{escape(suggestion_line(report))}</p>",
        f"<footer>{escape(ASSOCIATION)}</footer>",
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
