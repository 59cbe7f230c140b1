"""The sentences of every result: headlines and suggestions, built from the numbers.

Core code: it returns text and never prints. The results' modules call it when they build
a result; renderers show what it wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from posttime.analysis import MIN_WINDOW_POSTS, RECENT_DAYS, TARGET_LIFT
from posttime.enums import CompareVerdict, Verdict
from posttime.profile_test import MIN_PROFILE_TIMES, MIN_PROFILE_WINDOWS
from posttime.windows import label

if TYPE_CHECKING:
    from posttime.compare import ComparisonResult
    from posttime.weekly import Changes, PeriodSummary, Suggestion

#: how the level sentence of a comparison names each metric.
LEVEL_WORDS = {
    "interactions": "more interactions per post", "clicks": "more clicks per post",
    "reach": "more reach per post", "engagement-rate": "a higher engagement rate",
    "views": "more views per post",
}


def _hours(part) -> str:
    return f"{int(part.start):02d}-{int(part.end):02d}"


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def compare_headline(result: ComparisonResult) -> str:
    """The headline of a comparison: the profile test, the level and the windows good for
    both pages."""
    a, b = result.names
    profile = result.profile
    n_a, n_b = (r.posts_used for r in result.analyses)
    if profile.statistic is None:
        text = (
            f"Too few windows have {MIN_WINDOW_POSTS} posts on both pages "
            f"({profile.windows_used} of {len(result.windows)}; at least "
            f"{MIN_PROFILE_WINDOWS} at {MIN_PROFILE_TIMES} times of day are needed) to tell "
            f"whether {a} and {b} do best at different times ({n_a} and {n_b} posts used); "
            "keep posting and compare again."
        )
    else:
        evidence = (
            f"Q = {profile.statistic:.1f} for a daily cycle fitted to {profile.windows_used} "
            f"windows at {profile.times} times of day with {MIN_WINDOW_POSTS} posts on both "
            f"pages; permutation {_fmt_p(profile.p)}"
        )
        if profile.differs:
            text = f"{a} and {b} do best at different times of day ({evidence})."
            parts = profile.by_part
            best_a = parts.loc[parts["difference"].idxmax()]
            best_b = parts.loc[parts["difference"].idxmin()]
            if best_a.difference > 1 > best_b.difference:
                text += (
                    f" Relative to the pages' overall gap, {a} does best against {b} at "
                    f"{_hours(best_a)} ({best_a.difference:.2f}x) and {b} against {a} at "
                    f"{_hours(best_b)} ({1 / best_b.difference:.2f}x)."
                )
            tested = result.tested
            for verdict, name in ((CompareVerdict.A_BETTER, a), (CompareVerdict.B_BETTER, b)):
                hits = tested[tested["verdict"] == verdict]
                if len(hits):
                    names = ", ".join(label(w.weekday, w.start, w.end)
                                      for w in hits.itertuples())
                    text += f" Relatively better for {name}: {names}."
        else:
            text = (
                f"No sign that {a} and {b} do best at different times of day ({evidence}); "
                "that does not prove their best times are the same."
            )
    level = result.level
    more = LEVEL_WORDS[result.options.metric]
    if not np.isfinite(level.ratio):
        pass
    elif level.low > 1 or level.high < 1:
        high, low = (a, b) if level.low > 1 else (b, a)
        ratio, lo, hi = ((level.ratio, level.low, level.high) if level.low > 1
                         else (1 / level.ratio, 1 / level.high, 1 / level.low))
        text += (f" Separately, {high} gets {more} overall: {ratio:.2f}x {low} (90% interval "
                 f"{lo:.2f}-{hi:.2f}); that is a difference in level, not in timing.")
    else:
        text += (f" Neither page clearly gets {more} overall ({a} / {b} = "
                 f"{level.ratio:.2f}x, 90% interval {level.low:.2f}-{level.high:.2f}).")
    if len(result.good_for_both):
        names = ", ".join(label(w.weekday, w.start, w.end)
                          for w in result.good_for_both.head(3).itertuples())
        text += f" Good for both: {names}."
    return text


def weekly_headline(week: str, period: PeriodSummary, before: PeriodSummary, better: int,
                    judged: int, provisional: int, changes: Changes) -> str:
    """The headline of a weekly report: the week's posts and median against ``before``
    (the previous weeks), how many did better than expected, the provisional posts and
    how the recommended windows changed."""
    n = period.posts
    if n == 0:
        text = f"No posts in {week}."
        if before.posts:
            text += f" The {before.name} had {before.posts}."
        return text
    text = f"{n} post{'s' if n != 1 else ''} in {week}"
    if period.median_interactions is not None:
        text += f", median {period.median_interactions:,.0f} interactions"
        if before.median_interactions is not None and before.posts:
            text += f" ({before.name}: {before.median_interactions:,.0f})"
    text += "."
    if judged:
        text += f" {better} of {judged} did better than expected for their time and type."
    if provisional:
        verb = "is" if provisional == 1 else "are"
        text += (f" {provisional} {verb} provisional: younger than {RECENT_DAYS} days when "
                 "exported, still collecting interactions.")
    if changes.available and (changes.gained or changes.lost):
        text += " " + changes_text(changes)
    return text


def changes_text(changes: Changes) -> str:
    """Which recommended windows a weekly report gained and lost since the week before."""
    if not changes.available:
        return "No earlier analysis to compare with: no usable posts before this week."
    parts = []
    if changes.gained:
        parts.append("new: " + ", ".join(w.label for w in changes.gained))
    if changes.lost:
        parts.append("no longer recommended: " + ", ".join(w.label for w in changes.lost))
    if not parts:
        return "The recommended windows are the same as before the week."
    return "Since last week, " + "; ".join(parts) + "."


def suggestion_text(suggestion: Suggestion) -> str:
    """The window a weekly report suggests posting more in, and how many posts would
    settle it."""
    w = suggestion.window
    lift = f"{w.shrunk_lift:.2f}x" if w.shrunk_lift is not None else "unknown"
    state = ("too few posts to test" if w.verdict == Verdict.INSUFFICIENT_DATA
             else "no clear difference yet")
    text = (
        f"Try more posts in {w.label}: {w.n} posts so far ({state}, shrunken lift "
        f"{lift}); about {suggestion.more_posts_needed} more"
    )
    if suggestion.more_baseline_posts_needed:
        text += f" there and {suggestion.more_baseline_posts_needed} more in weekdays 10-14"
    text += f" would show whether it beats weekdays 10-14 by {TARGET_LIFT:.2f}x"
    weeks = suggestion.weeks
    if weeks is None:
        return text + "."
    rate = suggestion.posts_per_week_there
    pace = "one post a week there" if rate == 1 else f"{rate:.1f} posts a week there"
    years = f" (about {weeks / 52:.1f} years)" if weeks >= 52 else ""
    return text + f": about {weeks} week{'s' if weeks != 1 else ''}{years} at {pace}."
