"""The report of ``posttime analyze``: terminal tables and heatmap, JSON, CSV and Markdown,
for one analysis (``AnalysisResult``) or one per post type (``ByTypeResult``)."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from posttime.analysis import WINDOW_COLUMNS, AnalysisResult, ByTypeResult
from posttime.jsonout import to_json
from posttime.outcome import METRICS
from posttime.render.heatmap import heatmap
from posttime.render.text import (
    ASSOCIATION,
    GRAIN_NAMES,
    MARKS,
    VERDICT_STYLES,
    fmt_lift,
    fmt_p,
    formula_safe,
    rich_to_text,
    safe_markdown,
    text_grid,
)
from posttime.windows import label


def header(result) -> Text:
    opts = result.options
    page = f"{result.page} · " if result.page else ""
    return Text.assemble(
        ("posttime", "bold"),
        f" · {page}{opts.metric} ({METRICS[opts.metric]}) · {result.posts_used:,} posts · ",
        f"times in {opts.timezone} (export read as {opts.export_timezone})",
    )


def verdict_text(w) -> Text:
    """A window's verdict, with a * when it does not survive the calendar-time trend."""
    text = Text(w.verdict, style=VERDICT_STYLES[w.verdict])
    if w.robust is False:
        text.append("*", style="bold")
    return text


#: what the ranked table's columns and verdicts mean, a sentence each.
LEGEND = (
    "q: the p-value corrected for testing every window (Benjamini-Hochberg); below 0.10 a "
    "difference is reliable. better / worse: reliably better or worse than weekdays 10-14; "
    "no-difference: tested, but within what chance produces with this many posts; "
    "insufficient-data: fewer than 10 posts, not tested. The rank follows the shrunken lift, "
    "so a window with many ordinary posts can rank above a reliably better one with few."
)
ROBUST_NOTE = ("* not robust: the verdict changes when the page's trend is fitted over "
               "calendar days instead of posts (a burst of posting may be behind it).")
CLAIMS_LEGEND = (
    "supported: the claim holds on this page (p (Holm) < 0.05); contradicted: shown to go the "
    "other way; not-shown: the posts cannot tell either way; insufficient-data: fewer than 10 "
    "posts on a side."
)


def interval_name(result) -> str:
    """Column heading of the listed windows' intervals: their adjusted level."""
    level = result.windows["interval_level"].dropna()
    return f"{level.iloc[0]:.1%} CI" if len(level) else "CI"


