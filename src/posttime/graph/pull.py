"""Pull pages from the Graph API into the history store, and the pages a token can read.

Each page goes into the store in one transaction, like one ingested export: a pull killed
at any moment leaves the store as it was before that page, and the next pull continues.
A later pull asks only for the posts published since the last pull of the page, less
``REFRESH`` (so recent posts' figures are brought up to date), unless ``since`` is given.

Core code: nothing here prints.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from posttime.errors import UsageError
from posttime.graph.client import TOKEN_HELP, GaveUp, GraphClient, GraphError
from posttime.graph.posts import FORMAT, page_info, pull_page
from posttime.history.store import StoredFileRecord, WriteCounts

TOKEN_ENV = "POSTTIME_FB_TOKEN"
#: a later pull reads again the posts of this long before the last pull.
REFRESH = pd.Timedelta(days=28)

#: progress(page id, posts so far, pages of results so far)
Progress = Callable[[str, int, int], None]


def read_token(token_file: str | os.PathLike | None) -> tuple[str, list[str]]:
    """The access token from ``token_file`` or ``POSTTIME_FB_TOKEN``, and warnings (a token
    file that group or others may read)."""
    warnings: list[str] = []
    if token_file is not None:
        path = Path(token_file).expanduser()
        try:
            mode = path.stat().st_mode
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise UsageError(f"token file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"token file {path} cannot be read ({type(exc).__name__})") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            warnings.append(f"token file {path} may be read by other users; "
                            f"run `chmod 600 {path}`")
        token = text.strip()
        if not token:
            raise UsageError(f"token file {path} is empty; {TOKEN_HELP}")
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            raise UsageError(f"no access token: give --token-file PATH or set {TOKEN_ENV}; "
                             f"{TOKEN_HELP}")
    if any(c.isspace() for c in token):
        raise UsageError("the access token holds spaces or line breaks; the token file must "
                         "hold the token alone")
    return token, warnings


@dataclass
class PagePulled:
    """One page's pull: posts read, and what the store made of them."""

    page_id: str
    page_name: str
    since: pd.Timestamp | None
    posts: int
    new: int
    updated: int
    kept: int
    dropped_metrics: list[str] = field(default_factory=list)


@dataclass
class PullReport:
    """Every page pulled, in order."""

    db: Path
    api_version: str
    pages: list[PagePulled] = field(default_factory=list)
    requests: int = 0

    def stored(self) -> str:
        if not self.pages:
            return "nothing was stored"
        return "stored: " + ", ".join(f"{p.page_name} ({p.posts} posts)" for p in self.pages)


class PullError(GraphError):
    """A pull stopped; the message says what was stored before and when to try again."""


def last_pull(store, page_id: str) -> pd.Timestamp | None:
    """When the page was last pulled into ``store`` (None: never)."""
    times = [f.as_of for f in store.files()
             if f.format == FORMAT and f.name == page_id and f.as_of is not None]
    return max(times) if times else None


def pull(client: GraphClient, store, page_ids: list[str], *, since: pd.Timestamp | None = None,
         now: pd.Timestamp | None = None, progress: Progress | None = None) -> PullReport:
    """Pull each page into ``store`` (an open ``HistoryStore``), one transaction per page."""
    report = PullReport(store.path, client.api_version)
    for given in page_ids:
        as_of = now if now is not None else pd.Timestamp.now(tz="UTC").floor("s")
        try:
            page_id, name = page_info(client, given)
            start = since
            if start is None:
                last = last_pull(store, page_id)
                start = None if last is None else last - REFRESH
            source = (f"Graph API {client.api_version}, pulled "
                      f"{as_of:%Y-%m-%dT%H:%M:%SZ}")
            got = pull_page(client, page_id, name, source=source, as_of=as_of, since=start,
                            progress=None if progress is None else functools.partial(
                                progress, page_id))
        except GaveUp as exc:
            again = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(seconds=exc.retry_after)).ceil(
                "min")
            raise PullError(f"{exc}; {report.stored()}; page {given} was not stored; try "
                            f"again after {again:%Y-%m-%d %H:%M} UTC") from None
        except GraphError as exc:
            if not report.pages:
                raise
            raise PullError(f"{exc}; {report.stored()}; page {given} was not stored") from None
        path = f"{client.base_url}/{client.api_version}/{page_id}/published_posts"
        # a pull has no file content to hash: the page, the source and the time name it
        digest = hashlib.sha256(f"{path}\0{source}\0{time.time_ns()}".encode()).hexdigest()
        stored = store.add_file(StoredFileRecord(
            name=page_id, path=path, source=source, sha256=digest, bytes=0, format=FORMAT,
            rows=len(got.posts), as_of=as_of, export_timezone="UTC",
        ), got.posts) or WriteCounts(new=0, updated=0, kept=len(got.posts))
        report.pages.append(PagePulled(
            page_id=page_id, page_name=name, since=start, posts=len(got.posts),
            new=stored.new, updated=stored.updated, kept=stored.kept,
            dropped_metrics=got.dropped_metrics,
        ))
    report.requests = client.requests
    return report


def accounts(client: GraphClient) -> pd.DataFrame:
    """The pages the token can read (``/me/accounts``): ``page_id``, ``page_name``,
    ``category``."""
    rows = [
        (str(p.get("id", "")), str(p.get("name", "")), str(p.get("category") or ""))
        for data in client.pages("me/accounts", {"fields": "id,name,category", "limit": 100})
        for p in data
    ]
    return pd.DataFrame(rows, columns=["page_id", "page_name", "category"], dtype="string")
