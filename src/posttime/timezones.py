"""Export zone -> UTC -> audience zone, with the clock-change cases counted."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from posttime.errors import UsageError

DEFAULT_EXPORT_TZ = "America/Los_Angeles"


def zone_name(name: str, *, option: str = "--tz") -> str:
    """The IANA name ``name`` stands for, matched without regard to case
    (``europe/berlin`` -> ``Europe/Berlin``); a ``UsageError`` naming the option, with the
    closest known names, when there is none."""
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    known = available_timezones()
    by_fold = {zone.casefold(): zone for zone in known}
    wanted = name.strip().casefold()
    if wanted in by_fold:
        return by_fold[wanted]
    cities = {zone.rsplit("/", 1)[-1].casefold(): zone for zone in known}
    close = difflib.get_close_matches(wanted, list(by_fold), n=2, cutoff=0.75)
    close += difflib.get_close_matches(wanted.replace(" ", "_"), list(cities), n=2, cutoff=0.75)
    guesses = list(dict.fromkeys(by_fold.get(c) or cities[c] for c in close))[:3]
    shown = name if len(name) <= 60 else name[:57] + "..."
    hint = (f"did you mean {' or '.join(repr(g) for g in guesses)}?" if guesses else
            "use an IANA name such as 'Europe/Berlin' or 'America/New_York'")
    raise UsageError(f"unknown time zone {shown!r} for {option}; {hint}")


def get_zone(name: str, *, option: str = "--tz") -> ZoneInfo:
    """Return the zone called ``name`` (any case) or raise a ``UsageError`` naming the
    option."""
    return ZoneInfo(zone_name(name, option=option))


def system_zone_name() -> str:
    """The machine's own zone name (``TZ``, then /etc/localtime), falling back to UTC."""
    tz = os.environ.get("TZ")
    if tz:
        return tz.lstrip(":")
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        return "UTC"
    marker = "zoneinfo/"
    if marker in target:
        return target.split(marker, 1)[1]
    return "UTC"


@dataclass(frozen=True)
class ClockChanges:
    """Export times that fell into a daylight-saving change."""

    nonexistent: int = 0  # skipped hour in spring: shifted forward
    ambiguous: int = 0  # repeated hour in autumn: the first occurrence is taken

    def __add__(self, other: ClockChanges) -> ClockChanges:
        return ClockChanges(
            self.nonexistent + other.nonexistent, self.ambiguous + other.ambiguous
        )


def localize_to_utc(naive, zone: str):
    """Interpret naive export times (a datetime Series) in ``zone`` and return them in UTC.

    Times that do not exist at a clock change move forward to the first valid time; times
    that occur twice take the first (daylight-saving) occurrence. Returns the UTC series
    and the counts of both cases.
    """
    import numpy as np
    import pandas as pd

    tz = get_zone(zone, option="--export-tz")
    as_nat = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    valid = naive.notna()
    odd = valid & as_nat.isna()
    first = naive.dt.tz_localize(
        tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    if odd.any():
        shifted = naive[odd].dt.tz_localize(
            tz, ambiguous=np.zeros(int(odd.sum()), dtype=bool), nonexistent="NaT"
        )
        n_nonexistent = int(shifted.isna().sum())
        changes = ClockChanges(n_nonexistent, int(odd.sum()) - n_nonexistent)
    else:
        changes = ClockChanges()
    return pd.Series(first.dt.tz_convert("UTC"), index=naive.index), changes
