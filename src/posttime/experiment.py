"""A randomised posting experiment: ``plan`` assigns the coming weeks' posts to windows at
random, ``evaluate`` judges the result with a randomisation test over that assignment.

Everything ``analyze`` reports is an association: a window's posts may do better because of
what was posted there. A plan removes that doubt for the page and period it covers. Each
week's posts are numbered before they are placed (post 1..K of the week); the plan gives
each number an arm (a candidate window or the control, weekdays 10-14) at random, with every
arm getting its share every week, so weeks cannot confound arms and neither can content.

The randomisation test re-draws that assignment many times with the plan's own procedure
(``draw_assignments``) and asks how often a re-drawn assignment gives an arm-control
difference as large as the one observed. It needs no model of the outcome and stays valid
whatever else differs between posts, as long as content was not chosen for its slot.

Core code: it never prints and never reads the command line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from scipy import stats as sps

from posttime.analysis import TARGET_LIFT
from posttime.errors import NoDataError, UsageError
from posttime.jsonout import number
from posttime.stats import POWER, holm
from posttime.windows import BASELINE_HOURS, WEEKDAYS

#: slots of a plan are at least this many minutes apart.
MIN_GAP_MINUTES = 120
#: family-wise level over the candidate arms (Holm), and the interval's level.
ALPHA = 0.05
INTERVAL = 0.90
#: a plan that cannot find a lift below this finds nothing plausible (METHOD.md §9).
PLAUSIBLE_LIFT = 1.5
MAX_CANDIDATES = 3
#: an arm or the control with fewer posts than this gets ``insufficient-data``.
MIN_ARM_POSTS = 5
RESAMPLES = 10_000
DEFAULT_TOLERANCE = 60
#: the longest plan ``weeks_for_1_25`` looks at (five years).
MAX_WEEKS = 260
PLAN_KEYS = ("plan_id", "page", "timezone", "start", "weeks", "posts_per_week", "seed", "arms",
             "slots")

_DAY_NAMES = {name.lower(): i for i, name in enumerate(WEEKDAYS)}
_DAY_NAMES.update({full: i for i, full in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))})
_DAY_GROUPS = {"weekdays": (0, 5), "weekday": (0, 5), "weekends": (5, 7), "weekend": (5, 7),
               "daily": (0, 7), "every day": (0, 7)}


@dataclass(frozen=True)
class Arm:
    """A posting window: hours ``start``-``end`` (end exclusive, audience zone) on ``days``
    (0 = Monday), one day (``Tue 18-20``) or a run of days (``weekdays 18-20``)."""

    days: tuple[int, ...]
    start: int
    end: int
    role: str = "candidate"  # candidate | control

    @property
    def weekday(self) -> str:
        """``Tue`` for one day, ``Mon-Fri`` for a run of days."""
        if len(self.days) == 1:
            return WEEKDAYS[self.days[0]]
        return f"{WEEKDAYS[self.days[0]]}-{WEEKDAYS[self.days[-1]]}"

    @property
    def label(self) -> str:
        days = "weekdays" if self.days == tuple(range(5)) else self.weekday
        return f"{days} {self.start:02d}-{self.end:02d}"

    @property
    def capacity(self) -> int:
        """Most slots a week can hold in this arm, two hours apart."""
        minutes = (self.end - self.start) * 60
        return len(self.days) * ((minutes - 1) // MIN_GAP_MINUTES + 1)

    def overlaps(self, other: Arm) -> bool:
        return bool(set(self.days) & set(other.days)) and (
            self.start < other.end and other.start < self.end)

    def to_dict(self) -> dict:
        return {"window": self.label, "weekday": self.weekday, "start": self.start,
                "end": self.end, "role": self.role}


CONTROL = Arm(days=tuple(range(5)), start=BASELINE_HOURS[0], end=BASELINE_HOURS[1],
              role="control")


def _parse_days(text: str) -> tuple[int, ...] | None:
    text = " ".join(text.lower().split())
    if text in _DAY_GROUPS:
        return tuple(range(*_DAY_GROUPS[text]))
    if text in _DAY_NAMES:
        return (_DAY_NAMES[text],)
    first, sep, last = text.partition("-")
    if sep and first.strip() in _DAY_NAMES and last.strip() in _DAY_NAMES:
        a, b = _DAY_NAMES[first.strip()], _DAY_NAMES[last.strip()]
        if a < b:
            return tuple(range(a, b + 1))
    return None


def parse_arm(text: str, role: str = "candidate") -> Arm:
    """An arm from ``Tue 18-20``, ``weekdays 18-20``, ``Sat-Sun 11-14`` or ``weekend 9-11``.

    Examples
    --------
    >>> parse_arm("Sat-Sun 11-14").label
    'Sat-Sun 11-14'
    >>> parse_arm("weekdays 8-10").days
    (0, 1, 2, 3, 4)
    """
    found = re.fullmatch(r"\s*(.+?)\s+(\d{1,2})\s*-\s*(\d{1,2})\s*", text)
    days = _parse_days(found.group(1)) if found else None
    start, end = (int(found.group(2)), int(found.group(3))) if found else (0, 0)
    if days is None or not 0 <= start < end <= 24:
        raise UsageError(
            f"unknown window {text.strip()!r}; write a weekday or a run of days and hours, "
            "like 'Tue 18-20', 'weekdays 18-20' or 'Sat-Sun 11-14'")
    return Arm(days=days, start=start, end=end, role=role)


def parse_arms(spec: str) -> list[Arm]:
    """Candidate arms from ``--arms "Tue 18-20,Thu 12-14"``, checked against the control and
    each other."""
    arms = [parse_arm(part) for part in spec.split(",") if part.strip()]
    if not arms:
        raise UsageError("--arms names no window; write e.g. --arms 'Tue 18-20,Thu 12-14'")
    for i, arm in enumerate(arms):
        if arm.overlaps(CONTROL):
            raise UsageError(f"window {arm.label} overlaps the control, weekdays 10-14, that "
                             "every arm is compared with; choose hours outside it")
        for other in arms[:i]:
            if arm.overlaps(other):
                raise UsageError(f"windows {other.label} and {arm.label} overlap; each slot "
                                 "must belong to one arm")
    return arms


def draw_assignments(rng: np.random.Generator, weeks: int, per_week: int, arms: int,
                     size: int = 1) -> np.ndarray:
    """``size`` random assignments of each week's posts 1..``per_week`` to ``arms`` arms.

    Every arm gets ``per_week // arms`` posts each week; the remaining posts of a week go
    to different arms chosen at random. Plans and the randomisation test both draw with
    this one function, so the test re-draws exactly the plan's procedure.

    Returns
    -------
    int8 array of shape (size, weeks, per_week): the arm of each week's post.

    Examples
    --------
    >>> out = draw_assignments(np.random.default_rng(1), 2, 5, 2, size=3)
    >>> out.shape, sorted(np.bincount(out[0, 0], minlength=2).tolist())
    ((3, 2, 5), [2, 3])
    """
    base, extra = divmod(per_week, arms)
    pool = np.empty((size, weeks, per_week), dtype=np.int8)
    pool[..., : base * arms] = np.repeat(np.arange(arms, dtype=np.int8), base)
    if extra:
        every = np.broadcast_to(np.arange(arms, dtype=np.int8), (size, weeks, arms))
        pool[..., base * arms:] = rng.permuted(every, axis=2)[..., :extra]
    return rng.permuted(pool, axis=2)


def _arm_counts(weeks, per_week: int, arms: int):
    """Posts each arm gets over the plan (on average)."""
    return weeks * per_week / arms


def detectable_lift(sd: float, n_arm, n_control, candidates: int, power: float = POWER):
    """The lift an arm with ``n_arm`` posts shows against ``n_control`` control posts with
    probability ``power``, at two-sided ``ALPHA / candidates`` (Holm's first step):
    exp((t(1 - a/2, df) + t(power, df)) * sd * sqrt(1/n_arm + 1/n_control)); inf where a
    side has fewer than two posts. Vectorised over the counts.

    Examples
    --------
    >>> round(float(detectable_lift(0.8, 40, 40, 1)), 3)
    1.661
    """
    n_arm, n_control = np.broadcast_arrays(np.asarray(n_arm, dtype=float),
                                           np.asarray(n_control, dtype=float))
    ok = (n_arm >= 2) & (n_control >= 2) & bool(np.isfinite(sd))
    a = ALPHA / candidates
    df = np.where(ok, n_arm + n_control - 2, 1.0)
    z = sps.t.ppf(1 - a / 2, df) + sps.t.ppf(power, df)
    with np.errstate(divide="ignore"):
        spread = sd * np.sqrt(1 / np.where(ok, n_arm, 1.0) + 1 / np.where(ok, n_control, 1.0))
    return np.where(ok, np.exp(z * spread), np.inf)[()]


def power_at(lift: float, sd: float, n_arm: float, n_control: float, candidates: int) -> float:
    """The chance that an arm with true ``lift`` is called better or worse (noncentral t).

    Examples
    --------
    >>> round(power_at(detectable_lift(0.8, 40, 40, 1), 0.8, 40, 40, 1), 2)
    0.8
    """
    a = ALPHA / candidates
    df = n_arm + n_control - 2
    ncp = np.log(lift) / (sd * np.sqrt(1 / n_arm + 1 / n_control))
    crit = sps.t.ppf(1 - a / 2, df)
    return float(sps.nct.sf(crit, df, ncp) + sps.nct.cdf(-crit, df, ncp))


def weeks_needed(sd: float, per_week: int, arms: int, lift: float = TARGET_LIFT) -> int | None:
    """Fewest weeks for ``lift`` to be detectable with ``per_week`` posts over ``arms`` arms
    (control included); None beyond ``MAX_WEEKS``."""
    n = _arm_counts(np.arange(1, MAX_WEEKS + 1), per_week, arms)
    reached = np.flatnonzero(detectable_lift(sd, n, n, arms - 1) <= lift)
    return int(reached[0]) + 1 if len(reached) else None


@dataclass
class Plan:
    """A randomised posting plan. ``slots`` has one row per slot: ``time`` (aware, audience
    zone), ``week`` (0-based), ``post`` (1..posts_per_week, the week's post number) and
    ``arm`` (index into ``arms``; the control is last)."""

    page: str | None
    page_id: str | None
    timezone: str
    metric: str
    start: dt.date
    weeks: int
    posts_per_week: int
    seed: int
    arms: list[Arm]
    slots: pd.DataFrame
    detectable_lift: float | None
    weeks_for_1_25: int | None
    notes: list[str] = field(default_factory=list)

    @property
    def candidates(self) -> list[Arm]:
        return [a for a in self.arms if a.role == "candidate"]

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(weeks=self.weeks)

    def assignment(self) -> np.ndarray:
        """The arm of each week's post, shape (weeks, posts_per_week)."""
        out = np.empty((self.weeks, self.posts_per_week), dtype=np.int8)
        out[self.slots["week"].to_numpy(), self.slots["post"].to_numpy() - 1] = self.slots["arm"]
        return out

    def slot_records(self) -> list[dict]:
        return [
            {"time": t.isoformat(), "week": int(w) + 1, "post": int(p),
             "window": self.arms[a].label, "role": self.arms[a].role}
            for t, w, p, a in zip(self.slots["time"], self.slots["week"], self.slots["post"],
                                  self.slots["arm"], strict=True)
        ]

    @property
    def plan_id(self) -> str:
        """A short fingerprint of the plan's content: the same plan, the same id."""
        body = json.dumps([self.page_id, self.page, self.timezone, self.start.isoformat(),
                           self.seed, [a.label for a in self.arms], self.slot_records()])
        return hashlib.sha256(body.encode()).hexdigest()[:12]

    def to_dict(self) -> dict:
        return {
            "plan_id": self.plan_id, "page": self.page, "page_id": self.page_id,
            "timezone": self.timezone, "metric": self.metric, "start": self.start.isoformat(),
            "weeks": self.weeks, "posts_per_week": self.posts_per_week, "seed": self.seed,
            "arms": [a.to_dict() for a in self.arms], "slots": self.slot_records(),
            "detectable_lift": number(self.detectable_lift),
            "weeks_for_1_25": self.weeks_for_1_25, "notes": list(self.notes),
        }


def plan_from_dict(data, where: str = "the plan") -> Plan:
    """A Plan from its JSON form (``Plan.to_dict``); a ``UsageError`` if it is not one."""
    if not isinstance(data, dict) or any(key not in data for key in PLAN_KEYS):
        raise UsageError(f"{where} is not a posttime plan (it lacks the keys "
                         f"{', '.join(PLAN_KEYS)}); make one with `posttime plan`")
    try:
        zone = ZoneInfo(data["timezone"])
        arms = [parse_arm(a["window"], a["role"]) for a in data["arms"]]
        index = {a.label: i for i, a in enumerate(arms)}
        slots = pd.DataFrame({
            "time": [dt.datetime.fromisoformat(s["time"]).astimezone(zone)
                     for s in data["slots"]],
            "week": [int(s["week"]) - 1 for s in data["slots"]],
            "post": [int(s["post"]) for s in data["slots"]],
            "arm": [index[s["window"]] for s in data["slots"]],
        })
        plan = Plan(
            page=data["page"], page_id=data.get("page_id"), timezone=data["timezone"],
            metric=data.get("metric", "interactions"),
            start=dt.date.fromisoformat(data["start"]), weeks=int(data["weeks"]),
            posts_per_week=int(data["posts_per_week"]), seed=int(data["seed"]), arms=arms,
            slots=slots, detectable_lift=data.get("detectable_lift"),
            weeks_for_1_25=data.get("weeks_for_1_25"), notes=list(data.get("notes", [])),
        )
        ok = (arms and arms[-1].role == "control" and len(slots) == plan.weeks
              * plan.posts_per_week and slots["week"].between(0, plan.weeks - 1).all()
              and slots["post"].between(1, plan.posts_per_week).all()
              and not slots.duplicated(["week", "post"]).any())
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{where} is not a valid posttime plan ({exc}); make one with "
                         "`posttime plan`") from None
    if not ok:
        raise UsageError(f"{where} is not a valid posttime plan (its slots do not fill "
                         f"{data['weeks']} weeks of {data['posts_per_week']} posts)")
    return plan


def load_plan(path) -> Plan:
    """Read a plan written by ``posttime plan --format json``."""
    from posttime.errors import InputError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise InputError(f"cannot read plan file {path}: {reason}") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise UsageError(f"{path} is not a posttime plan (not JSON); make one with "
                         "`posttime plan --format json`") from None
    return plan_from_dict(data, where=str(path))


def next_monday(today: dt.date) -> dt.date:
    """The Monday after ``today`` (a week from today if today is a Monday)."""
    return today + dt.timedelta(days=7 - today.weekday())


def _place_week(rng: np.random.Generator, arms: list[Arm], labels: np.ndarray,
                first: dt.date, zone: ZoneInfo) -> list[dt.datetime]:
    """Random times for one week's posts (``labels``: the arm of each), a random minute
    inside each arm's window, no two closer than ``MIN_GAP_MINUTES``.

    Posts of the narrowest arms are placed first; each takes the first of a batch of random
    candidate times that keeps the gap and exists on the clock (not skipped by a change to
    summer time); a week that cannot be completed is drawn again.
    """
    order = sorted(range(len(labels)), key=lambda k: (arms[labels[k]].capacity, k))
    for _ in range(50):
        placed = np.full(len(labels), -10 * MIN_GAP_MINUTES)
        for k in order:
            arm = arms[labels[k]]
            day = np.asarray(arm.days)[rng.integers(0, len(arm.days), size=64)]
            minute = rng.integers(arm.start * 60, arm.end * 60, size=64)
            at = (day - first.weekday()) % 7 * 1440 + minute
            free = np.abs(at[:, None] - placed[None, :]).min(axis=1) >= MIN_GAP_MINUTES
            chosen = next((int(a) for a in at[free] if _exists(first, int(a), zone)), None)
            if chosen is None:
                break
            placed[k] = chosen
        else:
            return [_local_time(first, int(a), zone) for a in placed]
    raise UsageError("cannot place the week's posts two hours apart inside the arms' windows; "
                     "lower --posts-per-week or choose wider windows")


def _local_time(first: dt.date, minute_of_week: int, zone: ZoneInfo) -> dt.datetime:
    day, minute = divmod(minute_of_week, 1440)
    return dt.datetime.combine(first + dt.timedelta(days=day),
                               dt.time(minute // 60, minute % 60), tzinfo=zone)


def _exists(first: dt.date, minute_of_week: int, zone: ZoneInfo) -> bool:
    """Whether the local time exists (is not skipped by a clock change)."""
    local = _local_time(first, minute_of_week, zone)
    return local.astimezone(dt.timezone.utc).astimezone(zone) == local


def _candidate_windows(windows: pd.DataFrame) -> pd.DataFrame:
    """Windows that the history leaves open (neither better nor worse) and that lie outside
    the control: tested ones best ranked first, then those with too few posts to test, most
    posts first (the analysis's order); windows the page never posted in are left out."""
    open_ = windows[~windows["verdict"].isin(["better", "worse"]) & (windows["n"] > 0)]
    outside = ~((open_["weekday_index"] < 5) & (open_["start"] < CONTROL.end)
                & (open_["end"] > CONTROL.start))
    return open_[outside]


def _block(weekday: int, start: int, end: int) -> Arm:
    days = tuple(range(5)) if weekday < 5 else (5, 6)
    return Arm(days=days, start=start, end=end)


def _fits(arms: list[Arm], per_week: int) -> bool:
    share = -(-per_week // (len(arms) + 1))
    return all(share <= arm.capacity for arm in [*arms, CONTROL])


def choose_arms(windows: pd.DataFrame, sd: float, weeks: int,
                per_week: int) -> tuple[list[Arm], list[str]]:
    """The candidate arms of an automatic plan, and notes on the choice.

    The best-ranked open windows, as they are (``Tue 18-20``) or widened to an hour block
    over their kind of day (``weekdays 18-20``), 3, 2 or 1 of them: the first choice (windows
    before blocks, more arms before fewer) whose slots fit and that can detect a 1.25x lift
    within ``weeks``; if none can, the choice that can detect the smallest lift.
    """
    found = _candidate_windows(windows)
    if found.empty:
        raise UsageError("the history leaves no window outside weekdays 10-14 open to test "
                         "(each is better or worse, or has no posts); name the arms with "
                         "--arms, e.g. --arms 'weekdays 18-20'")
    ones = [Arm(days=(int(r.weekday_index),), start=int(r.start), end=int(r.end))
            for r in found.itertuples()]
    blocks: list[Arm] = []
    for r in found.itertuples():
        arm = _block(int(r.weekday_index), int(r.start), int(r.end))
        if not any(arm.overlaps(b) for b in blocks):
            blocks.append(arm)
    options = []
    for shape in (ones, blocks):
        for k in range(min(MAX_CANDIDATES, len(shape)), 0, -1):
            arms = shape[:k]
            if _fits(arms, per_week):
                n = _arm_counts(weeks, per_week, k + 1)
                options.append((arms, float(detectable_lift(sd, n, n, k))))
    if not options:
        raise UsageError(f"{per_week} posts a week do not fit two hours apart into the "
                         "windows the history leaves open; lower --posts-per-week")
    for arms, lift in options:
        if lift <= TARGET_LIFT:
            return arms, []
    arms, lift = min(options, key=lambda o: o[1])
    return arms, [f"No choice of windows can settle a {TARGET_LIFT:g}x lift in {weeks} weeks "
                  f"of {per_week} posts; these arms come closest."]


def make_plan(posts: pd.DataFrame, options, *, weeks: int, per_week: int,
              start: dt.date, arms: str | None = None, seed: int = 0,
              page: str | None = None, analysis=None) -> Plan:
    """Plan a randomised posting experiment for a page from its history.

    Parameters
    ----------
    posts : DataFrame
        The page's clean post table; its residual variance sizes the plan, and with
        ``arms=None`` its analysis picks the candidate windows.
    options : AnalysisOptions
        Metric and audience zone (the plan's slots are in that zone).
    weeks, per_week : int
        Length of the plan and posts per week.
    start : date
        First day of the plan (weeks run seven days from it).
    arms : str, optional
        Candidate windows by hand (``"Tue 18-20,weekdays 18-20"``); None chooses them.
    seed : int
        The same posts, options and seed give the same plan.
    analysis : AnalysisResult, optional
        The analysis of ``posts`` with ``options``, when it is at hand already.
    """
    from posttime.analysis import analyze

    if weeks < 1 or per_week < 1:
        raise UsageError("--weeks and --posts-per-week must be at least 1")
    if weeks > MAX_WEEKS:
        raise UsageError(f"--weeks {weeks} is more than five years ({MAX_WEEKS} weeks); "
                         "plan a shorter experiment and run another after it")
    result = analysis if analysis is not None else analyze(posts, options, page=page)
    sd = result.residual_sd
    notes: list[str] = []
    if arms is None:
        candidates, notes = choose_arms(result.windows, sd, weeks, per_week)
    else:
        candidates = parse_arms(arms)
        share = -(-per_week // (len(candidates) + 1))
        for arm in [*candidates, CONTROL]:
            if share > arm.capacity:
                raise UsageError(
                    f"window {arm.label} holds at most {arm.capacity} post(s) a week two hours "
                    f"apart, but {per_week} posts a week over {len(candidates) + 1} arms give it "
                    f"{share}; lower --posts-per-week or use an hour block like 'weekdays "
                    f"{arm.start:02d}-{arm.end:02d}'")
    all_arms = [*candidates, CONTROL]
    zone = ZoneInfo(options.timezone)
    rng = np.random.default_rng(seed)
    labels = draw_assignments(rng, weeks, per_week, len(all_arms))[0]
    rows = []
    for week in range(weeks):
        first = start + dt.timedelta(weeks=week)
        times = _place_week(rng, all_arms, labels[week], first, zone)
        rows += [(t, week, k + 1, int(labels[week, k])) for k, t in enumerate(times)]
    rows.sort(key=lambda row: row[0])
    slots = pd.DataFrame(rows, columns=["time", "week", "post", "arm"])
    n = _arm_counts(weeks, per_week, len(all_arms))
    lift = float(detectable_lift(sd, n, n, len(candidates)))
    needed = weeks_needed(sd, per_week, len(all_arms)) if np.isfinite(sd) else None
    if not np.isfinite(lift) or lift > PLAUSIBLE_LIFT:
        shown = "no lift at all" if not np.isfinite(lift) else f"only lifts of {lift:.2f}x or more"
        notes.append(f"This plan is too small to find a plausible timing effect: it can find "
                     f"{shown}, and real timing lifts are about 1.05x-1.25x. More weeks, more "
                     "posts a week or fewer arms help.")
    page_id = str(posts["page_id"].iloc[0]) if len(posts) else None
    return Plan(page=page, page_id=page_id, timezone=options.timezone, metric=options.metric,
                start=start, weeks=weeks, posts_per_week=per_week, seed=seed, arms=all_arms,
                slots=slots, detectable_lift=lift if np.isfinite(lift) else None,
                weeks_for_1_25=needed, notes=notes)


CAUSAL_NOTE = (
    "Unlike the windows of `posttime analyze`, this answer is causal for this page in this "
    "period: the plan chose each post's window at random, so content, authors and news are "
    "spread over the arms by chance, and the p-values come from re-drawing that same random "
    "choice. It does not cover other seasons or other kinds of content, and it holds only if "
    "each week's posts were written before their slots were looked up."
)


@dataclass(frozen=True)
class ArmResult:
    """One arm of an evaluated plan; the control has no test."""

    window: str
    role: str
    n: int  # posts with an outcome analysed in this arm
    lift: float | None  # exp(mean residual - control's mean residual)
    low: float | None  # 90% Welch interval of the lift
    high: float | None
    p: float | None  # two-sided randomisation p-value
    p_holm: float | None
    verdict: str | None  # better | worse | no-difference | insufficient-data; None: control


@dataclass
class Evaluation:
    """What ``evaluate`` found; renderers and tests read this object."""

    plan: Plan
    tolerance: int
    resamples: int
    adherence: dict[str, int]  # slots, kept, missed, off_plan, pending
    arms: list[ArmResult]
    headline: str
    slots: pd.DataFrame = field(repr=False)  # the plan's slots with post_id, status, residual

    @property
    def interim(self) -> bool:
        """Slots are still to come: the numbers are an interim look."""
        return self.adherence["pending"] > 0

    def to_dict(self) -> dict:
        return {
            "plan_id": self.plan.plan_id, "page": self.plan.page,
            "adherence": dict(self.adherence), "interim": self.interim,
            "tolerance_minutes": self.tolerance, "resamples": self.resamples,
            "arms": [{"window": a.window, "role": a.role, "n": a.n, "lift": number(a.lift),
                      "low": number(a.low), "high": number(a.high), "p": number(a.p),
                      "p_holm": number(a.p_holm), "verdict": a.verdict} for a in self.arms],
            "headline": self.headline, "note": CAUSAL_NOTE,
        }


def match_slots(slot_s: np.ndarray, post_s: np.ndarray, tolerance_s: int) -> np.ndarray:
    """For each slot (times in seconds, sorted), the index of the post published nearest to
    it within the tolerance (-1 for none); each post serves at most one slot, its nearest.

    Examples
    --------
    >>> match_slots(np.array([0, 100]), np.array([5, 90, 96, 300]), 10).tolist()
    [0, 2]
    """
    out = np.full(len(slot_s), -1)
    if len(slot_s) == 0 or len(post_s) == 0:
        return out
    right = np.clip(np.searchsorted(slot_s, post_s), 0, len(slot_s) - 1)
    left = np.clip(right - 1, 0, len(slot_s) - 1)
    use_left = np.abs(post_s - slot_s[left]) <= np.abs(post_s - slot_s[right])
    nearest = np.where(use_left, left, right)
    distance = np.abs(post_s - slot_s[nearest])
    inside = np.flatnonzero(distance <= tolerance_s)
    # Closest post first, so that each slot keeps the nearest of the posts that chose it.
    for i in inside[np.lexsort((inside, distance[inside]))]:
        if out[nearest[i]] < 0:
            out[nearest[i]] = i
    return out


def randomisation_test(y: np.ndarray, labels: np.ndarray, arms: int, *, resamples: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Differences in mean outcome of each candidate arm from the control (the last arm),
    and their two-sided p-values from re-drawing the assignment with ``draw_assignments``.

    Parameters
    ----------
    y : array of shape (weeks, per_week)
        Outcome of each week's post; NaN where there is none (missed, not yet due).
    labels : int array of the same shape
        The arm each post was assigned to.

    Returns
    -------
    (diff, p): arrays of length ``arms - 1``; NaN where an arm or the control has no
    outcome. All re-draws are computed at once (two bincounts), no loop per re-draw.
    """
    weeks, per_week = y.shape
    seen = ~np.isnan(y).ravel()
    values = np.where(seen, y.ravel(), 0.0)

    def differences(assigned: np.ndarray) -> np.ndarray:
        # Sums and counts of every (re-draw, arm) pair in one bincount each.
        draws = len(assigned)
        cell = (assigned.reshape(draws, -1).astype(np.intp)
                + arms * np.arange(draws)[:, None]).ravel()
        sums = np.bincount(cell, weights=np.tile(values, draws), minlength=draws * arms)
        counts = np.bincount(cell, weights=np.tile(seen, draws).astype(float),
                             minlength=draws * arms)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = (sums / counts).reshape(draws, arms)
        return means[:, :-1] - means[:, -1:]

    observed = differences(labels[None])[0]
    drawn = differences(draw_assignments(rng, weeks, per_week, arms, size=resamples))
    # A re-draw that leaves an arm without outcomes counts as extreme (conservative).
    with np.errstate(invalid="ignore"):
        extreme = ~(np.abs(drawn) < np.abs(observed) - 1e-12)
    p = (extreme.sum(axis=0) + 1) / (resamples + 1)
    return observed, np.where(np.isnan(observed), np.nan, p)


def _headline(evaluation_arms: list[ArmResult], adherence: dict, plan: Plan) -> str:
    candidates = [a for a in evaluation_arms if a.role == "candidate"]
    better = [a for a in candidates if a.verdict == "better"]
    worse = [a for a in candidates if a.verdict == "worse"]
    if better:
        best = max(better, key=lambda a: a.lift)
        text = (f"{best.window} did better than the control (weekdays 10-14): "
                f"{best.lift:.2f}x (90% interval {best.low:.2f}-{best.high:.2f}), a tested "
                "answer.")
    elif worse:
        first = min(worse, key=lambda a: a.lift)
        text = (f"{first.window} did worse than the control (weekdays 10-14): "
                f"{first.lift:.2f}x (90% interval {first.low:.2f}-{first.high:.2f}), a tested "
                "answer.")
    elif all(a.verdict == "insufficient-data" for a in candidates):
        text = (f"Too few kept slots to test yet (each arm and the control need "
                f"{MIN_ARM_POSTS} posts with figures).")
    else:
        text = ("No arm did reliably better or worse than the control (weekdays 10-14) in "
                "this experiment.")
    if adherence["pending"]:
        text = (f"Interim: {adherence['pending']} of {adherence['slots']} slots are still to "
                f"come; the verdicts are final after {plan.end.isoformat()}. " + text)
    return text


def _seconds(times: pd.Series) -> np.ndarray:
    """Aware times as whole seconds since 1970 (whatever the column's time unit)."""
    return ((times - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(np.int64)


def evaluate(plan: Plan, posts: pd.DataFrame, *, export_timezone: str | None = None,
             tolerance: int = DEFAULT_TOLERANCE, resamples: int = RESAMPLES,
             seed: int | None = None, until: pd.Timestamp | None = None) -> Evaluation:
    """Judge a plan on the page's posts, analysed as assigned.

    Each slot is matched to the post published nearest to it within ``tolerance`` minutes.
    A kept slot counts for its arm wherever in the tolerance the post went out; missed slots
    have no outcome; posts after the start that match no slot are off plan and left out.
    The outcome is the residual of the analysis (trend and post type taken out), computed
    over the whole history. Each candidate arm is compared with the control: the lift with a
    90% Welch interval, and a two-sided p-value from ``resamples`` re-drawn assignments;
    Holm over the candidates at 0.05 gives the verdicts.

    Parameters
    ----------
    plan : Plan
    posts : DataFrame
        The page's clean post table, history and experiment alike.
    export_timezone : str, optional
        Zone the exports were written in (for the analysis options).
    seed : int, optional
        Seed of the re-draws; by default one derived from the plan's seed (not the plan's
        own stream), so results repeat.
    until : Timestamp, optional
        Judge the plan as it stood at this moment (aware): posts published from then on
        are left out, and slots not yet past then are still to come (an interim look at
        the end of a week, as ``weekly`` takes).
    """
    from posttime.analysis import AnalysisOptions, prepare

    if tolerance < 1 or tolerance >= MIN_GAP_MINUTES:
        raise UsageError(f"--tolerance must be between 1 and {MIN_GAP_MINUTES - 1} minutes "
                         f"(slots are {MIN_GAP_MINUTES} minutes apart), not {tolerance}")
    if until is not None:
        posts = posts[posts["published"] < until]
    if len(posts) and plan.page_id is not None:
        ids = set(posts["page_id"].astype(str))
        if plan.page_id not in ids:
            raise UsageError(f"the plan is for page {plan.page!r} (id {plan.page_id}), but the "
                             f"exports hold {', '.join(sorted(set(posts['page_name'])))}")
    zone = ZoneInfo(plan.timezone)
    first = pd.Timestamp(dt.datetime.combine(plan.start, dt.time(), tzinfo=zone))
    last = pd.Timestamp(dt.datetime.combine(plan.end, dt.time(), tzinfo=zone))
    slack = pd.Timedelta(minutes=tolerance)
    published = posts["published"]
    during = posts[(published >= first - slack) & (published < last + slack)]
    if during.empty:
        raise NoDataError(f"the exports hold no posts published since the plan started on "
                          f"{plan.start.isoformat()}; evaluate once some slots are kept")
    during = during.sort_values("published", kind="stable")
    slot_s = np.array([int(t.timestamp()) for t in plan.slots["time"]], dtype=np.int64)
    order = np.argsort(slot_s, kind="stable")
    matched_sorted = match_slots(slot_s[order], _seconds(during["published"]), tolerance * 60)
    matched = np.empty_like(matched_sorted)
    matched[order] = matched_sorted
    as_of = int(_seconds(posts["as_of"]).max())
    if until is not None:
        as_of = min(as_of, int(until.timestamp()))
    kept = matched >= 0
    pending = ~kept & (slot_s + tolerance * 60 > as_of)
    options = AnalysisOptions(metric=plan.metric, timezone=plan.timezone,
                              export_timezone=export_timezone or "America/Los_Angeles")
    used, _ = prepare(posts, options)
    residual = pd.Series(used["residual"].to_numpy(), index=used["post_id"].astype(str))
    post_ids = during["post_id"].astype(str).to_numpy()
    slot_post = np.where(kept, post_ids[np.maximum(matched, 0)], None)
    slot_y = np.array([residual.get(pid, np.nan) if pid is not None else np.nan
                       for pid in slot_post], dtype=float)
    status = np.where(kept, "kept", np.where(pending, "pending", "missed"))
    slots = plan.slots.assign(post_id=slot_post, status=status, residual=slot_y)
    adherence = {"slots": len(slots), "kept": int(kept.sum()),
                 "missed": int((status == "missed").sum()),
                 "off_plan": int(len(during) - kept.sum()), "pending": int(pending.sum())}
    y = np.full((plan.weeks, plan.posts_per_week), np.nan)
    y[slots["week"].to_numpy(), slots["post"].to_numpy() - 1] = slot_y
    labels = plan.assignment()
    rng = np.random.default_rng([plan.seed, 1] if seed is None else seed)
    diff, p = randomisation_test(y, labels, len(plan.arms), resamples=resamples, rng=rng)
    arms = _arm_results(plan, y, labels, diff, p)
    return Evaluation(plan=plan, tolerance=tolerance, resamples=resamples, adherence=adherence,
                      arms=arms, headline=_headline(arms, adherence, plan), slots=slots)


def _arm_results(plan: Plan, y: np.ndarray, labels: np.ndarray, diff: np.ndarray,
                 p: np.ndarray) -> list[ArmResult]:
    from posttime.stats import welch

    control = len(plan.arms) - 1
    values = [y[(labels == a) & ~np.isnan(y)] for a in range(len(plan.arms))]
    ctrl = values[control]
    testable = np.array([len(v) >= MIN_ARM_POSTS and len(ctrl) >= MIN_ARM_POSTS
                         for v in values[:-1]])
    p = np.where(testable, p, np.nan)
    adjusted = holm(p)
    out = []
    for a, arm in enumerate(plan.arms[:-1]):
        lift = low = high = None
        verdict = "insufficient-data"
        if testable[a]:
            test = welch(values[a].mean(), values[a].var(ddof=1), len(values[a]), ctrl.mean(),
                         ctrl.var(ddof=1), len(ctrl), confidence=INTERVAL)
            lift = float(np.exp(diff[a]))
            low, high = float(np.exp(test["low"][0])), float(np.exp(test["high"][0]))
            verdict = ("no-difference" if not adjusted[a] < ALPHA
                       else "better" if diff[a] > 0 else "worse")
        out.append(ArmResult(window=arm.label, role=arm.role, n=len(values[a]), lift=lift,
                             low=low, high=high, p=None if np.isnan(p[a]) else float(p[a]),
                             p_holm=None if np.isnan(adjusted[a]) else float(adjusted[a]),
                             verdict=verdict))
    out.append(ArmResult(window=plan.arms[control].label, role="control", n=len(ctrl),
                         lift=None, low=None, high=None, p=None, p_holm=None, verdict=None))
    return out
