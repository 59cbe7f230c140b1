"""The report of ``posttime inspect``: what was found in the export files.

``InspectReport`` holds a ``LoadResult`` and the audience zone; its ``to_dict`` is the
JSON output, and ``inspect_table`` shows it as rich tables. Notes about single files (a
cut-off last row, rows dropped) are for stderr (``InspectReport.notes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from posttime._version import __version__
from posttime.jsonout import to_json
from posttime.loaders import LoadResult
from posttime.render.text import rich_to_text


def _plain(value) -> Any:
    """Text for a rich cell, never read as markup (paths may hold brackets)."""
    from rich.text import Text

    return Text(str(value))


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


@dataclass
class InspectReport:
    """What ``posttime inspect`` reports: the loaded files, times in ``timezone``."""

    loaded: LoadResult
    timezone: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``posttime inspect --format json``."""
        return inspect_report(self.loaded, self.timezone)

    def notes(self) -> list[str]:
        """Remarks about single files, one line each."""
        return [f"Note: {f.path}: {note}" for f in self.loaded.files for note in f.notes]


def inspect_report(result: LoadResult, timezone: str) -> dict[str, Any]:
    """The inspect report as JSON-ready data (times in the audience zone ``timezone``)."""
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


def _dropped_text(dropped: dict[str, int]) -> str:
    parts = [f"{n} {REASON_TEXT.get(r, r)}" for r, n in dropped.items() if n]
    return ", ".join(parts) if parts else "none"


def _when(iso: str | None) -> str:
    if iso is None:
        return "-"
    ts = pd.Timestamp(iso)
    return f"{ts:%a %Y-%m-%d %H:%M} ({ts.strftime('%z')[:3]}:{ts.strftime('%z')[3:]})"


def inspect_view(report: dict[str, Any]):
    """The report as rich tables."""
    from rich.console import Group
    from rich.table import Table

    shown: list = []
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
    shown.append(files)

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
    shown.append(summary)

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
        shown.append(cols)

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
        shown.append(pl)


    return Group(*shown)


def inspect_table(report: InspectReport, *, console=None) -> str:
    """The report as tables: through ``console`` (a terminal's colours and width), or plain
    at 100 columns."""
    return rich_to_text(inspect_view(report.to_dict()), console, width=100)


def inspect_json(report: InspectReport) -> str:
    return to_json(report.to_dict())
