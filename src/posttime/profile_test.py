"""The two-page permutation test of timing profiles (METHOD.md section 7).

``profile_test(groups, design)`` takes, per posting window, the residuals of page A and of
page B and asks whether the window differences d_c = mean r_A - mean r_B vary by more than a
constant. With v_c = s_A^2/n_A + s_B^2/n_B and d_w the precision-weighted mean of d, Q is
the weighted sum of squared deviations from d_w that ``design`` explains; its p-value comes
from permuting the page labels within each window (a chi-square reference is too lenient).

Departure from METHOD.md section 7: Q is the part of METHOD.md's Q that a daily cycle
explains. The window differences d_c are fitted by weighted least squares (weights 1/v_c)
on a constant and one 24-hour wave, cos and sin of each window's middle hour, and
Q = sum (fitted_c - d_w)^2 / v_c: two degrees of freedom, for "A does relatively better
at one time of day and B at the opposite one", instead of some 50-80 over all two-hour
windows. s_A^2 and s_B^2 are each page's within-window variance pooled over the windows
rather than each window's own. In simulation an evening-peaked page (up to 1.22x at 18-22)
against a morning-peaked one (up to 1.22x at 7-11), 3,000 posts each, was found different
in 85% of 1,000 pairs (93% of 300 with 4,000 posts, 68% of 300 with 2,000); Q over every
window found it in about 35% of 100 pairs, and Q between the five parts of the day (4
degrees of freedom) in 76% of 500. The permutations are the same (labels shuffled within
each weekday x time window), so the test keeps its level: 5.2% of 500 same-timing pairs
(null timing) and 4.8% of 500 (a smooth shared pattern) had p < 0.05, with pages of
different size, level and posting habits. The cost: differences that are not a single
daily wave, such as one page better on weekends or at lunch with the other better both
morning and evening, are not part of the profile test; the per-window tests still show
them.
"""

from __future__ import annotations

import numpy as np

from posttime import stats

#: the profile test needs at least this many windows with enough posts on both pages, at
#: this many different times of day (a daily cycle has a level, a size and a phase).
MIN_PROFILE_WINDOWS = 3
MIN_PROFILE_TIMES = 3
#: the timing profiles are called different when the permutation p is below this.
PROFILE_ALPHA = 0.05
N_PERMUTATIONS = 2000
#: at most this many random keys (permutations x posts) are drawn at once.
_BATCH_ELEMENTS = 1 << 22
#: windows with at least this many posts (both pages) are permuted by random rotations of
#: the labels along a random order (see profile_test); smaller ones by uniform relabelling.
ROTATE_FROM = 40


