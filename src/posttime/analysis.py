"""analyze(posts, options) -> AnalysisResult: ranked, tested posting windows (METHOD.md §1-6).

Core code: it never prints and never reads the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import special

from posttime import stats
from posttime._version import __version__
from posttime.enums import ClaimVerdict, Verdict
from posttime.errors import NoDataError, UsageError
from posttime.jsonout import json_ready
from posttime.outcome import check_metric, log_outcome, residualize
from posttime.schema import POST_TYPES, post_type
from posttime.timezones import DEFAULT_EXPORT_TZ, get_zone, zone_warnings
from posttime.windows import BASELINE_LABEL, Grid, choose_grain, in_baseline, label

#: windows with fewer posts are not tested.
MIN_WINDOW_POSTS = 10
#: below this many posts a window's p-value comes from a permutation test.
PERMUTATION_BELOW = 30
#: a permutation p-value is computed only where the Welch p is below this (it can only
#: change a verdict there), which keeps analyze fast.
PERMUTATION_IF_P_BELOW = 0.05
FDR_LEVEL = 0.10
CLAIM_ALPHA = 0.05
RECENT_DAYS = 7
TARGET_LIFT = 1.25
#: the ranked table lists this many windows (the report's default --top); every tested
#: window's interval is adjusted for a selection of this many out of all tested.
LISTED = 10
#: the sensitivity fit's trend is the median over +- this many calendar days.
TREND_DAYS = 3.0

WINDOW_COLUMNS = (
    "weekday", "start", "end", "n", "lift", "lift_low", "lift_high", "interval_level",
    "lift_low_90", "lift_high_90", "shrunk_lift", "p_better", "p", "q", "min_detectable_lift",
    "more_posts_needed", "verdict", "robust", "rank",
)


@dataclass(frozen=True)
class AnalysisOptions:
    """What to analyse and how; the defaults are the method's."""

    metric: str = "interactions"
    timezone: str = "UTC"
    export_timezone: str = DEFAULT_EXPORT_TZ
    grain: str = "auto"
    post_type: str | None = None
    since: pd.Timestamp | None = None  # first local day included
    until: pd.Timestamp | None = None  # last local day included
    include_paid: bool = False
    seed: int = stats.SEED
    adjust: bool = True  # False turns off detrending and type adjustment (for checks only)


@dataclass(frozen=True)
class Claim:
    """One claim of the usual advice, tested two-sided; the sign gives the verdict."""

    id: str
    text: str
    n: int  # posts in the claimed group
    n_other: int  # posts it is compared with
    lift: float | None
    p_holm: float | None
    verdict: ClaimVerdict


@dataclass
class AnalysisResult:
    """Everything analyze found; renderers and tests read this object."""

    options: AnalysisOptions
    page: str | None
    grain: str
    posts_used: int
    excluded: dict[str, int]
    baseline_n: int
    baseline_mean: float
    residual_sd: float
    tau2: float
    windows: pd.DataFrame  # WINDOW_COLUMNS plus window, weekday_index, tested; ranked order
    claims: list[Claim]
    headline: str
    typical_n: int
    typical_mdl: float | None
    planning_alpha: float  # two-sided level the detectable lifts are sized for
    posts: pd.DataFrame = field(repr=False)  # used posts with local time, window and residual
    warnings: list[str] = field(default_factory=list)  # e.g. posting hours of a wrong zone

    @property
    def claim_list(self) -> list[Claim]:
        """The claims as objects, for the renderers (the API's result shows ``claims`` as
        a table)."""
        return self.claims

    @property
    def reliable(self) -> pd.DataFrame:
        """Windows with a better or worse verdict."""
        return self.windows[self.windows["verdict"].isin([Verdict.BETTER, Verdict.WORSE])]

    def to_dict(self) -> dict:
        """The stable JSON contract of ``posttime analyze --format json``."""
        windows = [
            {key: json_ready(row[key]) for key in WINDOW_COLUMNS}
            for row in self.windows.to_dict("records")
        ]
        return {
            "posttime_version": __version__,
            "page": self.page,
            "metric": self.options.metric,
            "timezone": self.options.timezone,
            "export_timezone": self.options.export_timezone,
            "grain": self.grain,
            "posts_used": self.posts_used,
            "excluded": dict(self.excluded),
            "baseline": {"label": BASELINE_LABEL, "n": self.baseline_n},
            "windows": windows,
            "claims": [
                {"id": c.id, "text": c.text, "n": c.n, "lift": json_ready(c.lift),
                 "p_holm": json_ready(c.p_holm), "verdict": c.verdict}
                for c in self.claim_list
            ],
            "headline": self.headline,
            "warnings": list(self.warnings),
        }


