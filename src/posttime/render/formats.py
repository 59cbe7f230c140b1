"""Output formats of an analysis as text: json, csv, markdown, and the terminal table."""

from __future__ import annotations

import io
import json
from enum import Enum


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def to_json(result, top: int) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_csv(result, top: int) -> str:
    from posttime.analysis import WINDOW_COLUMNS

    frame = result.windows.loc[:, list(WINDOW_COLUMNS)]
    return frame.to_csv(index=False, float_format="%.6g", lineterminator="\n")


def to_markdown(result, top: int) -> str:
    from posttime.render.tables import ASSOCIATION, fmt_lift, fmt_p
    from posttime.windows import label

    opts = result.options
    lines = [
        f"# When to post{': ' + result.page if result.page else ''}",
        "",
        f"**{result.headline}**",
        "",
        f"Metric: {opts.metric}. Posts used: {result.posts_used}. Times in {opts.timezone} "
        f"(export read as {opts.export_timezone}).",
        "",
        "| # | Window | Posts | Shrunk lift | Lift (90% CI) | q | Verdict |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    tested = result.windows[result.windows["tested"]].head(top)
    for w in tested.itertuples():
        lines.append(
            f"| {w.rank} | {label(w.weekday, w.start, w.end)} | {w.n} | {fmt_lift(w.shrunk_lift)} "
            f"| {fmt_lift(w.lift)} ({w.lift_low:.2f}-{w.lift_high:.2f}) | {fmt_p(w.q)} "
            f"| {w.verdict} |"
        )
    lines += ["", "| Claim | Posts | Lift | p (Holm) | Verdict |", "|---|---:|---:|---:|---|"]
    for c in result.claims:
        lines.append(f"| {c.text} | {c.n} vs {c.n_other} | {fmt_lift(c.lift)} "
                     f"| {fmt_p(c.p_holm)} | {c.verdict} |")
    left = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.excluded.items())
    lines += ["", f"Left out: {left}.", "", ASSOCIATION, ""]
    return "\n".join(lines)


def to_table(result, top: int) -> str:
    """The terminal report as plain text (for --output or a pipe)."""
    from rich.console import Console

    from posttime.render.tables import analysis_view

    buffer = io.StringIO()
    Console(file=buffer, width=110, color_system=None, force_terminal=False).print(
        analysis_view(result, top)
    )
    return buffer.getvalue()


#: every --format value maps to exactly one renderer.
RENDERERS = {Format.table: to_table, Format.json: to_json, Format.csv: to_csv,
             Format.markdown: to_markdown}
