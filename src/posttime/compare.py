"""compare(posts_a, posts_b, options) -> ComparisonResult: do two pages want the same posting
times? (METHOD.md section 7)

Each page is residualised on its own (detrended, type-adjusted log engagement, METHOD.md
section 2), so a page's residuals say how a post did against that page's own usual. Both
pages are cut into the same windows, in one audience zone. Three questions are answered
separately:

* Timing profile: do the two pages' profiles differ by more than a constant? For the
  windows with at least 10 posts on both pages, d_c = mean r_A - mean r_B,
  v_c = s_A^2/n_A + s_B^2/n_B, d_w = the precision-weighted mean of d, and Q is the
  weighted sum of squared deviations from d_w that a daily cycle explains (see the
  departure below). Its p-value comes from permuting the page labels within each window
  (a chi-square reference is too lenient).
* Level: does one page simply get more engagement per post? exp(mean y_A - mean y_B) on
  the log outcome before detrending, with a 90% Welch interval. A difference in level is
  not a difference in timing.
* Per window: Welch tests of the two pages' residuals (after taking out d_w),
  Benjamini-Hochberg over the windows tested; and the windows good for both pages
  (shrunken lift above 1 on both, worse on neither).


The profile test itself, and how its Q departs from METHOD.md, is in ``posttime.profile_test``;
the headline sentences are in ``posttime.narrative``.

Core code: it never prints and never reads the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from posttime import narrative, stats
from posttime._version import __version__
from posttime.analysis import (
    FDR_LEVEL,
    MIN_WINDOW_POSTS,
    AnalysisOptions,
    AnalysisResult,
    analyze_prepared,
    group_stats,
    prepare,
)
from posttime.enums import CompareVerdict, Grain, Verdict
from posttime.errors import NoDataError, UsageError
from posttime.jsonout import json_ready
from posttime.outcome import check_metric
from posttime.profile_test import (
    MIN_PROFILE_TIMES,
    MIN_PROFILE_WINDOWS,
    N_PERMUTATIONS,
    PROFILE_ALPHA,
    daily_cycle,
    pooled_weights,
    profile_test,
)
from posttime.schema import UNNAMED_PAGE
from posttime.windows import EDGES, Grid, choose_grain

#: confidence of the level interval.
LEVEL_CONFIDENCE = 0.90
#: ranked windows of each page kept in the result.
TOP = 5

WINDOW_KEYS = ("weekday", "start", "end", "n_a", "n_b", "lift_a", "lift_b", "difference",
               "p", "q", "verdict")
TOP_KEYS = ("weekday", "start", "end", "n", "shrunk_lift", "lift", "verdict", "rank")
BOTH_KEYS = ("weekday", "start", "end", "n_a", "n_b", "shrunk_lift_a", "shrunk_lift_b")


@dataclass(frozen=True)
class ProfileTest:
    """The permutation test of 'the two timing profiles differ by more than a constant'."""

    statistic: float | None  # Q; None when fewer than MIN_PROFILE_WINDOWS windows qualify
    p: float | None
    windows_used: int
    permutations: int  # 0 when the test was not run
    offset: float  # d_w: the weighted mean difference of the residuals (A - B)
    times: int = 0  # the different times of day (window middles) of the windows used
    #: per part of the day: ``start``, ``end``, ``windows``, ``n_a``, ``n_b`` and
    #: ``difference`` = exp(D_h - d_w), how much better A does there than B, relative to the
    #: pages' overall gap (empty when no window qualifies).
    by_part: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False, repr=False)

    @property
    def differs(self) -> bool:
        return self.p is not None and self.p < PROFILE_ALPHA


@dataclass(frozen=True)
class Level:
    """Overall engagement of page A relative to page B: exp(mean y_A - mean y_B)."""

    ratio: float
    low: float
    high: float
    p: float


@dataclass
class ComparisonResult:
    """Everything compare found; renderers and tests read this object."""

    options: AnalysisOptions
    names: tuple[str, str]
    grain: str
    profile: ProfileTest
    level: Level
    windows: pd.DataFrame  # one row per grid window, grid order: WINDOW_KEYS + window, tested
    good_for_both: pd.DataFrame  # BOTH_KEYS, best first
    analyses: tuple[AnalysisResult, AnalysisResult] = field(repr=False)
    headline: str = ""
    top: int = TOP
    warnings: list[str] = field(default_factory=list)  # e.g. periods that do not overlap

    @property
    def tested(self) -> pd.DataFrame:
        """Windows with at least 10 posts on both pages."""
        return self.windows[self.windows["tested"]]

    def top_windows(self, side: int) -> pd.DataFrame:
        """The best ranked windows of page A (side 0) or page B (side 1)."""
        windows = self.analyses[side].windows
        return windows[windows["tested"]].head(self.top)

    def to_dict(self) -> dict:
        """The JSON of ``posttime compare --format json``."""
        profile = self.profile
        return {
            "posttime_version": __version__,
            "pages": list(self.names),
            "metric": self.options.metric,
            "timezone": self.options.timezone,
            "grain": self.grain,
            "profile_test": {
                "statistic": json_ready(profile.statistic),
                "p": json_ready(profile.p),
                "windows_used": profile.windows_used,
                "permutations": profile.permutations,
            },
            "level": {"ratio": json_ready(self.level.ratio), "low": json_ready(self.level.low),
                      "high": json_ready(self.level.high)},
            "windows": _records(self.windows, WINDOW_KEYS),
            "top_a": _records(self.top_windows(0), TOP_KEYS),
            "top_b": _records(self.top_windows(1), TOP_KEYS),
            "good_for_both": _records(self.good_for_both, BOTH_KEYS),
            "headline": self.headline,
            "warnings": list(self.warnings),
        }


def _records(frame: pd.DataFrame, keys) -> list[dict]:
    return [{key: json_ready(row[key]) for key in keys} for row in frame.to_dict("records")]




def _same_page(posts_a: pd.DataFrame, posts_b: pd.DataFrame) -> str | None:
    """The name of the page both sides hold, or None if they are different pages."""
    known_a = set(posts_a["page_id"].dropna().unique().tolist()) - {UNNAMED_PAGE}
    known_b = set(posts_b["page_id"].dropna().unique().tolist()) - {UNNAMED_PAGE}
    shared = sorted(known_a & known_b)
    names = posts_a["page_name"].dropna()
    if shared:
        same = posts_a.loc[(posts_a["page_id"] == shared[0]).fillna(False).to_numpy(bool),
                           "page_name"].dropna()
        return str(same.iloc[0]) if len(same) else shared[0]
    # Post ids are unique within a page, so equal sets need equal counts.
    if len(posts_a) and len(posts_a) == len(posts_b):
        ids_a = posts_a["post_id"].to_numpy(dtype=object)
        ids_b = posts_b["post_id"].to_numpy(dtype=object)
        if set(ids_a.tolist()) == set(ids_b.tolist()):
            return str(names.iloc[0]) if len(names) else "the same posts"
    return None


def _default_names(posts_a: pd.DataFrame, posts_b: pd.DataFrame) -> tuple[str, str]:
    out = []
    for posts, fallback in ((posts_a, "A"), (posts_b, "B")):
        names = posts["page_name"].dropna()
        out.append(str(names.iloc[0]) if len(names) else fallback)
    if out[0] == out[1]:
        out = [f"{out[0]} (A)", f"{out[1]} (B)"]
    return out[0], out[1]


def _prepare_side(posts: pd.DataFrame, options: AnalysisOptions, name: str):
    used, excluded = prepare(posts, options)
    if used.empty:
        left = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in excluded.items() if v)
        raise NoDataError(f"page {name!r} has no posts left to compare"
                          + (f" after leaving out {left}" if left else ""))
    return used, excluded


def _weights(sa: pd.DataFrame, sb: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Window differences d_c and their weights 1 / v_c, with each page's within-window
    variance pooled over the windows (as in the profile test)."""
    n_a, n_b = sa["n"].to_numpy(dtype=float), sb["n"].to_numpy(dtype=float)
    w = pooled_weights(sa["var"].to_numpy(), sb["var"].to_numpy(), n_a, n_b)
    return sa["mean"].to_numpy() - sb["mean"].to_numpy(), w


