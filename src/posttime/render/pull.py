"""Text of ``posttime pull`` and ``posttime pages``: what each pull stored, the metrics the
API no longer gives, a progress line while posts come in, and the pages a token reads."""

from __future__ import annotations

from posttime.render.console import is_quiet, stderr_console, stdout_console, talk


def pull_lines(report) -> list[str]:
    """One line per page pulled, and one per metric the API refused."""
    from posttime.graph.posts import METRICS

    lines = []
    for page in report.pages:
        since = "all posts" if page.since is None else f"posts since {page.since:%Y-%m-%d}"
        lines.append(
            f"Pulled {page.page_name} ({page.page_id}), {since}: {page.posts:,} posts, "
            f"{page.new:,} new, {page.updated:,} updated, {page.kept:,} kept (newer figures "
            "already stored)."
        )
        for metric in page.dropped_metrics:
            lines.append(
                f"  Graph API {report.api_version} no longer gives {metric} "
                f"({METRICS.get(metric, metric)}): left missing for these posts."
            )
    lines.append(f"Stored in {report.db} ({report.requests:,} Graph API requests).")
    return lines


def print_pull(report) -> None:
    """The pull notes on stderr (none with --quiet)."""
    for line in pull_lines(report):
        talk(line)


def warn(message: str) -> None:
    talk(f"Warning: {message}")


def print_pages(pages) -> None:
    """The pages a token can read, one per line on stdout: id, name, category."""
    console = stdout_console()
    if pages.empty:
        talk("The token can read no pages.")
        return
    width = int(pages["page_id"].str.len().max())
    for row in pages.itertuples(index=False):
        category = f"  ({row.category})" if row.category else ""
        console.print(f"{row.page_id:<{width}}  {row.page_name}{category}", markup=False,
                      highlight=False, soft_wrap=True)


class PullProgress:
    """A progress line on stderr while posts come in: nothing unless stderr is a terminal
    and --quiet is not given (so cron stays silent). Call it as
    ``progress(page_id, posts, pages_of_results)``."""

    def __init__(self, console=None) -> None:
        self.console = console or stderr_console()
        self.enabled = self.console.is_terminal and not is_quiet()
        self._status = None

    def __call__(self, page_id: str, posts: int, results: int) -> None:
        if not self.enabled:
            return
        text = f"Pulling page {page_id}: {posts:,} posts, {results:,} pages of results"
        if self._status is None:
            self._status = self.console.status(text)
            self._status.start()
        self._status.update(text)

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __enter__(self) -> PullProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
