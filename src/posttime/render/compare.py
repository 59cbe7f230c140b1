"""Rendering a comparison of two pages: terminal table, JSON and Markdown."""

from __future__ import annotations

import math

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from posttime.compare import ComparisonResult
from posttime.jsonout import to_json
from posttime.outcome import METRICS
from posttime.render.heatmap import grid_table
from posttime.render.text import (
    ASSOCIATION,
    GRAIN_NAMES,
    MARKS,
    VERDICT_STYLES,
    fmt_lift,
    fmt_p,
    rich_shade,
    rich_to_text,
    safe_markdown,
    text_grid,
)
from posttime.windows import WEEKDAYS, Grid, label

#: per-window differences shown in the table and in Markdown, largest first.
SHOWN_DIFFERENCES = 10
SHOWN_GOOD = 10

DIFFERENCE_NOTE = (
    "Difference: how much better page A's posts did in a window than page B's, each measured "
    "against its own page's usual post (trend and post type taken out), after removing the "
    "pages' overall gap; above 1 favours A."
)
PROFILE_NOTE = (
    "The profile test fits one daily cycle (a 24-hour wave) to the window-by-window "
    "differences between the pages and asks whether it explains more than chance would, "
    "beyond a constant gap; its p-value comes from shuffling the page labels within each "
    "window. Q measures how much of the differences that daily cycle explains (larger: more "
    "timing difference); the permutation p is the share of 2,000 shufflings of the page "
    "labels that give a Q at least as large (below 0.05: the pages' timing differs). The "
    "time-of-day table shows where the differences lie (each part's difference measured "
    "within weekdays)."
)


def _verdict(value: str) -> Text:
    return Text(value, style=VERDICT_STYLES.get(value, ""))


def _posts_line(result) -> str:
    (a, b), (ra, rb) = result.names, result.analyses
    return f"{a}: {ra.posts_used:,} posts used; {b}: {rb.posts_used:,} posts used."


def header(result) -> Text:
    opts = result.options
    a, b = result.names
    return Text.assemble(
        ("posttime compare", "bold"),
        f" · A = {a} · B = {b} · {opts.metric} ({METRICS[opts.metric]}) · ",
        f"times in {opts.timezone} · {GRAIN_NAMES[result.grain]}",
    )


def _top_cells(windows) -> list[tuple[str, str]]:
    return [(f"{label(w.weekday, w.start, w.end)} ({w.n})",
             fmt_lift(w.shrunk_lift) + " " + MARKS.get(w.verdict, " "))
            for w in windows.itertuples()]


