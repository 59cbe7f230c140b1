"""Posting windows: a weekday x time-of-day grid in the audience zone (METHOD.md §3).

Windows never overlap, so every post falls in exactly one window and the window counts add
up to the posts used. The baseline (Mon-Fri 10:00-14:00) is a union of whole windows in
both grains.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from posttime.enums import Grain
from posttime.errors import UsageError

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GRAINS = tuple(g.value for g in Grain)
#: block edges in hours for each grain.
EDGES = {Grain.TWO_HOURS: tuple(range(0, 25, 2)), Grain.DAYPART: (0, 6, 10, 14, 18, 24)}
#: pages with at least this many usable posts get two-hour windows under ``auto``.
FINE_GRAIN_MIN_POSTS = 800
#: the baseline's weekdays (0 = Monday) and hours, each as [first, end).
BASELINE_DAYS = (0, 5)
BASELINE_HOURS = (10, 14)
BASELINE_LABEL = "Mon-Fri 10:00-14:00"


def choose_grain(grain: str, n_posts: int) -> str:
    """Resolve ``auto`` by page size; raise a ``UsageError`` for an unknown grain."""
    if grain not in GRAINS:
        raise UsageError(f"unknown grain {grain!r}; choose one of: {', '.join(GRAINS)}")
    if grain == Grain.AUTO:
        return Grain.TWO_HOURS if n_posts >= FINE_GRAIN_MIN_POSTS else Grain.DAYPART
    return Grain(grain)


@dataclass(frozen=True)
class Grid:
    """The windows of one grain, numbered weekday-major: id = weekday * blocks + block."""

    grain: str

    @property
    def edges(self) -> np.ndarray:
        return np.array(EDGES[Grain(self.grain)])

    @property
    def blocks(self) -> int:
        return len(self.edges) - 1

    @property
    def size(self) -> int:
        return 7 * self.blocks

    def columns(self) -> dict[str, np.ndarray]:
        """One entry per window, in window-id order: ``window``, ``weekday``,
        ``weekday_index``, ``start``, ``end``, ``in_baseline`` (read-only arrays)."""
        return _grid_columns(self)

    def frame(self) -> pd.DataFrame:
        """``columns`` as a frame, one row per window."""
        return pd.DataFrame(self.columns())

    def in_baseline(self) -> np.ndarray:
        """Whether each window is part of the baseline."""
        return self.columns()["in_baseline"]

    def assign(self, weekday: npt.ArrayLike, hour: npt.ArrayLike) -> np.ndarray:
        """Window id of each post from its local weekday (0 = Monday) and hour."""
        block = np.searchsorted(self.edges, np.asarray(hour), side="right") - 1
        return np.asarray(weekday) * self.blocks + block


@cache
def _grid_columns(grid: Grid) -> dict[str, np.ndarray]:
    day = np.repeat(np.arange(7), grid.blocks)
    block = np.tile(np.arange(grid.blocks), 7)
    start = grid.edges[block]
    end = grid.edges[block + 1]
    low, high = BASELINE_HOURS
    weekday = (day >= BASELINE_DAYS[0]) & (day < BASELINE_DAYS[1])
    columns = {
        "window": np.arange(grid.size),
        "weekday": np.asarray(WEEKDAYS)[day],
        "weekday_index": day,
        "start": start,
        "end": end,
        "in_baseline": weekday & (start >= low) & (end <= high),
    }
    for values in columns.values():
        values.setflags(write=False)
    return columns


def in_baseline(weekday: npt.ArrayLike, hour: npt.ArrayLike) -> np.ndarray:
    """Whether each post is in the baseline, weekdays 10:00-14:00."""
    weekday = np.asarray(weekday)
    hour = np.asarray(hour)
    return ((weekday >= BASELINE_DAYS[0]) & (weekday < BASELINE_DAYS[1])
            & (hour >= BASELINE_HOURS[0]) & (hour < BASELINE_HOURS[1]))


def label(weekday: str, start: int, end: int) -> str:
    """``Tue 16-18`` style label of a window."""
    return f"{weekday} {start:02d}-{end:02d}"
