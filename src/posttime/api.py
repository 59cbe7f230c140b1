"""The Python API: load exports, analyse a page, compare two pages, in a notebook or a script.

Everything here is also reachable from the package root (``posttime.analyze`` and so on).
The defaults are the command line's: the audience zone is ``POSTTIME_TZ``, else this
machine's zone; the export zone is ``POSTTIME_EXPORT_TZ``, else Facebook's Pacific time;
and the numbers equal those of ``posttime analyze --format json``.

>>> import posttime
>>> result = posttime.analyze(posttime.sample_paths()[0], tz="America/Los_Angeles")
>>> print(result.headline)  # doctest: +NORMALIZE_WHITESPACE
Thu 18-20 (1.33x, 1.32-2.50, 40 posts), Fri 20-22 (1.16x, 1.16-2.57, 14 posts, not
robust) reliably beat weekdays 10-14 for this page. Reliably worse: Sat 14-16 (not
robust). A verdict marked not robust changes when the trend is fitted over calendar days
instead of posts: a burst of posting may be behind it.
>>> result.timezone, result.posts_used
('America/Los_Angeles', 1454)
>>> columns = ["weekday", "start", "end", "n", "shrunk_lift", "q", "verdict"]
>>> print(result.windows[columns].head(3).round(3).to_string(index=False))
weekday  start  end  n  shrunk_lift     q       verdict
    Thu     18   20 40        1.326 0.003        better
    Wed     12   14 54        1.167 0.228 no-difference
    Fri     20   22 14        1.157 0.022        better
>>> print(result.claims[["id", "n", "lift", "verdict"]].round(2).to_string(index=False))
             id   n  lift   verdict
 weekdays_10_14 595  0.99 not-shown
wednesday_12_14  54  1.37 not-shown
 thursday_13_14  37  0.78 not-shown
  weekends_weak 176  0.75 supported
  weekend_lunch  56  1.18 not-shown

In Jupyter the result shows as the HTML report; ``result.to_html()`` and
``result.heatmap_svg()`` give the report and the heatmap as text to save or send.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import date
from html import escape
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from posttime import schema, sources
from posttime.analysis import AnalysisOptions, AnalysisResult, Claim
from posttime.analysis import analyze as analyze_posts
from posttime.compare import ComparisonResult
from posttime.compare import compare as compare_posts
from posttime.enums import ClaimVerdict
from posttime.errors import UsageError
from posttime.loaders import LoadResult, select_page
from posttime.outcome import METRIC_SOURCES, check_metric
from posttime.portfolio import analyze_many
from posttime.render import Format, render
from posttime.stats import SEED
from posttime.timezones import localize_to_utc

__all__ = ["Analysis", "Comparison", "analyze", "analyze_many", "compare", "load_exports",
           "sample_paths"]

PathLike: TypeAlias = str | os.PathLike[str]
#: What ``analyze`` and ``compare`` take as a page's posts.
Posts: TypeAlias = pd.DataFrame | LoadResult | PathLike | Sequence[PathLike]

#: the columns of the claims table, as in the JSON of ``analyze``.
CLAIM_COLUMNS = ("id", "text", "n", "lift", "p_holm", "verdict")
#: the height of the frame that shows a report in a notebook, in pixels.
FRAME_HEIGHT = 1080


def _number(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


class _Report:
    """What every result shows in a notebook: the HTML report and the heatmap picture."""

    def to_html(self) -> str:
        """The report as one self-contained HTML page (as ``--format html`` writes it)."""
        return render(self, Format.html)

    def heatmap_svg(self) -> str:
        """The weekday x hour heatmap as an SVG picture (as ``--format svg`` writes it)."""
        return render(self, Format.svg)

    def _repr_html_(self) -> str:
        # The report is a whole page with its own styles: a frame keeps them from
        # restyling the notebook around it.
        return (f'<iframe srcdoc="{escape(self.to_html(), quote=True)}" sandbox="" '
                f'title="posttime report" '
                f'style="width: 100%; height: {FRAME_HEIGHT}px; border: 0"></iframe>')


class Analysis(_Report, AnalysisResult):
    """The result of ``posttime.analyze``: an ``AnalysisResult`` whose ``claims`` is a table.

    ``windows`` holds every window of the grid, ranked (columns as in the JSON, plus a few
    the report uses); ``claims`` the five claims of the usual advice, with the JSON's
    columns and ``n_other``; ``headline`` the one-sentence answer; ``timezone`` the
    audience zone the hours are counted in; ``to_dict()`` the JSON of
    ``posttime analyze --format json``.
    """

    _claims: list[Claim]

    @property  # type: ignore[override]
    def claims(self) -> pd.DataFrame:
        """The claims of the usual advice, one row each: the JSON's columns, and
        ``n_other``, the posts each claim's group is compared with."""
        rows = [(c.id, c.text, c.n, c.lift, c.p_holm, ClaimVerdict(c.verdict).value, c.n_other)
                for c in self._claims]
        return pd.DataFrame(rows, columns=[*CLAIM_COLUMNS, "n_other"]).astype(
            {"lift": float, "p_holm": float})

    @claims.setter
    def claims(self, value: list[Claim] | pd.DataFrame) -> None:
        if isinstance(value, pd.DataFrame):  # dataclasses.replace passes the table back
            value = [Claim(id=r["id"], text=r["text"], n=int(r["n"]), n_other=int(r["n_other"]),
                           lift=_number(r["lift"]), p_holm=_number(r["p_holm"]),
                           verdict=ClaimVerdict(r["verdict"]))
                     for r in value.to_dict("records")]
        self._claims = list(value)

    @property
    def claim_list(self) -> list[Claim]:
        return self._claims

    @property
    def timezone(self) -> str:
        """The audience zone that weekdays and hours are counted in."""
        return self.options.timezone

    @classmethod
    def of(cls, result: AnalysisResult) -> Analysis:
        return cls(**{f.name: getattr(result, f.name) for f in fields(result)})


