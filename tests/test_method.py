"""The simulation checks of METHOD.md section 8, on synthetic pages with a known truth.

Each scenario analyses a few hundred pages from posttime.simulate with fixed seeds; the bounds
are the method's, widened by two Monte Carlo standard errors where METHOD.md says so.
"""

import math
from dataclasses import replace

import numpy as np
import pytest

from posttime.analysis import AnalysisOptions, analyze
from posttime.simulate import PageSpec, Planted, simulate_posts, true_lift

pytestmark = pytest.mark.slow

TZ = "America/Los_Angeles"
N_NULL = 200
N_PLANTED = 100
N_SMOOTH = 100


def _mcse(rate: float, n: int) -> float:
    return math.sqrt(rate * (1 - rate) / n)


def _null_specs():
    sizes = (1000, 1500, 2500)
    return [PageSpec(n_posts=sizes[i % 3], seed=1000 + i, timing="null", confounding=True,
                     tz=TZ) for i in range(N_NULL)]


@pytest.fixture(scope="module")
def null_pages():
    return [simulate_posts(spec) for spec in _null_specs()]


def _run(pages, adjust=True):
    options = AnalysisOptions(timezone=TZ, adjust=adjust)
    return [analyze(posts, options) for posts in pages]


@pytest.fixture(scope="module")
def null_results(null_pages):
    return _run(null_pages)


def _any_reliable_window(result) -> bool:
    return bool(result.windows["verdict"].isin(["better", "worse"]).any())


def test_null_pages_rarely_get_a_reliable_window(null_results):
    rate = np.mean([_any_reliable_window(r) for r in null_results])
    bound = 0.10 + 2 * _mcse(0.10, N_NULL)
    assert rate <= bound, f"{rate:.3f} of null pages had a better/worse window (bound {bound:.3f})"


def test_null_pages_keep_every_claim_family_wise_error(null_results):
    """Each claim is wrong on a null page at most 5% of the time, and so is the family of
    five one-sided tests that Holm corrects together (and its mirror family, which can call
    a claim contradicted)."""
    bound = 0.05 + 2 * _mcse(0.05, N_NULL)
    for i in range(5):
        rate = np.mean([r.claims[i].verdict in ("supported", "contradicted")
                        for r in null_results])
        claim = null_results[0].claims[i].id
        assert rate <= bound, f"claim {claim}: error rate {rate:.3f} > {bound:.3f}"
    for verdict in ("supported", "contradicted"):
        family = np.mean([any(c.verdict == verdict for c in r.claims) for r in null_results])
        assert family <= bound, f"family-wise rate of {verdict!r} {family:.3f} > {bound:.3f}"


def test_without_adjustment_the_null_check_fails(null_pages):
    """The same pages analysed on raw log engagement (no trend, no type effect) show false
    best times far more often: this is what the adjustment is for, and it proves the check
    above can catch bias."""
    rate = np.mean([_any_reliable_window(r) for r in _run(null_pages, adjust=False)])
    assert rate > 0.10 + 2 * _mcse(0.10, N_NULL), f"unadjusted false-window rate {rate:.3f}"


PLANTED = Planted(weekday=1, start=16, end=18, lift=2.0, n_posts=40)


@pytest.fixture(scope="module")
def planted_results():
    specs = [PageSpec(n_posts=1500, seed=5000 + i, planted=(PLANTED,), tz=TZ)
             for i in range(N_PLANTED)]
    return [analyze(simulate_posts(s), AnalysisOptions(timezone=TZ)) for s in specs]


def _planted_row(result):
    w = result.windows
    return w[(w["weekday"] == "Tue") & (w["start"] == 16)].iloc[0]


def test_planted_window_is_found_and_ranked_first(planted_results):
    rows = [_planted_row(r) for r in planted_results]
    assert all(30 <= row["n"] <= 50 for row in rows)
    better = np.mean([row["verdict"] == "better" for row in rows])
    first = np.mean([row["rank"] == 1 for row in rows])
    assert better >= 0.75, f"planted 2x window called better in {better:.2f} of pages"
    assert first >= 0.80, f"planted 2x window ranked first in {first:.2f} of pages"


@pytest.fixture(scope="module")
def smooth_pairs():
    specs = [PageSpec(n_posts=1500, seed=9000 + i, timing="smooth", tz=TZ)
             for i in range(N_SMOOTH)]
    return [(s, analyze(simulate_posts(s), AnalysisOptions(timezone=TZ))) for s in specs]


def test_top_pick_under_a_smooth_profile_is_rarely_worse_than_baseline(smooth_pairs):
    worse = 0
    for spec, result in smooth_pairs:
        top = result.windows.iloc[0]
        assert top["rank"] == 1
        day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").index(top["weekday"])
        worse += true_lift(spec, day, int(top["start"]), int(top["end"])) < 1
    rate = worse / N_SMOOTH
    assert rate <= 0.15, f"top pick truly worse than the baseline in {rate:.2f} of pages"


def test_null_results_are_deterministic(null_pages):
    first = analyze(null_pages[0], AnalysisOptions(timezone=TZ)).to_dict()
    again = analyze(null_pages[0].sample(frac=1.0, random_state=3),
                    AnalysisOptions(timezone=TZ)).to_dict()
    assert first == again
    other_seed = analyze(null_pages[0], replace(AnalysisOptions(timezone=TZ), seed=1)).to_dict()
    assert other_seed["posts_used"] == first["posts_used"]
