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


#: posts between 00:00 and 06:00 above this share suggest the audience zone is wrong (pages
#: post in their audience's waking hours: a few per cent of posts fall in the night).
NIGHT_SHARE = 0.20
#: with at least this many posts, a baseline (weekdays 10-14) holding less than
#: ``EMPTY_BASELINE_SHARE`` of them suggests the zone is wrong too.
ZONE_CHECK_MIN_POSTS = 50
EMPTY_BASELINE_SHARE = 0.05


#: a well-known zone for some UTC offsets (standard time), to name in the zone warning.
EXAMPLE_ZONES = {
    -10: "Pacific/Honolulu", -9: "America/Anchorage", -8: "America/Los_Angeles",
    -7: "America/Denver", -6: "America/Chicago", -5: "America/New_York",
    -4: "America/Halifax", -3: "America/Sao_Paulo", 0: "Europe/London", 1: "Europe/Berlin",
    2: "Europe/Athens", 3: "Europe/Moscow", 4: "Asia/Dubai", 5: "Asia/Karachi",
    6: "Asia/Dhaka", 7: "Asia/Bangkok", 8: "Asia/Singapore", 9: "Asia/Tokyo",
    10: "Australia/Brisbane", 12: "Pacific/Auckland",
}


def _offset_label(hours: int) -> str:
    return "UTC" if hours == 0 else f"UTC{hours:+d}"


def zone_warnings(published, zone: str, option: str = "--tz") -> list[str]:
    """Sentences that warn when the posting hours look like a wrong audience zone.

    ``published`` holds aware publish times. A page posts mostly while its audience is
    awake; when many posts fall between 00:00 and 06:00 in ``zone``, or weekdays 10-14
    hold almost none of many posts, the sentences say so and name the UTC offsets under
    which the posting hours look like a normal day (the fewest posts at night).
    """
    import numpy as np
    import pandas as pd

    times = pd.Series(published).dropna()
    if len(times) < ZONE_CHECK_MIN_POSTS:
        return []
    local = times.dt.tz_convert(get_zone(zone))
    hour, weekday = local.dt.hour.to_numpy(), local.dt.day_of_week.to_numpy()
    night = float(np.mean(hour < 6))
    baseline = float(np.mean((weekday < 5) & (hour >= 10) & (hour < 14)))
    if night <= NIGHT_SHARE and baseline >= EMPTY_BASELINE_SHARE:
        return []
    utc_hour = times.dt.tz_convert("UTC").dt.hour.to_numpy()
    offsets = np.arange(-12, 15)
    night_by_offset = np.array([np.mean((utc_hour + o) % 24 < 6) for o in offsets])
    good = offsets[night_by_offset <= night_by_offset.min() + 0.02]
    span = (_offset_label(int(good[0])) if len(good) == 1 else
            f"{_offset_label(int(good[0]))} to {_offset_label(int(good[-1]))}")
    found = []
    if night > NIGHT_SHARE:
        found.append(f"{night:.0%} of the posts fall between 00:00 and 06:00 in {zone}")
    if baseline < EMPTY_BASELINE_SHARE:
        found.append(f"weekdays 10-14 hold only {baseline:.0%} of {len(times):,} posts")
    examples = [EXAMPLE_ZONES[int(o)] for o in good if int(o) in EXAMPLE_ZONES][:2]
    example = f" (such as {' or '.join(examples)})" if examples else ""
    return [f"{' and '.join(found)}: is {zone} your audience's zone? The posting hours look "
            f"like a normal day at {span}; pass {option} with a zone there{example}."]
