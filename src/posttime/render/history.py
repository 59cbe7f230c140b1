"""The history store on the screen: ingest notes and progress, and the ``history``
listing as tables or JSON."""

from __future__ import annotations

from posttime.history import HistorySummary
from posttime.jsonout import to_json
from posttime.render.text import one_line, rich_to_text

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
    """The ingest notes on stderr (plain lines, never wrapped, no markup); in quiet mode
    only the errors."""
    from posttime.render.console import talk

    for line in ingest_lines(report):
        talk(line, error=line.startswith("Error:"))
    if summary is not None:
        talk(store_line(summary))


def store_line(summary) -> str:
    pages = len(summary.pages)
    return (f"History {summary.db}: {summary.posts:,} posts of {pages} "
            f"page{'s' if pages != 1 else ''} from {len(summary.files)} "
            f"file{'s' if len(summary.files) != 1 else ''}.")


class IngestProgress:
    """A progress bar on stderr while many files go in; nothing unless stderr is a
    terminal. Call it as ``progress(done, total, name)``; use it as a context manager."""

    def __init__(self, min_files: int = 2, console=None) -> None:
        from posttime.render.console import is_quiet, stderr_console

        self.console = console or stderr_console()
        self.enabled = self.console.is_terminal and not is_quiet()
        self.min_files = min_files
        self._bar = None
        self._task = None

    def __call__(self, done: int, total: int, name: str) -> None:
        if not self.enabled or total < self.min_files:
            return
        from rich.markup import escape

        if self._bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("Ingesting"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.description}"), console=self.console,
                                 transient=True)
            self._bar.start()
            self._task = self._bar.add_task("", total=total)
        self._bar.update(self._task, completed=done, description=escape(one_line(name)))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> IngestProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()



def _missing(ts) -> bool:
    import pandas as pd

    return ts is None or bool(pd.isna(ts))


def _day(ts) -> str | None:
    return None if _missing(ts) else f"{ts:%Y-%m-%d}"


def _iso(ts) -> str | None:
    return None if _missing(ts) else ts.isoformat()


def history_dict(summary: HistorySummary) -> dict:
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


def history_json(summary: HistorySummary) -> str:
    return to_json(history_dict(summary))


def history_view(summary: HistorySummary):
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


def history_table(summary: HistorySummary, *, console=None) -> str:
    """The listing as text: through ``console`` (a terminal's colours and width), or plain
    at 100 columns."""
    return rich_to_text(history_view(summary), console, width=100)
