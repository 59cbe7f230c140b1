"""Sample exports shipped with posttime, used by ``posttime analyze --sample``.

Both are synthetic pages written in the real export formats by ``scripts/make_samples.py``
(fixed seeds, so they never change unless the script does):

* ``business-suite-2y.csv``: a Meta Business Suite post export of the page "Sample Bakery",
  two years and 1,500 posts, with a modest timing pattern (weekends weaker, a lunchtime
  bump and a stronger early-evening peak) and one window, Thursday 18:00-20:00, where posts
  do clearly better (about 1.6x). The default sample.
* ``classic-insights.csv``: a classic Page Insights post-level export of another page,
  "Harbour Street Cafe", one year and 300 posts.
"""

from __future__ import annotations

from pathlib import Path

#: the audience zone of the sample pages, used when --sample is given without --tz.
AUDIENCE_TZ = "America/Los_Angeles"
BUSINESS_SUITE = "business-suite-2y.csv"
CLASSIC = "classic-insights.csv"


def sample_paths(all: bool = False) -> list[Path]:
    """Paths of the bundled sample exports.

    By default only the Business Suite sample (one page, the one ``analyze --sample`` uses);
    with ``all=True`` also the classic export of a second page.
    """
    here = Path(__file__).resolve().parent
    names = (BUSINESS_SUITE, CLASSIC) if all else (BUSINESS_SUITE,)
    return [here / name for name in names]
