"""Any other CSV of posts, read through a column mapping (``--map time=Created,...``).

Keys the mapping leaves out are matched by common column names (``Reach``, ``Likes``,
``Impressions``, ...); a file with a recognisable time column is read this way even without
``--map``. Without a post id column, ids are made from the publish time and a hash of the
row's figures (see :func:`posttime.loaders.merge.content_ids`).
"""

from __future__ import annotations

import re

from posttime.errors import InputError, UsageError
from posttime.loaders.assemble import Loaded, PostSpec, load_posts
from posttime.loaders.detect import MAPPED, TIME_SYNONYMS, Sniffed

KEYS = (
    "time",
    "post_id",
    "page",
    "interactions",
    "reactions",
    "comments",
    "shares",
    "reach",
    "views",
    "clicks",
    "type",
    "paid",
    "title",
    "permalink",
)
METRIC_KEYS = ("interactions", "reactions", "comments", "shares", "reach", "views", "clicks")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "time": TIME_SYNONYMS,
    "post_id": ("post id", "post_id", "postid", "id"),
    "page": ("page name", "page", "page_name", "account", "profile"),
    "interactions": (
        "interactions",
        "engagements",
        "engagement",
        "total engagement",
        "total interactions",
        "reactions, comments and shares",
    ),
    "reactions": ("reactions", "likes", "like"),
    "comments": ("comments", "comment"),
    "shares": ("shares", "share"),
    "reach": ("reach", "post reach", "total reach", "people reached"),
    "views": ("views", "impressions", "post impressions"),
    "clicks": ("clicks", "total clicks", "post clicks"),
    "type": ("post type", "type", "media type"),
    "paid": ("paid", "boosted", "promoted", "is paid", "is boosted"),
    "title": ("title", "post title", "post message", "message", "caption"),
    "permalink": ("permalink", "post link", "link", "url", "post url"),
}

_SPLIT = re.compile(r",(?=\s*\w+\s*=)")
_EXAMPLE = "e.g. --map time=Created,interactions=Engagements,type=Kind"


def parse_mapping(spec: str | None) -> dict[str, str] | None:
    """``"time=Created,interactions=Engagements"`` -> ``{"time": "Created", ...}``.

    Column names may contain commas (``reach=Reach, organic``): a comma only separates
    pairs when a word and ``=`` follow it. Raises ``UsageError`` for a bad spec.
    """
    if spec is None or not spec.strip():
        return None
    mapping: dict[str, str] = {}
    for part in _SPLIT.split(spec.strip()):
        key, sep, column = part.partition("=")
        key = key.strip().lower()
        if not sep or not key or not column.strip():
            raise UsageError(
                f"bad --map part {part.strip()!r}: use KEY=COLUMN pairs separated by commas, "
                f"{_EXAMPLE}"
            )
        if key in mapping:
            raise UsageError(f"--map gives {key!r} twice; give each key once")
        mapping[key] = column.strip()
    return check_mapping(mapping)


def check_mapping(mapping: dict[str, str] | None) -> dict[str, str] | None:
    """Validate a mapping dict (known keys, a time column); returns it unchanged."""
    if not mapping:
        return None
    unknown = [k for k in mapping if k not in KEYS]
    if unknown:
        raise UsageError(
            f"unknown --map key {unknown[0]!r}; keys are: {', '.join(KEYS)} ({_EXAMPLE})"
        )
    if "time" not in mapping:
        raise UsageError(f"--map needs the publish-time column: time=COLUMN ({_EXAMPLE})")
    return dict(mapping)


def resolve(sn: Sniffed, mapping: dict[str, str] | None) -> dict[str, int]:
    """Column positions for each key: from the mapping, else by common names."""
    found: dict[str, int] = {}
    for key, column in (mapping or {}).items():
        pos = sn.position(column)
        if pos is None:
            raise UsageError(
                f"{sn.path}: --map {key}={column} names a column the file does not have "
                f"(columns: {sn.columns_text()})"
            )
        found[key] = pos
    taken = set(found.values())
    for key in KEYS:
        if key in found:
            continue
        for name in SYNONYMS[key]:
            pos = sn.position(name)
            if pos is not None and pos not in taken:
                found[key] = pos
                taken.add(pos)
                break
    if not any(k in found for k in METRIC_KEYS):
        cls = UsageError if mapping else InputError
        raise cls(
            f"{sn.path}: no figure column found (columns: {sn.columns_text()}); "
            f"name one with --map, e.g. --map time={sn.header[found['time']]},"
            "interactions=COLUMN"
        )
    return found


SPEC = PostSpec(
    format=MAPPED,
    columns={},  # found per file by resolve()
    sums={"interactions": ("reactions", "comments", "shares")},
)

#: mapping key -> the fields of the post table its column fills
_FIELDS = {"time": ("published",), "page": ("page_id", "page_name")}


def load(sn: Sniffed, export_tz: str, mapping: dict[str, str] | None) -> Loaded:
    found = {
        field: pos
        for key, pos in resolve(sn, mapping).items()
        for field in _FIELDS.get(key, (key,))
    }
    return load_posts(sn, SPEC, export_tz, found)