class Comparison(_Report, ComparisonResult):
    """The result of ``posttime.compare``: ``windows`` (one row per window of the grid),
    ``good_for_both``, ``profile`` (the test of different timing), ``level`` (overall
    engagement of A against B), ``headline``, ``timezone`` and ``to_dict()`` (the JSON of
    ``posttime compare --format json``)."""

    @property
    def timezone(self) -> str:
        """The audience zone that weekdays and hours are counted in."""
        return self.options.timezone

    @classmethod
    def of(cls, result: ComparisonResult) -> Comparison:
        return cls(**{f.name: getattr(result, f.name) for f in fields(result)})


def sample_paths() -> list[Path]:
    """The bundled sample exports: a Business Suite export of "Sample Bakery" (the one
    ``posttime analyze --sample`` reads; its audience is in America/Los_Angeles), then a
    classic Page Insights export of a second page, which names it by its id."""
    return sources.sample_files(both=True)


def _path_list(paths: PathLike | Sequence[PathLike]) -> list[PathLike]:
    if isinstance(paths, (str, os.PathLike)):
        return [paths]
    return list(paths)


def _export_tz(export_tz: str | None) -> str:
    return sources.export_zone(export_tz or os.environ.get("POSTTIME_EXPORT_TZ") or None)


def load_exports(paths: PathLike | Sequence[PathLike], *, export_tz: str | None = None,
                 mapping: Mapping[str, str] | None = None) -> LoadResult:
    """Load export files and folders of exports (their ``.csv`` files) into one clean post
    table, as every command does.

    Parameters
    ----------
    paths : path or list of paths
        Export files in any supported format, or folders of them; pages may mix.
    export_tz : str, optional
        The zone the exports' times are written in; by default ``POSTTIME_EXPORT_TZ``,
        else ``America/Los_Angeles`` (Facebook writes Pacific time).
    mapping : dict, optional
        Column mapping for a CSV that is no known export, e.g.
        ``{"time": "Created", "interactions": "Engagements"}``.

    Returns
    -------
    LoadResult
        ``posts`` (the clean post table), ``pages()``, rows ``dropped`` by reason and the
        report of each file.
    """
    return sources.load(_path_list(paths), export_tz=_export_tz(export_tz), mapping=mapping)