def _by_part(sa: pd.DataFrame, sb: pd.DataFrame, parts: np.ndarray) -> pd.DataFrame:
    """The observed difference of each part of the day, relative to d_w."""
    d, w = _weights(sa, sb)
    offset = np.sum(w * d) / np.sum(w)
    present, index = np.unique(parts, return_inverse=True)
    weight = np.bincount(index, weights=w)
    edges = np.asarray(EDGES[Grain.DAYPART])
    return pd.DataFrame({
        "start": edges[present], "end": edges[present + 1],
        "windows": np.bincount(index),
        "n_a": np.bincount(index, weights=sa["n"].to_numpy()).astype(int),
        "n_b": np.bincount(index, weights=sb["n"].to_numpy()).astype(int),
        "difference": np.exp(np.bincount(index, weights=w * d) / weight - offset),
    })


def daypart_of(start) -> np.ndarray:
    """The daypart (0 = 00-06 .. 4 = 18-24) of windows starting at hour ``start``."""
    return np.searchsorted(np.asarray(EDGES[Grain.DAYPART]), np.asarray(start),
                           side="right") - 1


def _level(y_a: np.ndarray, y_b: np.ndarray) -> Level:
    # Welch treats posts as independent; posts of one page share its trend, so the interval
    # is somewhat narrow. It compares the periods the exports cover, whatever they are.
    if len(y_a) < 2 or len(y_b) < 2:
        return Level(np.nan, np.nan, np.nan, np.nan)
    test = stats.welch(y_a.mean(), y_a.var(ddof=1), len(y_a), y_b.mean(), y_b.var(ddof=1),
                       len(y_b), confidence=LEVEL_CONFIDENCE)
    return Level(float(np.exp(test["diff"][0])), float(np.exp(test["low"][0])),
                 float(np.exp(test["high"][0])), float(test["p"][0]))


