"""The report of ``posttime inspect``: what was found in the export files.

``inspect_report`` turns a ``LoadResult`` into a plain dict (the JSON output); ``show``
prints it as JSON or as rich tables. Notes about single files (a cut-off last row, rows
dropped) also go to stderr as remarks.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from typing import Any

import pandas as pd

from posttime.render.console import stdout_console, talk


def _plain(value) -> Any:
    """Text for a rich cell, never read as markup (paths may hold brackets)."""
    from rich.text import Text

    return Text(str(value))


class InspectFormat(str, Enum):
    """The values of ``inspect --format``; each has one renderer in :func:`show`."""

    table = "table"
    json = "json"


REASON_TEXT = {
    "blank": "blank rows",
    "bad_timestamp": "no readable publish time",
    "missing_metric": "no figures at all",
    "duplicate": "same post listed twice in one file",
    "truncated": "cut-off last row",
}


def _iso(ts, zone: str) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).tz_convert(zone).isoformat()


def _day(ts) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def inspect_report(result, timezone: str) -> dict[str, Any]:
    """The inspect report as JSON-ready data (times in the audience zone ``timezone``)."""
    from posttime import __version__

    posts = result.posts
    first = posts["published"].min() if len(posts) else None
    last = posts["published"].max() if len(posts) else None
    files = []
    for f in result.files:
        files.append(
            {
                "path": f.path,
                "format": f.format,
                "rows": f.rows,
                "posts": f.posts,
                "as_of": _iso(f.as_of, timezone),
                "mapping": dict(f.mapping),
                "dropped": dict(f.dropped),
                "notes": list(f.notes),
            }
        )
    page_level = []
    for p in result.page_level:
        table = p.table
        dates = table.index if p.format == "legacy-page-level" else table.get("date")
        dated = pd.api.types.is_datetime64_any_dtype(dates) if dates is not None else False
        page_level.append(
            {
                "path": p.path,
                "format": p.format,
                "metric": p.metric,
                "days": int(len(table)),
                "first": _day(pd.Series(dates).min()) if dated and len(table) else None,
                "last": _day(pd.Series(dates).max()) if dated and len(table) else None,
                "timezone": p.timezone,
            }
        )
    by_page = (
        posts.groupby("page_name", observed=True).size() if len(posts) else pd.Series(dtype=int)
    )
    return {
        "posttime_version": __version__,
        "files": files,
        "pages": result.pages(),
        "posts_by_page": {str(k): int(v) for k, v in by_page.items()},
        "posts": int(len(posts)),
        "first": _iso(first, timezone),
        "last": _iso(last, timezone),
        "duplicates_merged": int(result.duplicates_merged),
        "dropped": dict(result.dropped),
        "clock_changes": {
            "nonexistent": int(result.clock_changes.nonexistent),
            "ambiguous": int(result.clock_changes.ambiguous),
        },
        "export_timezone": result.export_timezone,
        "timezone": timezone,
        "page_level": page_level,
    }


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


def _dropped_text(dropped: dict[str, int]) -> str:
    parts = [f"{n} {REASON_TEXT.get(r, r)}" for r, n in dropped.items() if n]
    return ", ".join(parts) if parts else "none"


def _when(iso: str | None) -> str:
    if iso is None:
        return "-"
    ts = pd.Timestamp(iso)
    return f"{ts:%a %Y-%m-%d %H:%M} ({ts.strftime('%z')[:3]}:{ts.strftime('%z')[3:]})"


def print_tables(report: dict[str, Any]) -> None:
    """The report as rich tables on stdout."""
    from rich.table import Table

    console = stdout_console()
    files = Table(title="Files", title_justify="left")
    for name, justify in (
        ("file", "left"),
        ("format", "left"),
        ("rows", "right"),
        ("posts", "right"),
        ("dropped", "left"),
    ):
        files.add_column(name, justify=justify, overflow="fold")
    for f in report["files"]:
        files.add_row(
            _plain(f["path"]),
            f["format"],
            str(f["rows"]),
            str(f["posts"]),
            _dropped_text(f["dropped"]),
        )
    console.print(files)

    summary = Table(title="Posts", title_justify="left", show_header=False)
    summary.add_column("what")
    summary.add_column("value", overflow="fold")
    pages = report["posts_by_page"]
    summary.add_row(
        "pages", _plain(", ".join(f"{k} ({v} posts)" for k, v in pages.items()) or "none")
    )
    summary.add_row("posts (after merging)", str(report["posts"]))
    summary.add_row("first post", _when(report["first"]))
    summary.add_row("last post", _when(report["last"]))
    summary.add_row("export time zone", report["export_timezone"] + " (times in the files)")
    summary.add_row("audience time zone", report["timezone"] + " (times shown here)")
    summary.add_row(
        "duplicates merged",
        str(report["duplicates_merged"])
        + " (rows of a post found again in another file; the newest export kept)",
    )
    summary.add_row("rows dropped", _dropped_text(report["dropped"]))
    cc = report["clock_changes"]
    summary.add_row(
        "clock changes",
        f"{cc['nonexistent']} times in a skipped hour (moved forward), "
        f"{cc['ambiguous']} in a repeated hour (first one taken)",
    )
    console.print(summary)

    seen: set[tuple] = set()
    for f in report["files"]:
        key = (f["format"], tuple(sorted(f["mapping"].items())))
        if key in seen or not f["mapping"] or f["format"].endswith("page-level"):
            continue
        seen.add(key)
        cols = Table(title=f"Columns read ({f['format']})", title_justify="left")
        cols.add_column("field")
        cols.add_column("column in the file", overflow="fold")
        for field, source in f["mapping"].items():
            cols.add_row(field, _plain(source))
        console.print(cols)

    if report["page_level"]:
        pl = Table(
            title="Page-level data (daily figures for the whole page, not posts)",
            title_justify="left",
        )
        for name in ("file", "figures", "days", "from", "to"):
            pl.add_column(name, overflow="fold")
        for p in report["page_level"]:
            metric = p["metric"] + (f" (hours in {p['timezone']})" if p["timezone"] else "")
            pl.add_row(
                _plain(p["path"]),
                _plain(metric),
                str(p["days"]),
                p["first"] or "-",
                p["last"] or "-",
            )
        console.print(pl)


def show(result, timezone: str, fmt: str) -> None:
    """Print the inspect report of ``result`` as ``fmt`` (an ``InspectFormat`` value)."""
    from rich.markup import escape

    report = inspect_report(result, timezone)
    for f in report["files"]:
        for note in f["notes"]:
            talk(escape(f"Note: {f['path']}: {note}"))
    renderers = {
        InspectFormat.json: lambda: sys.stdout.write(render_json(report) + "\n"),
        InspectFormat.table: lambda: print_tables(report),
    }
    renderers[InspectFormat(fmt)]()
