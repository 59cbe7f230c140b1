"""Where a page's posts come from: export files, folders, the bundled samples or a page of
the history store, turned into one ``PageData`` that every command analyses the same way.

Core code: it never prints and never reads the command line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd

from posttime.errors import UsageError
from posttime.loaders import LoadResult, csv_files_in, load_exports, select_page
from posttime.schema import UNNAMED_PAGE
from posttime.timezones import DEFAULT_EXPORT_TZ, system_zone_name, zone_name

if TYPE_CHECKING:
    from posttime.analysis import AnalysisOptions


@dataclass
class PageData:
    """One page's clean posts and where they came from."""

    posts: pd.DataFrame
    name: str
    export_timezones: list[str]
    dropped: dict[str, int] | None = None  # rows dropped while loading (None: from the store)
    loaded: LoadResult | None = field(default=None, repr=False)  # None: from the store

    def require_metric(self, metric: str, where: str = "the export") -> None:
        """A ``UsageError`` when the posts have no figures for ``metric`` at all."""
        from posttime.outcome import check_metric_present

        check_metric_present(self.posts, metric, where)

    def exported(self, timezone: str):
        """The day of the newest export, in ``timezone`` (a ``datetime.date``); None when
        no post says."""
        newest = self.posts["as_of"].max()
        return None if pd.isna(newest) else newest.tz_convert(timezone).date()

    @property
    def export_timezone(self) -> str:
        """The export zones, as one string for reports."""
        return ", ".join(self.export_timezones)


def audience_zone(tz: str | None, sample: bool = False) -> str:
    """The audience zone: ``tz`` if given, else the sample page's zone with ``sample``, else
    this machine's zone; checked."""
    if tz is None and sample:
        from posttime.samples import AUDIENCE_TZ

        tz = AUDIENCE_TZ
    return zone_name(tz or system_zone_name(), option="--tz")


def default_zone_note(tz: str | None, sample: bool = False) -> str | None:
    """A note when no audience zone was given and this machine's zone, UTC, is used: on a
    server that is rarely the audience's."""
    if tz is not None or sample:
        return None
    name = zone_name(system_zone_name())
    zone = ZoneInfo(name)
    if any(zone.utcoffset(datetime(2025, month, 1)) for month in (1, 7)):
        return None
    return (f"Times are counted in {name}, this machine's zone; pass --tz with your "
            "audience's zone (or set POSTTIME_TZ), e.g. --tz Europe/Berlin.")


def parse_day(value: str | date | None, option: str) -> pd.Timestamp | None:
    """A day given as a date or as text YYYY-MM-DD, or a ``UsageError`` naming ``option``.

    Only ISO dates: ``01/02/2025`` is 2 January in one country and 1 February in another.
    """
    if value is None:
        return None
    if isinstance(value, date):
        return pd.Timestamp(value).normalize()
    text = value.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return pd.Timestamp(date.fromisoformat(text))
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        shown = value if len(value) <= 40 else value[:37] + "..."
        raise UsageError(f"{option} takes a date as YYYY-MM-DD (ISO 8601), like 2025-01-31, "
                         f"not {shown!r}") from None


def analysis_options(*, metric: str, tz: str | None, export_timezone: str, grain: str,
                     post_type: str | None, since: str | date | None,
                     until: str | date | None, include_paid: bool, seed: int,
                     sample: bool = False,
                     names: tuple[str, str] = ("--since", "--until")) -> AnalysisOptions:
    """The ``AnalysisOptions`` of a command or an API call: the audience zone resolved, the
    days checked (``names`` are how the caller calls them) and the post type as the schema
    names it."""
    from posttime.analysis import AnalysisOptions
    from posttime.schema import post_type as type_name

    first, last = parse_day(since, names[0]), parse_day(until, names[1])
    if first is not None and last is not None and first > last:
        raise UsageError(f"{names[0]} {since} is after {names[1]} {until}; no day is left "
                         "between them")
    return AnalysisOptions(
        metric=metric, timezone=audience_zone(tz, sample), export_timezone=export_timezone,
        grain=grain, post_type=post_type and (type_name(post_type) or post_type),
        since=first, until=last, include_paid=include_paid, seed=seed,
    )


def export_zone(export_tz: str | None) -> str:
    """The zone the exports' times are written in: ``export_tz``, else Facebook's Pacific
    time; checked."""
    return zone_name(export_tz or DEFAULT_EXPORT_TZ, option="--export-tz")


def sample_files(both: bool = False) -> list[Path]:
    """The bundled sample exports (with ``both``, also the second sample page)."""
    from posttime.samples import sample_paths

    return sample_paths(all=both)


