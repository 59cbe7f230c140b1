"""Reading Facebook page exports into the clean post table (``posttime.schema``).

``load_exports`` sniffs each file (``detect.py``), reads it with the module for its format,
and merges everything into one table with one row per (page_id, post_id):

* ``legacy-posts``: classic Page Insights post-level export (``legacy_posts.py``);
* ``business-suite-posts``: Meta Business Suite post export (``business_suite_posts.py``);
* ``legacy-page-level`` / ``business-suite-page-level``: daily figures for the whole page,
  kept in ``LoadResult.page_level`` (they hold no posts);
* ``mapped``: any other CSV of posts, through a column mapping (``mapped.py``).

The post formats are column specs run by one pipeline (``assemble.py``), on top of the CSV
reader (``csvread.py``), the cell parsers (``values.py``) and the merge rules (``merge.py``).

Merging: when a post appears in several exports, the row of the newest export wins (its
lifetime figures are the latest). An export's date is the end of the date range in a
Business Suite file name (``Sep-01-2025_Sep-30-2025_<id>.csv``, end of that day in the
export zone), else its newest publish time; on a tie the file given later wins. Within one
file, a post listed twice keeps the row with more interactions (on a tie, the row listed
last) and the other row counts as a ``duplicate`` drop. A page is named as in its newest
export that gives a name (so a renamed page keeps one name); pages whose exports give no
name (the classic export) are named by their id.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from posttime import schema
from posttime.errors import InputError, UsageError
from posttime.loaders import (
    business_suite_page_level,
    business_suite_posts,
    legacy_page_level,
    legacy_posts,
    mapped,
    merge,
)
from posttime.loaders.assemble import DROP_REASONS, Loaded, PageLevelData, load_posts
from posttime.loaders.detect import (
    BUSINESS_SUITE_PAGE_LEVEL,
    BUSINESS_SUITE_POSTS,
    LEGACY_PAGE_LEVEL,
    LEGACY_POSTS,
    MAPPED,
    PAGE_LEVEL_FORMATS,
    detect,
)
from posttime.loaders.mapped import parse_mapping
from posttime.schema import UNNAMED_PAGE
from posttime.timezones import DEFAULT_EXPORT_TZ, ClockChanges, get_zone

__all__ = [
    "DROP_REASONS",
    "FileReport",
    "LoadResult",
    "PageLevelData",
    "UNNAMED_PAGE",
    "csv_files_in",
    "load_exports",
    "parse_mapping",
    "select_page",
]

_POST_SPECS = {
    LEGACY_POSTS: legacy_posts.SPEC,
    BUSINESS_SUITE_POSTS: business_suite_posts.SPEC,
}
_PAGE_LEVEL_LOADERS = {
    LEGACY_PAGE_LEVEL: legacy_page_level.load,
    BUSINESS_SUITE_PAGE_LEVEL: business_suite_page_level.load,
}


@dataclass
class FileReport:
    """What was read from one file."""

    path: str
    format: str
    rows: int  # data rows in the file (header rows not counted)
    posts: int  # posts kept from this file (before merging with other files)
    mapping: dict[str, str]  # schema column -> source column(s)
    as_of: pd.Timestamp | None  # the export's date (UTC), see the module docstring
    dropped: dict[str, int]  # reason -> rows
    notes: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    """The merged post table and an account of how it was made."""

    posts: pd.DataFrame
    files: list[FileReport]
    page_level: list[PageLevelData]
    dropped: dict[str, int]
    duplicates_merged: int
    clock_changes: ClockChanges
    export_timezone: str

    def pages(self) -> list[str]:
        """Names of the pages in the post table, sorted."""
        return sorted(self.posts["page_name"].dropna().unique().tolist())

    def require_posts(self) -> pd.DataFrame:
        """The post table; ``InputError`` if the files held no posts at all."""
        if len(self.posts):
            return self.posts
        page_level = [
            f.path for f in self.files if f.format in PAGE_LEVEL_FORMATS
        ]
        if page_level and len(page_level) == len(self.files):
            which = ", ".join(page_level)
            verb = "holds" if len(page_level) == 1 else "hold"
            raise InputError(
                f"{which} {verb} page-level data (daily figures for the whole page), not "
                "posts; export the posts instead: Meta Business Suite > Insights > Content > "
                "Export data (or, in classic Page Insights, Export Data > Post data)"
            )
        reasons = ", ".join(f"{n} {r}" for r, n in self.dropped.items() if n) or "none"
        names = ", ".join(f.path for f in self.files)
        raise InputError(f"no posts found in {names} (rows dropped: {reasons})")


def csv_files_in(folder: str | os.PathLike) -> list[Path]:
    """The ``.csv`` files directly in ``folder`` (not recursive), sorted by name."""
    return sorted((c for c in Path(folder).iterdir() if c.suffix.lower() == ".csv" and c.is_file()),
                  key=lambda c: c.name)


def _as_paths(paths) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [Path(p) for p in paths]


def _empty_dropped() -> dict[str, int]:
    return {reason: 0 for reason in DROP_REASONS}


def _load_one(path: Path, export_tz: str, mapping: dict[str, str] | None) -> Loaded:
    sn = detect(path, mapping)
    if sn.format == MAPPED:
        return mapped.load(sn, export_tz, mapping)
    if sn.format in _POST_SPECS:
        return load_posts(sn, _POST_SPECS[sn.format], export_tz)
    return _PAGE_LEVEL_LOADERS[str(sn.format)](sn, export_tz)


def load_exports(
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    export_tz: str = DEFAULT_EXPORT_TZ,
    mapping: Mapping[str, str] | None = None,
) -> LoadResult:
    """Load export files into one clean post table.

    Parameters
    ----------
    paths : list of str or Path
        Export files, in any supported format; several pages and page-level files may mix.
    export_tz : str
        IANA zone the export's times are written in (Facebook: ``America/Los_Angeles``).
    mapping : dict, optional
        Column mapping for CSVs that are not a known export, e.g.
        ``{"time": "Created", "interactions": "Engagements"}``.

    Returns
    -------
    LoadResult

    Raises
    ------
    InputError
        A file that is missing, empty, not a CSV, or has no recognisable time column.
    UsageError
        An unknown zone, or a mapping that is malformed or names a missing column.

    Examples
    --------
    >>> from posttime.samples import sample_paths
    >>> result = load_exports(sample_paths())
    >>> result.files[0].format, len(result.posts), result.pages()
    ('business-suite-posts', 1500, ['Sample Bakery'])
    >>> str(result.posts["published"].dt.tz)
    'UTC'
    """
    files = _as_paths(paths)
    if not files:
        raise UsageError("no export files given; name at least one CSV file")
    get_zone(export_tz, option="--export-tz")
    mapping = mapped.check_mapping(dict(mapping) if mapping else None)

    reports: list[FileReport] = []
    page_level: list[PageLevelData] = []
    dropped = _empty_dropped()
    changes = ClockChanges()
    loads: list[Loaded] = []
    for path in files:
        loaded = _load_one(path, export_tz, mapping)
        loads.append(loaded)
        file_dropped = _empty_dropped()
        file_dropped.update(loaded.dropped)
        for reason, n in file_dropped.items():
            dropped[reason] = dropped.get(reason, 0) + n
        changes = changes + loaded.clock_changes
        if loaded.page_level is not None:
            page_level.append(loaded.page_level)
        reports.append(
            FileReport(
                path=str(path),
                format=loaded.format,
                rows=loaded.rows,
                posts=len(loaded.posts) if loaded.posts is not None else 0,
                mapping=loaded.mapping,
                as_of=loaded.as_of,
                dropped=file_dropped,
                notes=loaded.notes,
            )
        )
    posts, n_merged = merge.merge(
        [(ld.posts, ld.key_hashes) for ld in loads
         if ld.posts is not None and ld.key_hashes is not None]
    )
    schema.validate(posts)
    return LoadResult(
        posts=posts,
        files=reports,
        page_level=page_level,
        dropped=dropped,
        duplicates_merged=n_merged,
        clock_changes=changes,
        export_timezone=export_tz,
    )


def select_page(posts: pd.DataFrame, page: str | None = None,
                where: str = "the input", *, holder: str = "the input",
                hint: str = "choose one with --page NAME") -> pd.DataFrame:
    """The posts of one page, matched by name (any case) or id.

    With ``page=None`` the table must hold a single page (or none); with several pages a
    ``UsageError`` says that ``holder`` holds them, lists them and adds ``hint``. ``where``
    names the source in the error for a page not found.
    """
    pages = posts[["page_id", "page_name"]].drop_duplicates()
    names = sorted(pages["page_name"].astype("str").unique().tolist())
    listing = ", ".join(names)
    if page is None:
        if len(pages["page_id"].unique()) <= 1:
            return posts.reset_index(drop=True)
        raise UsageError(f"{holder} holds {len(names)} pages ({listing}); {hint}")
    wanted = page.strip()
    match = (posts["page_name"].astype("str").str.casefold() == wanted.casefold()) | (
        posts["page_id"].astype("str") == wanted
    )
    if not match.any():
        raise UsageError(f"no page {page!r} in {where}; pages found: {listing or 'none'}")
    return posts[match.to_numpy()].reset_index(drop=True)
