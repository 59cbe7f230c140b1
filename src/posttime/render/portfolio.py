"""The reports of ``analyze --all-pages`` and ``weekly --all-pages``: one row per page and
the portfolio line, as a terminal table, JSON, CSV, Markdown or HTML; the per-page reports
of ``--output-dir`` and their index; the progress bar of pages done."""

from __future__ import annotations

import re
from html import escape

import pandas as pd
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from posttime.analysis import WINDOW_COLUMNS
from posttime.jsonout import to_json
from posttime.portfolio import Pool, PortfolioResult, WeeklyPortfolio
from posttime.render.text import (
    ASSOCIATION,
    fmt_count,
    fmt_lift,
    formula_safe,
    markdown_table,
    rich_to_text,
    safe_markdown,
    strip_controls,
)

TIMING_STYLES = {"yes": "bold green", "no": "", "cannot-tell-yet": "dim"}
#: the file name ending of each format's reports under --output-dir.
SUFFIXES = {"table": ".txt", "text": ".txt", "json": ".json", "csv": ".csv",
            "markdown": ".md", "html": ".html"}


def _tops(windows: list[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {fmt_lift(lift)}" for name, lift in windows) or "-"


def portfolio_line(result: PortfolioResult) -> str:
    """One sentence on the whole portfolio."""
    pages = len(result.results)
    text = (f"{pages} page{'s' if pages != 1 else ''}; timing shows a reliable difference "
            f"on {result.timing_matters} of them.")
    common = result.common_windows()
    if common:
        text += " Windows most often among a page's best: " + ", ".join(
            f"{name} ({n} page{'s' if n != 1 else ''})" for name, n in common) + "."
    return text


def skipped_note(result: PortfolioResult) -> str | None:
    if not result.skipped:
        return None
    return "Not analysed: " + "; ".join(f"{page} ({reason})"
                                        for page, reason in result.skipped.items()) + "."


def pooling_note(result: PortfolioResult) -> str:
    if result.pool is Pool.NONE:
        return "Not pooled: each page's windows are shrunk towards its own centre only."
    fits = "; ".join(f"{g.pages} pages in {g.grain}, between-page variance {g.tau2:.4f}"
                     for g in result.pools)
    return ("Pooled across pages: each page's window estimates lean towards the portfolio's "
            f"({fits or 'no grain has two pages'}); verdicts come from each page's own posts.")


def summary_table(result: PortfolioResult) -> Table:
    table = Table(title="Pages", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for name, justify in (("Page", "left"), ("Posts", "right"), ("Timing matters", "left"),
                          ("Top windows", "left"), ("Better", "right"), ("Worse", "right"),
                          ("Needs", "right")):
        table.add_column(name, justify=justify, no_wrap=name != "Page",
                         min_width=8 if name == "Page" else None)
    for row in result.summary.itertuples():
        table.add_row(str(row.page), f"{row.posts_used:,}\n{row.grain}",
                      Text(str(row.timing_matters), style=TIMING_STYLES[row.timing_matters]),
                      "\n".join(f"{name} {fmt_lift(lift)}" for name, lift in row.top_windows)
                      or "-", str(row.better), str(row.worse),
                      fmt_count(None if pd.isna(row.posts_needed) else row.posts_needed))
    return table


def portfolio_table(result: PortfolioResult, *, console=None) -> str:
    view = Group(Text(portfolio_line(result), style="bold"), summary_table(result),
                 Text("Posts: used, and the window grain. Top windows: the three ranked "
                      "first, with their shrunken lift. Needs: posts a window needs to show a "
                      "1.25x lift."),
                 *[Text(n) for n in (skipped_note(result),) if n],
                 Text(pooling_note(result)), Text(ASSOCIATION, style="dim"))
    return rich_to_text(view, console, width=120)


def portfolio_json(result: PortfolioResult) -> str:
    return to_json(result.to_dict())


def portfolio_csv(result: PortfolioResult) -> str:
    """Every window of every page, the page in the first column."""
    frames = [r.windows.loc[:, list(WINDOW_COLUMNS)].assign(page=formula_safe(str(r.page)))
              for r in result.results]
    return pd.concat(frames).loc[:, ["page", *WINDOW_COLUMNS]].to_csv(
        index=False, float_format="%.6g", lineterminator="\n")


def _linked(page: str, links: dict[str, str] | None) -> str:
    """A page's name, linked to its report under --output-dir."""
    return f"[{page}]({links[page]})" if links and page in links else page


def portfolio_markdown(result: PortfolioResult, *, links: dict[str, str] | None = None) -> str:
    """The summary as Markdown; ``links`` maps a page to its report's file name."""
    rows = [[_linked(str(row.page), links), f"{row.posts_used:,}", str(row.grain),
             str(row.timing_matters), _tops(row.top_windows), str(row.better), str(row.worse),
             "-" if pd.isna(row.posts_needed) else f"{row.posts_needed:,}"]
            for row in result.summary.itertuples()]
    lines = ["# When to post: all pages", "", f"**{portfolio_line(result)}**", "",
             *markdown_table(["Page", "Posts", "Grain", "Timing matters",
                              "Top windows (shrunk lift)", "Better", "Worse",
                              "Posts for 1.25x"], rows, {1, 5, 6, 7})]
    notes = [n for n in (skipped_note(result), pooling_note(result)) if n]
    return safe_markdown("\n".join([*lines, "", *[f"{n}\n" for n in notes], ASSOCIATION, ""]))


def portfolio_html(result: PortfolioResult, *, links: dict[str, str] | None = None) -> str:
    """The summary as a self-contained HTML page; ``links`` maps a page to its report."""
    from posttime.render.html import link, page, paragraph, table

    rows = []
    for row in result.summary.itertuples():
        needed = "-" if pd.isna(row.posts_needed) else f"{row.posts_needed:,}"
        rows.append([link(str(row.page), (links or {}).get(row.page)), f"{row.posts_used:,}",
                     str(row.grain), str(row.timing_matters), _tops(row.top_windows),
                     str(row.better), str(row.worse), needed])
    body = [
        "<h1>When to post: all pages</h1>",
        paragraph(portfolio_line(result), "headline"),
        table(["Page", "Posts", "Grain", "Timing matters", "Top windows (shrunk lift)",
               "Better", "Worse", "Posts for 1.25x"], rows, {1, 5, 6, 7}),
        *[paragraph(n, "note") for n in (skipped_note(result), pooling_note(result)) if n],
    ]
    return page("When to post: all pages", body, ASSOCIATION)


def file_names(pages: list[str], suffix: str) -> list[str]:
    """A distinct, safe file name per page (its name in lower case, letters and digits),
    never ``index``."""
    names: list[str] = []
    for page in pages:
        stem = re.sub(r"[^a-z0-9]+", "-", page.lower()).strip("-") or "page"
        candidate, n = stem, 1
        while candidate == "index" or candidate + suffix in names:
            n += 1
            candidate = f"{stem}-{n}"
        names.append(candidate + suffix)
    return names


def _weekly_rows(result: WeeklyPortfolio):
    for report in result.reports:
        yield report.page, report.comparison["this_week"].posts, report.headline


def weekly_portfolio_markdown(result: WeeklyPortfolio, *,
                              links: dict[str, str] | None = None) -> str:
    """One line per page: its posts of the week and its headline (linked under
    --output-dir)."""
    weeks = sorted({r.week for r in result.reports})
    rows = [[_linked(page, links), str(posts), headline]
            for page, posts, headline in _weekly_rows(result)]
    lines = [f"# Weekly summaries: {', '.join(weeks)}", "",
             *markdown_table(["Page", "Posts this week", "Headline"], rows, {1})]
    return safe_markdown("\n".join([*lines, ""]))


def weekly_portfolio_text(result: WeeklyPortfolio) -> str:
    weeks = sorted({r.week for r in result.reports})
    lines = [f"Weekly summaries: {', '.join(weeks)}", ""]
    for page, posts, headline in _weekly_rows(result):
        lines += [f"{page} ({posts} posts this week)", f"  {headline}"]
    return strip_controls("\n".join([*lines, ""]))


def weekly_portfolio_json(result: WeeklyPortfolio) -> str:
    return to_json(result.to_dict())


def weekly_portfolio_html(result: WeeklyPortfolio, *,
                          links: dict[str, str] | None = None) -> str:
    """The index as one self-contained HTML page, styled like every report."""
    from posttime.render.html import link, page, table

    title = f"Weekly summaries: {', '.join(sorted({r.week for r in result.reports}))}"
    rows = [[link(name, (links or {}).get(name)), str(posts), headline]
            for name, posts, headline in _weekly_rows(result)]
    body = [f"<h1>{escape(title)}</h1>",
            table(["Page", "Posts this week", "Headline"], rows, {1})]
    return page(title, body, ASSOCIATION)


def report_files(result: PortfolioResult | WeeklyPortfolio, fmt: str, *,
                 top: int = 10) -> dict[str, str]:
    """File name -> text of one report per page and the index, for ``--output-dir``."""
    from posttime.render import render

    suffix = SUFFIXES[fmt]
    pages = result.results if isinstance(result, PortfolioResult) else result.reports
    names = file_names([str(r.page) for r in pages], suffix)
    files = {name: render(r, fmt, top=top) for name, r in zip(names, pages, strict=True)}
    links = {str(r.page): name for name, r in zip(names, pages, strict=True)}
    if fmt in ("markdown", "html"):
        index = render(result, fmt, links=links)
    else:
        index = render(result, fmt)
    return {**files, f"index{suffix}": index}


class PagesProgress:
    """A progress bar of pages done on stderr; nothing unless stderr is a terminal. Call it
    as ``progress(done, total)``; use it as a context manager."""

    def __init__(self, console=None) -> None:
        from posttime.render.console import is_quiet, stderr_console

        self.console = console or stderr_console()
        self.enabled = self.console.is_terminal and not is_quiet()
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("Pages"), BarColumn(), MofNCompleteColumn(),
                                 console=self.console, transient=True)
            self._bar.start()
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done)

    def __enter__(self) -> PagesProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