@dataclass
class ByTypeResult:
    """The analyses of ``analyze --by-type``: one per post type, most posts first."""

    results: dict[str, AnalysisResult]

    @property
    def page(self) -> str | None:
        return next(iter(self.results.values())).page

    def to_dict(self) -> dict:
        """The JSON of ``posttime analyze --by-type --format json``."""
        return {"posttime_version": __version__,
                "by_type": {t: r.to_dict() for t, r in self.results.items()}}


def too_recent(published: pd.Series, as_of: pd.Series) -> pd.Series:
    """Whether each post was younger than RECENT_DAYS days at its export (``as_of``), still
    collecting interactions; False where ``as_of`` is missing."""
    return (published > as_of - pd.Timedelta(days=RECENT_DAYS)).fillna(False).astype(bool)


def exclusions(posts: pd.DataFrame, options: AnalysisOptions
               ) -> tuple[np.ndarray, np.ndarray, dict]:
    """Apply the filters and the exclusions of METHOD.md §1; count every post left out.

    Returns the positions of the posts kept, the outcome y of every post, and the counts.
    """
    zone = get_zone(options.timezone)
    counts = {"too_recent": 0, "paid": 0, "missing_metric": 0}
    keep = np.ones(len(posts), dtype=bool)
    if options.post_type is not None:
        wanted = post_type(options.post_type)
        if wanted is None:
            raise UsageError(
                f"unknown post type {options.post_type!r}; choose one of: {', '.join(POST_TYPES)}"
            )
        is_type = (posts["type"] == wanted).fillna(False).to_numpy(dtype=bool)
        counts["other_types"] = int((~is_type).sum())
        keep &= is_type
    if options.since is not None or options.until is not None:
        local_day = posts["published"].dt.tz_convert(zone).dt.tz_localize(None).dt.normalize()
        inside = np.ones(len(posts), dtype=bool)
        if options.since is not None:
            inside &= (local_day >= pd.Timestamp(options.since)).to_numpy()
        if options.until is not None:
            inside &= (local_day <= pd.Timestamp(options.until)).to_numpy()
        counts["outside_dates"] = int((keep & ~inside).sum())
        keep &= inside
    if not options.include_paid:
        paid = keep & posts["paid"].to_numpy(dtype=bool)
        counts["paid"] = int(paid.sum())
        keep &= ~paid
    recent = keep & too_recent(posts["published"], posts["as_of"]).to_numpy()
    counts["too_recent"] = int(recent.sum())
    keep &= ~recent
    y = log_outcome(posts, options.metric).to_numpy(dtype=float)
    missing = keep & np.isnan(y)
    counts["missing_metric"] = int(missing.sum())
    keep &= ~missing
    return np.flatnonzero(keep), y, counts


def prepare(posts: pd.DataFrame, options: AnalysisOptions) -> tuple[pd.DataFrame, dict]:
    """Used posts in time order with local weekday and hour, and their residuals."""
    used, excluded, _ = prepare_rows(posts, options)
    return used, excluded


