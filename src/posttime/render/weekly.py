"""Text of the history store and the weekly summary: ingest notes and progress, the
``history`` listing, and the weekly report as markdown, plain text or JSON (HTML is in
``posttime.render.html``).

Every ``weekly --format`` value maps to exactly one renderer (``RENDERERS``).
"""

from __future__ import annotations

import json
import math
from enum import Enum

from posttime.render.tables import ASSOCIATION


class WeeklyFormat(str, Enum):
    """The values of ``weekly --format``."""

    markdown = "markdown"
    text = "text"
    json = "json"
    html = "html"


class HistoryFormat(str, Enum):
    """The values of ``history --format``."""

    table = "table"
    json = "json"


# -- small formatters -------------------------------------------------------------------


def fmt_count(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:,.0f}"


def fmt_ratio(value) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.2f}x"


def fmt_share(count: int, share) -> str:
    return "-" if share is None else f"{count} ({share:.0%})"


def fmt_rate(value) -> str:
    return "-" if value is None else f"{value:.1f}"


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
                     fmt_count(p.expected), fmt_ratio(p.vs_expected)])
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
    return [[w.label, str(w.n), fmt_ratio(w.shrunk_lift), fmt_ratio(w.lift), w.verdict]
            for w in report.recommendations]


def basis_line(report) -> str:
    from posttime.weekly import BASIS_TEXT

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


def to_markdown(report) -> str:
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
    return "\n".join(lines)


def _text_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def to_text(report) -> str:
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
    return "\n".join(lines).rstrip("\n") + "\n"


def to_json(report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _to_html(report) -> str:
    from posttime.render.html import to_html

    return to_html(report)


#: every weekly --format value maps to exactly one renderer.
RENDERERS = {WeeklyFormat.markdown: to_markdown, WeeklyFormat.text: to_text,
             WeeklyFormat.json: to_json, WeeklyFormat.html: _to_html}


def render_weekly(report, fmt: WeeklyFormat) -> str:
    return RENDERERS[fmt](report)


# -- ingest -----------------------------------------------------------------------------


#: up to this many files already in the store are named one by one, more are counted.
LIST_ALREADY = 3


def ingest_lines(report) -> list[str]:
    """One line per file (errors start with ``Error:``); files that were already in the
    store are counted in one line when there are more than ``LIST_ALREADY``."""
    lines = []
    already = [f for f in report.files if f.status == "already ingested"]
    if len(already) > LIST_ALREADY:
        lines.append(f"Already ingested (no change): {len(already)} files")
    for f in report.files:
        if f.status == "already ingested" and len(already) > LIST_ALREADY:
            continue
        if f.status == "ingested":
            lines.append(
                f"Ingested {f.path}: {f.posts:,} posts ({f.new:,} new, {f.updated:,} updated, "
                f"{f.kept:,} already newer in the history)"
            )
        elif f.status == "already ingested":
            lines.append(f"Already ingested: {f.path}")
        elif f.status == "skipped":
            lines.append(f"Skipped {f.path}: {f.message}")
        else:
            lines.append(f"Error: {f.message}")
    return lines


def print_ingest(report, summary=None) -> None:
    """The ingest notes on stderr (plain lines, never wrapped, no markup)."""
    from posttime.render.console import stderr_console

    console = stderr_console()
    for line in ingest_lines(report):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if summary is not None:
        console.print(store_line(summary), markup=False, highlight=False, soft_wrap=True)


def store_line(summary) -> str:
    pages = len(summary.pages)
    return (f"History {summary.db}: {summary.posts:,} posts of {pages} "
            f"page{'s' if pages != 1 else ''} from {len(summary.files)} "
            f"file{'s' if len(summary.files) != 1 else ''}.")


class IngestProgress:
    """A progress bar on stderr while many files go in; nothing unless stderr is a
    terminal. Call it as ``progress(done, total, name)``; use it as a context manager."""

    def __init__(self, min_files: int = 2, console=None) -> None:
        from posttime.render.console import stderr_console

        self.console = console or stderr_console()
        self.enabled = self.console.is_terminal
        self.min_files = min_files
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled or total < self.min_files:
            return
        if self._bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("Ingesting"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}"), console=self.console,
                                 transient=True)
            self._bar.start()
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done, description=name)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> IngestProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- history ----------------------------------------------------------------------------


def _missing(ts) -> bool:
    import pandas as pd

    return ts is None or bool(pd.isna(ts))


def _day(ts) -> str | None:
    return None if _missing(ts) else f"{ts:%Y-%m-%d}"


def _iso(ts) -> str | None:
    return None if _missing(ts) else ts.isoformat()


def history_dict(summary) -> dict:
    """The JSON of ``posttime history --format json`` (times in UTC, ISO 8601)."""
    pages = [
        {"page_id": r.page_id, "page_name": r.page_name, "posts": int(r.posts),
         "first": _iso(r.first), "last": _iso(r.last), "as_of": _iso(r.as_of)}
        for r in summary.pages.itertuples(index=False)
    ]
    files = [
        {"name": f.name, "path": f.path, "sha256": f.sha256, "format": f.format,
         "rows": f.rows, "posts": f.posts, "as_of": _iso(f.as_of),
         "export_timezone": f.export_timezone, "ingested_at": _iso(f.ingested_at)}
        for f in summary.files
    ]
    return {"db": str(summary.db), "posts": summary.posts, "first": _iso(summary.first),
            "last": _iso(summary.last), "pages": pages, "files": files}


def history_json(summary) -> str:
    return json.dumps(history_dict(summary), indent=2, ensure_ascii=False) + "\n"


def history_view(summary):
    """Rich renderables: a line about the store, the pages, the files (dates in UTC)."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts = [Text(store_line(summary))]
    if summary.first is not None:
        parts.append(Text(f"Posts published {_day(summary.first)} to {_day(summary.last)} "
                          "(UTC dates)."))
    pages = Table(title="Pages", title_justify="left", box=box.SIMPLE_HEAD)
    for name, justify in (("Page", "left"), ("Posts", "right"), ("First post", "left"),
                          ("Last post", "left"), ("Figures as of", "left")):
        pages.add_column(name, justify=justify, no_wrap=name != "Page", overflow="fold")
    for r in summary.pages.itertuples(index=False):
        shown = str(r.page_name) if r.page_name == r.page_id else f"{r.page_name} ({r.page_id})"
        pages.add_row(Text(shown), f"{r.posts:,}", _day(r.first) or "-", _day(r.last) or "-",
                      _day(r.as_of) or "-")
    files = Table(title="Files ingested (formats and paths: --format json)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name, justify in (("File", "left"), ("Posts", "right"), ("Export date", "left"),
                          ("Ingested", "left")):
        files.add_column(name, justify=justify, no_wrap=name != "File", overflow="fold")
    for f in summary.files:
        files.add_row(Text(f.name), f"{f.posts:,}", _day(f.as_of) or "-",
                      _day(f.ingested_at) or "-")
    return Group(*parts, Text(""), pages, files)


def print_history(summary) -> None:
    from posttime.render.console import stdout_console

    stdout_console().print(history_view(summary))


def print_history_json(summary) -> None:
    import sys

    sys.stdout.write(history_json(summary))


#: every history --format value maps to exactly one renderer.
HISTORY_RENDERERS = {HistoryFormat.table: print_history, HistoryFormat.json: print_history_json}