def _from_frame(frame: pd.DataFrame, metric: str, export_tz: str) -> pd.DataFrame:
    """A clean post table from a DataFrame: a clean table as it is, else one with at least
    ``published`` and the metric's columns, the rest filled in."""
    if list(frame.columns) == list(schema.COLUMNS):
        try:
            schema.validate(frame)
            return frame
        except ValueError:
            return schema.conform(frame)
    needed = ["published", *METRIC_SOURCES[metric]]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise UsageError(
            f"the DataFrame lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}; it needs at least 'published' (the time of each post) "
            f"and the figures of metric={metric!r} ({', '.join(METRIC_SOURCES[metric])}); "
            f"it has: {', '.join(map(str, frame.columns)) or 'no columns'}")
    frame = frame.reset_index(drop=True)
    try:
        published = frame["published"]
        if not pd.api.types.is_datetime64_any_dtype(published):
            published = pd.to_datetime(published, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as exc:
        raise UsageError(f"column 'published' holds values that are not times: {exc}") from None
    if published.dt.tz is None:
        published, _ = localize_to_utc(published, export_tz)
    if published.isna().any():
        raise UsageError(f"column 'published' has {int(published.isna().sum())} missing or "
                         "impossible times")
    given = {c: frame[c] for c in schema.COLUMNS if c in frame.columns}
    # Made-up post ids from the rows' content: two different tables never share them.
    content = pd.util.hash_pandas_object(frame, index=False).map("{:x}".format)
    table = pd.DataFrame({
        "post_id": content + "-" + frame.index.astype(str), "page_id": schema.UNNAMED_PAGE,
        "page_name": schema.UNNAMED_PAGE, "type": "other", "paid": False,
        "source": "DataFrame", "as_of": pd.NaT,
        **{c: float("nan") for c in schema.METRIC_COLUMNS},
        **given, "published": published,
    }, index=frame.index)
    if "page_id" in given and "page_name" not in given:
        table["page_name"] = table["page_id"]
    if "page_name" in given and "page_id" not in given:
        table["page_id"] = table["page_name"]
    if "paid" in given:
        table["paid"] = table["paid"].eq(True)
    if "type" in given:
        table["type"] = [schema.post_type(t) or "other" for t in table["type"]]
    return schema.conform(table)


def _page(posts: Posts, page: str | None, *, metric: str, export_tz: str, where: str,
          hint: str = "choose one with page=NAME", named: bool = False) -> sources.PageData:
    """The posts of one page, from anything ``analyze`` takes; with ``named``, a single
    export file that names no page names it by the file's name (as ``compare`` does)."""
    if isinstance(posts, pd.DataFrame):
        chosen = select_page(_from_frame(posts, metric, export_tz), page, where=where,
                             holder=where, hint=hint)
        name = str(chosen["page_name"].iat[0]) if len(chosen) else schema.UNNAMED_PAGE
        return sources.PageData(posts=chosen, name=name, export_timezones=[export_tz])
    if isinstance(posts, LoadResult):
        return sources.page_of(posts, page, where=where, hint=hint)
    paths = _path_list(posts)
    fallback = Path(paths[0]).stem if named and len(paths) == 1 else None
    loaded = sources.load(paths, export_tz=export_tz)
    return sources.page_of(loaded, page, where=", ".join(map(str, paths)) or where, hint=hint,
                           fallback=fallback)


def _options(*, tz: str | None, metric: str, grain: str, post_type: str | None,
             since: str | date | None, until: str | date | None,
             include_paid: bool, seed: int, export_timezone: str) -> AnalysisOptions:
    check_metric(metric)
    return sources.analysis_options(
        metric=metric, tz=tz or os.environ.get("POSTTIME_TZ"), export_timezone=export_timezone,
        grain=grain, post_type=post_type, since=since, until=until, include_paid=include_paid,
        seed=seed, names=("since", "until"))


def analyze(posts: Posts, *, tz: str | None = None, metric: str = "interactions",
            page: str | None = None, grain: str = "auto", post_type: str | None = None,
            since: str | date | None = None, until: str | date | None = None,
            include_paid: bool = False, seed: int = SEED,
            export_tz: str | None = None) -> Analysis:
    """Rank and test the posting windows of one page, as ``posttime analyze`` does.

    Parameters
    ----------
    posts : DataFrame, LoadResult, path or list of paths
        Export files or folders; a ``LoadResult`` of ``load_exports``; a clean post table;
        or any DataFrame with at least a ``published`` column (times; naive times are read
        in ``export_tz``) and the metric's figures (``interactions`` by default). Other
        columns of the clean post table (``type``, ``paid``, ``page_name``...) are used
        when present.
    tz : str, optional
        The audience's zone (IANA name); weekdays and hours are counted in it. By default
        ``POSTTIME_TZ``, else this machine's zone, as on the command line.
    metric : str
        interactions, clicks, reach, engagement-rate or views.
    page : str, optional
        The page (name or id) when the posts hold several; required then.
    grain : str
        ``2h``, ``daypart`` or ``auto``.
    post_type : str, optional
        Analyse only posts of this type (photo, video, reel, link, text, other).
    since, until : date, optional
        First and last local day included (``"2025-01-31"``).
    include_paid : bool
        Keep boosted posts in.
    seed : int
        Seed of the permutation tests.
    export_tz : str, optional
        The zone the exports' times are written in; by default ``POSTTIME_EXPORT_TZ``,
        else ``America/Los_Angeles``.

    Returns
    -------
    Analysis

    Raises
    ------
    UsageError
        Several pages without ``page``, a DataFrame lacking columns, an unknown option.
    InputError, NoDataError
        Unreadable files; no posts left to analyse.
    """
    export_zone = _export_tz(export_tz)
    data = _page(posts, page, metric=metric, export_tz=export_zone, where="the posts")
    data.require_metric(metric, where=data.name)
    options = _options(tz=tz, metric=metric, grain=grain, post_type=post_type, since=since,
                       until=until, include_paid=include_paid, seed=seed,
                       export_timezone=data.export_timezone)
    return Analysis.of(analyze_posts(data.posts, options, page=data.name, dropped=data.dropped))


def compare(a: Posts, b: Posts, *, tz: str | None = None, metric: str = "interactions",
            pages: tuple[str | None, str | None] = (None, None), grain: str = "auto",
            post_type: str | None = None, since: str | date | None = None,
            until: str | date | None = None, include_paid: bool = False,
            seed: int = SEED, export_tz: str | None = None) -> Comparison:
    """Compare the posting times of two pages, as ``posttime compare`` does.

    ``a`` and ``b`` take anything ``analyze`` takes; ``pages`` picks the page of each side
    that holds several (both sides may be one ``LoadResult``). The other options are
    ``analyze``'s, the same for both pages.

    Returns
    -------
    Comparison
    """
    export_zone = _export_tz(export_tz)
    side_a, side_b = (_page(posts, page, metric=metric, export_tz=export_zone, where=where,
                            hint="pick one with pages=(NAME_A, NAME_B)", named=True)
                      for posts, page, where in ((a, pages[0], "side A"),
                                                 (b, pages[1], "side B")))
    for side in (side_a, side_b):
        side.require_metric(metric, where=side.name)
    zones = sorted({zone for side in (side_a, side_b) for zone in side.export_timezones})
    options = _options(tz=tz, metric=metric, grain=grain, post_type=post_type, since=since,
                       until=until, include_paid=include_paid, seed=seed,
                       export_timezone=", ".join(zones))
    names = ((side_a.name, side_b.name) if side_a.name != side_b.name
             else (f"{side_a.name} (A)", f"{side_b.name} (B)"))
    return Comparison.of(compare_posts(side_a.posts, side_b.posts, options, names=names,
                                       dropped=(side_a.dropped, side_b.dropped)))
