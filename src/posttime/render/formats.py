"""Output formats of an analysis as text: table, json, csv and markdown.

Every renderer takes one AnalysisResult, or a dict of post type -> AnalysisResult
(``--by-type``), and the number of ranked windows to show.
"""

from __future__ import annotations

import io
import json
from enum import Enum


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


def _by_type(result) -> dict:
    """The per-type results of ``--by-type``, or {None: result} for a single analysis."""
    return result if isinstance(result, dict) else {None: result}


def to_json(result, top: int) -> str:
    if isinstance(result, dict):
        from posttime import __version__

        payload = {"posttime_version": __version__,
                   "by_type": {t: r.to_dict() for t, r in result.items()}}
    else:
        payload = result.to_dict()
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def to_csv(result, top: int) -> str:
    import pandas as pd

    from posttime.analysis import WINDOW_COLUMNS

    frames = []
    for post_type, r in _by_type(result).items():
        frame = r.windows.loc[:, list(WINDOW_COLUMNS)]
        if post_type is not None:
            frame = frame.assign(type=post_type)[["type", *WINDOW_COLUMNS]]
        frames.append(frame)
    return pd.concat(frames).to_csv(index=False, float_format="%.6g", lineterminator="\n")


def _markdown_one(result, top: int, heading: str) -> list[str]:
    from posttime.render.tables import fmt_lift, fmt_p, interval_name, verdict_text
    from posttime.windows import label

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
    lines += ["", "| Claim | Posts | Lift | p (Holm) | Verdict |", "|---|---:|---:|---:|---|"]
    for c in result.claims:
        lines.append(f"| {c.text} | {c.n} vs {c.n_other} | {fmt_lift(c.lift)} "
                     f"| {fmt_p(c.p_holm)} | {c.verdict} |")
    from posttime.render.tables import left_out

    return [*lines, "", left_out(result).plain, ""]


def to_markdown(result, top: int) -> str:
    from posttime.render.tables import ASSOCIATION

    results = _by_type(result)
    first = next(iter(results.values()))
    lines = [f"# When to post{': ' + first.page if first.page else ''}", ""]
    for post_type, r in results.items():
        heading = "## Posting windows" if post_type is None else f"## {post_type} posts"
        lines += _markdown_one(r, top, heading)
    return "\n".join([*lines, ASSOCIATION, ""])


def to_table(result, top: int) -> str:
    """The terminal report as plain text (for --output or a pipe)."""
    from rich.console import Console

    from posttime.render.tables import analysis_view

    buffer = io.StringIO()
    Console(file=buffer, width=100, color_system=None, force_terminal=False).print(
        analysis_view(result, top)
    )
    return buffer.getvalue()


#: every --format value maps to exactly one renderer.
RENDERERS = {Format.table: to_table, Format.json: to_json, Format.csv: to_csv,
             Format.markdown: to_markdown}


def render_analysis(result, fmt: Format, top: int) -> str:
    return RENDERERS[fmt](result, top)
