"""Every page of a portfolio in one run: per-page analyses, pooling across pages, jobs."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

import posttime
from posttime import stats
from posttime.analysis import AnalysisOptions, analyze
from posttime.errors import NoDataError, UsageError
from posttime.portfolio import (
    Pool,
    TimingMatters,
    analyze_many,
    between_page_variance,
    page_timing,
    pool_pages,
)
from posttime.render import render
from posttime.simulate import PageSpec, Planted, simulate_posts, true_lift

TZ = "America/Los_Angeles"
OPTIONS = AnalysisOptions(timezone=TZ)
DAYPARTS = ((0, 6), (6, 10), (10, 14), (14, 18), (18, 24))


def page_spec(i: int, *, n_posts: int = 300, timing: str = "smooth", strength: float = 1.0,
              planted: tuple[Planted, ...] = (), block: int = 0) -> PageSpec:
    seed = 10_000 * block + i
    return PageSpec(n_posts=n_posts, seed=seed, timing=timing, timing_strength=strength,
                    planted=planted, page_id=str(10**14 + seed), page_name=f"Page {i:02d}")


def portfolio_posts(specs) -> pd.DataFrame:
    return pd.concat([simulate_posts(s) for s in specs], ignore_index=True)


@pytest.fixture(scope="module")
def five_pages() -> pd.DataFrame:
    # Listed out of name order, so that the ordering of the result is tested too.
    return portfolio_posts([page_spec(i) for i in (3, 0, 4, 1, 2)])


@pytest.fixture(scope="module")
def unpooled(five_pages):
    return analyze_many(five_pages, OPTIONS, pool="none")


@pytest.fixture(scope="module")
def pooled(five_pages):
    return analyze_many(five_pages, OPTIONS)


def test_each_page_is_its_own_analysis_in_name_order(five_pages, unpooled):
    assert unpooled.pool is Pool.NONE and unpooled.pools == []
    assert [r.page for r in unpooled.results] == [f"Page {i:02d}" for i in range(5)]
    for result in unpooled.results:
        own = five_pages[five_pages["page_name"] == result.page]
        alone = analyze(own, OPTIONS, page=result.page)
        assert json.dumps(result.to_dict()) == json.dumps(alone.to_dict())


def test_pooling_is_on_from_five_pages_and_keeps_every_verdict(unpooled, pooled):
    assert pooled.pool is Pool.PAGES
    assert [g.pages for g in pooled.pools] == [5]
    moved = 0
    for before, after in zip(unpooled.results, pooled.results, strict=True):
        a = before.windows.set_index("window").sort_index()
        b = after.windows.set_index("window").sort_index()
        for column in ("n", "lift", "lift_low", "lift_high", "p", "q", "verdict", "tested"):
            pd.testing.assert_series_equal(a[column], b[column])
        assert after.headline == before.headline
        assert page_timing(after) == page_timing(before)
        tested = b["tested"]
        moved += int((~np.isclose(a.loc[tested, "shrunk_lift"], b.loc[tested, "shrunk_lift"]))
                     .sum())
        # Ranked by the pooled estimate, ties by posts.
        ranked = after.windows[after.windows["tested"]]
        assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
        assert (np.diff(ranked["theta"].to_numpy()) <= 1e-12).all()
        assert np.allclose(ranked["shrunk_lift"],
                           np.exp(ranked["theta"] - after.baseline_mean))
    assert moved > 0


def test_pooled_estimates_follow_the_model(unpooled, pooled):
    (fit,) = pooled.pools
    for before, after in zip(unpooled.results, pooled.results, strict=True):
        a = before.windows[before.windows["tested"]].set_index("window")
        b = after.windows.set_index("window").loc[a.index]
        centre = before.posts["residual"].mean()
        effect = a["mean"] - centre
        v = before.residual_sd**2 / a["n"]
        alpha = fit.effects.loc[a.index]
        weight = fit.tau2 / (fit.tau2 + v)
        theta = centre + alpha + weight * (effect - alpha)
        assert np.allclose(b["theta"], theta)
        assert np.allclose(b["shrunk_lift"], np.exp(theta - before.baseline_mean))
        assert ((b["p_better"] > 0.5) == (b["shrunk_lift"] > 1)).all()


def test_pooling_with_one_window_is_dersimonian_laird_across_pages():
    # One window on four pages: the portfolio model is the one-level model of
    # stats.shrink with pages in place of windows.
    means = np.array([0.3, -0.1, 0.5, 0.05])
    counts = np.array([12, 40, 25, 60])
    within = 0.8
    effects = pd.DataFrame({"window": 0, "a": means, "v": within / counts})
    assert between_page_variance(effects) == pytest.approx(stats.shrink(means, counts,
                                                                        within).tau2)
    two = pd.concat([effects, effects.assign(window=1, a=-means)], ignore_index=True)
    assert between_page_variance(two) == pytest.approx(stats.shrink(means, counts,
                                                                    within).tau2)


def test_identical_pages_share_no_variance():
    same = pd.DataFrame({"window": [0, 0, 0, 1, 1, 1], "a": [0.2, 0.2, 0.2, -0.1, -0.1, -0.1],
                         "v": [0.05] * 6})
    assert between_page_variance(same) == 0.0


def test_byte_identical_whatever_the_jobs(five_pages, pooled):
    parallel = analyze_many(five_pages, OPTIONS, jobs=2)
    assert json.dumps(parallel.to_dict()) == json.dumps(pooled.to_dict())


def test_progress_counts_every_page(five_pages):
    seen = []
    analyze_many(five_pages.iloc[: 2 * 300], OPTIONS, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]


def test_public_api(five_pages):
    assert "analyze_many" in posttime.__all__
    assert posttime.analyze_many is analyze_many
    result = posttime.analyze_many(five_pages.iloc[:600], OPTIONS, by="page", jobs=1)
    assert len(result.results) == 2 and result.pool is Pool.NONE


def test_summary_and_portfolio_line(pooled):
    summary = pooled.summary
    assert summary["page"].tolist() == [r.page for r in pooled.results]
    for row, result in zip(summary.itertuples(), pooled.results, strict=True):
        assert row.posts_used == result.posts_used
        assert row.better == int((result.windows["verdict"] == "better").sum())
        assert row.worse == int((result.windows["verdict"] == "worse").sum())
        ranked = result.windows[result.windows["tested"]]
        assert [lift for _, lift in row.top_windows] == pytest.approx(
            ranked["shrunk_lift"].head(3).tolist())
        expected = (stats.posts_needed(result.residual_sd, result.baseline_n)
                    if result.baseline_n else np.inf)
        if np.isfinite(expected):
            assert row.posts_needed == expected
        else:
            assert pd.isna(row.posts_needed)
    common = pooled.common_windows()
    assert common and all(n >= 1 for _, n in common)
    assert [n for _, n in common] == sorted((n for _, n in common), reverse=True)
    doc = pooled.to_dict()
    assert set(doc) == {"posttime_version", "pages", "portfolio"}
    assert doc["pages"][0]["page"] == "Page 00"
    assert set(doc["pages"][0]) == set(pooled.results[0].to_dict())
    assert doc["portfolio"]["pool"] == "pages"
    assert doc["portfolio"]["timing_matters"] == pooled.timing_matters


def test_timing_matters_words():
    big = analyze(simulate_posts(page_spec(2, n_posts=12000, timing="null")),
                  AnalysisOptions(timezone=TZ, grain="daypart"))
    small = analyze(simulate_posts(page_spec(0, n_posts=150, timing="null")), OPTIONS)
    planted = analyze(simulate_posts(page_spec(
        0, n_posts=1500, timing="null", planted=(Planted(1, 18, 20, 2.5, n_posts=60),))),
        OPTIONS)
    assert page_timing(small) is TimingMatters.CANNOT_TELL_YET
    assert len(planted.reliable) and page_timing(planted) is TimingMatters.YES
    assert not len(big.reliable) and big.typical_mdl <= 1.25
    assert page_timing(big) is TimingMatters.NO


def test_bad_arguments(five_pages):
    with pytest.raises(ValueError, match="by 'page' only"):
        analyze_many(five_pages, OPTIONS, by="type")
    with pytest.raises(UsageError, match="at least 1"):
        analyze_many(five_pages, OPTIONS, jobs=0)
    with pytest.raises(ValueError):
        analyze_many(five_pages, OPTIONS, pool="sometimes")
    with pytest.raises(NoDataError):
        analyze_many(five_pages.iloc[:0], OPTIONS)


# --- the simulation check of pooling --------------------------------------------------------


def _deviations(rng, count: int, sd: float) -> tuple[Planted, ...]:
    cells = rng.choice(35, size=count, replace=False)
    return tuple(Planted(int(c // 5), *DAYPARTS[c % 5], float(np.exp(rng.normal(0, sd))))
                 for c in cells)


def _regret(result, spec) -> float:
    """Log of the best tested window's true lift over the true lift of the top pick."""
    ranked = result.windows[result.windows["tested"]]
    lifts = np.log([true_lift(spec, int(w.weekday_index), int(w.start), int(w.end))
                    for w in ranked.itertuples()])
    return float(lifts.max() - lifts[0])


