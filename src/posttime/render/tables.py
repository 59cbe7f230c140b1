"""Rich tables of an analysis: the ranked windows, the claims, what was left out."""

from __future__ import annotations

import math

from rich import box
from rich.console import Group
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from posttime.outcome import METRICS
from posttime.windows import label

GRAIN_NAMES = {"2h": "two-hour windows", "daypart": "dayparts"}
VERDICT_STYLES = {
    "better": "bold green", "worse": "bold red", "no-difference": "", "insufficient-data": "dim",
    "supported": "bold green", "contradicted": "bold red", "not-shown": "",
}
ASSOCIATION = (
    "These tests compare groups of posts: they show which times went with more engagement, "
    "not that the time caused it."
)


def fmt_lift(value) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.2f}x"


def fmt_p(value) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def header(result) -> Text:
    opts = result.options
    page = f"{result.page} · " if result.page else ""
    return Text.assemble(
        ("posttime", "bold"),
        f" · {page}{opts.metric} ({METRICS[opts.metric]}) · {result.posts_used:,} posts · ",
        f"times in {opts.timezone} (export read as {opts.export_timezone})",
    )


def verdict_text(w) -> Text:
    """A window's verdict, marked when it does not survive the calendar-time trend."""
    text = Text(w.verdict, style=VERDICT_STYLES[w.verdict])
    if w.robust is False:
        text.append(" (not robust)", style="dim")
    return text


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
    for c in result.claims:
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
    from posttime.render.heatmap import heatmap

    tested = result.windows["tested"].any()
    ranked = ranked_table(result, top) if tested else None
    note = ranking_note(result) if tested else None
    parts = [header(result), Text(""), Text(result.headline, style="bold"), Text(""),
             ranked, note, untested_note(result), Text("")]
    if not brief:
        parts += [heatmap(result), Text(""), claims_table(result), Text("")]
    parts.append(left_out(result))
    return [part for part in parts if part is not None]


def analysis_view(result, top: int):
    """The whole terminal report of ``posttime analyze`` (a dict from ``--by-type`` gives one
    short section per post type)."""
    if isinstance(result, dict):
        parts: list = []
        for post_type, r in result.items():
            parts += [Rule(f"{post_type} posts", align="left"), *_single_view(r, top, True),
                      Text("")]
    else:
        parts = _single_view(result, top, False)
    return Group(*parts, Text(ASSOCIATION, style="dim"))


def print_analysis(result, top: int) -> None:
    """Print the terminal report on stdout (colour only on a terminal, as rich decides)."""
    from posttime.render.console import stdout_console

    stdout_console().print(analysis_view(result, top))