def expand(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files as given, folders as the ``.csv`` files directly in them (sorted by name)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = csv_files_in(path)
            if not found:
                raise UsageError(f"folder {path} holds no .csv files; put the exports there "
                                 "or name the files")
            files.extend(found)
        else:
            files.append(path)
    return files


def load(paths: Iterable[str | os.PathLike], *, export_tz: str | None = None,
         mapping: Mapping[str, str] | None = None) -> LoadResult:
    """Load export files and folders of exports into one clean post table."""
    files = expand(paths)
    if not files:
        raise UsageError("name one or more export files (CSV) or folders, or try --sample")
    return load_exports(files, export_tz=export_zone(export_tz), mapping=mapping)


def _page_name(posts: pd.DataFrame, fallback: str | None = None) -> str:
    name = str(posts["page_name"].iloc[0]) if len(posts) else UNNAMED_PAGE
    return fallback if name == UNNAMED_PAGE and fallback is not None else name


def page_of(loaded: LoadResult, page: str | None = None, *, where: str = "the input",
            hint: str = "choose one with --page NAME", fallback: str | None = None) -> PageData:
    """The posts of one page of loaded exports (``page``: name or id; needed when the files
    hold several pages). ``fallback`` names a page whose exports give no name."""
    posts = select_page(loaded.require_posts(), page, holder=where, hint=hint)
    return PageData(posts=posts, name=_page_name(posts, fallback),
                    export_timezones=[loaded.export_timezone], dropped=loaded.dropped,
                    loaded=loaded)


def from_files(paths: Iterable[str | os.PathLike], page: str | None = None, *,
               export_tz: str | None = None,
               mapping: Mapping[str, str] | None = None) -> PageData:
    """One page of export files or folders of exports."""
    return page_of(load(paths, export_tz=export_tz, mapping=mapping), page)


def in_store(store, page: str | None = None) -> PageData:
    """Page ``page`` (name or id; may be omitted when the store holds one page) of an open
    ``HistoryStore``."""
    from posttime.errors import NoDataError

    pages = store.pages()
    if pages.empty:
        raise NoDataError(f"the history store {store.path} holds no posts yet; ingest exports "
                          "first")
    chosen = select_page(pages, page, where=f"the history store {store.path}")
    page_id = chosen["page_id"].iat[0]
    return PageData(posts=store.posts(page_id), name=str(chosen["page_name"].iat[0]),
                    export_timezones=store.export_zones(page_id))


def from_store(name: str, db: str | os.PathLike | None = None, *,
               missing: str | None = None) -> PageData:
    """Page ``name`` (name or id) of the history store at ``db``.

    ``missing`` replaces the error shown when there is no store at all.
    """
    from posttime.history import HistoryStore, store_path

    path = store_path(db)
    if not path.exists():
        raise UsageError(missing or f"there is no history store at {path} to look up page "
                         f"{name!r} in; ingest exports first")
    with HistoryStore(path, create=False) as store:
        return in_store(store, name)


def names_a_page(given: str | os.PathLike) -> bool:
    """An input that is no file or folder and does not look like a CSV path names a page
    of the history store (which may hold a slash: "AC/DC Fans")."""
    path = Path(given)
    return not path.exists() and path.suffix.lower() != ".csv"


def side(given: str | os.PathLike, *, db: str | os.PathLike | None = None,
         export_tz: str | None = None, mapping: Mapping[str, str] | None = None) -> PageData:
    """One side of a comparison: an export file, a folder of one page's exports, or the
    name or id of a page in the history store."""
    from posttime.history import store_path

    if names_a_page(given):
        return from_store(str(given), db, missing=(
            f"{given} is neither an export file nor a folder, and there is no history store "
            f"at {store_path(db)} to look up a page of that name in"))
    loaded = load([given], export_tz=export_tz, mapping=mapping)
    return page_of(loaded, where=str(given), hint="pick two with --pages NAME_A NAME_B",
                   fallback=Path(given).stem)


def pair(inputs: list[str | os.PathLike], pages: tuple[str, str] | None = None, *,
         sample: bool = False, db: str | os.PathLike | None = None,
         export_tz: str | None = None,
         mapping: Mapping[str, str] | None = None) -> tuple[PageData, PageData]:
    """Pages A and B for ``compare``: two inputs (see ``side``); or, with ``pages``, two
    pages of the exports given, or of the history store when none is given."""
    from posttime.history import store_path

    if sample:
        if inputs:
            raise UsageError("give export files or --sample, not both")
        inputs = list(sample_files(both=True))
    if pages is not None and inputs:
        loaded = load(inputs, export_tz=export_tz, mapping=mapping)
        a, b = (page_of(loaded, name) for name in pages)
        a.dropped = b.dropped = None  # the files' drops belong to neither page alone
        return a, b
    if pages is not None:
        a, b = (from_store(name, db, missing=(
            f"no export files are given, and there is no history store at {store_path(db)} "
            f"to look up page {name!r} in")) for name in pages)
        return a, b
    if len(inputs) != 2:
        raise UsageError(
            f"compare takes two inputs, A and B (got {len(inputs)}); or name two pages of one "
            "export with --pages NAME_A NAME_B"
        )
    return (side(inputs[0], db=db, export_tz=export_tz, mapping=mapping),
            side(inputs[1], db=db, export_tz=export_tz, mapping=mapping))


def every_page_in_store(store) -> list[PageData]:
    """Every page of an open ``HistoryStore``, in name order."""
    from posttime.errors import NoDataError

    listed = store.pages()
    if listed.empty:
        raise NoDataError(f"the history store {store.path} holds no posts yet; ingest exports "
                          "first")
    return [in_store(store, page_id) for page_id in listed["page_id"]]


def store_posts(db: str | os.PathLike | None) -> tuple[pd.DataFrame, str]:
    """The posts of every page of the history store at ``db``, and the export zones they
    were read in (one string)."""
    from posttime.errors import NoDataError
    from posttime.history import HistoryStore, store_path

    path = store_path(db)
    if not path.exists():
        raise UsageError(f"name export files or folders, or try --sample; there is no history "
                         f"store at {path} to analyse either")
    with HistoryStore(path, create=False) as store:
        pages = store.pages()
        if pages.empty:
            raise NoDataError(f"the history store {path} holds no posts yet; ingest exports "
                              "first")
        zones = sorted({zone for page_id in pages["page_id"]
                        for zone in store.export_zones(page_id)})
        return store.posts(), ", ".join(zones)


def saved_plans(store) -> list:
    """The posting plans saved in an open ``HistoryStore``."""
    from posttime.experiment import plan_from_dict

    return [plan_from_dict(data, where=f"plan {data.get('plan_id')} of the history store "
                           f"{store.path}") for data in store.plans()]