def _regrets(shared: bool, portfolios: int = 3, pages: int = 12) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7 if shared else 8)
    single, pooled = [], []
    for block in range(portfolios):
        specs = [page_spec(i, block=block + (0 if shared else 100),
                           timing="smooth" if shared else "null", strength=2.0,
                           planted=_deviations(rng, 3, 0.1) if shared
                           else _deviations(rng, 6, 0.3))
                 for i in range(pages)]
        by_name = {s.page_name: s for s in specs}
        alone = analyze_many(portfolio_posts(specs), OPTIONS, pool="none").results
        together = copy.deepcopy(alone)
        pool_pages(together)
        single += [_regret(r, by_name[r.page]) for r in alone]
        pooled += [_regret(r, by_name[r.page]) for r in together]
    return np.array(single), np.array(pooled)


@pytest.mark.slow
def test_pooling_lowers_regret_on_shared_patterns_and_does_no_harm_otherwise():
    # Shared: every page has the same smooth timing pattern (strength 2) plus three windows
    # of its own off by a factor exp(N(0, 0.1)). Unrelated: no shared pattern, six windows
    # per page off by exp(N(0, 0.3)). 300 posts per page, 36 pages per scenario.
    single, pooled = _regrets(shared=True)
    gain = single - pooled
    se = gain.std(ddof=1) / np.sqrt(len(gain))
    print(f"shared: regret single {np.exp(single.mean()):.3f}x, pooled "
          f"{np.exp(pooled.mean()):.3f}x (log gain {gain.mean():.3f} +- {se:.3f})")
    assert gain.mean() > 2 * se
    single, pooled = _regrets(shared=False)
    harm = pooled - single
    se = harm.std(ddof=1) / np.sqrt(len(harm))
    print(f"unrelated: regret single {np.exp(single.mean()):.3f}x, pooled "
          f"{np.exp(pooled.mean()):.3f}x (log harm {harm.mean():.3f} +- {se:.3f})")
    assert harm.mean() <= 2 * se


def test_a_page_with_nothing_to_analyse_is_listed_not_fatal(five_pages):
    two = five_pages[five_pages["page_name"].isin(["Page 00", "Page 01"])].copy()
    two.loc[two["page_name"] == "Page 01", "paid"] = True
    result = analyze_many(two, OPTIONS)
    assert [r.page for r in result.results] == ["Page 00"]
    assert list(result.skipped) == ["Page 01"]
    n_paid = int((two["page_name"] == "Page 01").sum())
    assert f"paid: {n_paid}" in result.skipped["Page 01"]
    assert result.to_dict()["portfolio"]["skipped"][0]["page"] == "Page 01"
    assert "Not analysed: Page 01 (no posts left to analyse" in render(result, "markdown")
    with pytest.raises(NoDataError, match="no page has posts left to analyse"):
        analyze_many(two.assign(paid=True), OPTIONS)
