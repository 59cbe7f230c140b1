"""The statistics of the method (METHOD.md §4-6), each checked against scipy in the tests.

Functions take arrays and return arrays of the same length as their input, or dicts of
such arrays with fixed keys (``pandas.DataFrame`` of one makes a table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special
from scipy import stats as sps

#: the seed of every resampling, so that the same input gives the same output.
SEED = 20240601
N_RESAMPLES = 9999
#: the power that the planning figures (detectable lift, posts needed) are sized for.
POWER = 0.80
ALTERNATIVES = ("two-sided", "greater", "less")


def _t_sf(t, df):
    return special.stdtr(df, -np.asarray(t, dtype=float))


def _t_ppf(q, df):
    """``scipy.stats.t.ppf`` without its argument checks, which cost more than the
    quantile itself in the planning figures' root search; NaN where df is not positive."""
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, special.stdtrit(df, q), np.nan)


def _pvalue(t, df, alternative: str):
    if alternative == "two-sided":
        return np.minimum(1.0, 2.0 * _t_sf(np.abs(t), df))
    if alternative == "greater":
        return _t_sf(t, df)
    if alternative == "less":
        return _t_sf(-np.asarray(t), df)
    raise ValueError(f"alternative must be one of {ALTERNATIVES}, not {alternative!r}")


def welch(
    mean_a, var_a, n_a, mean_b, var_b, n_b, *, alternative: str = "two-sided",
    confidence: float = 0.90,
) -> dict[str, np.ndarray]:
    """Welch's unequal-variance t-test from group summaries, vectorised over rows.

    Agrees with ``scipy.stats.ttest_ind(a, b, equal_var=False)`` (the tests check it).

    Parameters
    ----------
    mean_a, var_a, n_a, mean_b, var_b, n_b : array_like
        Means, sample variances (ddof=1) and sizes of the two groups.
    alternative : {'two-sided', 'greater', 'less'}
        'greater' tests mean_a > mean_b.
    confidence : float
        Level of the two-sided interval for mean_a - mean_b.

    Returns
    -------
    dict of arrays, one entry per row: ``diff``, ``se``, ``t``, ``df``, ``p``, ``low``,
    ``high`` (``pandas.DataFrame(welch(...))`` makes it a table).

    Examples
    --------
    >>> out = welch([1.0], [1.0], [20], [0.0], [1.0], [20])
    >>> round(float(out["t"][0]), 4), round(float(out["df"][0]), 1)
    (3.1623, 38.0)
    """
    mean_a, var_a, n_a, mean_b, var_b, n_b = (
        np.atleast_1d(np.asarray(x, dtype=float)) for x in (mean_a, var_a, n_a, mean_b, var_b, n_b)
    )
    if np.any(n_a < 2) or np.any(n_b < 2):
        raise ValueError("each group needs at least two observations")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    va = var_a / n_a
    vb = var_b / n_b
    se = np.sqrt(va + vb)
    diff = mean_a - mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / se
        df = (va + vb) ** 2 / (va**2 / (n_a - 1) + vb**2 / (n_b - 1))
    half = _t_ppf(0.5 + confidence / 2, df) * se
    return {"diff": diff, "se": se, "t": t, "df": df, "p": _pvalue(t, df, alternative),
            "low": diff - half, "high": diff + half}