def common_grain(grain: str, n_a: int, n_b: int) -> str:
    """The grain both pages use: an explicit grain as given; under ``auto`` two-hour windows
    only if both pages have enough posts for them, else dayparts."""
    if grain != Grain.AUTO:
        return choose_grain(grain, 0)
    grains = {choose_grain(Grain.AUTO, n_a), choose_grain(Grain.AUTO, n_b)}
    return Grain.DAYPART if Grain.DAYPART in grains else Grain.TWO_HOURS


def compare_windows(
    used_a: pd.DataFrame, used_b: pd.DataFrame, grid: Grid, *,
    n_permutations: int = N_PERMUTATIONS, seed: int = stats.SEED,
) -> tuple[pd.DataFrame, ProfileTest]:
    """The window-by-window comparison and the profile test of two prepared pages.

    ``used_a`` and ``used_b`` come from ``posttime.analysis.prepare`` (columns
    ``residual``, ``weekday_index``, ``hour``). Returns one row per window of ``grid`` (grid
    order: ``window``, ``weekday``, ``start``, ``end``, ``n_a``, ``n_b``, ``tested``,
    ``difference``, ``p``, ``q``, ``verdict`` and the grid's other columns) and the
    profile test.
    """
    window_a = grid.assign(used_a["weekday_index"].to_numpy(), used_a["hour"].to_numpy())
    window_b = grid.assign(used_b["weekday_index"].to_numpy(), used_b["hour"].to_numpy())
    r_a = used_a["residual"].to_numpy()
    r_b = used_b["residual"].to_numpy()
    sa = group_stats(r_a, window_a, grid.size)
    sb = group_stats(r_b, window_b, grid.size)
    table = grid.frame()
    table["n_a"], table["n_b"] = sa["n"], sb["n"]
    # A window where neither page's posts vary cannot be weighed (it needs identical figures).
    tested = ((sa["n"] >= MIN_WINDOW_POSTS) & (sb["n"] >= MIN_WINDOW_POSTS)
              & ~((sa["var"] <= 0) & (sb["var"] <= 0))).to_numpy()
    table["tested"] = tested
    idx = np.flatnonzero(tested)
    offset = 0.0
    for col in ("difference", "p", "q"):
        table[col] = np.nan
    if len(idx):
        d, w = _weights(sa.iloc[idx], sb.iloc[idx])
        offset = float(np.sum(w * d) / np.sum(w))
        # Per window, the difference is taken relative to the offset d_w: a constant gap
        # between the pages (one page's usual post sits higher in its residuals because its
        # trend absorbed more good or bad hours) is not a timing difference. Welch's variance
        # of d_c ignores the small uncertainty of d_w, which errs on the safe side.
        welch = stats.welch(sa["mean"].to_numpy()[idx] - offset, sa["var"].to_numpy()[idx],
                            sa["n"].to_numpy()[idx], sb["mean"].to_numpy()[idx],
                            sb["var"].to_numpy()[idx], sb["n"].to_numpy()[idx])
        table.loc[idx, "difference"] = np.exp(welch["diff"])
        table.loc[idx, "p"] = welch["p"]
        table.loc[idx, "q"] = stats.bh(welch["p"])
    verdict = np.where(table["q"] < FDR_LEVEL,
                       np.where(table["difference"] > 1, CompareVerdict.A_BETTER,
                                CompareVerdict.B_BETTER),
                       CompareVerdict.NO_DIFFERENCE)
    table["verdict"] = np.where(tested, verdict, CompareVerdict.INSUFFICIENT_DATA)

    starts = table["start"].to_numpy()[idx]
    middles = (starts + table["end"].to_numpy()[idx]) / 2
    n_times = len(np.unique(middles))
    if len(idx) < MIN_PROFILE_WINDOWS or n_times < MIN_PROFILE_TIMES:
        return table, ProfileTest(None, None, len(idx), 0, offset, n_times)
    shifted = r_a - offset  # see profile_test's notes: centre before permuting
    order_a, order_b = np.argsort(window_a, kind="stable"), np.argsort(window_b, kind="stable")
    ends_a = np.cumsum(sa["n"].to_numpy())
    ends_b = np.cumsum(sb["n"].to_numpy())
    groups = [(shifted[order_a[ends_a[c] - sa["n"].iat[c]:ends_a[c]]],
               r_b[order_b[ends_b[c] - sb["n"].iat[c]:ends_b[c]]]) for c in idx]
    q, p = profile_test(groups, daily_cycle(middles), n_permutations=n_permutations, seed=seed)
    by_part = _by_part(sa.iloc[idx], sb.iloc[idx], daypart_of(starts))
    return table, ProfileTest(q, p, len(idx), n_permutations, offset, n_times, by_part)


