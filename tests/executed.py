"""Executing a posting plan on a synthetic page: the posts a page owner would publish.

The posts come from the generator in tests/sim.py, run over the plan's weeks with as many
posts as the plan has slots; the n-th post in time order goes out at the plan's n-th slot.
A post given a ``lift`` takes its figures from a second run of the generator with the same
seed and ``level=lift`` (the same post, doing ``lift`` times better in expectation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
from sim import PageSpec, simulate_posts

from posttime.experiment import Plan
from posttime.schema import METRIC_COLUMNS

TZ = "America/Los_Angeles"


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
    plain = simulate_posts(replace(spec, level=level))
    lift = np.broadcast_to(np.asarray(lift, dtype=float), (n,))
    posts = plain.copy()
    for value in np.unique(lift[lift != 1.0]):
        lifted = simulate_posts(replace(spec, level=level * value))
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