def rotated_sums(rng: np.random.Generator, pooled: np.ndarray, k_a: int,
                  size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums and sums of squares of page A's posts after ``size`` random relabellings drawn
    from the rotations of the labels along one random order of the window's posts.

    With the posts in a random order and the labels rotated by s places along it, page A's
    sum is the circular cross-correlation of the label indicator with the posts, for every
    s at once by FFT; each relabelling then costs one random integer.
    """
    n = len(pooled)
    order = rng.permutation(n)
    arranged = pooled[order]
    labels = np.conj(np.fft.rfft((order < k_a).astype(float)))
    sums = np.fft.irfft(labels * np.fft.rfft(arranged), n)
    sums_sq = np.fft.irfft(labels * np.fft.rfft(arranged**2), n)
    shift = rng.integers(0, n, size=size)
    return sums[shift], sums_sq[shift]


def _moments(s_a, ss_a, n_a, s_b, ss_b, n_b):
    """Difference of means and both sample variances from sums and sums of squares."""
    var_a = np.maximum((ss_a - s_a**2 / n_a) / (n_a - 1), 0.0)
    var_b = np.maximum((ss_b - s_b**2 / n_b) / (n_b - 1), 0.0)
    return s_a / n_a - s_b / n_b, var_a, var_b


def pooled_weights(var_a, var_b, n_a, n_b) -> np.ndarray:
    """1 / v_c with v_c = s_A^2/n_A + s_B^2/n_B, each page's within-window variance pooled
    over the windows (last axis; earlier axes are permutations)."""
    s2_a = np.sum((n_a - 1) * var_a, axis=-1, keepdims=True) / np.sum(n_a - 1)
    s2_b = np.sum((n_b - 1) * var_b, axis=-1, keepdims=True) / np.sum(n_b - 1)
    return 1.0 / np.maximum(s2_a / n_a + s2_b / n_b, 1e-300)


def daily_cycle(hours) -> np.ndarray:
    """The design of the profile test: cos and sin of the time of day (hours, 0-24), one
    row per window (its middle hour)."""
    angle = 2 * np.pi * np.asarray(hours, dtype=float) / 24
    return np.column_stack([np.cos(angle), np.sin(angle)])


def _q_explained(d, var_a, var_b, n_a, n_b, design) -> np.ndarray:
    """Q for window differences ``d`` (last axis: windows): the weighted sum of squares of d
    about d_w that ``design`` explains.

    v_c = s_A^2/n_A + s_B^2/n_B with each page's within-window variance pooled over the
    windows, weights 1/v_c, d_w the weighted mean of d. With ``design`` None this is
    METHOD.md's Q = sum (d_c - d_w)^2 / v_c over the windows; otherwise d is fitted by
    weighted least squares on a constant and the design's columns, and
    Q = sum (fitted_c - d_w)^2 / v_c.
    """
    w = pooled_weights(var_a, var_b, n_a, n_b)
    d_w = np.sum(w * d, axis=-1, keepdims=True) / np.sum(w, axis=-1, keepdims=True)
    if design is None:
        return np.sum(w * (d - d_w) ** 2, axis=-1)
    z = np.column_stack([np.ones(len(design)), design])
    gram = np.einsum("pw,wi,wj->pij", w, z, z)
    coef = np.linalg.solve(gram, ((w * d) @ z)[..., None])[..., 0]
    return np.sum(w * (coef @ z.T - d_w) ** 2, axis=-1)


def profile_test(
    groups: list[tuple[np.ndarray, np.ndarray]], design=None, *,
    n_permutations: int = N_PERMUTATIONS, seed: int = stats.SEED,
) -> tuple[float, float]:
    """Q and its permutation p-value for windows given as (residuals A, residuals B) pairs.

    The page labels are permuted within each window, all permutations at once in numpy
    (one pass per window, none per permutation); p = (hits + 1) / (B + 1), where a hit is a
    permuted Q at least as large as the observed one.

    A window with fewer than ROTATE_FROM posts gets uniformly random relabellings. A larger
    window gets its labels rotated by a random number of places along one random order of
    its posts: the rotations form a group of permutations, and drawing from a group keeps a
    random permutation test exact (Hemerik and Goeman, JRSS B 80, 2018), while all the
    window's rotated sums come from one FFT instead of one random subset per permutation.
    On simulated page pairs (200 with the same timing, 60 evening against morning) the two
    ways gave p-values correlated 0.995-0.998 and the same rejection rates; rotations cut
    the time of the test on two 5,000-post pages from about 0.2 s to about 0.01 s.

    Parameters
    ----------
    groups : list of (array, array)
        Per window the residuals of page A and of page B (each at least two posts).
    design : array (windows x k), optional
        Columns that the window differences are fitted on besides a constant; Q is then the
        weighted sum of squares the fit explains (``compare`` passes ``daily_cycle`` of the
        windows' middle hours). By default Q is taken over the windows themselves.
    n_permutations : int
        Number of permutations B.
    seed : int
        Seed of the permutations; the same seed gives the same p.

    Returns
    -------
    (Q, p)

    Notes
    -----
    Page A's residuals should be shifted by the observed offset d_w first (``compare`` does
    this). Q does not change under a constant shift of one page, but the permutations do: if
    page A sat a constant delta above page B, every permuted window would mix two groups
    delta apart. Shifting by d_w removes the constant, so under the null of the same timing
    profile the two pages' posts in a window are exchangeable up to their spread. Q uses
    each page's own pooled variance, so one page's posts may vary more than the other's.
    Checked by simulation: 40 windows of t(5) noise, page A twice as spread as page B and
    0.5 below it in every window, gave p < 0.05 in 4.5% of 1,500 runs with the shift taken
    out and 4.7% without it. Each page's trend already centres its residuals, so the shift
    is small on real pages; it is taken out anyway so that no permuted window mixes two
    offset groups.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> same = [(rng.normal(0, 1, 30), rng.normal(0, 1, 40)) for _ in range(6)]
    >>> q, p = profile_test(same)
    >>> bool(p > 0.05)
    True
    """
    n_w = len(groups)
    if n_w < 2:
        raise ValueError("the profile test needs at least two windows")
    if design is not None:
        design = np.asarray(design, dtype=float)
        design = design[:, None] if design.ndim == 1 else design
        if design.shape[0] != n_w:
            raise ValueError("the design needs one row per window")
        if np.linalg.matrix_rank(np.column_stack([np.ones(n_w), design])) <= design.shape[1]:
            raise ValueError("the design and a constant must be linearly independent "
                             "over the windows")
    if n_permutations < 1:
        raise ValueError("n_permutations must be at least 1")
    n_a = np.array([len(a) for a, _ in groups], dtype=float)
    n_b = np.array([len(b) for _, b in groups], dtype=float)
    if np.any(n_a < 2) or np.any(n_b < 2):
        raise ValueError("each window needs at least two posts on each page")
    # Row 0 holds the observed labels, rows 1.. the permutations.
    s_a = np.empty((n_permutations + 1, n_w))
    ss_a = np.empty_like(s_a)
    total = np.empty(n_w)
    total_sq = np.empty(n_w)
    rng = np.random.default_rng(seed)
    for j, (a, b) in enumerate(groups):
        pooled = np.concatenate([np.asarray(a, dtype=float), np.asarray(b, dtype=float)])
        squares = pooled**2
        total[j], total_sq[j] = pooled.sum(), squares.sum()
        k_a, k_b = len(a), len(b)
        s_a[0, j], ss_a[0, j] = pooled[:k_a].sum(), squares[:k_a].sum()
        if len(pooled) >= ROTATE_FROM:
            s_a[1:, j], ss_a[1:, j] = rotated_sums(rng, pooled, k_a, n_permutations)
            continue
        batch = max(1, min(n_permutations, _BATCH_ELEMENTS // len(pooled)))
        for start in range(0, n_permutations, batch):
            size = min(batch, n_permutations - start)
            # Draw the members of the smaller group; the other group is the rest.
            members = stats.draw_members(rng, size, min(k_a, k_b), len(pooled))
            small, small_sq = pooled[members].sum(axis=1), squares[members].sum(axis=1)
            rows = slice(1 + start, 1 + start + size)
            if k_a <= k_b:
                s_a[rows, j], ss_a[rows, j] = small, small_sq
            else:
                s_a[rows, j], ss_a[rows, j] = total[j] - small, total_sq[j] - small_sq
    d, var_a, var_b = _moments(s_a, ss_a, n_a, total - s_a, total_sq - ss_a, n_b)
    q = _q_explained(d, var_a, var_b, n_a, n_b, design)
    # Ties from rounding count as hits, as in scipy's permutation tests.
    hits = int(np.count_nonzero(q[1:] >= q[0] * (1 - 1e-9)))
    return float(q[0]), (hits + 1) / (n_permutations + 1)
