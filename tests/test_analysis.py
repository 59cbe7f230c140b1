"""analyze(): the window grid, exclusions, tests against scipy, claims and the JSON contract."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from posttime.analysis import AnalysisOptions, analyze, analyze_by_type, prepare
from posttime.errors import NoDataError, UsageError
from posttime.outcome import residualize
from posttime.simulate import PageSpec, Planted, simulate_posts

TZ = "America/Los_Angeles"
OPTIONS = AnalysisOptions(timezone=TZ)


@pytest.fixture(scope="module")
def page():
    return simulate_posts(PageSpec(n_posts=1500, seed=42, tz=TZ))


@pytest.fixture(scope="module")
def result(page):
    return analyze(page, OPTIONS, page="Sample")


def test_every_window_of_the_grid_is_reported_and_counts_add_up(result):
    windows = result.windows
    assert result.grain == "2h"
    assert len(windows) == 84
    assert windows["n"].sum() == result.posts_used
    assert not windows.duplicated(["weekday", "start"]).any()
    tested = windows[windows["tested"]]
    assert (tested["n"] >= 10).all()
    assert list(tested["rank"]) == list(range(1, len(tested) + 1))
    assert windows.loc[~windows["tested"], "rank"].isna().all()
    assert (windows.loc[~windows["tested"], "verdict"] == "insufficient-data").all()


def test_excluded_posts_are_counted(page, result):
    recent = page["published"] > page["as_of"] - pd.Timedelta(days=7)
    assert result.excluded["too_recent"] == int((recent & ~page["paid"]).sum())
    assert result.excluded["paid"] == int(page["paid"].sum())
    assert result.posts_used + result.excluded["too_recent"] + result.excluded["paid"] == len(page)
    with_paid = analyze(page, AnalysisOptions(timezone=TZ, include_paid=True))
    assert with_paid.excluded["paid"] == 0
    assert with_paid.posts_used == result.posts_used + result.excluded["paid"] - int(
        (recent & page["paid"]).sum())


def test_engagement_rate_counts_posts_without_reach(page):
    broken = page.copy()
    broken.loc[broken.index[:25], "reach"] = 0.0
    broken.loc[broken.index[25:40], "reach"] = np.nan
    out = analyze(broken, AnalysisOptions(timezone=TZ, metric="engagement-rate"))
    first = broken.iloc[:40]
    recent = first["published"] > first["as_of"] - pd.Timedelta(days=7)
    assert out.excluded["missing_metric"] == int((~first["paid"] & ~recent).sum()) > 30


def test_small_pages_get_dayparts_and_grain_can_be_forced(page):
    small = page.iloc[:500]
    assert analyze(small, OPTIONS).grain == "daypart"
    assert len(analyze(small, OPTIONS).windows) == 35
    assert analyze(small, AnalysisOptions(timezone=TZ, grain="2h")).grain == "2h"


def test_window_p_values_are_welch_tests_against_the_baseline_minus_the_window(page, result):
    used, _ = prepare(page, OPTIONS)
    r = used["residual"].to_numpy()
    day, hour, base = used["weekday_index"], used["hour"], used["in_baseline"].to_numpy()
    big = result.windows[result.windows["n"] >= 30]
    m = int(result.windows["tested"].sum())
    level = 1 - 0.10 * min(10, m) / m
    checked = 0
    for w in big.itertuples():
        d = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun").index(w.weekday)
        inside = ((day == d) & (hour >= w.start) & (hour < w.end)).to_numpy()
        ref = sps.ttest_ind(r[inside], r[base & ~inside], equal_var=False)
        ci = ref.confidence_interval(0.90)
        assert w.p == pytest.approx(ref.pvalue, rel=1e-9)
        assert w.lift == pytest.approx(np.exp(r[inside].mean() - r[base & ~inside].mean()))
        assert (w.lift_low_90, w.lift_high_90) == pytest.approx((np.exp(ci.low), np.exp(ci.high)))
        # the printed interval: Benjamini-Yekutieli's level for 10 listed of m tested,
        # reaching out to the shrunken lift if that lies outside
        wide = ref.confidence_interval(level)
        assert w.interval_level == pytest.approx(level)
        assert w.lift_low == pytest.approx(min(np.exp(wide.low), w.shrunk_lift))
        assert w.lift_high == pytest.approx(max(np.exp(wide.high), w.shrunk_lift))
        checked += 1
    assert checked >= 10
    q = sps.false_discovery_control(result.windows["p"].dropna(), method="bh")
    assert np.allclose(np.sort(result.windows["q"].dropna()), np.sort(q))


def test_small_significant_windows_use_the_permutation_test():
    spec = PageSpec(n_posts=1500, seed=3, tz=TZ,
                    planted=(Planted(weekday=5, start=20, end=22, lift=3.0, n_posts=20),))
    out = analyze(simulate_posts(spec), OPTIONS)
    row = out.windows[(out.windows["weekday"] == "Sat") & (out.windows["start"] == 20)].iloc[0]
    assert 10 <= row["n"] < 30
    # permutation p-values are multiples of 1 / 10000
    assert row["p"] * 10000 == pytest.approx(round(row["p"] * 10000))
    assert row["verdict"] == "better"


def test_claims_follow_a_planted_truth():
    strong = tuple(Planted(weekday=d, start=10, end=14, lift=1.8) for d in range(5))
    out = analyze(simulate_posts(PageSpec(n_posts=2000, seed=8, tz=TZ, planted=strong)), OPTIONS)
    verdicts = {c.id: c.verdict for c in out.claims}
    assert verdicts["weekdays_10_14"] == "supported"
    weak = tuple(Planted(weekday=d, start=0, end=24, lift=0.5) for d in range(5))
    out = analyze(simulate_posts(PageSpec(n_posts=2000, seed=8, tz=TZ, planted=weak)), OPTIONS)
    verdicts = {c.id: c.verdict for c in out.claims}
    assert verdicts["weekends_weak"] == "contradicted"
    assert verdicts["weekdays_10_14"] == "contradicted"


def test_a_planted_window_is_reported_in_the_headline():
    spec = PageSpec(n_posts=1500, seed=11, tz=TZ,
                    planted=(Planted(weekday=1, start=16, end=18, lift=2.5, n_posts=45),))
    out = analyze(simulate_posts(spec), OPTIONS)
    top = out.windows.iloc[0]
    assert (top["weekday"], top["start"], top["verdict"]) == ("Tue", 16, "better")
    assert out.headline.startswith("Tue 16-18")
    assert "reliably beats weekdays 10-14" in out.headline


def test_null_headline_gives_the_detectable_lift(result):
    if result.reliable.empty:
        assert result.headline.startswith("No window reliably beats weekdays 10-14")
        assert f"{result.typical_mdl:.2f}x" in result.headline


def test_json_contract(result):
    payload = json.loads(json.dumps(result.to_dict()))
    assert set(payload) >= {"posttime_version", "metric", "timezone", "export_timezone", "grain",
                            "posts_used", "excluded", "baseline", "windows", "claims", "headline"}
    assert payload["baseline"] == {"label": "Mon-Fri 10:00-14:00", "n": result.baseline_n}
    window_keys = {"weekday", "start", "end", "n", "lift", "lift_low", "lift_high", "shrunk_lift",
                   "p_better", "p", "q", "min_detectable_lift", "verdict", "rank", "robust",
                   "lift_low_90", "lift_high_90", "interval_level"}
    assert all(window_keys <= set(w) for w in payload["windows"])
    assert sum(w["n"] for w in payload["windows"]) == payload["posts_used"]
    for w in payload["windows"]:
        assert (w["robust"] is None) == (w["verdict"] not in ("better", "worse"))
        if w["rank"] is not None:
            assert w["lift_low"] <= w["shrunk_lift"] <= w["lift_high"]
            assert w["lift_low"] <= w["lift_low_90"] and w["lift_high"] >= w["lift_high_90"]
    assert [c["id"] for c in payload["claims"]] == [
        "weekdays_10_14", "wednesday_12_14", "thursday_13_14", "weekends_weak", "weekend_lunch"]
    assert {"too_recent", "paid", "missing_metric", "bad_timestamp"} <= set(payload["excluded"])


def test_row_order_does_not_change_the_result(page, result):
    shuffled = page.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert analyze(shuffled, OPTIONS, page="Sample").to_dict() == result.to_dict()


def test_hours_are_taken_in_the_audience_zone(page):
    berlin = analyze(page, AnalysisOptions(timezone="Europe/Berlin"))
    used, _ = prepare(page, AnalysisOptions(timezone="Europe/Berlin"))
    local = used["published"].dt.tz_convert("Europe/Berlin")
    assert (used["hour"] == local.dt.hour).all()
    assert berlin.windows["n"].sum() == berlin.posts_used


def test_bad_options_raise_usage_errors(page):
    with pytest.raises(UsageError, match="interactions, clicks, reach, engagement-rate, views"):
        analyze(page, AnalysisOptions(timezone=TZ, metric="likes"))
    with pytest.raises(UsageError, match="photo, video, reel, link, text, other"):
        analyze(page, AnalysisOptions(timezone=TZ, post_type="gif"))
    with pytest.raises(UsageError, match="auto, 2h, daypart"):
        analyze(page, AnalysisOptions(timezone=TZ, grain="hourly"))
    with pytest.raises(UsageError, match="unknown time zone"):
        analyze(page, AnalysisOptions(timezone="Mars/Olympus"))


def test_no_posts_left_is_no_data(page):
    with pytest.raises(NoDataError, match="outside dates: 1500"):
        analyze(page, AnalysisOptions(timezone=TZ, since=pd.Timestamp("2031-01-01")))


def test_by_type_tests_each_type_on_its_own_posts(page):
    per_type = analyze_by_type(page, OPTIONS)
    counts = page["type"].value_counts()
    assert list(per_type)[0] == counts.idxmax()
    for post_type, out in per_type.items():
        assert out.options.post_type == post_type
        assert (out.posts["type"] == post_type).all()


def test_residuals_remove_trend_and_type_effects():
    rng = np.random.default_rng(0)
    n = 600
    codes = rng.integers(0, 3, n)
    y = np.linspace(1, 4, n) + np.array([0.0, 1.0, -0.5])[codes] + rng.normal(0, 0.3, n)
    out = residualize(y, codes)
    assert abs(np.corrcoef(out["residual"], np.arange(n))[0, 1]) < 0.05
    by_type = pd.Series(out["residual"]).groupby(codes).mean()
    assert (by_type.abs() < 0.05).all()
    raw = residualize(y, codes, adjust=False)
    assert np.allclose(raw["residual"], y - y.mean())


def _heatmap_ansi(result) -> str:
    import io

    from rich.console import Console

    from posttime.render.heatmap import heatmap

    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=100).print(
        heatmap(result))
    return out.getvalue()


def test_without_between_window_variance_no_window_shows_a_lift():
    """The classic sample's windows differ no more than chance: every shrunken lift is
    1.00x, p_better 0.5 and the heatmap has no shaded cell. A page whose windows do differ
    is shaded."""
    from posttime.loaders import load_exports
    from posttime.samples import sample_paths

    classic, business = (
        load_exports([p for p in sample_paths(all=True) if name in p.name]).posts
        for name in ("classic", "business"))
    flat = analyze(classic, OPTIONS)
    tested = flat.windows[flat.windows["tested"]]
    assert flat.tau2 == 0 and len(tested) >= 5
    assert (tested["shrunk_lift"] == 1.0).all() and (tested["p_better"] == 0.5).all()
    assert "48;2;" not in _heatmap_ansi(flat)
    shaded = analyze(business, OPTIONS)
    assert shaded.tau2 > 0 and "48;2;" in _heatmap_ansi(shaded)


def test_the_calendar_trend_follows_calendar_time():
    """With times given the trend is the median over +-3 days, however unevenly the posts
    fall: a burst of 20 posts in one day at a higher level is removed by it, while the
    trend over the 51 nearest posts (mostly ordinary ones) leaves the burst in the residuals."""
    rng = np.random.default_rng(1)
    days = np.sort(np.r_[rng.uniform(0, 60, 120), rng.uniform(30, 31, 20)])
    burst = (days >= 30) & (days < 31)
    y = np.where(burst, 3.0, 1.0) + rng.normal(0, 0.3, len(days))
    times = pd.DatetimeIndex(pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(days, "D"))
    codes = np.zeros(len(y), dtype=int)
    calendar = residualize(y, codes, times=times)
    assert abs(calendar["residual"][burst].mean()) < 0.3
    assert residualize(y, codes)["residual"][burst].mean() > 0.5
