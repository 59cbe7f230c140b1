"""The weekly summary as markdown, plain text, JSON or HTML."""

from __future__ import annotations

import math
import re
from html import escape
from urllib.parse import quote, urlsplit

from posttime.jsonout import to_json
from posttime.render.html import Html, page, table
from posttime.render.svg import Cell, Dot, heatmap_svg
from posttime.render.text import (
    ASSOCIATION,
    MARKS,
    fmt_count,
    fmt_lift,
    fmt_rate,
    fmt_share,
    markdown_table,
    one_line,
    safe_markdown,
    strip_controls,
)
from posttime.weekly import BASIS_TEXT, WeeklyReport, window_effects
from posttime.windows import WEEKDAYS


def fmt_when(ts) -> str:
    return ts.strftime("%a %d %b %H:%M")


def week_span(report) -> str:
    return f"{report.start:%a %d %b} - {report.end:%a %d %b %Y}"


def zones_line(report) -> str:
    return (f"Times in {report.timezone} (exports read as {report.export_timezone}).")


def history_line(report) -> str:
    as_of = f", figures as of {report.as_of:%Y-%m-%d}" if report.as_of is not None else ""
    return (f"History: {report.posts_in_history:,} posts from {report.history_start:%Y-%m-%d} "
            f"to {report.history_end:%Y-%m-%d}{as_of}.")


PROVISIONAL_NOTE = ("* provisional: younger than 7 days at the export its figures come from, "
                    "so still collecting interactions.")
NO_POSTS_NOTE = "No posts were published this week."
EXPECTED_NOTE = (
    "Expected: a typical post of that type, at that point of the page's history, in that "
    "window (from the analysis of the whole history). vs expected = (interactions + 1) / "
    "(expected + 1)."
)


#: characters that mean something inside Markdown link text; ``|`` is escaped by the table.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]~&])")
#: characters of a web address kept as they are; the others (spaces, parentheses, quotes,
#: ``<``, ``>``, ``|``, control characters, non-ASCII) are percent-encoded.
_URL_SAFE = ":/?#@!$&'*+,;=%~"


def web_address(permalink) -> str | None:
    """``permalink`` percent-encoded when it is an http or https address, else None (so
    ``javascript:`` and other schemes never become links)."""
    if not permalink:
        return None
    url = one_line(str(permalink)).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe=_URL_SAFE)


def has_titles(report) -> bool:
    """Whether any post of the week has a title or a permalink (then tables show them)."""
    return bool(report.posts["title"].notna().any() or report.posts["permalink"].notna().any())


def plain_post(p) -> str:
    return one_line(p.title) if p.title else "-"


def markdown_post(p) -> str:
    """``[title](permalink)``, with the title's Markdown escaped and the address encoded so
    neither can end the link early; the title alone without an http(s) permalink."""
    text = _MD_SPECIAL.sub(r"\\\1", one_line(p.title)) if p.title else None
    url = web_address(p.permalink)
    if url is None:
        return text or "-"
    return f"[{text or 'post'}]({url})"


def html_post(p) -> Html:
    """An escaped link to the post for http(s) permalinks; the escaped title otherwise."""
    text = escape(one_line(p.title)) if p.title else None
    url = web_address(p.permalink)
    if url is None:
        return Html(text or "-")
    return Html(f'<a href="{escape(url)}" rel="noopener noreferrer">{text or "post"}</a>')


def post_rows(report, post=plain_post) -> list[list[str]]:
    """One row of cells per post of the week: when, type, interactions, expected, vs, and
    the post (``post(row)``: its title, or a link) when any post of the week has one."""
    titled = has_titles(report)
    rows = []
    for p in report.posts.itertuples(index=False):
        mark = " *" if p.provisional else ""
        rows.append([fmt_when(p.published), str(p.type), fmt_count(p.interactions) + mark,
                     fmt_count(p.expected), fmt_lift(p.vs_expected),
                     *([post(p)] if titled else [])])
    return rows


