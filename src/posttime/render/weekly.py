"""The weekly summary as markdown, plain text or JSON (HTML is in
``posttime.render.html``), and the pieces of it that every form shares."""

from __future__ import annotations

from posttime.jsonout import to_json
from posttime.render.text import (
    ASSOCIATION,
    fmt_count,
    fmt_lift,
    fmt_rate,
    fmt_share,
    safe_markdown,
    strip_controls,
)
from posttime.weekly import BASIS_TEXT, WeeklyReport


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
EXPECTED_NOTE = (
    "Expected: a typical post of that type, at that point of the page's history, in that "
    "window (from the analysis of the whole history). vs expected = (interactions + 1) / "
    "(expected + 1)."
)


def post_rows(report) -> list[list[str]]:
    """One row of cells per post of the week: when, type, interactions, expected, vs."""
    rows = []
    for p in report.posts.itertuples(index=False):
        mark = " *" if p.provisional else ""
        rows.append([fmt_when(p.published), str(p.type), fmt_count(p.interactions) + mark,
                     fmt_count(p.expected), fmt_lift(p.vs_expected)])
    return rows


POST_HEADER = ["When", "Type", "Interactions", "Expected", "vs expected"]
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


# -- markdown, text, json ---------------------------------------------------------------


def _md_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|")

    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return lines


def weekly_markdown(report: WeeklyReport) -> str:
    a = report.analysis
    lines = [
        f"# Week {report.week}: {report.page}", "",
        f"**{report.headline}**", "",
        f"{week_span(report)}. {zones_line(report)} {history_line(report)}", "",
        "## Posts of the week", "",
        *_md_table(POST_HEADER, post_rows(report), {2, 3, 4}), "",
    ]
    if report.provisional:
        lines += [f"\\{PROVISIONAL_NOTE}", ""]
    lines += [EXPECTED_NOTE, "", "## This week against earlier weeks", "",
              *_md_table(PERIOD_HEADER, period_rows(report), {1, 2, 3, 4}), "",
              "## Recommended windows", "", basis_line(report), ""]
    if report.recommendations:
        lines += [*_md_table(WINDOW_HEADER, window_rows(report), {1, 2, 3}), ""]
    if a is not None:
        lines += [a.headline, ""]
    lines += ["## Changes since last week", "", report.changes.text, "",
              "## Next week", "", suggestion_line(report), "", "---", "", ASSOCIATION, ""]
    return safe_markdown("\n".join(lines))


def _text_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def weekly_text(report: WeeklyReport) -> str:
    """Plain text for cron mail: no markup, no colour, lines within about 100 columns."""
    import textwrap

    def para(text: str) -> list[str]:
        return [*textwrap.wrap(text, 96), ""]

    a = report.analysis
    title = f"posttime weekly summary: {report.page}, {report.week} ({week_span(report)})"
    lines = [title, "=" * len(title), "", *para(report.headline),
             *para(f"{zones_line(report)} {history_line(report)}"),
             "Posts of the week", "-----------------",
             *_text_table(POST_HEADER, post_rows(report), {2, 3, 4}), ""]
    if report.provisional:
        lines += para(PROVISIONAL_NOTE)
    lines += [*para(EXPECTED_NOTE), "This week against earlier weeks",
              "-------------------------------",
              *_text_table(PERIOD_HEADER, period_rows(report), {1, 2, 3, 4}), "",
              "Recommended windows", "-------------------", *para(basis_line(report))]
    if report.recommendations:
        lines += [*_text_table(WINDOW_HEADER, window_rows(report), {1, 2, 3}), ""]
    if a is not None:
        lines += para(a.headline)
    lines += ["Changes since last week", "-----------------------", *para(report.changes.text),
              "Next week", "---------", *para(suggestion_line(report)), *para(ASSOCIATION)]
    return strip_controls("\n".join(lines).rstrip("\n") + "\n")


def weekly_json(report: WeeklyReport) -> str:
    return to_json(report.to_dict())