def compare(
    posts_a: pd.DataFrame,
    posts_b: pd.DataFrame,
    options: AnalysisOptions | None = None,
    *,
    names: tuple[str, str] | None = None,
    n_permutations: int = N_PERMUTATIONS,
    top: int = TOP,
    dropped: tuple[dict[str, int] | None, dict[str, int] | None] = (None, None),
) -> ComparisonResult:
    """Compare the posting-time profiles of two pages.

    Parameters
    ----------
    posts_a, posts_b : DataFrame
        Clean post tables (posttime.schema), one page each.
    options : AnalysisOptions
        Metric, audience zone, grain, filters and seed, the same for both pages. Under
        ``grain="auto"`` both pages get two-hour windows only if both have enough posts for
        them; an explicit grain is used as given.
    names : (str, str), optional
        The pages' names; by default their ``page_name``.
    n_permutations : int
        Permutations of the profile test (at least 2,000 for a report).
    top : int
        Ranked windows of each page kept for ``top_a`` and ``top_b``.
    dropped : (dict, dict), optional
        Rows the loader dropped for each page, passed on to each page's analysis.

    Returns
    -------
    ComparisonResult

    Raises
    ------
    UsageError
        Both sides hold the same page, or an option value is unknown.
    NoDataError
        A page has no posts left after the exclusions.
    """
    options = options or AnalysisOptions()
    check_metric(options.metric)
    choose_grain(options.grain, 0)  # an unknown grain fails before any work
    same = _same_page(posts_a, posts_b)
    if same is not None:
        raise UsageError(
            f"both sides hold the same page ({same}); compare needs two different pages"
        )
    names = tuple(names) if names is not None else _default_names(posts_a, posts_b)
    used_a, excluded_a = _prepare_side(posts_a, options, names[0])
    used_b, excluded_b = _prepare_side(posts_b, options, names[1])

    grain = common_grain(options.grain, len(used_a), len(used_b))
    options = replace(options, grain=grain)
    analysis_a = analyze_prepared(used_a, excluded_a, options, page=names[0], dropped=dropped[0])
    analysis_b = analyze_prepared(used_b, excluded_b, options, page=names[1], dropped=dropped[1])
    table, profile = compare_windows(used_a, used_b, Grid(grain),
                                     n_permutations=n_permutations, seed=options.seed)
    table = _add_lifts(table, analysis_a, analysis_b)

    level = _level(used_a["y"].to_numpy(), used_b["y"].to_numpy())
    both = _good_for_both(table, analysis_a, analysis_b)
    result = ComparisonResult(
        options=options, names=names, grain=grain, profile=profile, level=level,
        windows=table, good_for_both=both, analyses=(analysis_a, analysis_b), top=top,
        warnings=_period_warnings(used_a, used_b, names, options.timezone),
    )
    result.headline = narrative.compare_headline(result)
    return result


