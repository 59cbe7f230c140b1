"""Executing a posting plan on a synthetic page: the posts a page owner would publish.

The posts come from the generator in posttime.simulate, run over the plan's weeks with as many
posts as the plan has slots. As the plan asks, each week's posts are written first and
numbered: the generator's posts in time order are week 1's posts 1..K, then week 2's, and
each goes out at the slot the plan gave its number.
A post given a ``lift`` takes its figures from a second run of the generator with the same
seed and ``level=lift`` (the same post, doing ``lift`` times better in expectation). With the
seed of the history, the posts share its page (followers, engagement rate, spread); runs
are cached, so plans with the same slot count re-use one page's posts (their content) and
differ only in the random assignment, as in a randomisation test.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace

import numpy as np
import pandas as pd

from posttime.experiment import Plan
from posttime.schema import METRIC_COLUMNS
from posttime.simulate import PageSpec, simulate_posts

TZ = "America/Los_Angeles"


@functools.lru_cache(maxsize=32)
def _simulate(spec: PageSpec) -> pd.DataFrame:
    return simulate_posts(spec)


def history(seed: int, n_posts: int = 1500, **spec) -> pd.DataFrame:
    """Two years of a page's posts ending before the plans below start (2026-01-05)."""
    return simulate_posts(PageSpec(n_posts=n_posts, seed=seed, tz=TZ, start="2024-01-01",
                                   **spec))


def execute(plan: Plan, past: pd.DataFrame, seed: int, lift: np.ndarray | float = 1.0,
            keep: np.ndarray | None = None, shift_minutes: np.ndarray | int = 0,
            level: float = 1.0) -> pd.DataFrame:
    """``past`` plus the posts published at the plan's slots (``keep``: which slots are kept;
    ``lift``: per slot; ``shift_minutes``: how far off its slot each post goes out), with the
    export taken 30 days after the plan."""
    slots = plan.slots
    n = len(slots)
    spec = PageSpec(n_posts=n, seed=seed, tz=TZ, start=plan.start.isoformat(),
                    years=plan.weeks * 7 / 365.25, paid_share=0.0,
                    page_id=str(past["page_id"].iloc[0]), page_name=str(past["page_name"].iloc[0]))
    plain = _simulate(replace(spec, level=level))
    lift = np.broadcast_to(np.asarray(lift, dtype=float), (n,))
    written = (slots["week"] * plan.posts_per_week + slots["post"] - 1).to_numpy()
    posts = plain.iloc[written].reset_index(drop=True)
    for value in np.unique(lift[lift != 1.0]):
        lifted = _simulate(replace(spec, level=level * value)).iloc[written]
        rows = lift == value
        posts.loc[rows, list(METRIC_COLUMNS)] = lifted.loc[rows, list(METRIC_COLUMNS)].to_numpy()
    times = pd.to_datetime([t.astimezone(dt.timezone.utc) for t in slots["time"]], utc=True)
    posts["published"] = (times + pd.to_timedelta(shift_minutes, unit="min")).as_unit("ns")
    posts["post_id"] = "9" + posts["post_id"].astype(str)
    if keep is not None:
        posts = posts[keep]
    out = pd.concat([past, posts], ignore_index=True)
    out["as_of"] = pd.Timestamp(plan.end, tz=TZ).tz_convert("UTC") + pd.Timedelta(days=30)
    out["as_of"] = out["as_of"].dt.as_unit("ns")
    return out
