"""The hand-written statistics agree with scipy and with direct implementations."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from posttime import stats


def _samples(seed, n_a, n_b, shift=0.3):
    rng = np.random.default_rng(seed)
    return rng.normal(shift, 1.0, n_a), rng.lognormal(0.0, 0.8, n_b)


def _summary(a, b):
    return a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b)


@pytest.mark.parametrize("n_a, n_b", [(10, 500), (35, 40), (200, 12), (3, 3)])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_welch_matches_scipy_ttest_ind(n_a, n_b, alternative):
    a, b = _samples(n_a + n_b, n_a, n_b)
    ours = stats.welch(*_summary(a, b), alternative=alternative, confidence=0.90)
    ref = sps.ttest_ind(a, b, equal_var=False, alternative=alternative)
    assert np.allclose(ours["t"], ref.statistic)
    assert np.allclose(ours["df"], ref.df)
    assert np.allclose(ours["p"], ref.pvalue)
    if alternative == "two-sided":
        ci = ref.confidence_interval(0.90)
        assert np.allclose([ours["low"][0], ours["high"][0]], [ci.low, ci.high])


def test_welch_is_vectorised_over_rows():
    pairs = [_samples(s, 15 + s, 60) for s in range(5)]
    rows = np.array([_summary(a, b) for a, b in pairs]).T
    ours = stats.welch(*rows)
    ref = [sps.ttest_ind(a, b, equal_var=False).pvalue for a, b in pairs]
    assert len(ours["p"]) == 5
    assert np.allclose(ours["p"], ref)


def test_welch_rejects_bad_input():
    with pytest.raises(ValueError, match="two observations"):
        stats.welch(1.0, 1.0, 1, 0.0, 1.0, 5)
    with pytest.raises(ValueError, match="alternative"):
        stats.welch(1.0, 1.0, 5, 0.0, 1.0, 5, alternative="sideways")


@pytest.mark.parametrize("n_a, n_b", [(12, 300), (25, 40), (300, 15), (20, 20),
                                        pytest.param(11, 3000, marks=pytest.mark.slow)])
def test_permutation_pvalues_match_scipy_permutation_method(n_a, n_b):
    rng = np.random.default_rng(n_a * 7 + n_b)
    a = rng.normal(0.45, 1.0, n_a)
    b = rng.normal(0.0, 1.3, n_b)
    ours = stats.permutation_pvalues(a, b)
    # scipy's permutation test of Welch's t, drawn once; its three p-values follow from the
    # one null distribution the way scipy computes them (two-sided: twice the smaller side).
    null = sps.permutation_test(
        (a, b), lambda x, y, axis: sps.ttest_ind(x, y, equal_var=False, axis=axis).statistic,
        vectorized=True, n_resamples=9999, rng=1,
    )
    tol = 1e-14 * max(1.0, abs(null.statistic))
    greater = (np.sum(null.null_distribution >= null.statistic - tol) + 1) / 10000
    less = (np.sum(null.null_distribution <= null.statistic + tol) + 1) / 10000
    refs = {"greater": greater, "less": less, "two-sided": min(1.0, 2 * min(greater, less))}
    for side, ref in refs.items():
        # Both are Monte Carlo estimates from 9999 resamples: allow four standard errors
        # of their difference.
        one_sided = min(ref, 1 - ref) if side != "two-sided" else ref / 2
        se = np.sqrt(2 * one_sided * (1 - one_sided) / 9999) * (2 if side == "two-sided" else 1)
        assert abs(ours[side] - ref) < 4 * se + 1e-3, (side, ours[side], ref)


def test_permutation_pvalues_repeat_with_the_seed():
    a, b = _samples(3, 14, 200)
    first = stats.permutation_pvalues(a, b, seed=7)
    assert first == stats.permutation_pvalues(a, b, seed=7)
    assert first != stats.permutation_pvalues(a, b, seed=8)


@pytest.mark.parametrize("k, total", [(2, 4), (4, 5)])
def test_drawn_subsets_are_uniform(k, total):
    """Both ways of drawing group members (rejection and argpartition) are uniform."""
    rng = np.random.default_rng(11)
    rows = stats.draw_members(rng, 30000, k, total)
    assert (np.sort(rows, axis=1)[:, 1:] != np.sort(rows, axis=1)[:, :-1]).all()
    keys = pd.Series([tuple(sorted(r)) for r in rows.tolist()]).value_counts()
    assert len(keys) == math.comb(total, k)
    expected = np.full(len(keys), 30000 / len(keys))
    assert sps.chisquare(keys.to_numpy(), expected).pvalue > 0.001


def test_bh_matches_scipy_and_keeps_nan():
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.2, 0.5])
    q = stats.bh(p)
    ok = ~np.isnan(p)
    assert np.isnan(q[1])
    assert np.allclose(q[ok], sps.false_discovery_control(p[ok], method="bh"))
    # direct definition: q_(i) = min over j >= i of m p_(j) / j
    order = np.sort(p[ok])
    m = len(order)
    direct = np.minimum.accumulate((m * order / np.arange(1, m + 1))[::-1])[::-1]
    assert np.allclose(np.sort(q[ok]), direct)


def _holm_direct(p):
    """Holm's procedure written out step by step."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


@pytest.mark.parametrize("seed", range(5))
def test_holm_matches_direct_implementation(seed):
    p = np.random.default_rng(seed).uniform(0, 0.2, 7)
    assert np.allclose(stats.holm(p), _holm_direct(list(p)))