def _period_warnings(used_a: pd.DataFrame, used_b: pd.DataFrame, names: tuple[str, str],
                     timezone: str) -> list[str]:
    """A sentence when the pages' posts come from periods that do not overlap: then the
    level and the profiles compare different times, not only different pages."""
    spans = [(u["published"].min(), u["published"].max()) for u in (used_a, used_b)]
    (first_a, last_a), (first_b, last_b) = spans
    if first_a <= last_b and first_b <= last_a:
        return []

    def span(first, last) -> str:
        return f"{first.tz_convert(timezone):%Y-%m-%d} to {last.tz_convert(timezone):%Y-%m-%d}"

    return [f"the pages' periods do not overlap ({names[0]}: {span(first_a, last_a)}; "
            f"{names[1]}: {span(first_b, last_b)}): the differences may come from the years "
            "(follower counts, Facebook's ranking), not from the pages."]


def _by_window(result: AnalysisResult, column: str) -> np.ndarray:
    """``column`` of a page's analysis in grid order (its windows are in rank order)."""
    windows = result.windows
    out = np.empty(len(windows), dtype=windows[column].to_numpy().dtype)
    out[windows["window"].to_numpy()] = windows[column].to_numpy()
    return out


def _add_lifts(table: pd.DataFrame, a: AnalysisResult, b: AnalysisResult) -> pd.DataFrame:
    """Each page's own lift of the window against its baseline (NaN where untested)."""
    return table.assign(lift_a=_by_window(a, "lift"), lift_b=_by_window(b, "lift"))


def _good_for_both(table: pd.DataFrame, a: AnalysisResult, b: AnalysisResult) -> pd.DataFrame:
    """Windows whose shrunken lift is above 1 on both pages and that neither page calls
    worse, best first by the smaller of the two shrunken lifts."""
    lift_a, lift_b = _by_window(a, "shrunk_lift"), _by_window(b, "shrunk_lift")
    with np.errstate(invalid="ignore"):
        ok = ((lift_a > 1) & (lift_b > 1) & (_by_window(a, "verdict") != Verdict.WORSE)
              & (_by_window(b, "verdict") != Verdict.WORSE))
    worst = np.minimum(lift_a, lift_b)
    chosen = np.flatnonzero(ok)
    chosen = chosen[np.lexsort((chosen, -worst[chosen]))]
    return pd.DataFrame({
        "window": chosen, "weekday": table["weekday"].to_numpy()[chosen],
        "start": table["start"].to_numpy()[chosen], "end": table["end"].to_numpy()[chosen],
        "n_a": _by_window(a, "n")[chosen], "n_b": _by_window(b, "n")[chosen],
        "shrunk_lift_a": lift_a[chosen], "shrunk_lift_b": lift_b[chosen],
    })
