"""A page's posts from the Graph API as the clean post table (``posttime.schema``).

Posts come from ``/{page-id}/published_posts`` and Reels, which that edge leaves out, from
``/{page-id}/video_reels``; reach, views and clicks from the posts' insights, asked for
inline. One metric the API no longer knows fails the whole call with error #100: the
metrics are then tried one by one, the invalid ones dropped and reported, and a figure the
API does not give stays missing (NaN), never 0.

Core code: nothing here prints.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from posttime import schema
from posttime.graph.client import BAD_REQUEST_CODE, GraphClient, GraphError

#: insight metric -> column of the clean post table. Meta retired ``post_impressions_unique``
#: (reach) and ``post_impressions`` (views) in 2025 for these two.
METRICS = {
    "post_total_media_view_unique": "reach",
    "post_media_view": "views",
    "post_clicks": "clicks",
}
POST_FIELDS = (
    "id,created_time,status_type,permalink_url,promotion_status,attachments{media_type,type},"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
)
REEL_FIELDS = (
    "id,post_id,created_time,permalink_url,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
)
#: ``promotion_status`` values of a post that was boosted (paid), now or before.
BOOSTED = frozenset({"active", "inactive", "extendable", "finished"})
#: posts asked for per page of results (the API's largest for published_posts).
PAGE_SIZE = 100
FORMAT = "graph-api"
NAN = float("nan")

#: ``status_type`` of a post without a telling attachment -> schema type.
STATUS_TYPES = {
    "added_photos": "photo",
    "added_video": "video",
    "shared_story": "link",
    "mobile_status_update": "text",
    "created_note": "text",
    "wall_post": "text",
}
#: attachment ``type`` values that are not a schema type word themselves.
ATTACHMENT_TYPES = {
    "share": "link",
    "video_inline": "video",
    "video_autoplay": "video",
    "animated_image_video": "video",
    "video_direct_response": "video",
    "native_templates": "link",
}

#: progress(posts so far, pages of results so far)
Progress = Callable[[int, int], None]


@dataclass
class PagePull:
    """What one page's pull read: the posts as a clean post table, and the metrics the API
    refused (so the report can say which figures it no longer gives)."""

    page_id: str
    page_name: str
    posts: pd.DataFrame
    dropped_metrics: list[str] = field(default_factory=list)


def post_type(post: dict) -> str:
    """The schema type of a post of ``published_posts``: photo, video, reel, link, text,
    other; the same words the export loaders use."""
    attachments = (post.get("attachments") or {}).get("data") or []
    first = attachments[0] if attachments and isinstance(attachments[0], dict) else {}
    return _kind(str(post.get("status_type") or ""),
                 "/reel/" in str(post.get("permalink_url") or ""),
                 str(first.get("media_type") or ""), str(first.get("type") or ""),
                 bool(attachments))


@functools.lru_cache(maxsize=256)
def _kind(status: str, reel_link: bool, media_type: str, kind: str, attached: bool) -> str:
    if status == "added_reel" or reel_link:
        return "reel"
    for word in (media_type, kind):
        found = schema.post_type(word) or ATTACHMENT_TYPES.get(word.casefold())
        if found:
            return found
    return STATUS_TYPES.get(status) or ("other" if attached else "text")


def _total(post: dict, edge: str) -> float:
    try:
        return float(post[edge]["summary"]["total_count"])
    except (KeyError, TypeError, ValueError):
        return NAN


def _insights(post: dict) -> tuple[float, float, float]:
    """reach, views, clicks of a post's inline insights (NaN where absent)."""
    found = dict.fromkeys(METRICS.values(), NAN)
    for item in (post.get("insights") or {}).get("data") or ():
        try:
            found[METRICS[item["name"]]] = float(item["values"][-1]["value"])
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    return found["reach"], found["views"], found["clicks"]


def full_id(page_id: str, post_id: str) -> str:
    """``PAGEID_POSTID``, the form of ``Post ID`` in the classic exports and of Graph ids."""
    post_id = str(post_id)
    return post_id if "_" in post_id else f"{page_id}_{post_id}"


_COLUMNS = ("post_id", "published", "type", "reactions", "comments", "shares", "reach",
            "views", "clicks", "paid")


def _row(post: dict, page_id: str) -> tuple:
    # published_posts leaves out ``shares`` when there are none; video_reels has no shares
    # at all, so a Reel's stay missing
    reel = post.get("status_type") == "added_reel"
    shares = NAN if reel else float((post.get("shares") or {}).get("count", 0))
    return (full_id(page_id, post["id"]), post["created_time"], post_type(post),
            _total(post, "reactions"), _total(post, "comments"), shares, *_insights(post),
            post.get("promotion_status") in BOOSTED)