POST_HEADER = ["When", "Type", "Interactions", "Expected", "vs expected"]


def post_header(report) -> list[str]:
    return [*POST_HEADER, "Post"] if has_titles(report) else POST_HEADER
PERIOD_HEADER = ["", "Posts", "Per week", "Median interactions", "In recommended windows"]


def period_rows(report) -> list[list[str]]:
    rows = []
    for p in report.comparison.values():
        rows.append([p.name.capitalize(), str(p.posts), fmt_rate(p.posts_per_week),
                     fmt_count(p.median_interactions),
                     fmt_share(p.in_recommended, p.share_in_recommended)])
    return rows


WINDOW_HEADER = ["Window", "Posts", "Shrunk lift", "Lift", "Verdict"]


def window_rows(report) -> list[list[str]]:
    return [[w.label, str(w.n), fmt_lift(w.shrunk_lift), fmt_lift(w.lift), w.verdict]
            for w in report.recommendations]


def basis_line(report) -> str:
    return f"Recommended: {BASIS_TEXT[report.basis]}."


def suggestion_line(report) -> str:
    if report.suggestion is None:
        return ("No suggestion: no inconclusive window that more posts could settle "
                "(or no analysis yet).")
    return report.suggestion.text


EXPERIMENT_HEADER = ["Window", "Role", "Posts", "Lift", "90% CI", "Verdict"]


def experiment_line(report) -> str:
    """The plan, how far it is and how well it was kept, as of the week's end."""
    e = report.experiment
    plan = e.plan
    candidates = ", ".join(a.label for a in plan.candidates)
    line = (f"Plan {plan.plan_id} ({candidates} against weekdays 10-14), "
            f"{plan.start:%Y-%m-%d} to {e.last_day:%Y-%m-%d}: {e.weeks_done} of {plan.weeks} "
            "weeks done")
    if e.evaluation is None:
        return line + "."
    a = e.evaluation.adherence
    return (line + f"; slots kept {a['kept']}, missed {a['missed']}, still to come "
            f"{a['pending']}; posts off plan {a['off_plan']}.")


def experiment_rows(report) -> list[list[str]]:
    e = report.experiment
    rows = []
    for a in e.arms():
        interval = "-" if a["low"] is None else f"{a['low']:.2f}-{a['high']:.2f}"
        verdict = "interim" if e.interim and a["role"] == "candidate" else a["verdict"] or "-"
        rows.append([a["window"], a["role"], str(a["n"]), fmt_lift(a["lift"]), interval,
                     verdict])
    return rows


# -- markdown, text, json ---------------------------------------------------------------


def weekly_markdown(report: WeeklyReport) -> str:
    a = report.analysis
    lines = [
        f"# Week {report.week}: {report.page}", "",
        f"**{report.headline}**", "",
        f"{week_span(report)}. {zones_line(report)} {history_line(report)}", "",
        "## Posts of the week", "",
    ]
    if report.posts.empty:
        lines += [NO_POSTS_NOTE, ""]
    else:
        lines += [*markdown_table(post_header(report), post_rows(report, markdown_post),
                                  {2, 3, 4}), ""]
    if report.provisional:
        lines += [f"\\{PROVISIONAL_NOTE}", ""]
    if not report.posts.empty:
        lines += [EXPECTED_NOTE, ""]
    lines += ["## This week against earlier weeks", "",
              *markdown_table(PERIOD_HEADER, period_rows(report), {1, 2, 3, 4}), "",
              "## Recommended windows", "", basis_line(report), ""]
    if report.recommendations:
        lines += [*markdown_table(WINDOW_HEADER, window_rows(report), {1, 2, 3}), ""]
    if a is not None:
        lines += [a.headline, ""]
    lines += ["## Changes since last week", "", report.changes.text, "",
              "## Next week", "", suggestion_line(report), ""]
    if report.experiment is not None:
        lines += ["## Posting experiment", "", experiment_line(report), ""]
        if report.experiment.evaluation is not None:
            lines += [*markdown_table(EXPERIMENT_HEADER, experiment_rows(report), {2, 3}), ""]
        lines += [report.experiment.text, ""]
    lines += ["---", "", ASSOCIATION, ""]
    return safe_markdown("\n".join(lines))


