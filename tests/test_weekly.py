"""The weekly summary core: weeks, expected interactions, provisional posts, comparisons,
changes and the suggestion."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from conftest import REAL_EXPORTS, needs_real_exports

from posttime.analysis import AnalysisOptions, analyze
from posttime.errors import NoDataError, UsageError
from posttime.history import HistoryStore, ingest_sources
from posttime.loaders import load_exports
from posttime.simulate import PageSpec, simulate_posts, write_business_suite
from posttime.weekly import (
    POST_COLUMNS,
    TITLE_WIDTH,
    build_weekly,
    last_complete_week,
    parse_week,
    recommended,
    short_title,
    week_monday,
    window_effects,
)
from posttime.windows import Grid

LA = "America/Los_Angeles"


@pytest.fixture(scope="module")
def posts(tmp_path_factory) -> pd.DataFrame:
    """A simulated page's year of posts up to Thursday 2024-12-26, through a Business Suite
    file (as_of = the newest publish time, so 2024-W51 has some posts older and some
    younger than 7 days at the export)."""
    folder = tmp_path_factory.mktemp("weekly")
    page = simulate_posts(PageSpec(n_posts=900, years=1.0, seed=21, start="2024-01-01"))
    page = page[page["published"] < pd.Timestamp("2024-12-27", tz="UTC")]
    write_business_suite(page, folder / "export.csv")
    return load_exports([folder / "export.csv"]).posts


# -- weeks ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, label", [("2025-W07", "2025-W07"), ("2025w7", "2025-W07"),
                                         (" 2020-W53 ", "2020-W53")])
def test_parse_week(text, label):
    assert parse_week(text) == label


@pytest.mark.parametrize("text", ["2021-W53", "2025-W00", "2025-07", "W07", "", "2025-W7x"])
def test_parse_week_refuses_what_is_not_an_iso_week(text):
    with pytest.raises(UsageError, match="ISO week like 2025-W07"):
        parse_week(text)


@pytest.mark.parametrize("today, week", [
    (date(2025, 2, 17), "2025-W07"),  # a Monday: the week that just ended
    (date(2025, 2, 23), "2025-W07"),  # a Sunday: the week before the current one
    (date(2025, 1, 1), "2024-W52"),
    (date(2021, 1, 4), "2020-W53"),
])
def test_last_complete_week(today, week):
    assert last_complete_week(today) == week


def test_week_monday():
    assert week_monday("2017-W46") == date(2017, 11, 13)


# -- the report -------------------------------------------------------------------------


def test_default_week_is_the_last_complete_one_before_today(posts):
    report = build_weekly(posts, timezone=LA, today=date(2024, 12, 26))
    assert report.week == "2024-W51"
    assert (report.start, report.end) == (date(2024, 12, 16), date(2024, 12, 22))
    local = pd.to_datetime(report.posts["published"])
    assert local.dt.date.between(report.start, report.end).all()


def test_every_post_of_the_week_and_provisional_ones(posts):
    report = build_weekly(posts, week="2024-W51", timezone=LA)
    local = posts["published"].dt.tz_convert(LA).dt.tz_localize(None)
    in_week = posts[(local >= "2024-12-16") & (local < "2024-12-23")]
    assert list(report.posts.columns) == list(POST_COLUMNS)
    assert sorted(report.posts["post_id"]) == sorted(in_week["post_id"])
    as_of = in_week["as_of"].max()
    young = in_week.set_index("post_id")["published"] > as_of - pd.Timedelta(days=7)
    marked = report.posts.set_index("post_id")["provisional"]
    assert (marked == young.reindex(marked.index)).all()
    assert marked.any() and not marked.all()
    # provisional posts still get an expectation (from the last trend value)
    assert np.isfinite(report.posts["expected"]).all()
    assert report.provisional == int(marked.sum())
    assert f"{report.provisional} are provisional: younger than 7 days" in report.headline


def test_vs_expected_is_the_ratio_of_plus_one_counts(posts):
    report = build_weekly(posts, week="2024-W30", timezone=LA)
    p = report.posts
    np.testing.assert_allclose(p["vs_expected"], (p["interactions"] + 1) / (p["expected"] + 1))
    assert (p["hour"] == pd.to_datetime(p["published"]).dt.hour).all()


def test_expected_is_trend_plus_type_plus_window_effect_for_used_posts(posts):
    report = build_weekly(posts, week="2024-W30", timezone=LA)
    result = report.analysis
    used = result.posts.set_index("post_id")
    theta, _ = window_effects(result)
    for row in report.posts.itertuples():
        u = used.loc[row.post_id]
        window = Grid(result.grain).assign(np.array([u["weekday_index"]]),
                                           np.array([u["hour"]]))[0]
        want = np.expm1(u["trend"] + u["type_effect"] + theta[window])
        assert row.expected == pytest.approx(want)


def test_window_effects_agree_with_the_analysis_on_tested_windows(posts):
    result = analyze(posts, AnalysisOptions(timezone=LA))
    theta, lift = window_effects(result)
    table = result.windows.sort_values("window")
    tested = table["tested"].to_numpy()
    np.testing.assert_allclose(theta[tested], table["theta"].to_numpy()[tested])
    np.testing.assert_allclose(lift[tested], table["shrunk_lift"].to_numpy()[tested])
    assert np.isfinite(theta).all()


def test_comparison_counts_posts_and_recommended_windows(posts):
    report = build_weekly(posts, week="2024-W30", timezone=LA)
    local = posts["published"].dt.tz_convert(LA).dt.tz_localize(None)
    before = posts[(local >= "2024-06-24") & (local < "2024-07-22")]
    c = report.comparison
    assert list(c) == ["this_week", "previous_4_weeks", "history"]
    assert c["this_week"].posts == len(report.posts)
    assert c["previous_4_weeks"].posts == len(before)
    assert c["previous_4_weeks"].median_interactions == before["interactions"].median()
    assert c["history"].posts == report.posts_in_history == len(posts)
    basis, chosen = recommended(report.analysis)
    assert basis == report.basis
    grid = Grid(report.analysis.grain)
    ids = set(grid.assign(chosen["weekday_index"].to_numpy(), chosen["start"].to_numpy()))
    wk = pd.to_datetime(report.posts["published"])
    inside = np.isin(grid.assign(wk.dt.day_of_week.to_numpy(), wk.dt.hour.to_numpy()),
                     list(ids))
    assert c["this_week"].in_recommended == int(inside.sum())


def test_recommendations_are_better_windows_or_the_top_three():
    # a planted 2x window on a big page is found: the recommendations are the better ones
    from posttime.simulate import Planted

    page = simulate_posts(PageSpec(n_posts=1500, years=2.0, seed=2, start="2023-01-02",
                                   planted=(Planted(3, 18, 20, 2.0, n_posts=60),)))
    report = build_weekly(page, week="2024-W40", timezone=LA)
    assert report.basis == "better"
    assert "Thu 18-20" in [w.label for w in report.recommendations]
    assert all(w.verdict == "better" for w in report.recommendations)
    null = simulate_posts(PageSpec(n_posts=300, years=1.0, seed=4, start="2024-01-01"))
    small = build_weekly(null, week="2024-W40", timezone=LA)
    if small.basis == "top-3":
        assert [w.rank for w in small.recommendations] == [1, 2, 3]


def test_changes_compare_with_the_history_before_the_week(posts):
    report = build_weekly(posts, week="2024-W30", timezone=LA)
    local = posts["published"].dt.tz_convert(LA).dt.tz_localize(None)
    earlier = posts[local < "2024-07-22"]
    previous = analyze(earlier, AnalysisOptions(timezone=LA, grain=report.analysis.grain))
    _, before = recommended(previous)
    now = {w.label for w in report.recommendations}
    was = {f"{w.weekday} {w.start:02d}-{w.end:02d}" for w in before.itertuples()}
    assert report.changes.available
    assert report.changes.previous_posts_used == previous.posts_used
    assert {w.label for w in report.changes.gained} == now - was
    assert {w.label for w in report.changes.lost} == was - now


def test_the_first_week_has_no_earlier_analysis(posts):
    report = build_weekly(posts, week="2024-W01", timezone=LA)
    assert not report.changes.available
    assert "no usable posts before this week" in report.changes.text


def test_the_suggestion_is_an_inconclusive_window_that_more_posts_could_settle(posts):
    report = build_weekly(posts, week="2024-W30", timezone=LA)
    s = report.suggestion
    assert s is not None
    assert s.window.verdict in ("insufficient-data", "no-difference")
    assert s.more_posts_needed > 0 and s.window.n > 0
    _, lift = window_effects(report.analysis)
    table = report.analysis.windows
    candidates = table[table["verdict"].isin(["insufficient-data", "no-difference"])
                       & (table["n"] > 0)]
    if table["more_posts_needed"].notna().any():
        candidates = candidates[candidates["more_posts_needed"] > 0]
        row = table[(table["weekday"] == s.window.weekday) & (table["start"] == s.window.start)]
        assert s.more_posts_needed == int(np.ceil(row["more_posts_needed"].iloc[0]))
    best = max(lift[w] for w in candidates["window"])
    assert s.window.shrunk_lift == pytest.approx(best)
    assert s.window.label in s.text and str(s.more_posts_needed) in s.text


def test_an_empty_week_is_a_report_and_an_empty_page_no_data(posts):
    empty = build_weekly(posts, week="2023-W10", timezone=LA)
    assert empty.posts.empty and empty.headline == "No posts in 2023-W10."
    assert empty.posts_in_history == len(posts)
    after = build_weekly(posts, week="2025-W10", timezone=LA)
    assert after.headline.startswith("No posts in 2025-W10.")
    with pytest.raises(NoDataError):
        build_weekly(posts.iloc[:0], week="2024-W10", timezone=LA)


def test_a_week_of_too_recent_posts_only_still_reports():
    page = simulate_posts(PageSpec(n_posts=6, years=0.02, seed=1, start="2024-05-06"))
    report = build_weekly(page, week="2024-W19", timezone=LA)
    assert report.analysis is None or report.analysis.posts_used < 6
    assert report.basis in ("none", "top-3", "better")
    assert len(report.posts) == (pd.to_datetime(page["published"]).dt.tz_convert(LA)
                                 .dt.isocalendar().week == 19).sum()
    assert report.to_dict()["posts_this_week"] == len(report.posts)


def test_json_keys_are_exact(posts):
    data = build_weekly(posts, week="2024-W30", timezone=LA).to_dict()
    assert list(data) == ["week", "timezone", "page", "posts_this_week", "posts_in_history",
                          "posts", "comparison", "recommendations", "changes", "suggestion",
                          "experiment", "headline"]
    assert list(data["posts"][0]) == list(POST_COLUMNS)
    assert data["week"] == "2024-W30" and data["timezone"] == LA
    assert data["page"] == "Sample Page"


@needs_real_exports
def test_triton_week_46_has_15_posts(tmp_path):
    files = sorted((REAL_EXPORTS / "legacy-insights-post-level").glob("fb-posts-*.csv"))
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ingest_sources(store, files)
        posts = store.posts()
    report = build_weekly(posts, week="2017-W46", timezone=LA)
    assert len(report.posts) == 15
    row = report.posts.set_index("post_id").loc["882604215147359_1686636748077431"]
    assert row["interactions"] == 660
    assert not row["provisional"]  # its figures come from the February export


def test_the_suggestion_is_never_a_baseline_window_and_says_how_many_weeks():
    from posttime import sources

    data = sources.from_files(sources.sample_files())
    report = build_weekly(data.posts, week="2025-W37", timezone=LA)
    s = report.suggestion
    assert s is not None
    weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].index(s.window.weekday)
    assert not (weekday < 5 and s.window.start >= 10 and s.window.end <= 14), s.window.label
    recent = data.posts["published"] >= data.posts["published"].max() - pd.Timedelta(weeks=12)
    used_recent = report.analysis.posts["published"] >= (
        report.analysis.posts["published"].max() - pd.Timedelta(weeks=12))
    assert s.posts_per_week == pytest.approx(used_recent.sum() / 12)
    assert 0 < used_recent.sum() <= recent.sum()
    assert s.weeks == int(np.ceil(s.more_posts_needed / min(1.0, s.posts_per_week)))
    assert f"about {s.weeks} weeks" in s.text and "at one post a week there" in s.text
    assert report.to_dict()["suggestion"]["weeks"] == s.weeks


# -- titles and permalinks --------------------------------------------------------------


@pytest.mark.parametrize(("text", "short"), [
    ("Negosyo  starts today!\n\nComplete computer shop packages ready. PM now!",
     "Negosyo starts today! Complete computer shop packages…"),
    ("Tom &amp; Jerry\tare &quot;back&quot;", 'Tom & Jerry are "back"'),
    ("x" * 100, "x" * 59 + "…"),
    ("   \n ", None),
    (pd.NA, None),
    ("a" * 59 + " bc", "a" * 59 + "…"),
])
def test_short_title_folds_whitespace_and_cuts_at_a_word(text, short):
    assert short_title(text) == short
    assert short is None or len(short) <= TITLE_WIDTH


def test_each_post_of_the_week_has_its_title_and_permalink(posts):
    report = build_weekly(posts, week="2024-W30", timezone=LA)
    ids = report.posts["post_id"].tolist()
    given = posts.set_index("post_id").loc[ids]
    assert report.posts["title"].tolist() == [short_title(t) for t in given["title"]]
    assert report.posts["permalink"].tolist() == given["permalink"].tolist()
    assert report.posts["permalink"].str.startswith("https://www.facebook.com/").all()
    data = report.to_dict()["posts"]
    assert [p["title"] for p in data] == report.posts["title"].tolist()
    assert [p["permalink"] for p in data] == given["permalink"].tolist()


def test_posts_without_titles_have_none(posts):
    bare = posts.assign(title=pd.NA, permalink=pd.NA).astype(
        {"title": "string", "permalink": "string"})
    report = build_weekly(bare, week="2024-W30", timezone=LA)
    assert report.posts["title"].isna().all() and report.posts["permalink"].isna().all()
    assert all(p["title"] is None and p["permalink"] is None
               for p in report.to_dict()["posts"])


@needs_real_exports
def test_the_real_business_suite_week_lists_titles_and_links(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ingest_sources(store, [REAL_EXPORTS / "business-suite"])
        posts = store.posts()
    report = build_weekly(posts, week="2025-W36", timezone=LA)
    row = report.posts.set_index("post_id").loc["100064197037125_1168834171933140"]
    assert row["title"] == "One more rig complete. One more client satisfied. Built…"
    assert row["permalink"] == ("https://www.facebook.com/pcmerchandise.co/posts/"
                                "pfbid0XtazQHmuAmbSsMoJDjgYf6QdMNJTnHNf3kto2nKLfvGfHc7kbti5Zx"
                                "WiWLbYsWGKl")