def ranked_table(result, top: int) -> Table:
    windows = result.windows
    tested = windows[windows["tested"]]
    shown = tested.head(top)
    table = Table(
        title=f"Ranked posting windows: top {len(shown)} of {len(tested)} tested "
              f"({GRAIN_NAMES[result.grain]})",
        title_justify="left", box=box.SIMPLE_HEAD,
    )
    for name, justify in (("#", "right"), ("Window", "left"), ("Posts", "right"),
                          ("Lift", "right"), (interval_name(result), "center"),
                          ("Raw", "right"), ("q", "right"), ("Verdict", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for w in shown.itertuples():
        table.add_row(
            str(w.rank), label(w.weekday, w.start, w.end), str(w.n), fmt_lift(w.shrunk_lift),
            f"{w.lift_low:.2f}-{w.lift_high:.2f}", fmt_lift(w.lift), fmt_p(w.q),
            verdict_text(w),
        )
    return table


def ranking_note(result) -> Text:
    """How to read the ranked table (and, when the windows look alike, how it is ordered)."""
    text = ("Lift is shrunken: each window is pulled towards the average of all windows, the "
            "more the fewer posts it has. The interval is widened for picking the listed "
            "windows out of all tested ones (and reaches the lift where shrinkage moves it "
            "outside); raw is the window's own lift.")
    if result.tau2 == 0:
        text += (" The windows differ no more than chance would make them, so every shrunken "
                 "lift is 1.00x and the ranking goes by the lower end of each interval.")
    text += " " + LEGEND
    if (result.windows["tested"] & (result.windows["robust"] == False)).any():  # noqa: E712
        text += " " + ROBUST_NOTE
    return Text(text, style="dim")


def untested_note(result) -> Text:
    windows = result.windows
    untested = windows[~windows["tested"]]
    if untested.empty:
        return Text("Every window has enough posts to be tested.")
    with_posts = untested[untested["n"] > 0]
    text = (
        f"{len(untested)} windows have fewer than 10 posts and are not tested "
        f"({int(untested['n'].sum())} posts in all; {len(untested) - len(with_posts)} have none)."
    )
    needed = untested["more_posts_needed"]
    if needed.notna().any():
        text += (
            f" To show a 1.25x lift a window needs about "
            f"{int(needed.min() + untested.loc[needed.idxmin(), 'n'])} posts."
        )
    return Text(text, style="dim")


def claims_table(result) -> Table:
    table = Table(title="The usual advice, tested on this page (two-sided, Holm-corrected)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name, justify in (("Claim", "left"), ("Posts", "right"), ("Lift", "right"),
                          ("p (Holm)", "right"), ("Verdict", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "Claim")
    for c in result.claim_list:
        table.add_row(c.text, f"{c.n} vs {c.n_other}", fmt_lift(c.lift), fmt_p(c.p_holm),
                      Text(c.verdict, style=VERDICT_STYLES[c.verdict]))
    return table


def left_out(result) -> Text:
    parts = [f"{count} {reason.replace('_', ' ')}" for reason, count in result.excluded.items()
             if count]
    if not parts:
        return Text("Nothing was left out.", style="dim")
    text = "Left out: " + ", ".join(parts) + "."
    if result.excluded.get("paid"):
        text += " Boosted posts are left out unless you pass --include-paid."
    return Text(text, style="dim")


def _single_view(result, top: int, brief: bool) -> list:
    tested = result.windows["tested"].any()
    ranked = ranked_table(result, top) if tested else None
    note = ranking_note(result) if tested else None
    parts = [header(result), Text(""), Text(result.headline, style="bold"), Text(""),
             ranked, note, Text("") if note is not None else None, untested_note(result),
             Text("")]
    if not brief:
        parts += [heatmap(result), Text(""), claims_table(result),
                  Text(CLAIMS_LEGEND, style="dim"), Text("")]
    parts.append(left_out(result))
    return [part for part in parts if part is not None]


def analysis_view(result: AnalysisResult, top: int) -> Group:
    """The whole terminal report of ``posttime analyze``."""
    return Group(*_single_view(result, top, False), Text(ASSOCIATION, style="dim"))


def by_type_view(result: ByTypeResult, top: int) -> Group:
    """The terminal report of ``analyze --by-type``: one short section per post type."""
    parts: list = []
    for post_type, r in result.results.items():
        parts += [Rule(f"{post_type} posts", align="left"), *_single_view(r, top, True),
                  Text("")]
    return Group(*parts, Text(ASSOCIATION, style="dim"))


def analysis_table(result: AnalysisResult, *, top: int = 10, console=None) -> str:
    """The terminal report as text: through ``console`` (a terminal's colours and width),
    or plain at 100 columns (for --output or a pipe)."""
    return rich_to_text(analysis_view(result, top), console, width=100)


def by_type_table(result: ByTypeResult, *, top: int = 10, console=None) -> str:
    return rich_to_text(by_type_view(result, top), console, width=100)


def analysis_json(result: AnalysisResult) -> str:
    return to_json(result.to_dict())


def by_type_json(result: ByTypeResult) -> str:
    return to_json(result.to_dict())


def _csv(frames) -> str:
    """One CSV of the frames, every text cell formula-safe."""
    import pandas as pd

    table = pd.concat(frames)
    for column in table.select_dtypes(include=["object", "string"]).columns:
        table[column] = table[column].map(formula_safe)
    return table.to_csv(index=False, float_format="%.6g", lineterminator="\n")


def analysis_csv(result: AnalysisResult) -> str:
    """Every window of the grid, one row each, columns as in the JSON."""
    return _csv([result.windows.loc[:, list(WINDOW_COLUMNS)]])


def by_type_csv(result: ByTypeResult) -> str:
    """Every window of every post type's grid, the type in the first column."""
    return _csv([r.windows.loc[:, list(WINDOW_COLUMNS)].assign(type=t)[["type", *WINDOW_COLUMNS]]
                 for t, r in result.results.items()])


def _markdown_one(result: AnalysisResult, top: int, heading: str) -> list[str]:
    opts = result.options
    lines = [
        heading, "", f"**{result.headline}**", "",
        f"Metric: {opts.metric}. Posts used: {result.posts_used}. Times in {opts.timezone} "
        f"(export read as {opts.export_timezone}).", "",
        f"| # | Window | Posts | Lift | {interval_name(result)} | Raw | q | Verdict |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for w in result.windows[result.windows["tested"]].head(top).itertuples():
        lines.append(
            f"| {w.rank} | {label(w.weekday, w.start, w.end)} | {w.n} | {fmt_lift(w.shrunk_lift)} "
            f"| {w.lift_low:.2f}-{w.lift_high:.2f} | {fmt_lift(w.lift)} | {fmt_p(w.q)} "
            f"| {verdict_text(w).plain} |"
        )
    if result.windows["tested"].any():
        lines += ["", ranking_note(result).plain]
    grid = {(w.weekday, int(w.start)): (f"{MARKS.get(w.verdict, '')}{w.n}" if w.tested
                                        else f"({w.n})" if w.n else "·")
            for w in result.windows.itertuples()}
    lines += ["", "Posts per window (hours in the audience zone; ▲ reliably better, ▼ reliably "
              "worse than weekdays 10-14; (n): too few posts to test):", "",
              *text_grid(result.grain, grid)]
    lines += ["", "| Claim | Posts | Lift | p (Holm) | Verdict |", "|---|---:|---:|---:|---|"]
    for c in result.claim_list:
        lines.append(f"| {c.text} | {c.n} vs {c.n_other} | {fmt_lift(c.lift)} "
                     f"| {fmt_p(c.p_holm)} | {c.verdict} |")
    return [*lines, "", CLAIMS_LEGEND, "", left_out(result).plain, ""]


def _markdown(page: str | None, sections: list[list[str]]) -> str:
    lines = [f"# When to post{': ' + page if page else ''}", ""]
    for section in sections:
        lines += section
    return safe_markdown("\n".join([*lines, ASSOCIATION, ""]))


def analysis_markdown(result: AnalysisResult, *, top: int = 10) -> str:
    return _markdown(result.page, [_markdown_one(result, top, "## Posting windows")])


def by_type_markdown(result: ByTypeResult, *, top: int = 10) -> str:
    return _markdown(result.page, [_markdown_one(r, top, f"## {t} posts")
                                   for t, r in result.results.items()])


# -- pictures and HTML --------------------------------------------------------------------

#: the terms every HTML report of an analysis explains.
TERMS = [
    ("Window", "A weekday and a block of hours in the audience's time zone."),
    ("Raw lift", "How the window's posts did against posts on weekdays 10-14, after the "
                 "page's trend and post type are taken out: 1.20x means 20% better than "
                 "usual."),
    ("Lift", "The shrunken lift: the window's own lift pulled towards the middle as far as "
             "its few posts or noise call for; the ranking, the headline and the heatmap's "
             "colours use it. Raw is the window's own lift."),
    ("CI", "The interval of the listed windows, widened because they were picked out of all "
           "tested windows (false-coverage-statement intervals); it reaches the lift where "
           "shrinkage moves the lift outside the window's own range."),
    ("not robust", "The verdict flips when the page's trend is fitted over calendar time "
                   "instead of over posts, as when a page posts more during viral streaks."),
    ("q", "The p-value corrected for testing every window (Benjamini-Hochberg); below 0.10 "
          "a difference is called reliable."),
    ("better / worse", "Reliably better or worse than weekdays 10-14 (▲ and ▼ in the "
                       "heatmap); no-difference: not shown either way; insufficient-data: "
                       "fewer than 10 posts, not tested."),
    ("p (Holm)", "The p-value of a claim of the usual advice, corrected for testing five "
                 "claims."),
]


def heatmap_cells(result: AnalysisResult) -> list:
    """The heatmap's cells: post counts, shaded by shrunken lift where tested."""
    from posttime.render.svg import Cell

    cells = []
    for w in result.windows.itertuples():
        n = int(w.n)
        tip = (f"{label(w.weekday, w.start, w.end)}: {n} posts, "
               + (f"shrunken lift {w.shrunk_lift:.2f}x, {w.verdict}" if w.tested
                  else "too few to test"))
        cells.append(Cell(day=int(w.weekday_index), start=int(w.start), end=int(w.end),
                          text=f"{MARKS.get(w.verdict, '')}{n}" if n else "",
                          shade=w.shrunk_lift if w.tested and w.shrunk_lift != 1 else None,
                          tip=tip,
                          strong=bool(w.tested)))
    return cells


HEATMAP_TITLE = "Posts per window, shaded by shrunken lift against weekdays 10-14"
HEATMAP_LEGEND = [("better", "better than weekdays 10-14"), ("worse", "worse"),
                  ("baseline", "weekdays 10-14")]


def _svg(result: AnalysisResult, standalone: bool, title: str = HEATMAP_TITLE,
         ident: str = "hm") -> str:
    from posttime.render.svg import heatmap_svg

    return heatmap_svg(heatmap_cells(result), title=title, legend=HEATMAP_LEGEND,
                       standalone=standalone, ident=ident)


def analysis_svg(result: AnalysisResult) -> str:
    """The heatmap alone, as an SVG file."""
    return _svg(result, standalone=True) + "\n"


def by_type_svg(result: ByTypeResult) -> str:
    """One heatmap per post type, one under the other, in one SVG file."""
    from posttime.render.svg import stack_svg

    return stack_svg([(f"{t} posts", _svg(r, False, f"{t} posts: {HEATMAP_TITLE}", f"hm-{t}"))
                      for t, r in result.results.items()]) + "\n"


def _html_section(result: AnalysisResult, top: int, heading: str | None) -> list[str]:
    from html import escape

    from posttime.render.html import paragraph, table

    opts = result.options
    tested = result.windows[result.windows["tested"]]
    body = [f"<h2>{escape(heading)}</h2>"] if heading else []
    body += [
        paragraph(f"{opts.metric} ({METRICS[opts.metric]}); {result.posts_used:,} posts; times "
                  f"in {opts.timezone} (export read as {opts.export_timezone}); "
                  f"{GRAIN_NAMES[result.grain]}.", "meta"),
        paragraph(result.headline, "headline"),
        f"<h3>Ranked posting windows: top {min(top, len(tested))} of {len(tested)} tested</h3>",
    ]
    rows = [[str(w.rank), label(w.weekday, w.start, w.end), str(w.n), fmt_lift(w.shrunk_lift),
             f"{w.lift_low:.2f}-{w.lift_high:.2f}", fmt_lift(w.lift), fmt_p(w.q),
             verdict_text(w).plain] for w in tested.head(top).itertuples()]
    if rows:
        body.append(table(["#", "Window", "Posts", "Lift", interval_name(result), "Raw", "q",
                           "Verdict"], rows, {0, 2, 3, 4, 5, 6}))
        body.append(paragraph(ranking_note(result).plain, "note"))
    body += [paragraph(untested_note(result).plain, "note"),
             f"<h3>{escape(HEATMAP_TITLE)}</h3>",
             _svg(result, False, ident=f"hm-{result.options.post_type or 'all'}"),
             paragraph("Cells: posts in each window (bold where tested), shaded by the "
                       "shrunken lift; ▲ reliably better, ▼ reliably worse; the dashed box is "
                       "weekdays 10-14. Hours in the audience zone.", "note"),
             "<h3>The usual advice, tested on this page</h3>",
             table(["Claim", "Posts", "Lift", "p (Holm)", "Verdict"],
                   [[c.text, f"{c.n} vs {c.n_other}", fmt_lift(c.lift), fmt_p(c.p_holm),
                     c.verdict] for c in result.claim_list], {1, 2, 3}),
             paragraph(CLAIMS_LEGEND, "note"),
             paragraph(left_out(result).plain, "note")]
    return body


def _html(page_name: str | None, sections: list[list[str]]) -> str:
    from html import escape

    from posttime.render.html import page, terms

    title = f"When to post{': ' + page_name if page_name else ''}"
    body = [f"<h1>{escape(title)}</h1>"]
    for section in sections:
        body += section
    body += ["<h2>What the terms mean</h2>", terms(TERMS)]
    return page(title, body, ASSOCIATION)


def analysis_html(result: AnalysisResult, *, top: int = 10) -> str:
    """The whole report as one self-contained HTML page."""
    return _html(result.page, [_html_section(result, top, None)])


def by_type_html(result: ByTypeResult, *, top: int = 10) -> str:
    return _html(result.page, [_html_section(r, top, f"{t} posts")
                               for t, r in result.results.items()])