def _text_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _text_posts(report) -> list[str]:
    """The week's posts as a text table; each post's title, if any, on an indented line
    under its row (a column of titles would not fit in 100 columns)."""
    table = _text_table(POST_HEADER, [r[:len(POST_HEADER)] for r in post_rows(report)],
                        {2, 3, 4})
    lines = table[:2]
    for row, p in zip(table[2:], report.posts.itertuples(index=False), strict=True):
        lines += [row, *([f"    {one_line(p.title)}"] if p.title else [])]
    return lines


def weekly_text(report: WeeklyReport) -> str:
    """Plain text for cron mail: no markup, no colour, lines within about 100 columns."""
    import textwrap

    def para(text: str) -> list[str]:
        return [*textwrap.wrap(text, 96), ""]

    a = report.analysis
    title = f"posttime weekly summary: {report.page}, {report.week} ({week_span(report)})"
    lines = [title, "=" * len(title), "", *para(report.headline),
             *para(f"{zones_line(report)} {history_line(report)}"),
             "Posts of the week", "-----------------"]
    if report.posts.empty:
        lines += para(NO_POSTS_NOTE)
    else:
        lines += [*_text_posts(report), ""]
    if report.provisional:
        lines += para(PROVISIONAL_NOTE)
    if not report.posts.empty:
        lines += para(EXPECTED_NOTE)
    lines += ["This week against earlier weeks",
              "-------------------------------",
              *_text_table(PERIOD_HEADER, period_rows(report), {1, 2, 3, 4}), "",
              "Recommended windows", "-------------------", *para(basis_line(report))]
    if report.recommendations:
        lines += [*_text_table(WINDOW_HEADER, window_rows(report), {1, 2, 3}), ""]
    if a is not None:
        lines += para(a.headline)
    lines += ["Changes since last week", "-----------------------", *para(report.changes.text),
              "Next week", "---------", *para(suggestion_line(report))]
    if report.experiment is not None:
        lines += ["Posting experiment", "------------------", *para(experiment_line(report))]
        if report.experiment.evaluation is not None:
            lines += [*_text_table(EXPERIMENT_HEADER, experiment_rows(report), {2, 3}), ""]
        lines += para(report.experiment.text)
    lines += para(ASSOCIATION)
    return strip_controls("\n".join(lines).rstrip("\n") + "\n")


def weekly_json(report: WeeklyReport) -> str:
    return to_json(report.to_dict())


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
    rows = post_rows(report, html_post)
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
        else table(post_header(report), rows, {2, 3, 4}, classes),
    ]
    if report.provisional:
        body.append(f'<p class="note">{escape(PROVISIONAL_NOTE)}</p>')
    if not report.posts.empty:
        body.append(f'<p class="note">{escape(EXPECTED_NOTE)}</p>')
    body += [
        "<h2>This week against earlier weeks</h2>",
        table(PERIOD_HEADER, period_rows(report), {1, 2, 3, 4}),
        "<h2>Recommended windows</h2>",
        f"<p>{escape(basis_line(report))}</p>",
    ]
    if report.recommendations:
        body.append(table(WINDOW_HEADER, window_rows(report), {1, 2, 3}))
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
    ]
    if report.experiment is not None:
        body += ["<h2>Posting experiment</h2>", f"<p>{escape(experiment_line(report))}</p>"]
        if report.experiment.evaluation is not None:
            body.append(table(EXPERIMENT_HEADER, experiment_rows(report), {2, 3}))
        body.append(f"<p>{escape(report.experiment.text)}</p>")
    return page(title, body, ASSOCIATION)