def top_table(result) -> Table:
    """The best ranked windows of each page, side by side."""
    cells = [_top_cells(result.top_windows(0)), _top_cells(result.top_windows(1))]
    table = Table(
        title=f"Best windows of each page (top {result.top}; shrunken lift against the page's "
              "own weekdays 10-14)",
        title_justify="left", box=box.SIMPLE_HEAD,
    )
    for name, justify in (("#", "right"), ("A (posts)", "left"), ("Shrunk", "right"),
                          ("B (posts)", "left"), ("Shrunk", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    rows = max(len(cells[0]), len(cells[1]), 1)
    for i in range(rows):
        row = [str(i + 1) if i < max(len(cells[0]), len(cells[1])) else ""]
        for side in cells:
            if i < len(side):
                row += list(side[i])
            elif i == 0:
                row += ["no window tested", ""]
            else:
                row += ["", ""]
        table.add_row(*row)
    return table


def parts_table(result) -> Table | None:
    """The profile test's parts of the day: A against B, the overall gap taken out."""
    parts = result.profile.by_part
    if result.profile.statistic is None or parts.empty:
        return None
    table = Table(title="Time of day, A against B (the pages' overall gap taken out)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name, justify in (("Hours", "left"), ("Windows", "right"), ("Posts A/B", "right"),
                          ("Difference", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for part in parts.itertuples():
        table.add_row(f"{part.start:02d}-{part.end:02d}", str(part.windows),
                      f"{part.n_a}/{part.n_b}", fmt_lift(part.difference))
    return table


def good_note(result) -> str | None:
    """Why the good-for-both list is empty, or what it rests on when a page's windows do
    not differ."""
    untested = [name for name, r in zip(result.names, result.analyses, strict=True)
                if not r.windows["tested"].any()]
    if untested:
        return (f"{' and '.join(untested)} has no window with enough posts to rank, so no "
                "window can be called good for both.")
    if result.good_for_both.empty:
        return "No window is above its page's weekdays 10-14 on both pages."
    flat = [name for name, r in zip(result.names, result.analyses, strict=True)
            if r.tau2 == 0]
    if flat:
        return (f"The windows of {' and '.join(flat)} differ no more than chance would make "
                "them, so all its shrunken lifts are the same: the list says little about "
                f"{'them' if len(flat) > 1 else 'that page'}.")
    return None


def good_table(result):
    both = result.good_for_both
    note = good_note(result)
    if both.empty:
        return Text(f"Good for both pages: {note}", style="dim")
    shown = both.head(SHOWN_GOOD)
    table = Table(title=f"Good for both pages ({len(both)} windows; showing {len(shown)})",
                  caption=Text(note) if note else None, caption_justify="left",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name, justify in (("Window", "left"), ("Posts A", "right"), ("Posts B", "right"),
                          ("Shrunk A", "right"), ("Shrunk B", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for w in shown.itertuples():
        table.add_row(label(w.weekday, w.start, w.end), str(w.n_a), str(w.n_b),
                      fmt_lift(w.shrunk_lift_a), fmt_lift(w.shrunk_lift_b))
    return table


def largest_differences(result):
    """Tested windows, largest difference (either way) first."""
    tested = result.tested
    size = tested["difference"].map(lambda x: abs(math.log(x)))
    return tested.assign(size=size).sort_values(["size", "window"], ascending=[False, True])


def differences_table(result) -> Table | Text:
    tested = result.tested
    if tested.empty:
        return Text("No window has 10 posts on both pages, so no window is compared.",
                    style="dim")
    shown = largest_differences(result).head(SHOWN_DIFFERENCES)
    table = Table(
        title=f"Largest differences between the pages ({len(shown)} of {len(tested)} windows "
              "with 10 posts on both; BH-corrected)",
        title_justify="left", box=box.SIMPLE_HEAD,
    )
    for name, justify in (("Window", "left"), ("Posts A/B", "right"), ("Lift A", "right"),
                          ("Lift B", "right"), ("Difference", "right"), ("q", "right"),
                          ("Verdict", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for w in shown.itertuples():
        table.add_row(label(w.weekday, w.start, w.end), f"{w.n_a}/{w.n_b}",
                      fmt_lift(w.lift_a), fmt_lift(w.lift_b), fmt_lift(w.difference),
                      fmt_p(w.q), _verdict(w.verdict))
    return table


def difference_heatmap(result) -> Table:
    """Weekday x block, each tested cell the difference (A against B), shaded."""
    edges = Grid(result.grain).edges
    cells = result.windows.set_index(["weekday", "start"])
    table = grid_table(result.grain, min_width=4, title="Difference per window (A against B)",
                       title_justify="left")
    for day in WEEKDAYS:
        row: list[Text] = [Text(day)]
        for start in edges[:-1]:
            w = cells.loc[(day, int(start))]
            if not w["tested"]:
                row.append(Text("·", style="dim"))
                continue
            mark = MARKS.get(w["verdict"], "")
            row.append(Text(f"{mark}{w['difference']:.2f}",
                            style=f"bold white on {rich_shade(w['difference'])}"))
        table.add_row(*row)
    return table


def comparison_view(result) -> Group:
    """The whole terminal report of ``posttime compare``."""
    parts = [
        header(result), Text(_posts_line(result), style="dim"), Text(""),
        Text(result.headline, style="bold"), Text(""),
        parts_table(result), top_table(result),
        Text("▲ reliably better, ▼ reliably worse than the page's own weekdays 10-14.",
             style="dim"),
        Text(""), good_table(result), Text(""), differences_table(result), Text(""),
    ]
    if not result.tested.empty:
        parts += [difference_heatmap(result),
                  Text("Green: A does relatively better, red: B does. ▲ reliably better for A, "
                       "▼ reliably better for B; · fewer than 10 posts on a page.", style="dim"),
                  Text("")]
    parts += [Text(PROFILE_NOTE, style="dim"), Text(DIFFERENCE_NOTE, style="dim"),
              Text(ASSOCIATION, style="dim")]
    return Group(*(part for part in parts if part is not None))


def comparison_table(result: ComparisonResult, *, console=None) -> str:
    """The terminal report as text: through ``console`` (a terminal's colours and width),
    or plain at 110 columns (for --output or a pipe)."""
    return rich_to_text(comparison_view(result), console, width=110)


def comparison_json(result: ComparisonResult) -> str:
    return to_json(result.to_dict())


def comparison_markdown(result: ComparisonResult) -> str:
    a, b = result.names
    opts = result.options
    profile = result.profile
    lines = [
        f"# Posting times compared: {a} and {b}", "", f"**{result.headline}**", "",
        f"Metric: {opts.metric}. {_posts_line(result)} Times in {opts.timezone}; "
        f"{GRAIN_NAMES[result.grain]}.", "",
    ]
    if profile.statistic is not None:
        shown_p = fmt_p(profile.p)
        shown_p = f"p {shown_p[0]} {shown_p[1:]}" if shown_p.startswith("<") else f"p = {shown_p}"
        lines += [f"Profile test: Q = {profile.statistic:.2f}, permutation {shown_p} "
                  f"({profile.permutations} permutations, "
                  f"{profile.windows_used} windows).", "",
                  "| Hours | Windows | Posts A/B | Difference (A against B) |",
                  "|---|---:|---:|---:|"]
        for part in profile.by_part.itertuples():
            lines.append(f"| {part.start:02d}-{part.end:02d} | {part.windows} "
                         f"| {part.n_a}/{part.n_b} | {fmt_lift(part.difference)} |")
        lines.append("")
    level = result.level
    if math.isfinite(level.ratio):
        lines += [f"Level: {a} / {b} = {level.ratio:.2f}x per post "
                  f"(90% interval {level.low:.2f}-{level.high:.2f}).", ""]
    lines += ["## Best windows of each page", "",
              "Shrunken lift against the page's own weekdays 10-14; ▲ reliably better, "
              "▼ reliably worse.", "",
              "| # | A (posts) | Shrunk | B (posts) | Shrunk |", "|---:|---|---:|---|---:|"]
    cells = [_top_cells(result.top_windows(0)), _top_cells(result.top_windows(1))]
    for i in range(max(len(cells[0]), len(cells[1]))):
        row = [str(i + 1)]
        for side in cells:
            row += [c.strip() for c in side[i]] if i < len(side) else ["", ""]
        lines.append("| " + " | ".join(row) + " |")
    if not cells[0] or not cells[1]:
        empty = " and ".join(n for n, c in zip(result.names, cells, strict=True) if not c)
        lines += ["", f"No window of {empty} has enough posts to be tested."]
    lines += ["", "## Good for both pages", ""]
    note = good_note(result)
    if note:
        lines.append(note)
    if not result.good_for_both.empty:
        if note:
            lines.append("")
        lines += ["| Window | Posts A | Posts B | Shrunk A | Shrunk B |",
                  "|---|---:|---:|---:|---:|"]
        for w in result.good_for_both.head(SHOWN_GOOD).itertuples():
            lines.append(f"| {label(w.weekday, w.start, w.end)} | {w.n_a} | {w.n_b} "
                         f"| {fmt_lift(w.shrunk_lift_a)} | {fmt_lift(w.shrunk_lift_b)} |")
    lines += ["", "## Largest differences between the pages", ""]
    if result.tested.empty:
        lines.append("No window has 10 posts on both pages, so no window is compared.")
    else:
        lines += ["| Window | Posts A/B | Lift A | Lift B | Difference | q | Verdict |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        for w in largest_differences(result).head(SHOWN_DIFFERENCES).itertuples():
            lines.append(
                f"| {label(w.weekday, w.start, w.end)} | {w.n_a}/{w.n_b} | {fmt_lift(w.lift_a)} "
                f"| {fmt_lift(w.lift_b)} | {fmt_lift(w.difference)} | {fmt_p(w.q)} "
                f"| {w.verdict} |"
            )
        grid = {(w.weekday, int(w.start)): (f"{MARKS.get(w.verdict, '')}{w.difference:.2f}"
                                            if w.tested else "·")
                for w in result.windows.itertuples()}
        lines += ["", "Difference per window, A against B (above 1 favours A; ▲ reliably "
                  "better for A, ▼ for B; · fewer than 10 posts on a page):", "",
                  *text_grid(result.grain, grid)]
    lines += ["", PROFILE_NOTE, "", DIFFERENCE_NOTE, "", ASSOCIATION, ""]
    return safe_markdown("\n".join(lines))


# -- pictures and HTML --------------------------------------------------------------------

HEATMAP_TITLE = "Difference per window (A against B)"
TERMS = [
    ("Shrunken lift", "How a page's posts in a window did against its own posts on weekdays "
                      "10-14, trend and post type taken out, pulled towards the middle as far "
                      "as few posts or noise call for."),
    ("Difference", "How much better page A's posts did in a window than page B's, each "
                   "against its own page's usual post, the pages' overall gap taken out; "
                   "above 1 favours A."),
    ("Profile test", PROFILE_NOTE),
    ("q", "The p-value corrected for testing every window (Benjamini-Hochberg); a-better and "
          "b-better are reliable differences."),
    ("▲ / ▼", "In the best windows: reliably better or worse than the page's own weekdays "
              "10-14; in the heatmap: reliably better for A or for B."),
]


def difference_cells(result: ComparisonResult) -> list:
    """The heatmap's cells: each tested window's difference, shaded by it."""
    from posttime.render.svg import Cell

    weekdays = {day: i for i, day in enumerate(WEEKDAYS)}
    cells = []
    for w in result.windows.itertuples():
        name = label(w.weekday, w.start, w.end)
        if w.tested:
            text = f"{MARKS.get(w.verdict, '')}{w.difference:.2f}"
            tip = (f"{name}: {w.n_a}/{w.n_b} posts, difference {w.difference:.2f}x, "
                   f"{w.verdict}")
        else:
            text, tip = "", f"{name}: {w.n_a}/{w.n_b} posts, fewer than 10 on a page"
        cells.append(Cell(day=weekdays[w.weekday], start=int(w.start), end=int(w.end),
                          text=text, tip=tip, shade=w.difference if w.tested else None))
    return cells


def _svg(result: ComparisonResult, standalone: bool) -> str:
    from posttime.render.svg import heatmap_svg

    a, b = result.names
    return heatmap_svg(difference_cells(result), title=HEATMAP_TITLE, baseline=False,
                       legend=[("better", f"{a} does relatively better"),
                               ("worse", f"{b} does")],
                       standalone=standalone)


def comparison_svg(result: ComparisonResult) -> str:
    """The difference heatmap alone, as an SVG file."""
    return _svg(result, standalone=True) + "\n"


def comparison_html(result: ComparisonResult) -> str:
    """The whole comparison as one self-contained HTML page."""
    from html import escape

    from posttime.render.html import page, paragraph, table, terms

    a, b = result.names
    opts = result.options
    title = f"Posting times compared: {a} and {b}"
    body = [f"<h1>{escape(title)}</h1>",
            paragraph(f"{opts.metric} ({METRICS[opts.metric]}). {_posts_line(result)} Times in "
                      f"{opts.timezone}; {GRAIN_NAMES[result.grain]}.", "meta"),
            paragraph(result.headline, "headline")]
    parts = result.profile.by_part
    if result.profile.statistic is not None and not parts.empty:
        body += ["<h2>Time of day, A against B</h2>",
                 table(["Hours", "Windows", "Posts A/B", "Difference"],
                       [[f"{p.start:02d}-{p.end:02d}", str(p.windows), f"{p.n_a}/{p.n_b}",
                         fmt_lift(p.difference)] for p in parts.itertuples()], {1, 2, 3})]
    cells = [_top_cells(result.top_windows(0)), _top_cells(result.top_windows(1))]
    rows = [[str(i + 1), *(side[i] if i < len(side) else ("", "") for side in cells)]
            for i in range(max(len(cells[0]), len(cells[1])))]
    body += ["<h2>Best windows of each page</h2>",
             table(["#", f"A: {a} (posts)", "Shrunk", f"B: {b} (posts)", "Shrunk"],
                   [[r[0], *r[1], *r[2]] for r in rows], {0, 2, 4}),
             "<h2>Good for both pages</h2>"]
    note = good_note(result)
    if not result.good_for_both.empty:
        body.append(table(["Window", "Posts A", "Posts B", "Shrunk A", "Shrunk B"],
                          [[label(w.weekday, w.start, w.end), str(w.n_a), str(w.n_b),
                            fmt_lift(w.shrunk_lift_a), fmt_lift(w.shrunk_lift_b)]
                           for w in result.good_for_both.head(SHOWN_GOOD).itertuples()],
                          {1, 2, 3, 4}))
    if note:
        body.append(paragraph(note, "note"))
    body.append("<h2>Largest differences between the pages</h2>")
    if result.tested.empty:
        body.append(paragraph("No window has 10 posts on both pages, so no window is "
                              "compared.", "note"))
    else:
        body += [table(["Window", "Posts A/B", "Lift A", "Lift B", "Difference", "q",
                        "Verdict"],
                       [[label(w.weekday, w.start, w.end), f"{w.n_a}/{w.n_b}",
                         fmt_lift(w.lift_a), fmt_lift(w.lift_b), fmt_lift(w.difference),
                         fmt_p(w.q), w.verdict]
                        for w in largest_differences(result).head(SHOWN_DIFFERENCES)
                        .itertuples()], {1, 2, 3, 4, 5}),
                 f"<h2>{escape(HEATMAP_TITLE)}</h2>", _svg(result, standalone=False),
                 paragraph(f"Green: {a} does relatively better, red: {b} does. ▲ reliably "
                           f"better for A, ▼ reliably better for B; grey: fewer than 10 posts "
                           "on a page.", "note")]
    body += ["<h2>What the terms mean</h2>", terms(TERMS)]
    return page(title, body, ASSOCIATION)