def test_holm_skips_nan():
    out = stats.holm([0.01, np.nan, 0.02])
    assert np.isnan(out[1])
    assert np.allclose(out[[0, 2]], [0.02, 0.02])


def test_shrinkage_worked_example():
    # m = (0, 0, 1), n = 10 each, s^2 = 1: v = 0.1, w = 10, mu_w = 1/3,
    # Q = 10 * (1/9 + 1/9 + 4/9) = 6.667, denominator = 30 - 300/30 = 20,
    # tau^2 = (6.667 - 2) / 20 = 0.2333, B = 0.2333 / 0.3333 = 0.7,
    # theta = 1/3 + 0.7 (m - 1/3) = (0.1, 0.1, 0.8), sd = sqrt(0.7 * 0.1).
    out = stats.shrink([0.0, 0.0, 1.0], [10, 10, 10], 1.0)
    assert out.tau2 == pytest.approx(7 / 30)
    assert np.allclose(out.theta, [0.1, 0.1, 0.8])
    assert np.allclose(out.sd, np.sqrt(0.07))
    assert out.mu == pytest.approx(1 / 3)


def test_shrinkage_pools_fully_without_between_window_spread():
    out = stats.shrink([0.1, 0.1, 0.1, 0.1], [5, 50, 20, 8], 1.0)
    assert out.tau2 == 0.0
    assert np.allclose(out.theta, 0.1)
    assert np.allclose(out.weight, 0.0)


def test_shrinkage_pulls_small_windows_harder():
    out = stats.shrink([1.0, 1.0, 0.0, 0.0], [5, 500, 100, 100], 1.0)
    assert out.tau2 > 0
    assert out.theta[0] < out.theta[1]
    assert out.weight[0] < out.weight[1]


@pytest.mark.parametrize("alpha", [0.05, 0.10 / 45, 0.10 / 84])
def test_min_detectable_lift_has_80_percent_power(alpha):
    """At the detectable lift the Welch test at ``alpha`` rejects with 80% probability:
    checked with scipy's noncentral t on the Welch degrees of freedom."""
    sd, n, n_b = 0.9, 40, 600
    mdl = stats.min_detectable_lift(sd, n, n_b, alpha)
    se = sd * np.sqrt(1 / n + 1 / n_b)
    df = (1 / n + 1 / n_b) ** 2 / (1 / (n**2 * (n - 1)) + 1 / (n_b**2 * (n_b - 1)))
    assert stats.welch_df(n, n_b) == pytest.approx(df)
    power = sps.nct.sf(sps.t.ppf(1 - alpha / 2, df), df, np.log(mdl) / se)
    assert power == pytest.approx(0.80, abs=0.01)


def test_min_detectable_lift_is_larger_at_the_level_a_verdict_needs():
    plain = stats.min_detectable_lift(0.9, 40, 600)
    strict = stats.min_detectable_lift(0.9, 40, 600, 0.10 / 45)
    assert strict > plain > math.exp(2.8 * 0.9 * math.sqrt(1 / 40 + 1 / 600))
    assert np.isinf(stats.min_detectable_lift(0.9, [0, 1], 600)).all()


@pytest.mark.parametrize("alpha", [0.05, 0.10 / 45])
def test_posts_needed_is_the_smallest_count_reaching_the_lift(alpha):
    needed = stats.posts_needed(0.9, 600, 1.25, alpha)
    assert stats.min_detectable_lift(0.9, needed, 600, alpha) <= 1.25
    assert stats.min_detectable_lift(0.9, needed - 1, 600, alpha) > 1.25
    assert stats.posts_needed(0.9, 5, 1.25, alpha) == float("inf")


def test_fcr_level_is_benjamini_yekutieli():
    assert stats.fcr_level(10, 45) == pytest.approx(1 - 0.10 * 10 / 45)
    assert stats.fcr_level(45, 45) == pytest.approx(0.90)
    with pytest.raises(ValueError):
        stats.fcr_level(0, 45)


def test_contrast_matches_a_simulated_posterior():
    """Draw mu from its posterior, then each window mean given mu: the contrast of each window
    with the share-weighted baseline has the mean and sd that contrast() gives."""
    out = stats.shrink([0.3, -0.1, 0.0, 0.2, -0.2], [12, 40, 60, 25, 80], 0.8)
    share = np.array([0.0, 0.0, 60, 0.0, 80]) / 140
    mean, sd = stats.contrast(out, share)
    rng = np.random.default_rng(0)
    mu = rng.normal(out.mu, math.sqrt(out.mu_var), (200_000, 1))
    m = (out.theta - (1 - out.weight) * out.mu) / out.weight  # the observed means back
    theta = (1 - out.weight) * mu + out.weight * m + rng.normal(0, 1, (200_000, 5)) * out.sd
    draws = theta - theta @ share[:, None]
    assert np.allclose(draws.mean(axis=0), mean, atol=0.005)
    assert np.allclose(draws.std(axis=0), sd, rtol=0.02)


def test_contrast_is_zero_when_the_windows_do_not_differ():
    out = stats.shrink([0.0, 0.01, -0.01], [100, 100, 100], 1.0)
    assert out.tau2 == 0
    mean, sd = stats.contrast(out, [0.5, 0.5, 0.0])
    assert (mean == 0).all() and (sd == 0).all()