def _welch_t(sum_a, sq_a, n_a, sum_b, sq_b, n_b):
    var_a = (sq_a - sum_a**2 / n_a) / (n_a - 1)
    var_b = (sq_b - sum_b**2 / n_b) / (n_b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (sum_a / n_a - sum_b / n_b) / np.sqrt(var_a / n_a + var_b / n_b)


def draw_members(rng: np.random.Generator, size: int, k: int, total: int) -> np.ndarray:
    """``size`` rows of ``k`` distinct indices below ``total``, each row a uniform k-subset."""
    if k * (k - 1) / 2 > total:
        keys = rng.random((size, total))
        return np.argpartition(keys, k - 1, axis=1)[:, :k]
    # Few expected repeats: draw with replacement and redraw the rows that repeat an index.
    # Rejection keeps every k-subset equally likely and costs size * k, not size * total.
    # Only the rows just redrawn are checked again: the others are already distinct.
    rows = rng.integers(0, total, size=(size, k))
    bad = np.arange(size)
    while True:
        ordered = np.sort(rows[bad], axis=1)
        bad = bad[(ordered[:, 1:] == ordered[:, :-1]).any(axis=1)]
        if len(bad) == 0:
            return rows
        rows[bad] = rng.integers(0, total, size=(len(bad), k))


def permutation_pvalues(
    a, b, *, n_resamples: int = N_RESAMPLES, seed: int = SEED, batch: int = 2000,
) -> dict[str, float]:
    """Permutation p-values of Welch's t statistic (group labels shuffled), all three sides.

    The same test as ``scipy.stats.ttest_ind(a, b, equal_var=False,
    method=scipy.stats.PermutationMethod(...))``, with the same p-value convention
    ((hits + 1) / (resamples + 1); two-sided is twice the smaller one-sided p), computed in
    numpy batches: the first call of scipy's version costs most of a second, more than the
    whole rest of an analysis. One set of resamples serves all three alternatives.

    Returns
    -------
    dict keyed by ``two-sided``, ``greater`` (mean a > mean b) and ``less``.

    Examples
    --------
    >>> p = permutation_pvalues([5.0, 6, 7, 8, 9, 6, 7, 8, 9, 7], [0.0, 1, 2, 1, 0, 2, 1, 0, 1, 2])
    >>> bool(p["greater"] < 0.001), bool(p["less"] > 0.999)
    (True, True)
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        raise ValueError("each group needs at least two observations")
    pooled = np.concatenate([a, b])
    pooled = pooled - pooled.mean()
    squares = pooled**2
    total_sum, total_sq = pooled.sum(), squares.sum()
    n_a, n_b = len(a), len(b)
    observed = _welch_t(pooled[:n_a].sum(), squares[:n_a].sum(), n_a,
                        pooled[n_a:].sum(), squares[n_a:].sum(), n_b)
    # Compare with a relative tolerance, as scipy does, so ties from rounding count as hits.
    tol = 1e-14 * max(1.0, abs(observed))
    rng = np.random.default_rng(seed)
    greater = less = 0
    done = 0
    while done < n_resamples:
        size = min(batch, n_resamples - done)
        # Draw the members of the smaller group; the other group is the rest.
        members = draw_members(rng, size, min(n_a, n_b), len(pooled))
        drawn = pooled[members]
        sum_small = drawn.sum(axis=1)
        sq_small = (drawn**2).sum(axis=1)
        if n_a <= n_b:
            sum_a, sq_a = sum_small, sq_small
        else:
            sum_a, sq_a = total_sum - sum_small, total_sq - sq_small
        t = _welch_t(sum_a, sq_a, n_a, total_sum - sum_a, total_sq - sq_a, n_b)
        greater += int(np.count_nonzero(t >= observed - tol))
        less += int(np.count_nonzero(t <= observed + tol))
        done += size
    p_greater = (greater + 1) / (n_resamples + 1)
    p_less = (less + 1) / (n_resamples + 1)
    return {"two-sided": min(1.0, 2 * min(p_greater, p_less)), "greater": p_greater,
            "less": p_less}


def bh(p) -> np.ndarray:
    """Benjamini-Hochberg q-values (``scipy.stats.false_discovery_control``); NaN stays NaN."""
    p = np.asarray(p, dtype=float)
    q = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = sps.false_discovery_control(p[ok], method="bh")
    return q


def holm(p) -> np.ndarray:
    """Holm's step-down adjusted p-values (scipy has none); NaN stays NaN.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if len(ok) == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(1.0, stepped)
    return out


@dataclass(frozen=True)
class Shrinkage:
    """Empirical-Bayes estimates of window means (DerSimonian-Laird between-window variance)."""

    theta: np.ndarray  # shrunken mean per window
    sd: np.ndarray  # its posterior standard deviation given the centre
    weight: np.ndarray  # B_c = tau2 / (tau2 + v_c): 0 = fully pooled, 1 = left as observed
    tau2: float
    mu: float
    mu_var: float  # variance of the estimated centre, 1 / sum(1 / (v + tau2))

    def extend(self, means, counts, within_var: float) -> np.ndarray:
        """Shrink other windows' means (untested ones, say) the same way: towards ``mu``
        with this between-window variance ``tau2``; a window without posts gets ``mu``."""
        n = np.asarray(counts, dtype=float)
        m = np.asarray(means, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(n > 0, self.tau2 / (self.tau2 + within_var / np.maximum(n, 1)),
                              0.0)
        return np.where(n > 0, self.mu + weight * (np.nan_to_num(m) - self.mu), self.mu)


def shrink(means, counts, within_var: float) -> Shrinkage:
    """Shrink window means towards their precision-weighted centre (METHOD.md §5).

    Parameters
    ----------
    means : array of float
        Mean residual of each window.
    counts : array of int
        Posts in each window (at least 1).
    within_var : float
        Pooled within-window variance s^2.

    Examples
    --------
    >>> out = shrink([0.0, 0.0, 1.0], [10, 10, 10], 1.0)
    >>> round(out.tau2, 4), out.theta.round(4).tolist(), round(out.mu_var, 4)
    (0.2333, [0.1, 0.1, 0.8], 0.1111)
    """
    m = np.asarray(means, dtype=float)
    n = np.asarray(counts, dtype=float)
    if len(m) != len(n) or len(m) == 0:
        raise ValueError("means and counts must be non-empty and of equal length")
    if np.any(n < 1) or not within_var > 0:
        raise ValueError("counts must be at least 1 and within_var positive")
    v = within_var / n
    w = 1.0 / v
    mu_w = np.sum(w * m) / np.sum(w)
    q = np.sum(w * (m - mu_w) ** 2)
    denominator = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, (q - (len(m) - 1)) / denominator) if denominator > 0 else 0.0
    precision = 1.0 / (v + tau2)
    mu = float(np.sum(precision * m) / np.sum(precision))
    weight = tau2 / (tau2 + v)
    theta = mu + weight * (m - mu)
    return Shrinkage(theta=theta, sd=np.sqrt(weight * v), weight=weight, tau2=float(tau2), mu=mu,
                     mu_var=float(1.0 / np.sum(precision)))


def contrast(shrunk: Shrinkage, baseline_share) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and sd of each window's mean minus the baseline's (METHOD.md §10).

    The baseline is made of windows of the same grid, so its mean is the post-weighted
    average of their shrunken means: ``baseline_share`` gives each window's share of the
    baseline's posts (0 outside it; the shares add up to 1). The contrast of window c is
    L_c = theta_c - sum_j a_j theta_j (exactly 0 when tau^2 = 0). Given the centre mu the
    window means are independent with variance B_j v_j, and theta_j = (1 - B_j) mu + B_j m_j, so
    var(L_c) = sum_j k_cj^2 B_j v_j + (sum_j k_cj (1 - B_j))^2 var(mu), with k = I - 1 a^T.

    Examples
    --------
    >>> out = shrink([0.0, 0.0, 1.0], [10, 10, 10], 1.0)
    >>> mean, sd = contrast(out, [0.5, 0.5, 0.0])
    >>> mean.round(4).tolist(), sd.round(4).tolist()
    ([0.0, 0.0, 0.7], [0.1871, 0.1871, 0.324])
    """
    a = np.asarray(baseline_share, dtype=float)
    if a.shape != shrunk.theta.shape or not np.isclose(a.sum(), 1.0) or np.any(a < 0):
        raise ValueError("baseline_share needs one non-negative share per window, adding up to 1")
    if shrunk.tau2 == 0:
        # Every window is the centre, the baseline too: no difference, and no uncertainty
        # about it under the model (rounding would otherwise make 0 / 0 look like evidence).
        zeros = np.zeros(len(a))
        return zeros, zeros
    k = np.eye(len(a)) - a[None, :]
    mean = k @ shrunk.theta
    var = k**2 @ shrunk.sd**2 + (k @ (1.0 - shrunk.weight)) ** 2 * shrunk.mu_var
    return mean, np.sqrt(np.maximum(var, 0.0))


def welch_df(n, n_baseline) -> np.ndarray:
    """Welch degrees of freedom of two groups of sizes n and n_baseline with equal variance
    (n_baseline may be inf: then n - 1)."""
    n = np.asarray(n, dtype=float)
    a, b = 1.0 / n, 1.0 / np.asarray(n_baseline, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a + b) ** 2 / (a**2 / (n - 1) + b**2 / (np.asarray(n_baseline) - 1.0))


def _log_mdl(sd, n, n_baseline, alpha: float, power: float):
    """log of ``min_detectable_lift`` for n >= 2, on arrays or plain numbers alike."""
    df = welch_df(n, n_baseline)
    factor = _t_ppf(1 - alpha / 2, df) + _t_ppf(power, df)
    return factor * sd * np.sqrt(1.0 / n + 1.0 / n_baseline)


def min_detectable_lift(sd: float, n, n_baseline, alpha: float = 0.05,
                        power: float = POWER) -> np.ndarray:
    """Lift a two-sided Welch test at level ``alpha`` finds with probability ``power``.

    MDL = exp((t(1 - alpha/2, df) + t(power, df)) s sqrt(1/n + 1/n_B)), df the Welch degrees
    of freedom; inf for a window of fewer than two posts.

    Examples
    --------
    >>> round(float(min_detectable_lift(1.0, 40, 400)), 3)
    1.607
    >>> round(float(min_detectable_lift(1.0, 40, 400, alpha=0.10 / 45)), 3)
    1.969
    """
    n, nb = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(n_baseline, dtype=float))
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power must be between 0 and 1")
    out = np.full(n.shape, np.inf)
    ok = n >= 2
    out[ok] = np.exp(_log_mdl(sd, n[ok], nb[ok], alpha, power))
    return out if out.ndim else out[()]


def posts_needed(sd: float, n_baseline: float, lift: float = 1.25, alpha: float = 0.05,
                 power: float = POWER) -> float:
    """Posts a window needs for ``lift`` to be detectable (``min_detectable_lift`` solved
    for n); inf if no window size would do against this baseline.

    Examples
    --------
    >>> posts_needed(1.0, 400)
    262
    >>> posts_needed(1.0, 400, alpha=0.10 / 45)
    1331
    """
    if lift <= 1:
        raise ValueError("lift must be above 1")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ValueError("alpha and power must be between 0 and 1")
    target = np.log(lift)
    n_baseline = float(n_baseline)

    def gap(n: float) -> float:
        return float(_log_mdl(sd, n, n_baseline, alpha, power) - target)

    most = 1e9
    if gap(most) >= 0:
        return float("inf")
    if gap(2.0) <= 0:
        return 2
    return int(np.ceil(optimize.brentq(gap, 2.0, most, xtol=1e-6)))


def fcr_level(listed: int, tested: int, level: float = 0.10) -> float:
    """Confidence level of the false-coverage-statement intervals of Benjamini & Yekutieli
    (JASA 2005): ``listed`` windows selected out of ``tested`` each get a 1 - level k/m
    interval, so that at most ``level`` of the listed intervals miss on average.

    Examples
    --------
    >>> round(fcr_level(10, 45), 4)
    0.9778
    """
    if not 0 < listed <= tested:
        raise ValueError("listed must be between 1 and the number tested")
    return 1.0 - level * listed / tested
