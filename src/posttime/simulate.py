"""Synthetic Facebook pages with a known truth, and writers for the real export formats.

The generator draws a page's posts from a model with the features that make posting-time
analysis hard on real pages: very uneven posting times, heavy-tailed engagement, a few viral
posts, follower counts that grow or shrink (with a sudden drop), and a post-type mix that
changes with the hour and over time. Because the timing effect is set by the caller, tests can
check what the analysis finds against what is really there.

Model (all hours and weekdays in the audience zone ``PageSpec.tz``):

- Posting days over ``years`` with weekday weights Mon..Sun ``WEEKDAY_WEIGHTS`` and a mild
  seasonal swing; posting hours from ``HOUR_WEIGHTS`` (peak 9-14, almost none at night).
  With ``confounding`` the baseline hours (Mon-Fri 10-14) get ``BASELINE_BONUS`` times more
  posts and evening posting (17-24) rises over the period (x0.37 at the start, x2.7 at the end).
- Post types photo/link/video/text with shares ``TYPE_SHARES`` and engagement multipliers
  ``TYPE_MULTIPLIERS``. With ``confounding`` links are more common in the morning and rarer in
  the evening, and the video share rises over the period (and is higher in the evening); the
  overall shares stay at ``TYPE_SHARES``.
- Followers: a starting count (log-uniform 5,000-100,000 unless given), growing or shrinking
  by a factor drawn log-uniformly in 0.6-3 over the period, with a sudden -30% step at a
  random time (20%-80% of the way). Without ``confounding`` followers are flat.
- A post's expected interactions are multiplied by its type multiplier, the timing effect
  (``truth``), any planted lift, a viral factor (2% of posts, x10-x50) and the page ``level``.
  Half of each multiplier (on the log scale) acts through reach and half through the
  interactions per person reached:
  reach ~ Poisson(0.1 x followers x sqrt(multipliers) x lognormal noise (sd 0.2-0.35));
  interactions ~ NegativeBinomial(mean = reach x rate x sqrt(multipliers) x quality x level,
  size drawn in 1-8), with a per-page rate (log-uniform 2%-6%) and lognormal post quality
  (sd drawn in 0.5-0.6). Reactions, comments and shares split the interactions by type-specific
  shares; clicks are negative binomial around reach x a type-specific click rate with the same
  timing multiplier; views are reach plus Poisson extra views (1.2-1.9 views per person).
- About ``paid_share`` of posts are boosted: reach x2-x5, flagged ``paid``.
- The export is taken 1-4 days after the last post; posts younger than a few days have not
  collected all their engagement yet (expected reach x (1 - exp(-age / 1.2 days))).

Everything is drawn from ``numpy.random.default_rng(seed)`` (split into independent streams
for page parameters, posting times, forcing of planted windows, post types and outcomes), so
the same spec gives the same table, and specs differing only in ``timing``, ``level`` or
``followers`` share the same posting times and post types (and planted windows without
``n_posts`` too).

Writers produce the Meta Business Suite post export (``write_business_suite``) and the classic
Page Insights post-level export (``write_legacy``) with the real files' columns, quoting,
byte-order mark and date formats, in the export's zone.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from posttime.schema import POST_TYPES

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: posting weight of each weekday, Mon..Sun
WEEKDAY_WEIGHTS = np.array([1.0, 1.1, 1.15, 1.1, 1.0, 0.45, 0.35])

#: posting weight of each hour of the day (audience zone): peak 9-14, almost none at night
HOUR_WEIGHTS = np.array(
    [0.02, 0.01, 0.01, 0.01, 0.01, 0.03, 0.12, 0.40, 0.75, 1.00, 1.10, 1.15,
     1.15, 1.10, 1.00, 0.85, 0.70, 0.60, 0.55, 0.50, 0.45, 0.35, 0.20, 0.06]
)  # fmt: skip

TYPES = ("photo", "link", "video", "text")
#: code of each of TYPES among the schema's post types
_SCHEMA_TYPE = np.array([POST_TYPES.index(t) for t in TYPES], dtype=np.int8)
TYPE_SHARES = np.array([0.45, 0.30, 0.15, 0.10])
#: multiplier of expected interactions per type
TYPE_MULTIPLIERS = np.array([1.0, 0.45, 1.6, 2.0])
#: share of reactions, comments, shares in the interactions of each type
TYPE_SPLIT = np.array(
    [[0.85, 0.09, 0.06], [0.70, 0.14, 0.16], [0.76, 0.11, 0.13], [0.72, 0.23, 0.05]]
)
#: clicks per person reached, per type
CLICK_RATES = np.array([0.05, 0.07, 0.03, 0.015])

#: the common advice that the analysis tests: Mon-Fri 10:00-14:00
BASELINE = (range(0, 5), 10, 14)

# Confounding (PageSpec.confounding=True)
BASELINE_BONUS = 1.6  # extra posting weight in the baseline hours
EVENING_DRIFT = 2.0  # log change of evening posting weight from start to end of the period
LINK_MORNING, LINK_EVENING = 1.0, -1.0  # log-odds shift of links at 5-11 and 17-24
VIDEO_DRIFT, VIDEO_EVENING = 1.4, 0.6  # log-odds of video: change over the period; evening
FOLLOWER_STEP = 0.7  # the sudden -30% step

VIRAL_SHARE, VIRAL_RANGE = 0.02, (10.0, 50.0)

_TIMINGS = ("null", "smooth", "evening", "morning")


@dataclass(frozen=True)
class Planted:
    """A planted multiplicative lift of expected interactions in one window (audience zone)."""

    weekday: int  # 0=Mon .. 6=Sun
    start: int  # hour, inclusive
    end: int  # hour, exclusive
    lift: float  # e.g. 2.0
    n_posts: int | None = None  # if set, move posts so that about this many fall in the window


@dataclass(frozen=True)
class PageSpec:
    """What to simulate. Weekdays and hours are those of the audience zone ``tz``."""

    n_posts: int = 1500
    years: float = 2.0
    seed: int = 0
    timing: str = "null"  # "null", "smooth", "evening" (peak 18-22) or "morning" (peak 7-11)
    timing_strength: float = 1.0  # scale of the timing effect on the log scale
    planted: tuple[Planted, ...] = ()
    confounding: bool = True
    tz: str = "America/Los_Angeles"
    page_id: str = "100000000000001"
    page_name: str = "Sample Page"
    start: str = "2023-01-02"  # first day (audience zone)
    level: float = 1.0  # overall engagement multiplier
    paid_share: float = 0.02  # share of boosted posts
    followers: float | None = None  # followers at the start; None draws 5,000-100,000

    def __post_init__(self) -> None:
        if self.timing not in _TIMINGS:
            raise ValueError(f"timing must be one of {_TIMINGS}, not {self.timing!r}")
        if self.n_posts < 1 or self.years <= 0:
            raise ValueError("n_posts must be >= 1 and years > 0")
        for p in self.planted:
            if not (0 <= p.weekday <= 6 and 0 <= p.start < p.end <= 24 and p.lift > 0):
                raise ValueError(f"bad planted window {p}")


# --------------------------------------------------------------------------------------
# The truth
# --------------------------------------------------------------------------------------


def _bump(centre: float, width: float) -> np.ndarray:
    x = np.arange(24) + 0.5
    return np.exp(-0.5 * ((x - centre) / width) ** 2)


def _timing_log(timing: str) -> np.ndarray:
    """Log multiplier of expected interactions per (weekday, hour), before strength."""
    if timing == "null":
        return np.zeros((7, 24))
    if timing == "smooth":
        # Weekends weaker, a lunchtime bump and a stronger early-evening peak (best: Wed
        # 19-20, 1.33x the flat level; Sun mornings 0.8x). The best hours lie partly outside
        # the baseline, as on many real pages.
        weekday = 0.4 * (WEEKDAY_WEIGHTS - 1.0)  # Wed +0.06 .. Sun -0.26
        hour = 0.10 * _bump(12.5, 2.5) + 0.22 * _bump(19.5, 2.0)
        return weekday[:, None] + hour[None, :]
    if timing == "evening":
        return np.tile(0.20 * _bump(20.0, 1.6), (7, 1))
    return np.tile(0.20 * _bump(9.0, 1.6), (7, 1))  # morning


def _truth_log(spec: PageSpec) -> np.ndarray:
    out = spec.timing_strength * _timing_log(spec.timing)
    for p in spec.planted:
        out[p.weekday, p.start : p.end] += np.log(p.lift)
    return out


def truth(spec: PageSpec) -> pd.DataFrame:
    """The true multiplicative effect on expected interactions per weekday (rows, 0=Mon) and
    hour (columns 0-23) of the audience zone: timing effect times planted lifts."""
    return pd.DataFrame(
        np.exp(_truth_log(spec)),
        index=pd.RangeIndex(7, name="weekday"),
        columns=pd.RangeIndex(24, name="hour"),
    )


def _hour_weights(weekday: np.ndarray, t: np.ndarray, confounding: bool) -> np.ndarray:
    """Posting weight per hour for posts on ``weekday`` at time fraction ``t`` (n x 24)."""
    w = np.broadcast_to(HOUR_WEIGHTS, (len(t), 24)).copy()
    if confounding:
        hours = np.arange(24)
        base = (weekday[:, None] < 5) & (hours >= 10) & (hours < 14)
        w[base] *= BASELINE_BONUS
        w[:, 17:] *= np.exp(EVENING_DRIFT * (t[:, None] - 0.5))
    return w


def posting_density(spec: PageSpec) -> pd.DataFrame:
    """Expected share of posts per weekday (rows) and hour (columns), averaged over the period
    (without the posts moved into planted windows)."""
    grid_t = (np.arange(200) + 0.5) / 200
    dens = np.zeros((7, 24))
    for wd in range(7):
        w = _hour_weights(np.full(len(grid_t), wd), grid_t, spec.confounding)
        dens[wd] = WEEKDAY_WEIGHTS[wd] * (w / w.sum(axis=1, keepdims=True)).mean(axis=0)
    return pd.DataFrame(
        dens / dens.sum(),
        index=pd.RangeIndex(7, name="weekday"),
        columns=pd.RangeIndex(24, name="hour"),
    )


def _mask(weekdays, start: int, end: int) -> np.ndarray:
    if isinstance(weekdays, int | np.integer):
        weekdays = [weekdays]
    m = np.zeros((7, 24), dtype=bool)
    m[np.asarray(list(weekdays))[:, None], np.arange(start, end)[None, :]] = True
    return m


def true_lift(spec: PageSpec, weekday, start: int, end: int, versus=None) -> float:
    """True lift of a window over the baseline, as the analysis measures it.

    ``weekday`` is one weekday (0=Mon) or several; the window is hours ``start``-``end``
    (end exclusive). ``versus`` is another ``(weekdays, start, end)`` group, by default the
    baseline Mon-Fri 10-14; posts of the window are left out of it (the method compares W
    with B minus W). Both sides are posting-weighted geometric means of ``truth``, so the
    result is exp(difference of mean log effect), the quantity the residual means estimate.
    """
    w = _mask(weekday, start, end)
    b = _mask(*(versus or BASELINE)) & ~w
    if not b.any():
        raise ValueError("the comparison group is empty")
    log_t = _truth_log(spec)
    dens = posting_density(spec).to_numpy()

    def gmean(m):
        return float((log_t[m] * dens[m]).sum() / dens[m].sum())

    diff = gmean(w) - gmean(b)
    return 1.0 if abs(diff) < 1e-12 else float(np.exp(diff))  # exact ties stay ties


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


def _draw_categories(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of ``weights`` (n x k), with probabilities proportional to it."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(len(weights)) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), weights.shape[1] - 1)


def _force_planted(rng, spec, day, weekday, hour, n_days, start_wd):
    """Move posts in or out of planted windows that ask for ``n_posts``."""
    taken = np.zeros(len(day), dtype=bool)
    for p in spec.planted:
        inside = (weekday == p.weekday) & (hour >= p.start) & (hour < p.end)
        if p.n_posts is None:
            taken |= inside
            continue
        k = int(inside.sum())
        if k < p.n_posts:
            pool = np.flatnonzero(~inside & ~taken)
            move = rng.choice(pool, size=min(p.n_posts - k, len(pool)), replace=False)
            new_day = day[move] + (p.weekday - weekday[move])
            new_day = np.where(new_day < 0, new_day + 7, new_day)
            new_day = np.where(new_day >= n_days, new_day - 7, new_day)
            day[move] = new_day
            weekday[move] = (start_wd + new_day) % 7
            hour[move] = rng.integers(p.start, p.end, size=len(move))
        elif k > p.n_posts:
            move = rng.choice(np.flatnonzero(inside), size=k - p.n_posts, replace=False)
            w = HOUR_WEIGHTS.copy()
            w[p.start : p.end] = 0.0
            hour[move] = rng.choice(24, size=len(move), p=w / w.sum())
        taken |= (weekday == p.weekday) & (hour >= p.start) & (hour < p.end)


def simulate_posts(spec: PageSpec) -> pd.DataFrame:
    """Simulate one page's posts as a clean post table (``posttime.schema``), sorted by time.

    ``published`` and ``as_of`` are in UTC; ``post_id`` is the numeric post id (the legacy
    writer adds the ``PAGEID_`` prefix); ``as_of`` is 1-4 days after the newest post.
    """
    n = spec.n_posts
    root = np.random.default_rng(spec.seed)
    r_page, r_time, r_force, r_type, r_out = root.spawn(5)

    # --- page parameters
    f0 = float(np.exp(r_page.uniform(np.log(5_000), np.log(100_000))))
    f0 = spec.followers or f0  # drawn anyway, so the other draws do not move
    growth = float(np.exp(r_page.uniform(np.log(0.6), np.log(3.0))))
    step_at = r_page.uniform(0.2, 0.8)
    rate = float(np.exp(r_page.uniform(np.log(0.02), np.log(0.06))))
    nb_size = r_page.uniform(1.0, 8.0)
    quality_sd = r_page.uniform(0.5, 0.6)
    reach_sd = r_page.uniform(0.2, 0.35)
    views_per_reach = r_page.uniform(1.2, 1.9)
    phase = r_page.uniform(0, 2 * np.pi)
    id_base = int(r_page.integers(10**14, 9 * 10**14)) + 10**15

    # --- posting times (audience zone)
    start = pd.Timestamp(spec.start)
    start_wd = start.weekday()
    n_days = max(7, round(spec.years * 365.25))
    days = np.arange(n_days)
    w_day = WEEKDAY_WEIGHTS[(start_wd + days) % 7] * (
        1.0 + 0.25 * np.sin(2 * np.pi * days / 365.25 + phase)
    )
    day = r_time.choice(n_days, size=n, p=w_day / w_day.sum())
    weekday = (start_wd + day) % 7
    hour = _draw_categories(r_time, _hour_weights(weekday, (day + 0.5) / n_days, spec.confounding))
    scheduled = r_time.random(n)
    minute = np.where(
        scheduled < 0.45, 0, np.where(scheduled < 0.55, 30, r_time.integers(0, 60, size=n))
    )
    second = r_time.integers(0, 60, size=n)
    if spec.planted:
        _force_planted(r_force, spec, day, weekday, hour, n_days, start_wd)

    offset = ((day * 24 + hour) * 60 + minute) * 60 + second
    local = pd.DatetimeIndex(start.to_datetime64() + offset.astype("timedelta64[s]"))
    published = local.tz_localize(
        spec.tz, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward"
    ).tz_convert("UTC")
    order = np.argsort(published.asi8, kind="stable")
    published = published[order]
    loc = published.tz_convert(spec.tz)
    weekday = np.asarray(loc.day_of_week)
    hour = np.asarray(loc.hour)
    t = np.clip(
        (loc.tz_localize(None) - start).total_seconds().to_numpy() / (n_days * 86400.0), 0, 1
    )

    # --- post types
    logit = np.broadcast_to(np.log(TYPE_SHARES), (n, 4)).copy()
    if spec.confounding:
        evening = hour >= 17
        logit[:, 1] += np.where((hour >= 5) & (hour < 11), LINK_MORNING, 0.0)
        logit[:, 1] += np.where(evening, LINK_EVENING, 0.0)
        logit[:, 2] += VIDEO_DRIFT * (t - 0.5) + np.where(evening, VIDEO_EVENING, 0.0)
        for _ in range(6):  # keep the overall shares at TYPE_SHARES
            p = np.exp(logit)
            p /= p.sum(axis=1, keepdims=True)
            logit += np.log(TYPE_SHARES / p.mean(axis=0))
    p = np.exp(logit)
    type_idx = _draw_categories(r_type, p)

    # --- outcomes
    as_of = published[-1] + pd.Timedelta(seconds=round(r_out.uniform(1, 4) * 86400))
    as_of = as_of.floor("min")
    age_days = (as_of - published).total_seconds().to_numpy() / 86400.0
    complete = 1.0 - np.exp(-age_days / 1.2)

    if spec.confounding:
        followers = f0 * growth**t * np.where(t > step_at, FOLLOWER_STEP, 1.0)
    else:
        followers = np.full(n, f0)
    viral = np.where(r_out.random(n) < VIRAL_SHARE, r_out.uniform(*VIRAL_RANGE, size=n), 1.0)
    paid = r_out.random(n) < spec.paid_share
    paid_boost = np.where(paid, r_out.uniform(2.0, 5.0, size=n), 1.0)
    timing_log = _truth_log(spec)[weekday, hour]
    half = 0.5 * (np.log(TYPE_MULTIPLIERS[type_idx]) + timing_log + np.log(viral))
    reach_noise = r_out.normal(0.0, reach_sd, size=n)
    lam_reach = 0.1 * followers * np.exp(half + reach_noise) * complete * paid_boost
    reach = r_out.poisson(lam_reach)
    quality = np.exp(r_out.normal(0.0, quality_sd, size=n))
    mu = np.maximum(reach * rate * np.exp(half) * quality * spec.level, 1e-9)
    interactions = r_out.negative_binomial(nb_size, nb_size / (nb_size + mu))
    split = TYPE_SPLIT[type_idx]
    reactions = r_out.binomial(interactions, split[:, 0])
    comments = r_out.binomial(interactions - reactions, split[:, 1] / (1.0 - split[:, 0]))
    shares = interactions - reactions - comments
    mu_clicks = np.maximum(
        reach * CLICK_RATES[type_idx] * np.exp(0.5 * timing_log) * np.sqrt(quality), 1e-9
    )
    clicks = r_out.negative_binomial(2.0, 2.0 / (2.0 + mu_clicks))
    views = reach + r_out.poisson(reach * (views_per_reach - 1.0))

    post_ids = id_base + np.cumsum(r_page.integers(10**7, 10**10, size=n))
    # Built in the schema's dtypes directly (conform would convert every column again).
    def text(value) -> pd.arrays.StringArray:
        return pd.array(np.full(n, value, dtype=object), dtype="string")

    return pd.DataFrame(
        {
            "post_id": pd.array(post_ids.astype(str).astype(object), dtype="string"),
            "page_id": text(spec.page_id),
            "page_name": text(spec.page_name),
            "published": published.as_unit("ns"),
            "type": pd.Categorical.from_codes(_SCHEMA_TYPE[type_idx], categories=POST_TYPES),
            "reach": reach.astype(float),
            "views": views.astype(float),
            "reactions": reactions.astype(float),
            "comments": comments.astype(float),
            "shares": shares.astype(float),
            "interactions": interactions.astype(float),
            "clicks": clicks.astype(float),
            "paid": paid,
            "source": text("sim"),
            "as_of": pd.DatetimeIndex(np.full(n, as_of.as_unit("ns"))),
            "title": text(pd.NA),  # the export writers make up titles and permalinks
            "permalink": text(pd.NA),
        }
    )


# --------------------------------------------------------------------------------------
# Writers for the real export formats
# --------------------------------------------------------------------------------------

_TITLES = np.array(
    [
        "Fresh out of the oven this morning",
        "New this week: seasonal specials 🍂",
        "Thank you for ten great years!",
        "Weekend hours: open 8-4",
        "Behind the scenes with our team",
        "Read the full story on our blog",
        "A customer favourite, back by popular demand",
        "Quick tip: keep it fresh for longer",
        "Join us this Saturday, everyone welcome",
        "What's your favourite? Tell us below 👇",
        "Sneak peek at next week's menu",
        "Our story, in 60 seconds",
        'Meet "Big Ben", our new oven',
        "Café au lait & croissant, the perfect pair ☕",
        "We're hiring! Part-time, mornings",
        "Closed Monday for the holiday",
        "Five things you didn't know about sourdough",
        "Live from the market stall",
        "Gift cards are back in stock",
        "Rain or shine, we're open",
    ]
)
_SECOND_LINES = np.array(
    [
        "\nOrder online: https://example.com/order",
        "\n\n#local #smallbusiness",
        "\nTag a friend who needs this!",
        "\nPhoto: our team, as always",
    ]
)
_BS_TYPES = {"photo": "Photos", "link": "Links", "video": "Videos", "text": "Text",
             "reel": "Reels", "other": "Photos"}  # fmt: skip
_LEGACY_TYPES = {"photo": "Photo", "link": "Link", "video": "Video", "text": "Status",
                 "reel": "Video", "other": "Photo"}  # fmt: skip
_B58 = np.array(list("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"))

BUSINESS_SUITE_COLUMNS = (
    "Post ID", "Page ID", "Page name", "Title", "Description", "Duration (sec)",
    "Publish time", "Caption type", "Permalink", "Is crosspost", "Is share", "Post type",
    "Languages", "Custom labels", "Funded content status", "Data comment", "Date", "Views",
    "Views from Organic posts", "Views from Boosted posts", "Reach",
    "Reach from Organic posts", "Reach from Boosted posts", "3-second video views",
    "1-minute video views", "3-Second viewers", "1-minute viewers",
    "3-second video views from Boosted posts", "3-second video views from Organic posts",
    "Reactions, Comments and Shares", "Reactions", "Comments", "Shares", "Seconds viewed",
    "Average Seconds viewed",
)  # fmt: skip

# (name, description) of the classic post-level export, in the order of its newest copies
_L = "Lifetime: "
_V95 = "Number of times your video was viewed to 95% of its length"
_V3 = "Number of times your video was viewed"
LEGACY_COLUMNS = (
    ("Post ID", ""), ("Permalink", ""), ("Post Message", ""), ("Type", ""),
    ("Countries", ""), ("Languages", ""), ("Posted", ""), ("Audience Targeting", ""),
    ("Lifetime Post Total Reach", _L + "The number of people who had your Page's post enter "
     "their screen. Posts include statuses, photos, links, videos and more. (Unique Users)"),
    ("Lifetime Post organic reach", _L + "The number of people who had your Page's post "
     "enter their screen through unpaid distribution. (Unique Users)"),
    ("Lifetime Post Paid Reach", _L + "The number of people who had your Page's post enter "
     "their screen through paid distribution such as an ad. (Unique Users)"),
    ("Lifetime Post Total Impressions", _L + "The number of times your Page's post entered a "
     "person's screen. Posts include statuses, photos, links, videos and more. (Total Count)"),
    ("Lifetime Post Organic Impressions", _L + "The number of times your Page's posts entered "
     "a person's screen through unpaid distribution. (Total Count)"),
    ("Lifetime Post Paid Impressions", _L + "The number of times your Page's post entered a "
     "person's screen through paid distribution such as an ad. (Total Count)"),
    ("Lifetime Engaged Users", _L + "The number of unique people who engaged in certain ways "
     "with your Page post, for example by commenting on, liking, sharing, or clicking upon "
     "particular elements of the post. (Unique Users)"),
    ("Lifetime Post Consumers", _L + "The number of people who clicked anywhere in your "
     "post. (Unique Users)"),
    ("Lifetime Post Consumptions", _L + "The number of clicks anywhere in your post. "
     "(Total Count)"),
    ("Lifetime Negative feedback", _L + "The number of people who have given negative "
     "feedback to your post. (Unique Users)"),
    ("Lifetime Negative Feedback from Users", _L + "The number of times people have given "
     "negative feedback to your post. (Total Count)"),
    ("Lifetime Post Impressions by people who have liked your Page", _L + "The number of "
     "impressions of your Page post to people who have liked your Page. (Total Count)"),
    ("Lifetime Post reach by people who like your Page", _L + "The number of people who saw "
     "your Page post because they've liked your Page (Unique Users)"),
    ("Lifetime Post Paid Impressions by people who have liked your Page", _L + "The number of "
     "paid impressions of your Page post to people who have liked your Page. (Total Count)"),
    ("Lifetime Paid reach of a post by people who like your Page", _L + "The number of people "
     "who like your Page and who saw your Page post in an ad or sponsored story. "
     "(Unique Users)"),
    ("Lifetime People who have liked your Page and engaged with your post", _L + "The number "
     "of people who have liked your Page and clicked anywhere in your posts. (Unique Users)"),
    ("Lifetime Organic views to 95%", _L + _V95 + " without any paid promotion. "
     "(Unique Users)"),
    ("Lifetime Organic views to 95%", _L + _V95 + " without any paid promotion. "
     "(Total Count)"),
    ("Lifetime Paid views to 95%", _L + _V95 + " after paid promotion. (Unique Users)"),
    ("Lifetime Paid views to 95%", _L + _V95 + " after paid promotion. (Total Count)"),
    ("Lifetime Organic Video Views", _L + _V3 + " for more than 3 seconds without any paid "
     "promotion. (Unique Users)"),
    ("Lifetime Organic Video Views", _L + _V3 + " for more than 3 seconds without any paid "
     "promotion. (Total Count)"),
    ("Lifetime Paid Video Views", _L + _V3 + " more than 3 seconds after paid promotion. "
     "(Unique Users)"),
    ("Lifetime Paid Video Views", _L + _V3 + " more than 3 seconds after paid promotion. "
     "(Total Count)"),
    ("Lifetime Average time video viewed", _L + "Average time video viewed (Total Count)"),
    ("Lifetime Video length", _L + "Length of a video post (Total Count)"),
    ("Lifetime Talking About This (Post) by action type - like", _L + "The number of unique "
     "people who created a story about your Page post by interacting with it. (Unique Users)"),
    ("Lifetime Talking About This (Post) by action type - share", ""),
    ("Lifetime Talking About This (Post) by action type - comment", ""),
    ("Lifetime Post Stories by action type - like", _L + "The number of stories created about "
     "your Page post, by action type. (Total Count)"),
    ("Lifetime Post Stories by action type - share", ""),
    ("Lifetime Post Stories by action type - comment", ""),
    ("Lifetime Post consumers by type - other clicks", _L + "The number of people who clicked "
     "anywhere in your post, by type. (Unique Users)"),
    ("Lifetime Post consumers by type - link clicks", ""),
    ("Lifetime Post consumers by type - photo view", ""),
    ("Lifetime Post Consumptions by type - other clicks", _L + "The number of clicks anywhere "
     "in your post, by type. (Total Count)"),
    ("Lifetime Post Consumptions by type - link clicks", ""),
    ("Lifetime Post Consumptions by type - photo view", ""),
    ("Lifetime Negative Feedback from Users by Type - hide_clicks", _L + "The number of times "
     "people have given negative feedback to your post, by type. (Total Count)"),
    ("Lifetime Negative Feedback from Users by Type - hide_all_clicks", ""),
    ("Lifetime Negative feedback - hide_clicks", _L + "The number of people who have given "
     "negative feedback to your post, by type. (Unique Users)"),
    ("Lifetime Negative feedback - hide_all_clicks", ""),
)  # fmt: skip


def _quote(s: pd.Series) -> list[str]:
    """Quote like the real exports: only fields holding a space, comma, quote or line end."""
    s = pd.Series(s, dtype=object).astype(str)
    needs = s.str.contains(r'[ ,"\n\r]', regex=True)
    return s.where(~needs, '"' + s.str.replace('"', '""', regex=False) + '"').tolist()


def _count(x, blank_zero: bool = False) -> np.ndarray:
    """Counts as text (never quoted); zeros blank if ``blank_zero``."""
    s = np.asarray(x, dtype=float).round().astype(np.int64).astype(str)
    return np.where(s == "0", "", s) if blank_zero else s


def _write_rows(path, header_rows: list[list[str]], cols: list) -> None:
    """Write rows of fields: a ``pd.Series`` column is text (quoted where needed), a numpy
    array is written as it is (numbers, blanks)."""
    fields = [_quote(c) if isinstance(c, pd.Series) else c.tolist() for c in cols]
    head = [",".join(_quote(pd.Series(r))) for r in header_rows]
    lines = map(",".join, zip(*fields, strict=True))
    text = "\n".join([*head, *lines]) + "\n"
    Path(path).write_bytes(text.encode("utf-8-sig"))


def _writer_rng(posts: pd.DataFrame, salt: int) -> np.random.Generator:
    key = f"{len(posts)}|{posts['post_id'].iloc[0] if len(posts) else ''}|{salt}"
    return np.random.default_rng(zlib.crc32(key.encode()))


def _titles(rng: np.random.Generator, n: int) -> pd.Series:
    first = _TITLES[rng.integers(0, len(_TITLES), size=n)]
    second = np.where(
        rng.random(n) < 0.15, _SECOND_LINES[rng.integers(0, len(_SECOND_LINES), size=n)], ""
    )
    return pd.Series(np.char.add(first.astype(str), second.astype(str)))


def _slug(names: pd.Series) -> pd.Series:
    return names.astype(str).str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def _local_times(published: pd.Series, export_tz: str, fmt: str) -> pd.Series:
    return published.dt.tz_convert(export_tz).dt.strftime(fmt).reset_index(drop=True)


def _int(s: pd.Series) -> np.ndarray:
    return s.fillna(0).to_numpy(dtype=float).round().astype(np.int64)


def write_business_suite(posts: pd.DataFrame, path, export_tz: str = "America/Los_Angeles") -> None:
    """Write ``posts`` as a Meta Business Suite post export (Views era, 35 columns).

    UTF-8 with a byte-order mark, one header row, LF line ends, fields quoted only where they
    hold a space, comma, quote or line end; some titles span two lines; rows newest first with
    a few out of place; ``Publish time`` as ``MM/DD/YYYY HH:MM`` in ``export_tz``; ``Date`` is
    ``Lifetime``; boosted posts say ``Boosted`` in ``Funded content status``. Several pages
    may share one file (``Page ID`` and ``Page name`` come from each row).
    """
    rng = _writer_rng(posts, 1)
    n = len(posts)
    # newest first, a few rows out of place (as in real files)
    newest_first = np.argsort(-pd.DatetimeIndex(posts["published"]).asi8, kind="stable")
    key = np.arange(n, dtype=float)
    stray = rng.random(n) < 0.05
    key[stray] = rng.uniform(0, n, size=int(stray.sum()))
    order = newest_first[np.argsort(key, kind="stable")]
    p = posts.iloc[order].reset_index(drop=True)

    typ = p["type"].astype(str)
    video = (typ == "video").to_numpy() | (typ == "reel").to_numpy()
    paid = p["paid"].to_numpy(dtype=bool)
    reach, views = _int(p["reach"]), _int(p["views"])
    boost_share = np.where(paid, rng.uniform(0.5, 0.8, size=n), 0.0)
    reach_boost = np.round(reach * boost_share).astype(np.int64)
    views_boost = np.round(views * boost_share).astype(np.int64)
    title = _titles(rng, n)
    duration = np.where(video, rng.integers(15, 181, size=n), 0)
    v3 = np.where(video, rng.binomial(np.maximum(views, 0), 0.35), 0)
    v60 = rng.binomial(v3, 0.25)
    seconds = v3 * rng.uniform(3.0, 15.0, size=n)
    avg_seconds = np.where(v3 > 0, seconds / np.maximum(views, 1), 0.0)
    caption = np.where(
        video, np.array(["N/A", "auto", "mixed", "uploaded"])[rng.integers(0, 4, n)], "N/A"
    )
    slug = _slug(p["page_name"])
    pid = p["post_id"].astype(str)
    pfbid = np.ascontiguousarray(_B58[rng.integers(0, len(_B58), size=(n, 64))])
    pfbid = pfbid.view("<U64").ravel()
    permalink = np.where(
        video,
        "https://www.facebook.com/" + slug + "/videos/" + pid + "/",
        "https://www.facebook.com/" + slug + "/posts/pfbid0" + pfbid,
    )
    blank = np.full(n, "")

    def for_video(x) -> np.ndarray:
        return np.where(video, _count(x), "0")

    def decimals(x) -> np.ndarray:
        return np.where(video, np.round(x, 3).astype(str), "")

    cols = [
        pid,
        p["page_id"].astype(str),
        p["page_name"].astype(str),
        title,
        pd.Series(np.where(video, title, "")),
        _count(duration),
        _local_times(p["published"], export_tz, "%m/%d/%Y %H:%M"),
        pd.Series(caption),
        pd.Series(permalink),
        np.where(video, rng.integers(0, 2, n), 0).astype(str),
        np.where(rng.random(n) < 0.01, "1", "0"),
        typ.map(_BS_TYPES),
        blank,
        blank,
        pd.Series(np.where(paid, "Boosted", "")),
        blank,
        np.full(n, "Lifetime"),
        _count(views),
        _count(views - views_boost),
        _count(views_boost),
        _count(reach),
        _count(reach - reach_boost),
        _count(reach_boost),
        for_video(v3),
        for_video(v60),
        for_video(np.round(v3 * 0.9)),
        for_video(np.round(v60 * 0.95)),
        _count(np.zeros(n)),
        _count(v3),
        _count(_int(p["interactions"])),
        _count(_int(p["reactions"])),
        _count(_int(p["comments"])),
        _count(_int(p["shares"])),
        decimals(seconds),
        decimals(avg_seconds),
    ]
    _write_rows(path, [list(BUSINESS_SUITE_COLUMNS)], cols)


def write_legacy(posts: pd.DataFrame, path, export_tz: str = "America/Los_Angeles") -> None:
    """Write ``posts`` as a classic Page Insights post-level export (50 columns).

    UTF-8 with a byte-order mark, two header rows (names, then descriptions), rows newest
    first, ``Posted`` as ``MM/DD/YYYY hh:mm:ss AM/PM`` in ``export_tz``, ``Post ID`` as
    ``PAGEID_POSTID``, blank cells for zeros in the "by type" breakdown columns.
    """
    rng = _writer_rng(posts, 2)
    p = posts.sort_values("published", ascending=False, kind="stable").reset_index(drop=True)
    n = len(p)
    typ = p["type"].astype(str)
    video = ((typ == "video") | (typ == "reel")).to_numpy()
    is_link = (typ == "link").to_numpy()
    is_photo = (typ == "photo").to_numpy()
    paid = p["paid"].to_numpy(dtype=bool)
    reach, views = _int(p["reach"]), _int(p["views"])
    clicks = _int(p["clicks"])
    likes, comments, shares = _int(p["reactions"]), _int(p["comments"]), _int(p["shares"])
    interactions = likes + comments + shares

    boost = np.where(paid, rng.uniform(0.5, 0.8, size=n), 0.0)
    reach_paid = np.round(reach * boost).astype(np.int64)
    impr_paid = np.round(views * boost).astype(np.int64)
    fans = rng.uniform(0.55, 0.95, size=n)
    engaged = np.minimum(reach, np.round(0.8 * (interactions + clicks))).astype(np.int64)
    consumers = np.round(clicks * rng.uniform(0.7, 0.95, size=n)).astype(np.int64)
    neg = rng.poisson(reach * 0.0005)
    neg_total = neg + rng.poisson(0.2 * neg)
    v3 = np.where(video, rng.binomial(np.maximum(views, 0), 0.35), 0)
    v95 = rng.binomial(v3, 0.2)
    length_ms = np.where(video, rng.integers(15, 181, size=n) * 1000, 0)
    avg_ms = np.where(v3 > 0, (length_ms * rng.uniform(0.1, 0.5, size=n)).round(), 0)
    # clicks by type: links get link clicks, photos get photo views
    link_c = np.where(is_link, rng.binomial(clicks, 0.55), rng.binomial(clicks, 0.05))
    photo_c = np.where(is_photo, rng.binomial(clicks - link_c, 0.6), 0)
    other_c = clicks - link_c - photo_c

    def uniq(x):
        return np.round(x * 0.93).astype(np.int64)

    slug = _slug(p["page_name"])
    pid = p["post_id"].astype(str).reset_index(drop=True)
    permalink = pd.Series(
        np.where(
            video,
            "https://www.facebook.com/" + slug + "/videos/" + pid + "/",
            "https://www.facebook.com/" + slug + "/posts/" + pid,
        )
    )
    zeros = _count(np.zeros(n))
    blank = np.full(n, "")
    cols = [
        p["page_id"].astype(str).reset_index(drop=True) + "_" + pid,
        permalink,
        _titles(rng, n),
        typ.map(_LEGACY_TYPES).reset_index(drop=True),
        blank,
        blank,
        _local_times(p["published"], export_tz, "%m/%d/%Y %I:%M:%S %p"),
        pd.Series(np.full(n, " ")),
        _count(reach),
        _count(reach - reach_paid),
        _count(reach_paid),
        _count(views),
        _count(views - impr_paid),
        _count(impr_paid),
        _count(engaged),
        _count(consumers),
        _count(clicks),
        _count(neg),
        _count(neg_total),
        _count(np.round(views * fans)),
        _count(np.round(reach * fans * 0.9)),
        zeros,
        zeros,
        _count(np.round(engaged * 0.7)),
        _count(uniq(v95)),
        _count(v95),
        zeros,
        zeros,
        _count(uniq(v3)),
        _count(v3),
        zeros,
        zeros,
        _count(avg_ms),
        _count(length_ms),
        _count(uniq(likes), True),
        _count(uniq(shares), True),
        _count(uniq(comments), True),
        _count(likes, True),
        _count(shares, True),
        _count(comments, True),
        _count(uniq(other_c), True),
        _count(uniq(link_c), True),
        _count(uniq(photo_c), True),
        _count(other_c, True),
        _count(link_c, True),
        _count(photo_c, True),
        _count(neg_total, True),
        blank,
        _count(neg, True),
        blank,
    ]
    names = [c[0] for c in LEGACY_COLUMNS]
    descriptions = [c[1] for c in LEGACY_COLUMNS]
    _write_rows(path, [names, descriptions], cols)
