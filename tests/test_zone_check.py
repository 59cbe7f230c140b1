"""The zone check: posting hours that look like the wrong audience zone are pointed out."""

import pandas as pd

from posttime import sources
from posttime.timezones import zone_warnings


def _published():
    return sources.from_files(sources.sample_files()).posts["published"]


def test_the_right_zone_gives_no_warning():
    assert zone_warnings(_published(), "America/Los_Angeles") == []
    assert zone_warnings(_published(), "America/New_York") == []


def test_a_wrong_zone_is_named_with_the_offsets_that_fit():
    (warning,) = zone_warnings(_published(), "CET")
    assert warning.startswith("27% of the posts fall between 00:00 and 06:00 in CET and "
                              "weekdays 10-14 hold only 0% of 1,500 posts")
    assert "look like a normal day at UTC-8 to UTC-5" in warning
    assert "America/Los_Angeles" in warning


def test_an_empty_baseline_alone_is_enough():
    # posts at 08:00 and 16:00 local time on weekdays: nights empty, baseline empty
    days = pd.date_range("2025-01-06", periods=100, freq="D", tz="Europe/Berlin")
    times = pd.Series(list(days + pd.Timedelta(hours=8)) + list(days + pd.Timedelta(hours=16)))
    (warning,) = zone_warnings(times.dt.tz_convert("UTC"), "Europe/Berlin")
    assert warning.startswith("weekdays 10-14 hold only 0% of 200 posts")


def test_few_posts_are_not_judged():
    night = pd.Series(pd.date_range("2025-01-06 02:00", periods=49, freq="D", tz="UTC"))
    assert zone_warnings(night, "UTC") == []
    night = pd.Series(pd.date_range("2025-01-06 02:00", periods=50, freq="D", tz="UTC"))
    assert len(zone_warnings(night, "UTC")) == 1
