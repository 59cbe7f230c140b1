"""The weekly summary: how last week's posts did, and what to try next week.

``build_weekly(posts, ...)`` takes one page's posts from the history store and returns a
``WeeklyReport`` (plain dataclasses; the renderers in ``posttime.render.weekly`` and
``posttime.render.html`` read it). Core code: it never prints.

What the report holds:

* every post of the week with how it did against what the page's history expects for its
  window and type (below);
* the week against the previous four weeks and the whole history: posts, median
  interactions and the share of posts in the recommended windows;
* the recommended windows of an analysis of the whole history (METHOD.md): the windows
  with verdict ``better``, or if there are none the three top-ranked windows (the report
  says which), and which windows were gained or lost against an analysis of the posts
  published before the week began (with today's figures, in the same grain);
* one suggestion: the untested or inconclusive window with the highest shrunken lift that
  more posts could settle (METHOD.md section 6), with the posts a 1.25x lift would need.
* the page's posting experiment (``posttime plan``, saved in the history store), when one
  started by the week's end: weeks done, slots kept, missed and still to come, and each
  arm's lift against the control as ``posttime evaluate`` finds it on the posts published
  by the week's end; marked interim, with no verdict, while slots are still to come.

Expected interactions. ``analyze`` splits each used post's log engagement
y = log1p(interactions) into trend + type effect + residual (METHOD.md section 2). A post
is expected to reach exp(trend + type effect + window effect) - 1 interactions, where

* trend is the post's own fitted trend; for a post the analysis left out (younger than 7
  days at its export, or boosted) it is the trend of the nearest used post in time, so for
  the newest posts the last trend value;
* type effect is the fitted effect of the post's type (0 for a type the history lacks);
* window effect is the window's shrunken mean residual (theta of METHOD.md section 5); a
  window with too few posts to test is shrunk the same way towards the common centre, with
  the between-window variance of the tested windows (an empty window gets the centre).

So expected is a typical post of that type, at that time of the page's history, in that
window: a geometric-mean-like figure, not the mean, which one viral post would dominate.
vs_expected = (interactions + 1) / (expected + 1) = exp(y - expected log), above 1 for a
post that did better than expected.

Provisional posts. A post is provisional when it was younger than 7 days at the export its
stored figures come from (its ``as_of``; the page's newest export date when that is
missing), the rule by which ``analyze`` counts it as too recent. For a post in the page's
newest export that is "younger than 7 days at the store's as-of time"; a post that newer
exports no longer list keeps the figures, and the mark, of the last export that did.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from posttime import narrative, stats
from posttime.analysis import (
    TARGET_LIFT,
    AnalysisOptions,
    AnalysisResult,
    analyze,
    too_recent,
    window_effects,
)
from posttime.enums import Grain, Verdict
from posttime.errors import NoDataError, UsageError
from posttime.jsonout import number
from posttime.outcome import log_outcome
from posttime.timezones import DEFAULT_EXPORT_TZ, get_zone
from posttime.windows import BASELINE_HOURS, WEEKDAYS, Grid, in_baseline, label

if TYPE_CHECKING:
    from posttime.experiment import Evaluation, Plan

#: weeks the report compares the week with.
PREVIOUS_WEEKS = 4
#: columns of ``WeeklyReport.posts``, in order.
POST_COLUMNS = ("post_id", "published", "weekday", "hour", "type", "interactions", "expected",
                "vs_expected", "provisional", "title", "permalink")
#: a post's title in the report is cut to about this many characters.
TITLE_WIDTH = 60
#: with no ``better`` window, the recommended windows are this many top-ranked ones.
TOP_WINDOWS = 3
#: the suggestion's time frame uses the page's posting rate over this many recent weeks.
RATE_WEEKS = 12

BASIS_TEXT = {
    "better": "windows that reliably beat weekdays 10-14",
    "top-3": "no window reliably beats weekdays 10-14, so the three top-ranked windows",
    "none": "no window has enough posts to be tested yet",
}

#: the years a --week may name (dates past 2261 do not fit pandas' time stamps).
FIRST_YEAR, LAST_YEAR = 1970, 2261
_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


# -- titles -----------------------------------------------------------------------------


def short_title(text) -> str | None:
    """A post's title on one line: HTML entities decoded (classic exports write ``&quot;``),
    whitespace folded, cut at a word to at most ``TITLE_WIDTH`` characters ending in "…";
    None for a missing or blank title.

    >>> short_title("Negosyo  starts today!\\n\\nComplete computer shop packages ready. PM now!")
    'Negosyo starts today! Complete computer shop packages…'
    """
    if text is None or pd.isna(text):
        return None
    folded = " ".join(html.unescape(str(text)).split())
    if len(folded) <= TITLE_WIDTH:
        return folded or None
    cut = folded[:TITLE_WIDTH - 1]
    space = cut.rfind(" ")
    if folded[TITLE_WIDTH - 1] != " " and space > TITLE_WIDTH // 2:
        cut = cut[:space]  # at the last whole word; a very long word is cut inside
    return cut.rstrip() + "…"


# -- weeks ------------------------------------------------------------------------------


def parse_week(text: str) -> str:
    """Check an ISO week like ``2025-W07`` and return it in that form; ``UsageError``
    otherwise."""
    m = _WEEK.match(text or "")
    if m:
        year, week = int(m.group(1)), int(m.group(2))
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            m = None
    shown = text if len(text or "") <= 40 else text[:37] + "..."
    if not m:
        raise UsageError(f"--week takes an ISO week like 2025-W07, not {shown!r}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise UsageError(f"--week {shown}: the week must lie between {FIRST_YEAR} and "
                         f"{LAST_YEAR}")
    return f"{year}-W{week:02d}"


def week_monday(week: str) -> date:
    """The Monday of an ISO week label."""
    year, number = (int(x) for x in parse_week(week).split("-W"))
    return date.fromisocalendar(year, number, 1)


def last_complete_week(today: date) -> str:
    """The ISO week before the one ``today`` is in (Monday to Sunday)."""
    iso = (today - timedelta(days=today.weekday() + 7)).isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


# -- the report -------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowNote:
    """One posting window of an analysis, as the report shows it."""

    weekday: str
    start: int
    end: int
    n: int
    shrunk_lift: float | None
    lift: float | None
    verdict: str
    rank: int | None

    @property
    def label(self) -> str:
        return label(self.weekday, self.start, self.end)

    def to_dict(self) -> dict:
        return {"weekday": self.weekday, "start": self.start, "end": self.end,
                "label": self.label, "n": self.n, "shrunk_lift": number(self.shrunk_lift),
                "lift": number(self.lift), "verdict": self.verdict, "rank": self.rank}


@dataclass
class PeriodSummary:
    """Posts of a period and how many fell in the recommended windows."""

    name: str  # this week | previous 4 weeks | whole history
    posts: int
    weeks: float
    median_interactions: float | None
    in_recommended: int

    @property
    def share_in_recommended(self) -> float | None:
        return self.in_recommended / self.posts if self.posts else None

    @property
    def posts_per_week(self) -> float | None:
        return self.posts / self.weeks if self.weeks > 0 else None

    def to_dict(self) -> dict:
        return {"posts": self.posts, "weeks": number(self.weeks),
                "posts_per_week": number(self.posts_per_week),
                "median_interactions": number(self.median_interactions),
                "in_recommended": self.in_recommended,
                "share_in_recommended": number(self.share_in_recommended)}


@dataclass
class Changes:
    """Recommended windows gained and lost since the analysis before the week."""

    available: bool  # False when there were no posts to analyse before the week
    previous_posts_used: int
    previous_basis: str | None
    gained: list[WindowNote] = field(default_factory=list)
    lost: list[WindowNote] = field(default_factory=list)

    @property
    def text(self) -> str:
        return narrative.changes_text(self)

    def to_dict(self) -> dict:
        return {"available": self.available, "previous_posts_used": self.previous_posts_used,
                "previous_basis": self.previous_basis,
                "gained": [w.to_dict() for w in self.gained],
                "lost": [w.to_dict() for w in self.lost], "text": self.text}


@dataclass
class Suggestion:
    """An under-sampled window where more posts would settle whether it is better."""

    window: WindowNote
    more_posts_needed: int
    #: more baseline posts (weekdays 10-14) needed too, when the baseline is too small for
    #: any window to show a 1.25x lift; None when the baseline is large enough.
    more_baseline_posts_needed: int | None = None
    #: the page's posts a week over its last RATE_WEEKS weeks of history.
    posts_per_week: float = 0.0

    @property
    def posts_per_week_there(self) -> float:
        """Posts a week the window can take: a window is one weekday's block of hours, so
        at most one post a week, or fewer when the page posts less than that."""
        return min(1.0, self.posts_per_week)

    @property
    def weeks(self) -> int | None:
        """Weeks to the posts needed, at ``posts_per_week_there``."""
        rate = self.posts_per_week_there
        return int(np.ceil(self.more_posts_needed / rate)) if rate > 0 else None

    @property
    def text(self) -> str:
        return narrative.suggestion_text(self)

    def to_dict(self) -> dict:
        return {**self.window.to_dict(), "more_posts_needed": self.more_posts_needed,
                "more_baseline_posts_needed": self.more_baseline_posts_needed,
                "weeks": self.weeks, "text": self.text}


@dataclass
class ExperimentProgress:
    """A posting plan of the page that started by the week's end, judged on the posts
    published by then (``posttime.experiment.evaluate`` with ``until``)."""

    plan: Plan
    weeks_done: int  # weeks of the plan over by the week's end
    #: None when no post has been published since the plan started.
    evaluation: Evaluation | None

    @property
    def interim(self) -> bool:
        """Slots are still to come: lifts so far, and no verdict."""
        return self.evaluation is None or self.evaluation.interim

    @property
    def last_day(self) -> date:
        return self.plan.end - timedelta(days=1)

    def arms(self) -> list[dict]:
        """Each arm's posts and lift against the control (None for the control), and its
        verdict once the plan is over (None while interim)."""
        if self.evaluation is None:
            return []
        return [{"window": a.window, "role": a.role, "n": a.n, "lift": number(a.lift),
                 "low": number(a.low), "high": number(a.high),
                 "verdict": None if self.interim else a.verdict}
                for a in self.evaluation.arms]

    @property
    def text(self) -> str:
        plan = self.plan
        if self.evaluation is None:
            return (f"No posts since the plan started on {plan.start.isoformat()} yet; the "
                    "slots are in the plan's calendar.")
        if self.interim:
            return (f"Interim look after {self.weeks_done} of {plan.weeks} weeks: the lifts so "
                    "far, not a verdict. An early lead often fades; the verdicts come after "
                    f"the plan's last day, {self.last_day.isoformat()} (`posttime evaluate`).")
        return (f"{self.evaluation.headline} Unlike the windows above, this answer is causal "
                "for the page in the plan's weeks: the plan chose each post's window at random.")

    def to_dict(self) -> dict:
        plan = self.plan
        return {"plan_id": plan.plan_id, "start": plan.start.isoformat(),
                "end": self.last_day.isoformat(), "weeks": plan.weeks,
                "weeks_done": self.weeks_done, "interim": self.interim,
                "adherence": dict(self.evaluation.adherence) if self.evaluation else None,
                "arms": self.arms(), "text": self.text}


@dataclass
class WeeklyReport:
    """Everything the weekly summary says; renderers and tests read this object."""

    week: str  # ISO week, e.g. 2025-W07
    start: date  # Monday
    end: date  # Sunday
    timezone: str
    export_timezone: str
    page: str
    page_id: str
    as_of: pd.Timestamp | None  # newest export date of the page's posts
    posts: pd.DataFrame  # POST_COLUMNS, one row per post of the week, oldest first
    posts_in_history: int
    history_start: date  # first and last local day of the page's history
    history_end: date
    comparison: dict[str, PeriodSummary]  # this_week, previous_4_weeks, history
    basis: str  # better | top-3 | none
    recommendations: list[WindowNote]
    changes: Changes
    suggestion: Suggestion | None
    headline: str
    analysis: AnalysisResult | None = field(default=None, repr=False)
    experiment: ExperimentProgress | None = None

    @property
    def provisional(self) -> int:
        return int(self.posts["provisional"].sum())

    def to_dict(self) -> dict:
        """The JSON of ``posttime weekly --format json`` (stable keys)."""
        posts = [
            {"post_id": r.post_id, "published": r.published.isoformat(),
             "weekday": r.weekday, "hour": int(r.hour), "type": r.type,
             "interactions": number(r.interactions), "expected": number(r.expected),
             "vs_expected": number(r.vs_expected), "provisional": bool(r.provisional),
             "title": r.title, "permalink": r.permalink}
            for r in self.posts.itertuples(index=False)
        ]
        a = self.analysis
        return {
            "week": self.week,
            "timezone": self.timezone,
            "page": self.page,
            "posts_this_week": len(self.posts),
            "posts_in_history": self.posts_in_history,
            "posts": posts,
            "comparison": {key: p.to_dict() for key, p in self.comparison.items()},
            "recommendations": {
                "basis": self.basis,
                "text": BASIS_TEXT[self.basis],
                "grain": a.grain if a else None,
                "posts_used": a.posts_used if a else 0,
                "windows": [w.to_dict() for w in self.recommendations],
                "analysis_headline": a.headline if a else None,
            },
            "changes": self.changes.to_dict(),
            "suggestion": self.suggestion.to_dict() if self.suggestion else None,
            "experiment": self.experiment.to_dict() if self.experiment else None,
            "headline": self.headline,
        }


# -- building it ------------------------------------------------------------------------


def _note(w) -> WindowNote:
    def opt(x):
        return None if x is None or pd.isna(x) else float(x)

    return WindowNote(weekday=str(w["weekday"]), start=int(w["start"]), end=int(w["end"]),
                      n=int(w["n"]), shrunk_lift=opt(w.get("shrunk_lift")),
                      lift=opt(w.get("lift")), verdict=str(w["verdict"]),
                      rank=None if pd.isna(w["rank"]) else int(w["rank"]))


def recommended(result: AnalysisResult | None) -> tuple[str, pd.DataFrame]:
    """The basis (``better``, ``top-3`` or ``none``) and the recommended windows."""
    if result is None:
        return "none", pd.DataFrame()
    windows = result.windows
    better = windows[windows["verdict"] == Verdict.BETTER]
    if len(better):
        return "better", better
    tested = windows[windows["tested"]].sort_values("rank").head(TOP_WINDOWS)
    if len(tested):
        return "top-3", tested
    return "none", windows.iloc[:0]


def _expected_log(posts: pd.DataFrame, local: pd.Series, result: AnalysisResult) -> np.ndarray:
    """log1p of the expected interactions of each post (see the module docstring)."""
    used = result.posts
    if used.empty:
        return np.full(len(posts), np.nan)
    trend = pd.Series(used["trend"].to_numpy(), index=used["post_id"].to_numpy())
    own = np.array(posts["post_id"].map(trend), dtype=float)
    missing = np.isnan(own)
    if missing.any():
        times = pd.DatetimeIndex(used["published"]).asi8
        order = np.argsort(times, kind="stable")
        times, trends = times[order], used["trend"].to_numpy()[order]
        t = pd.DatetimeIndex(posts["published"]).asi8[missing]
        right = np.clip(np.searchsorted(times, t), 0, len(times) - 1)
        left = np.clip(right - 1, 0, len(times) - 1)
        nearer_left = np.abs(t - times[left]) <= np.abs(times[right] - t)
        own[missing] = np.where(nearer_left, trends[left], trends[right])
    effects = used.groupby("type", observed=True)["type_effect"].first()
    type_effect = posts["type"].astype(object).map(effects).astype(float).fillna(0.0)
    theta, _ = window_effects(result)
    grid = Grid(result.grain)
    window = grid.assign(local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy())
    return own + type_effect.to_numpy() + theta[window]


def _period(name: str, posts: pd.DataFrame, windows: np.ndarray, chosen: set[int],
            weeks: float) -> PeriodSummary:
    values = posts["interactions"].dropna()
    return PeriodSummary(
        name=name, posts=len(posts), weeks=weeks,
        median_interactions=float(values.median()) if len(values) else None,
        in_recommended=int(np.isin(windows, list(chosen)).sum()) if chosen else 0,
    )


def _suggestion(result: AnalysisResult | None) -> Suggestion | None:
    """The window with the highest shrunken lift among the inconclusive and untested ones
    that more posts could settle (METHOD.md section 6); ties go to the busier window. A
    window inside the baseline is never suggested: it cannot beat itself.

    ``more_posts_needed`` comes from the analysis. Where the baseline itself is too small
    for any window to show a 1.25x lift (the analysis then gives no number), the window and
    the baseline are counted as needing the same size N: twice what one group needs against
    a baseline known exactly, at the analysis' own planning level (METHOD.md section 10).
    """
    if result is None:
        return None
    _, lift = window_effects(result)
    table = result.windows.assign(
        lift_est=lambda t: np.where(t["tested"] & t["shrunk_lift"].notna(), t["shrunk_lift"],
                                    lift[t["window"].to_numpy()]))
    needed = table["more_posts_needed"].to_numpy(dtype=float)
    baseline_more = np.full(len(table), np.nan)
    sd = result.residual_sd
    if np.isnan(needed).all() and np.isfinite(sd) and sd > 0:
        size = 2 * stats.posts_needed(sd, np.inf, TARGET_LIFT, result.planning_alpha)
        needed = np.maximum(0, size - table["n"].to_numpy(dtype=float))
        baseline_more[:] = max(0, size - result.baseline_n)
    table = table.assign(needed=needed, baseline_more=baseline_more)
    inside_baseline = (in_baseline(table["weekday_index"], table["start"])
                       & (table["end"] <= BASELINE_HOURS[1]))
    candidates = table[
        table["verdict"].isin([Verdict.INSUFFICIENT_DATA, Verdict.NO_DIFFERENCE]) & ~inside_baseline
        & (table["n"] > 0) & (table["needed"] > 0) & table["lift_est"].notna()
    ]
    if candidates.empty:
        return None
    best = candidates.sort_values(["lift_est", "n", "window"],
                                  ascending=[False, False, True]).iloc[0]
    note = _note(best.to_dict() | {"shrunk_lift": best["lift_est"]})
    more_base = best["baseline_more"]
    published = result.posts["published"]
    recent = published >= published.max() - pd.Timedelta(weeks=RATE_WEEKS)
    span = min(RATE_WEEKS, max(1.0, (published.max() - published.min()) / pd.Timedelta(weeks=1)))
    return Suggestion(window=note, more_posts_needed=int(np.ceil(best["needed"])),
                      more_baseline_posts_needed=None if np.isnan(more_base)
                      else int(np.ceil(more_base)),
                      posts_per_week=float(recent.sum()) / span)


def _changes(current: AnalysisResult | None, previous: AnalysisResult | None,
             chosen: pd.DataFrame) -> Changes:
    if current is None or previous is None:
        return Changes(available=False, previous_posts_used=0, previous_basis=None)
    before_basis, before = recommended(previous)
    now_keys = {(w.weekday, w.start) for w in chosen.itertuples()}
    before_keys = {(w.weekday, w.start) for w in before.itertuples()}
    order = {d: i for i, d in enumerate(WEEKDAYS)}

    def notes(frame: pd.DataFrame, keys: set) -> list[WindowNote]:
        rows = [_note(r) for r in frame.to_dict("records") if (r["weekday"], r["start"]) in keys]
        return sorted(rows, key=lambda w: (order[w.weekday], w.start))

    return Changes(
        available=True, previous_posts_used=previous.posts_used, previous_basis=before_basis,
        gained=notes(chosen, now_keys - before_keys), lost=notes(before, before_keys - now_keys),
    )


def _experiment(posts: pd.DataFrame, plans: Sequence[Plan], monday: date, zone,
                export_timezone: str) -> ExperimentProgress | None:
    """The page's plan that started last by the week's end, judged as of the week's end."""
    from posttime.experiment import evaluate

    page_id = str(posts["page_id"].iloc[0])
    last = monday + timedelta(days=6)
    started = sorted((p for p in plans if p.page_id == page_id and p.start <= last),
                     key=lambda p: p.start)
    if not started:
        return None
    plan = started[-1]
    after = monday + timedelta(days=7)
    done = min(plan.weeks, max(0, (after - plan.start).days // 7))
    until = pd.Timestamp(after).tz_localize(zone)
    try:
        result = evaluate(plan, posts, export_timezone=export_timezone, until=until)
    except NoDataError:
        result = None
    return ExperimentProgress(plan=plan, weeks_done=done, evaluation=result)


def build_weekly(
    posts: pd.DataFrame,
    *,
    week: str | None = None,
    timezone: str = "UTC",
    export_timezone: str = DEFAULT_EXPORT_TZ,
    today: date | None = None,
    page: str | None = None,
    seed: int = stats.SEED,
    plans: Sequence[Plan] = (),
) -> WeeklyReport:
    """Summarise one week of one page against its history.

    Parameters
    ----------
    posts : DataFrame
        The page's whole history as a clean post table (``HistoryStore.posts(page_id)``).
    week : str, optional
        ISO week, e.g. ``2025-W07``; by default the last complete week before ``today``.
    timezone : str
        Audience zone: weeks, weekdays and hours are counted in it.
    export_timezone : str
        The zone the exports were read in (shown in the report).
    today : date, optional
        Today's date in the audience zone (for tests); by default the clock's.
    page : str, optional
        The page's name for the report; by default the posts' ``page_name``.
    plans : sequence of Plan, optional
        Posting plans (``HistoryStore.plans``); the page's plan that started last by the
        week's end is shown with its progress.

    Returns
    -------
    WeeklyReport

    Raises
    ------
    NoDataError
        No posts at all, or none in the week.
    """
    zone = get_zone(timezone)
    if posts.empty:
        raise NoDataError("the history holds no posts for this page; ingest exports first")
    if week is None:
        today = today or datetime.now(zone).date()
        week = last_complete_week(today)
    week = parse_week(week)
    monday = week_monday(week)
    start = pd.Timestamp(monday)
    end = start + pd.Timedelta(days=7)
    page = page or str(posts["page_name"].dropna().iloc[0] if posts["page_name"].notna().any()
                       else posts["page_id"].iloc[0])
    posts = posts.sort_values(["published", "post_id"], kind="stable").reset_index(drop=True)
    local = posts["published"].dt.tz_convert(zone)
    naive = local.dt.tz_localize(None)
    in_week = ((naive >= start) & (naive < end)).to_numpy()

    options = AnalysisOptions(timezone=timezone, export_timezone=export_timezone, seed=seed)
    try:
        current = analyze(posts, options, page=page)
    except NoDataError:
        current = None
    before_week = (naive < start).to_numpy()
    previous = None
    if current is not None and before_week.any():
        try:
            previous = analyze(posts[before_week], replace(options, grain=current.grain),
                               page=page)
        except NoDataError:
            previous = None
    basis, chosen = recommended(current)

    # the week's posts
    week_posts = posts[in_week]
    week_local = local[in_week]
    y = log_outcome(week_posts, "interactions").to_numpy(dtype=float)
    if current is not None:
        expected_log = _expected_log(week_posts, week_local, current)
    else:
        expected_log = np.full(len(week_posts), np.nan)
    page_as_of = posts["as_of"].max()
    as_of = week_posts["as_of"].fillna(page_as_of)
    provisional = too_recent(week_posts["published"], as_of)
    # tables built without titles (simulations, other sources) have none
    texts = {k: week_posts[k].tolist() if k in week_posts else [None] * len(week_posts)
             for k in ("title", "permalink")}
    table = pd.DataFrame({
        "post_id": week_posts["post_id"].astype(str).to_numpy(),
        "published": week_local.reset_index(drop=True),
        "weekday": np.asarray(WEEKDAYS)[week_local.dt.day_of_week.to_numpy()],
        "hour": week_local.dt.hour.to_numpy(),
        "type": week_posts["type"].astype(object).fillna("other").to_numpy(),
        "interactions": week_posts["interactions"].to_numpy(dtype=float),
        "expected": np.expm1(expected_log),
        "vs_expected": np.exp(y - expected_log),
        "provisional": provisional.to_numpy(dtype=bool),
        # object columns: None, not NaN, where a post has no title or permalink
        "title": pd.Series([short_title(t) for t in texts["title"]], dtype=object),
        "permalink": pd.Series([None if pd.isna(u) or not str(u).strip() else str(u).strip()
                                for u in texts["permalink"]], dtype=object),
    })

    # the week against earlier weeks
    grid = Grid(current.grain) if current is not None else Grid(Grain.DAYPART)
    windows = grid.assign(local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy())
    chosen_ids = set(grid.assign(
        chosen["weekday_index"].to_numpy(dtype=int), chosen["start"].to_numpy(dtype=int)
    ).tolist()) if len(chosen) else set()
    earlier = ((naive >= start - pd.Timedelta(weeks=PREVIOUS_WEEKS)) & (naive < start)).to_numpy()
    span_weeks = max((naive.max() - naive.min()) / pd.Timedelta(weeks=1), 1.0)
    comparison = {
        "this_week": _period("this week", week_posts, windows[in_week], chosen_ids, 1.0),
        "previous_4_weeks": _period(f"previous {PREVIOUS_WEEKS} weeks", posts[earlier],
                                    windows[earlier], chosen_ids, float(PREVIOUS_WEEKS)),
        "history": _period("whole history", posts, windows, chosen_ids, float(span_weeks)),
    }
    changes = _changes(current, previous, chosen)
    judged = np.isfinite(table["vs_expected"].to_numpy())
    better = int((table["vs_expected"].to_numpy()[judged] > 1).sum())
    headline = narrative.weekly_headline(
        week, comparison["this_week"], comparison["previous_4_weeks"], better,
        int(judged.sum()), int(table["provisional"].sum()), changes)
    return WeeklyReport(
        week=week, start=monday, end=monday + timedelta(days=6), timezone=timezone,
        export_timezone=export_timezone, page=page, page_id=str(posts["page_id"].iloc[0]),
        as_of=None if pd.isna(page_as_of) else page_as_of, posts=table,
        posts_in_history=len(posts), history_start=naive.min().date(),
        history_end=naive.max().date(), comparison=comparison, basis=basis,
        recommendations=[_note(r) for r in chosen.to_dict("records")],
        changes=changes, suggestion=_suggestion(current), headline=headline,
        analysis=current,
        experiment=_experiment(posts, plans, monday, zone, export_timezone),
    )
