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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import msgspec
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
    "id,created_time,status_type,message,permalink_url,promotion_status,"
    "attachments{media_type,type},reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
)
REEL_FIELDS = (
    "id,post_id,created_time,description,permalink_url,"
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


class Summary(msgspec.Struct, gc=False):
    total_count: float | None = None


class Edge(msgspec.Struct, gc=False):
    """``reactions`` or ``comments``, asked for as ``.summary(total_count).limit(0)``."""

    summary: Summary | None = None


class Shares(msgspec.Struct, gc=False):
    count: float | None = None


class Attachment(msgspec.Struct, gc=False):
    media_type: str | None = None
    type: str | None = None


class Attachments(msgspec.Struct, gc=False):
    data: tuple[Attachment, ...] = ()


class Value(msgspec.Struct, gc=False):
    """One value of a metric: a number, or for metrics by type an object (not read)."""

    value: float | dict | None = None


class Insight(msgspec.Struct, gc=False):
    name: str = ""
    values: tuple[Value, ...] = ()


class Insights(msgspec.Struct, gc=False):
    data: tuple[Insight, ...] = ()


class Post(msgspec.Struct, gc=False):
    """A post of ``published_posts`` or a Reel of ``video_reels``: the fields posttime
    reads, decoded straight from the API's JSON (other fields are skipped unread; a post
    without ``id`` or ``created_time``, or a figure that is not a number, fails the call).
    Never in a reference cycle, so out of the garbage collector's way (``gc=False``)."""

    id: str | int
    created_time: str
    post_id: str | int | None = None
    status_type: str | None = None
    message: str | None = None  # a post's text: its title
    description: str | None = None  # a Reel's text: its title
    permalink_url: str | None = None
    promotion_status: str | None = None
    attachments: Attachments | None = None
    reactions: Edge | None = None
    comments: Edge | None = None
    shares: Shares | None = None
    insights: Insights | None = None


def post_type(post: Post) -> str:
    """The schema type of a post of ``published_posts``: photo, video, reel, link, text,
    other; the same words the export loaders use."""
    attachments = post.attachments.data if post.attachments is not None else ()
    first = attachments[0] if attachments else Attachment()
    return _kind(post.status_type or "", "/reel/" in (post.permalink_url or ""),
                 first.media_type or "", first.type or "", bool(attachments))


@functools.lru_cache(maxsize=256)
def _kind(status: str, reel_link: bool, media_type: str, kind: str, attached: bool) -> str:
    if status == "added_reel" or reel_link:
        return "reel"
    for word in (media_type, kind):
        found = schema.post_type(word) or ATTACHMENT_TYPES.get(word.casefold())
        if found:
            return found
    return STATUS_TYPES.get(status) or ("other" if attached else "text")


def _total(edge: Edge | None) -> float:
    if edge is None or edge.summary is None or edge.summary.total_count is None:
        return NAN
    return edge.summary.total_count


#: insight metric -> its place in ``_insights``' answer
_METRIC_AT = {metric: i for i, metric in enumerate(METRICS)}


def _insights(insights: Insights | None) -> list[float]:
    """The figures of a post's inline insights in the order of ``METRICS`` (reach, views,
    clicks); NaN where absent. Of several values of a metric, the last counts."""
    found = [NAN, NAN, NAN]
    if insights is not None:
        for item in insights.data:
            at = _METRIC_AT.get(item.name)
            if at is not None and item.values and isinstance(item.values[-1].value, float):
                found[at] = item.values[-1].value
    return found


def full_id(page_id: str, post_id: str | int) -> str:
    """``PAGEID_POSTID``, the form of ``Post ID`` in the classic exports and of Graph ids."""
    post_id = str(post_id)
    return post_id if "_" in post_id else f"{page_id}_{post_id}"


def _columns(posts: list[Post], reels: list[Post], page_id: str) -> dict[str, list]:
    """The columns of the post table, one list each, filled in one pass over the posts."""
    names = ("post_id", "published", "type", "reactions", "comments", "shares", "reach",
             "views", "clicks", "paid", "title", "permalink")
    columns: dict[str, list] = {name: [] for name in names}
    (ids, published, kinds, reactions, comments, shares, reach, views, clicks, paid, titles,
     permalinks) = columns.values()
    for reel, edge in ((False, posts), (True, reels)):
        for post in edge:
            # a Reel is a video whose post is ``post_id``
            ids.append(full_id(page_id, (post.post_id or post.id) if reel else post.id))
            published.append(post.created_time)
            kinds.append("reel" if reel else post_type(post))
            reactions.append(_total(post.reactions))
            comments.append(_total(post.comments))
            # published_posts leaves out ``shares`` when there are none; video_reels has no
            # shares at all, so a Reel's stay missing
            shares.append(NAN if reel else (post.shares and post.shares.count) or 0.0)
            figures = _insights(post.insights)
            reach.append(figures[0])
            views.append(figures[1])
            clicks.append(figures[2])
            paid.append(post.promotion_status in BOOSTED)
            # blank text is missing, as in the exports
            titles.append((post.description if reel else post.message) or None)
            permalinks.append(post.permalink_url or None)
    return columns


def to_table(posts: list[Post], reels: list[Post], *, page_id: str, page_name: str,
             source: str, as_of: pd.Timestamp) -> pd.DataFrame:
    """Graph API posts and Reels -> the clean post table (one row per post; first kept)."""
    frame = pd.DataFrame(_columns(posts, reels, page_id))
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
    frame = frame[~frame["post_id"].duplicated(keep="first")]
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

    def _pages(self, metrics: list[str]) -> Iterator[list[Post]]:
        return self.client.pages(self.path, {**self.params, "fields": self._fields(metrics)},
                                 Post)

    def read(self, metrics: list[str],
             progress: Callable[[int], None]) -> tuple[list[Post], list[str]]:
        """All posts of the edge, and the metrics that were asked for."""
        try:
            pages = self._pages(metrics)
            first = next(pages)
        except GraphError as exc:
            if exc.code != BAD_REQUEST_CODE or not metrics:
                raise
            metrics = self.valid_metrics(metrics)
            pages = self._pages(metrics)
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
    table = to_table(posts, reels, page_id=page_id, page_name=page_name, source=source,
                     as_of=as_of)
    # the Reels edge may ignore ``since``
    if since is not None:
        table = table[table["published"] >= since]
    table = table.sort_values("published", kind="stable").reset_index(drop=True)
    return PagePull(page_id=page_id, page_name=page_name, posts=table,
                    dropped_metrics=[m for m in wanted if m not in kept_reels])