def to_table(rows: Iterable[dict], *, page_id: str, page_name: str, source: str,
             as_of: pd.Timestamp) -> pd.DataFrame:
    """Graph API post objects -> the clean post table (one row per post; first kept)."""
    try:
        frame = pd.DataFrame([_row(post, page_id) for post in rows], columns=list(_COLUMNS))
    except KeyError as exc:
        raise GraphError(f"the Graph API gave a post without {exc}") from None
    try:
        frame["published"] = pd.to_datetime(frame["published"], format="%Y-%m-%dT%H:%M:%S%z",
                                            utc=True)
    except (ValueError, TypeError) as exc:
        raise GraphError(f"the Graph API gave a post time that is not like "
                         f"2021-04-30T01:37:07+0000 ({exc})") from None
    frame["interactions"] = frame[["reactions", "comments", "shares"]].sum(axis=1, min_count=1)
    frame["page_id"] = page_id
    frame["page_name"] = page_name
    frame["source"] = source
    frame["as_of"] = as_of
    frame = frame.drop_duplicates(["page_id", "post_id"], keep="first")
    return schema.conform(frame)


class PostReader:
    """Reads one edge of posts with the insight metrics the API still accepts."""

    def __init__(self, client: GraphClient, page_id: str, edge: str, fields: str,
                 since: pd.Timestamp | None) -> None:
        self.client = client
        self.path = f"{page_id}/{edge}"
        self.fields = fields
        self.params = {"limit": PAGE_SIZE}
        if since is not None:
            self.params["since"] = int(since.timestamp())

    def _fields(self, metrics: list[str]) -> str:
        if not metrics:
            return self.fields
        return f"{self.fields},insights.metric({','.join(metrics)})"

    def valid_metrics(self, metrics: list[str]) -> list[str]:
        """The metrics the API accepts, asked for one by one on a single post."""
        valid = []
        for metric in metrics:
            try:
                self.client.get(self.path, {**self.params, "limit": 1,
                                            "fields": self._fields([metric])})
            except GraphError as exc:
                if exc.code != BAD_REQUEST_CODE:
                    raise
                continue
            valid.append(metric)
        return valid

    def read(self, metrics: list[str], progress: Callable[[int], None]) -> tuple[list, list]:
        """All posts of the edge, and the metrics that were asked for."""
        try:
            pages = self.client.pages(self.path, {**self.params, "fields": self._fields(metrics)})
            first = next(pages)
        except GraphError as exc:
            if exc.code != BAD_REQUEST_CODE or not metrics:
                raise
            metrics = self.valid_metrics(metrics)
            pages = self.client.pages(self.path, {**self.params, "fields": self._fields(metrics)})
            first = next(pages)
        posts = list(first)
        progress(len(first))
        for data in pages:
            posts.extend(data)
            progress(len(data))
        return posts, metrics


def page_info(client: GraphClient, page_id: str) -> tuple[str, str]:
    """The page's numeric id and its name."""
    page = client.get(page_id, {"fields": "id,name"})
    return str(page.get("id") or page_id), str(page.get("name") or page_id)


def pull_page(client: GraphClient, page_id: str, page_name: str, *, source: str,
              as_of: pd.Timestamp, since: pd.Timestamp | None = None,
              progress: Progress | None = None) -> PagePull:
    """Read one page's posts and Reels published since ``since`` (all when None)."""
    counts = [0, 0]

    def step(n: int) -> None:
        counts[0] += n
        counts[1] += 1
        if progress is not None:
            progress(counts[0], counts[1])

    wanted = list(METRICS)
    posts, kept = PostReader(client, page_id, "published_posts", POST_FIELDS, since).read(
        wanted, step)
    reels, kept_reels = PostReader(client, page_id, "video_reels", REEL_FIELDS, since).read(
        kept, step)
    # A Reel is a video whose post is ``post_id``; the edge may ignore ``since``.
    posts.extend({**reel, "id": reel.get("post_id") or reel["id"], "status_type": "added_reel"}
                 for reel in reels)
    table = to_table(posts, page_id=page_id, page_name=page_name, source=source, as_of=as_of)
    if since is not None:
        table = table[table["published"] >= since]
    table = table.sort_values("published", kind="stable").reset_index(drop=True)
    return PagePull(page_id=page_id, page_name=page_name, posts=table,
                    dropped_metrics=[m for m in wanted if m not in kept_reels])
