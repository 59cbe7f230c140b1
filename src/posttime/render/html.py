"""The weekly summary as one self-contained HTML file.

Inline CSS and an inline SVG heatmap; nothing is fetched from anywhere (no scripts, no
stylesheets, no fonts, no images, and a Content-Security-Policy that forbids them), so the
file can be mailed, archived and opened offline.
"""

from __future__ import annotations

import math
from html import escape

from posttime.render.svg import Cell, Dot, heatmap_svg
from posttime.render.text import ASSOCIATION, MARKS
from posttime.render.weekly import (
    EXPECTED_NOTE,
    NO_POSTS_NOTE,
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
from posttime.weekly import WeeklyReport, window_effects
from posttime.windows import WEEKDAYS

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


def weekly_heatmap(report: WeeklyReport) -> str:
    """Weekday x hour grid of the analysis: each window shaded by its shrunken lift against
    weekdays 10-14 and labelled with its post count; recommended windows outlined; the
    week's posts as dots at their weekday and time (hollow while provisional)."""
    a = report.analysis
    if a is None:
        return '<p class="note">No heatmap yet: no posts to analyse.</p>'
    _, estimate = window_effects(a)
    chosen = {(w.weekday, w.start) for w in report.recommendations}
    cells = []
    for w in a.windows.itertuples():
        est = estimate[int(w.window)]
        tip = (f"{w.weekday} {int(w.start):02d}-{int(w.end):02d}: {int(w.n)} posts, "
               + (f"shrunken lift {w.shrunk_lift:.2f}x, {w.verdict}" if w.tested
                  else f"{w.verdict} (estimate {est:.2f}x)" if math.isfinite(est)
                  else w.verdict))
        text = f"{MARKS.get(w.verdict, '')}{int(w.n)}" if int(w.n) else ""
        cells.append(Cell(day=int(w.weekday_index), start=int(w.start), end=int(w.end),
                          text=text, shade=w.shrunk_lift if w.tested else None, tip=tip,
                          strong=bool(w.tested), outlined=(w.weekday, int(w.start)) in chosen))
    dots = [Dot(day=WEEKDAYS.index(p.weekday), hour=p.published.hour + p.published.minute / 60,
                tip=p.post_id, filled=not p.provisional)
            for p in report.posts.itertuples(index=False)]
    return heatmap_svg(
        cells, dots=dots,
        title="Posting windows shaded by shrunken lift against weekdays 10-14",
        legend=[("better", "better than weekdays 10-14"), ("worse", "worse"),
                ("outlined", "recommended"), ("dot", "a post of this week"),
                ("baseline", "weekdays 10-14")],
    )


def weekly_html(report: WeeklyReport) -> str:
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
        f"<p>{escape(NO_POSTS_NOTE)}</p>" if report.posts.empty
        else _table(POST_HEADER, rows, {2, 3, 4}, classes),
    ]
    if report.provisional:
        body.append(f'<p class="note">{escape(PROVISIONAL_NOTE)}</p>')
    if not report.posts.empty:
        body.append(f'<p class="note">{escape(EXPECTED_NOTE)}</p>')
    body += [
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
        weekly_heatmap(report),
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