def prepare_rows(posts: pd.DataFrame, options: AnalysisOptions
                 ) -> tuple[pd.DataFrame, dict, np.ndarray]:
    """``prepare``, and the positions in ``posts`` of the used posts, in their order."""
    check_metric(options.metric)
    kept, y, excluded = exclusions(posts, options)
    # Time order, ties by post id, so that the input's row order changes nothing. numpy's
    # lexsort on plain arrays is several times faster than sort_values on a string column.
    post_id = posts["post_id"].to_numpy(dtype=str)[kept]
    order = kept[np.lexsort((post_id, posts["published"].array.asi8[kept]))]
    used = posts.iloc[order].reset_index(drop=True)
    y = y[order]
    parts = residualize(y, used["type"].cat.codes.to_numpy(), adjust=options.adjust)
    local = used["published"].dt.tz_convert(get_zone(options.timezone))
    weekday, hour = local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy()
    used = used.assign(
        y=y,
        trend=parts["trend"].to_numpy(),
        type_effect=parts["type_effect"].to_numpy(),
        residual=parts["residual"].to_numpy(),
        local_time=local,
        weekday_index=weekday,
        hour=hour,
        in_baseline=in_baseline(weekday, hour),
    )
    return used, excluded, order


def group_stats(r: np.ndarray, groups: np.ndarray, size: int) -> pd.DataFrame:
    """Per group id below ``size``: ``n``, ``mean``, ``var`` (ddof=1), ``sum`` and ``ss``
    (sum of squared deviations) of ``r``; NaN where a group is too small."""
    n = np.bincount(groups, minlength=size).astype(float)
    total = np.bincount(groups, weights=r, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        ss = np.bincount(groups, weights=(r - mean[groups]) ** 2, minlength=size)
        var = ss / (n - 1)
    return pd.DataFrame({"n": n.astype(int), "mean": mean, "var": var, "sum": total, "ss": ss})


def _two_sided(r: np.ndarray, a: np.ndarray, b: np.ndarray, seed: int) -> tuple[float, float]:
    """Welch test of r[a] against r[b] (permutation p for a small group): lift and the
    two-sided p-value."""
    ra, rb = r[a], r[b]
    lift = float(np.exp(ra.mean() - rb.mean()))
    if min(len(ra), len(rb)) < PERMUTATION_BELOW:
        return lift, float(stats.permutation_pvalues(ra, rb, seed=seed)["two-sided"])
    summary = (ra.mean(), ra.var(ddof=1), len(ra), rb.mean(), rb.var(ddof=1), len(rb))
    return lift, float(stats.welch(*summary)["p"][0])


CLAIMS = (
    ("weekdays_10_14", "Weekdays 10-14 beat all other times", "greater"),
    ("wednesday_12_14", "Wed 12-14 beats other weekday 10-14 posts", "greater"),
    ("thursday_13_14", "Thu 13-14 beats other weekday 10-14 posts", "greater"),
    ("weekends_weak", "Weekends do worse than weekdays", "less"),
    ("weekend_lunch", "Weekend 11-14 beats other weekend hours", "greater"),
)


def _claim_groups(day: np.ndarray, hour: np.ndarray, base: np.ndarray):
    weekend = day >= 5
    wed = (day == 2) & (hour >= 12) & (hour < 14)
    thu = (day == 3) & (hour == 13)
    lunch = weekend & (hour >= 11) & (hour < 14)
    return (
        (base, ~base),
        (wed, base & ~wed),
        (thu, base & ~thu),
        (weekend, ~weekend),
        (lunch, weekend & ~lunch),
    )


def check_claims(used: pd.DataFrame, seed: int = stats.SEED) -> list[Claim]:
    """The five claims of the usual advice (METHOD.md §10): two-sided tests, Holm-corrected
    together; a significant difference supports the claim if it goes the claimed way and
    contradicts it otherwise, so that any verdict but not-shown is wrong at most 5% of the
    time on a page where timing does not matter."""
    r = used["residual"].to_numpy()
    groups = _claim_groups(used["weekday_index"].to_numpy(), used["hour"].to_numpy(),
                           used["in_baseline"].to_numpy())
    lifts, p_values, sizes = [], [], []
    for (a, b) in groups:
        sizes.append((int(a.sum()), int(b.sum())))
        lift, p = (np.nan, np.nan)
        if min(sizes[-1]) >= MIN_WINDOW_POSTS:
            lift, p = _two_sided(r, a, b, seed)
        lifts.append(lift)
        p_values.append(p)
    adjusted = stats.holm(p_values)
    claims = []
    for i, (claim_id, text, direction) in enumerate(CLAIMS):
        if np.isnan(adjusted[i]):
            verdict = ClaimVerdict.INSUFFICIENT_DATA
        elif adjusted[i] < CLAIM_ALPHA:
            verdict = (ClaimVerdict.SUPPORTED if (lifts[i] > 1) == (direction == "greater")
                       else ClaimVerdict.CONTRADICTED)
        else:
            verdict = ClaimVerdict.NOT_SHOWN
        claims.append(Claim(
            id=claim_id, text=text, n=sizes[i][0], n_other=sizes[i][1],
            lift=None if np.isnan(lifts[i]) else lifts[i],
            p_holm=None if np.isnan(adjusted[i]) else float(adjusted[i]), verdict=verdict,
        ))
    return claims


@dataclass
class WindowTests:
    """Every window of a grid tested against the baseline minus itself: arrays indexed by
    window id (``idx`` lists the tested ones), the parts ``score_windows`` builds on."""

    n: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    comp_n: np.ndarray  # posts of the baseline, less the window's own
    inside: np.ndarray  # whether the window is part of the baseline
    tested: np.ndarray
    idx: np.ndarray
    level: float  # confidence level of the selection-adjusted intervals
    welch: dict[str, np.ndarray] | None  # plain 90% Welch test per tested window
    adjusted: dict[str, np.ndarray] | None  # the same at ``level``
    p: np.ndarray  # per tested window
    q: np.ndarray  # per tested window, BH
    verdict: np.ndarray  # per window
    baseline_n: int
    baseline_mean: float


def window_tests(used: pd.DataFrame, grid: Grid, seed: int = stats.SEED, *,
                 permute: bool = True) -> WindowTests:
    """Welch test (a permutation test for a small window where it matters) of every window
    against the baseline minus itself, BH-corrected: the verdicts of METHOD.md §4, 10."""
    r = used["residual"].to_numpy()
    window = grid.assign(used["weekday_index"].to_numpy(), used["hour"].to_numpy())
    base = used["in_baseline"].to_numpy()
    counts = group_stats(r, window, grid.size)
    n_all, mean, var = (counts[c].to_numpy() for c in ("n", "mean", "var"))
    rb = r[base]
    n_b, mean_b = len(rb), (float(rb.mean()) if len(rb) else np.nan)
    inside = grid.in_baseline()
    comp_n = n_b - np.where(inside, n_all, 0)
    comp_sum = rb.sum() - np.where(inside, counts["sum"].to_numpy(), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        comp_mean = comp_sum / comp_n
        # Sum of squares of the baseline minus W, from the parts (parallel-variance formula).
        ss_b = float(((rb - mean_b) ** 2).sum()) if n_b else np.nan
        ss_w = np.where(inside, counts["ss"].to_numpy(), 0.0)
        mean_w = np.where(inside, mean, 0.0)
        n_w = np.where(inside, n_all, 0)
        comp_ss = ss_b - ss_w - n_w * (mean_w - mean_b) ** 2 * n_b / np.maximum(comp_n, 1)
        comp_var = comp_ss / (comp_n - 1)
    tested = (n_all >= MIN_WINDOW_POSTS) & (comp_n >= MIN_WINDOW_POSTS)
    idx = np.flatnonzero(tested)
    m = len(idx)
    level = stats.fcr_level(min(LISTED, m), m, FDR_LEVEL) if m else np.nan
    test = adjusted = None
    p = q = np.array([])
    verdict = np.full(grid.size, "insufficient-data", dtype=object)
    if m:
        groups = (mean[idx], var[idx], n_all[idx], comp_mean[idx], comp_var[idx], comp_n[idx])
        test = stats.welch(*groups)
        adjusted = stats.welch(*groups, confidence=level)
        p = test["p"].copy()
        for j, c in enumerate(idx):
            if permute and n_all[c] < PERMUTATION_BELOW and p[j] < PERMUTATION_IF_P_BELOW:
                other = base & (window != c)
                p[j] = stats.permutation_pvalues(r[window == c], r[other], seed=seed)["two-sided"]
        q = stats.bh(p)
        verdict[idx] = np.where(q < FDR_LEVEL,
                                np.where(np.exp(test["diff"]) > 1, "better", "worse"),
                                "no-difference")
    return WindowTests(n=n_all, mean=mean, var=var, comp_n=comp_n, inside=inside,
                       tested=tested, idx=idx, level=level, welch=test, adjusted=adjusted, p=p,
                       q=q, verdict=verdict, baseline_n=n_b, baseline_mean=mean_b)


def score_windows(
    used: pd.DataFrame, grid: Grid, seed: int = stats.SEED, *, permute: bool = True
) -> tuple[pd.DataFrame, dict]:
    """Test, correct and rank every window of ``grid`` against the baseline (METHOD.md §3-6,
    10); ``permute=False`` keeps the Welch p-value of small windows too.

    The columns are computed as numpy arrays and put in a frame once at the end: pandas'
    row-wise assignment used to cost more than all the statistics together.
    """
    tests = window_tests(used, grid, seed, permute=permute)
    n_all, mean, idx, inside = tests.n, tests.mean, tests.idx, tests.inside
    n_b, mean_b = tests.baseline_n, tests.baseline_mean
    m = len(idx)
    col = {name: np.full(grid.size, np.nan) for name in (
        "lift", "lift_low", "lift_high", "lift_low_90", "lift_high_90", "p", "q",
        "shrunk_lift", "p_better", "rank_key", "theta")}
    if tests.welch is not None and tests.adjusted is not None:
        col["lift"][idx] = np.exp(tests.welch["diff"])
        col["lift_low_90"][idx] = np.exp(tests.welch["low"])
        col["lift_high_90"][idx] = np.exp(tests.welch["high"])
        col["lift_low"][idx] = np.exp(tests.adjusted["low"])
        col["lift_high"][idx] = np.exp(tests.adjusted["high"])
        col["rank_key"][idx] = tests.adjusted["low"]
        col["p"][idx] = tests.p
        col["q"][idx] = tests.q
    n_t = n_all[idx]
    if m and np.sum(n_t - 1) > 0:
        within_var = float(np.sum((n_t - 1) * tests.var[idx]) / np.sum(n_t - 1))
    else:
        r = used["residual"].to_numpy()
        within_var = float(np.var(r, ddof=1)) if len(r) > 1 else np.nan
    sd = float(np.sqrt(within_var)) if np.isfinite(within_var) else np.nan
    tau2 = 0.0
    if m >= 2 and within_var > 0:
        shrunk = stats.shrink(mean[idx], n_t, within_var)
        tau2 = shrunk.tau2
        col["theta"][idx] = shrunk.theta
        share = np.where(inside[idx], n_t, 0.0)
        if share.sum() > 0:
            effect, effect_sd = stats.contrast(shrunk, share / share.sum())
        else:
            # No baseline window has enough posts to be shrunk: take the baseline's mean as
            # it is, with its sampling variance.
            effect = shrunk.theta - mean_b
            effect_sd = np.sqrt(shrunk.sd**2 + (1 - shrunk.weight) ** 2 * shrunk.mu_var
                                + within_var / n_b)
        col["shrunk_lift"][idx] = np.exp(effect)
        with np.errstate(divide="ignore", invalid="ignore"):
            col["p_better"][idx] = np.where(effect_sd > 0, special.ndtr(effect / effect_sd), 0.5)
        if tau2 > 0:
            col["rank_key"][idx] = effect
    else:
        col["theta"][idx] = mean[idx]
        col["shrunk_lift"][idx] = col["lift"][idx]
        col["rank_key"][idx] = np.log(col["lift"][idx])
    # The printed interval always contains the printed (shrunken) lift: where shrinkage
    # moves the estimate outside the interval of the raw lift, the interval is widened to it.
    col["lift_low"] = np.fmin(col["lift_low"], col["shrunk_lift"])
    col["lift_high"] = np.fmax(col["lift_high"], col["shrunk_lift"])
    # Plan for the level a verdict needs: BH at FDR_LEVEL over the tested windows, at its
    # strictest (a single discovery), FDR_LEVEL / m.
    alpha = FDR_LEVEL / (m or grid.size)
    needed = np.inf
    mdl = np.full(grid.size, np.nan)
    if np.isfinite(sd):
        mdl = stats.min_detectable_lift(sd, n_all, np.maximum(tests.comp_n, 2), alpha)
        needed = stats.posts_needed(sd, max(n_b, 2), TARGET_LIFT, alpha)
    # Tested windows by rank key, then posts; the others by posts; ties by window id.
    ranked = idx[np.lexsort((idx, -n_all[idx], -col["rank_key"][idx]))]
    rest = np.flatnonzero(~tests.tested)
    rest = rest[np.lexsort((rest, -n_all[rest]))]
    order = np.concatenate([ranked, rest])
    columns = {
        **grid.columns(),
        "n": n_all, "mean": mean, "var": tests.var, "tested": tests.tested,
        **{name: col[name] for name in ("lift", "lift_low", "lift_high", "lift_low_90",
                                         "lift_high_90", "p", "q", "shrunk_lift", "p_better",
                                         "theta")},
        "interval_level": np.where(tests.tested, tests.level, np.nan),
        "verdict": tests.verdict,
        "min_detectable_lift": mdl,
        "more_posts_needed": (np.maximum(0, needed - n_all) if np.isfinite(needed)
                              else np.full(grid.size, np.nan)),
    }
    out = pd.DataFrame({name: values[order] for name, values in columns.items()})
    out["rank"] = pd.array([*range(1, m + 1)] + [pd.NA] * len(rest), dtype="Int64")
    summary = {"baseline_n": n_b, "baseline_mean": mean_b, "residual_sd": sd, "tau2": tau2,
               "posts_needed": needed, "alpha": alpha}
    return out, summary


def _rows(windows: pd.DataFrame, verdict: str) -> list[dict]:
    """The windows with ``verdict``, in ranked order, as plain records (cheaper than
    filtering the frame)."""
    picked = np.flatnonzero(windows["verdict"].to_numpy() == verdict)
    columns = ("weekday", "start", "end", "n", "shrunk_lift", "lift_low", "lift_high", "robust")
    values = {c: windows[c].to_numpy()[picked] for c in columns}
    return [{c: values[c][i] for c in columns} for i in range(len(picked))]


def _headline(windows: pd.DataFrame, summary: dict, posts_used: int, typical_n: int,
              typical_mdl: float | None) -> str:
    better = _rows(windows, "better")
    worse = _rows(windows, "worse")
    if not windows["tested"].to_numpy().any():
        return (
            f"Too few posts to test any window yet: {posts_used} posts used, and a window needs "
            f"{MIN_WINDOW_POSTS} (the busiest has {int(windows['n'].max())}; weekdays 10-14 "
            f"have {summary['baseline_n']}). Keep posting and export again."
        )
    if better and summary["tau2"] > 0:
        parts = [
            f"{label(w['weekday'], w['start'], w['end'])} ({w['shrunk_lift']:.2f}x, "
            f"{w['lift_low']:.2f}-{w['lift_high']:.2f}, {w['n']} posts"
            f"{'' if w['robust'] else ', not robust'})"
            for w in better
        ]
        verb = "beats" if len(parts) == 1 else "beat"
        text = f"{', '.join(parts)} reliably {verb} weekdays 10-14 for this page."
    else:
        text = "No window reliably beats weekdays 10-14 for this page"
        if typical_mdl is not None:
            text += (
                f"; with {posts_used} posts a typical window ({typical_n} posts) would need a "
                f"lift of {typical_mdl:.2f}x to show"
            )
        needed = summary["posts_needed"]
        if np.isfinite(needed):
            text += f", and about {int(needed)} posts to show a {TARGET_LIFT:.2f}x lift"
        elif np.isfinite(summary["residual_sd"]):
            both = stats.posts_needed(summary["residual_sd"], np.inf, TARGET_LIFT,
                                      summary["alpha"]) * 2
            text += (
                f"; a {TARGET_LIFT:.2f}x lift needs about {int(both)} posts both in a window "
                f"and in weekdays 10-14 (now {summary['baseline_n']})"
            )
        text += "."
    if worse:
        names = ", ".join(label(w["weekday"], w["start"], w["end"])
                          + ("" if w["robust"] else " (not robust)") for w in worse)
        text += f" Reliably worse: {names}."
    if not all(w["robust"] for w in better + worse):
        text += (" A verdict marked not robust changes when the trend is fitted over calendar "
                 "days instead of posts: a burst of posting may be behind it.")
    return text


def robustness(used: pd.DataFrame, grid: Grid, windows: pd.DataFrame,
               options: AnalysisOptions) -> np.ndarray:
    """Per window with a better or worse verdict: does the verdict stand when the trend is
    fitted over +- TREND_DAYS calendar days instead of the nearest posts (METHOD.md §10)?
    None for the other windows (there is no verdict an owner would act on).

    A page that posts more during viral streaks packs many posts into a few days, and a
    trend over a fixed number of posts then spans too short a time to follow the streak.
    The calendar fit is a sensitivity check only: as the default it costs power on ordinary
    pages. It takes Welch p-values throughout: the permutation p of a small window refines
    a p-value that the winsorised residuals already keep close to Welch's, and computing it
    twice would double the time of an analysis.
    """
    verdicts = windows["verdict"].to_numpy()
    acted_on = np.isin(verdicts, [Verdict.BETTER, Verdict.WORSE])
    robust = np.full(len(windows), None, dtype=object)
    if not acted_on.any() or not options.adjust:
        robust[acted_on] = True
        return robust
    parts = residualize(used["y"].to_numpy(), used["type"].cat.codes.to_numpy(),
                        times=pd.DatetimeIndex(used["published"]), days=TREND_DAYS)
    calendar = window_tests(used.assign(residual=parts["residual"].to_numpy()), grid,
                             options.seed, permute=False)
    other = calendar.verdict[windows["window"].to_numpy()]
    robust[acted_on] = verdicts[acted_on] == other[acted_on]
    return robust


def analyze(posts: pd.DataFrame, options: AnalysisOptions | None = None, *,
            page: str | None = None, dropped: dict[str, int] | None = None) -> AnalysisResult:
    """Rank and test the posting windows of one page's posts.

    Parameters
    ----------
    posts : DataFrame
        A clean post table (posttime.schema) holding one page.
    options : AnalysisOptions
        Metric, zones, grain, filters and seed.
    page : str, optional
        The page's name, carried into the result.
    dropped : dict, optional
        Rows the loader already dropped, by reason; added to the excluded counts.

    Returns
    -------
    AnalysisResult
    """
    options = options or AnalysisOptions()
    used, excluded = prepare(posts, options)
    return analyze_prepared(used, excluded, options, page=page, dropped=dropped)


def analyze_prepared(used: pd.DataFrame, excluded: dict[str, int], options: AnalysisOptions,
                     *, page: str | None = None,
                     dropped: dict[str, int] | None = None) -> AnalysisResult:
    """``analyze`` on posts that ``prepare`` has already residualised (``compare`` needs
    the residuals too and computes them once)."""
    excluded = {"bad_timestamp": 0, **excluded}
    for reason, count in (dropped or {}).items():
        excluded[reason] = excluded.get(reason, 0) + int(count)
    if used.empty:
        raise NoDataError(
            "no posts left to analyse after leaving out "
            + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in excluded.items() if v)
            if any(excluded.values()) else "no posts to analyse"
        )
    grid = Grid(choose_grain(options.grain, len(used)))
    windows, summary = score_windows(used, grid, options.seed)
    windows["robust"] = robustness(used, grid, windows, options)
    tested_n = windows["n"].to_numpy()[windows["tested"].to_numpy()]
    typical_n = int(np.median(tested_n)) if len(tested_n) else max(1, len(used) // grid.size)
    typical_mdl = None
    if np.isfinite(summary["residual_sd"]) and summary["baseline_n"] > 0:
        typical_mdl = float(stats.min_detectable_lift(
            summary["residual_sd"], typical_n, max(summary["baseline_n"], 2), summary["alpha"]))
    used = used.assign(window=grid.assign(used["weekday_index"], used["hour"]))
    return AnalysisResult(
        options=options,
        page=page,
        grain=grid.grain,
        posts_used=len(used),
        excluded=excluded,
        baseline_n=summary["baseline_n"],
        baseline_mean=summary["baseline_mean"],
        residual_sd=summary["residual_sd"],
        tau2=summary["tau2"],
        windows=windows,
        claims=check_claims(used, options.seed),
        headline=_headline(windows, summary, len(used), typical_n, typical_mdl),
        typical_n=typical_n,
        typical_mdl=typical_mdl,
        planning_alpha=summary["alpha"],
        posts=used,
        warnings=zone_warnings(used["published"], options.timezone),
    )


def window_effects(result: AnalysisResult) -> tuple[np.ndarray, np.ndarray]:
    """Shrunken mean residual of every window of the grid (index = window id) and its
    shrunken lift against the baseline.

    Tested windows keep the analysis' own estimate (theta, METHOD.md section 5); a window
    with too few posts to test is shrunk the same way towards the common centre, with the
    between-window variance of the tested windows, and an empty window gets the centre.
    """
    table = result.windows.sort_values("window")
    n = table["n"].to_numpy(dtype=float)
    mean = table["mean"].to_numpy(dtype=float)
    tested = table["tested"].to_numpy(dtype=bool)
    residuals = result.posts["residual"].to_numpy()
    within = result.residual_sd**2 if np.isfinite(result.residual_sd) else np.nan
    mu, tau2 = (float(residuals.mean()) if len(residuals) else 0.0), 0.0
    theta = np.full(len(table), mu)
    if tested.sum() >= 2 and within > 0:
        shrunk = stats.shrink(mean[tested], n[tested], within)
        theta = shrunk.extend(mean, n, within)
        mu, tau2 = shrunk.mu, shrunk.tau2
    fitted = table["theta"].to_numpy(dtype=float) if "theta" in table else np.full(len(n), np.nan)
    theta = np.where(tested & np.isfinite(fitted), fitted, theta)
    # Lifts are against the baseline's own shrunken mean, as in the analysis (METHOD.md §10).
    share = np.where(tested & table["in_baseline"].to_numpy(dtype=bool), n, 0.0)
    if tau2 == 0:
        reference = mu
    elif share.sum() > 0:
        reference = float(share @ theta / share.sum())
    else:
        reference = result.baseline_mean
    lift = np.exp(theta - reference) if np.isfinite(reference) else np.full(len(theta), np.nan)
    return theta, lift


#: a post type needs this many posts for its own analysis under --by-type.
MIN_TYPE_POSTS = 30


def analyze_by_type(posts: pd.DataFrame, options: AnalysisOptions | None = None, *,
                    page: str | None = None,
                    dropped: dict[str, int] | None = None) -> dict[str, AnalysisResult]:
    """Best windows per post type, each type tested on its own posts.

    Types with fewer than MIN_TYPE_POSTS posts are left out. Returns type -> result, the
    most common type first.
    """
    options = options or AnalysisOptions()
    counts = posts["type"].value_counts(sort=False)
    order = sorted((t for t in POST_TYPES if counts.get(t, 0) >= MIN_TYPE_POSTS),
                   key=lambda t: (-counts[t], POST_TYPES.index(t)))
    if not order:
        raise NoDataError(
            f"no post type has {MIN_TYPE_POSTS} posts to analyse on its own; "
            f"posts per type: {', '.join(f'{t} {n}' for t, n in counts.items() if n)}"
        )
    return {t: analyze(posts, replace(options, post_type=t), page=page, dropped=dropped)
            for t in order}
