"""The synthetic page generator (``posttime.simulate``): its own truth, its determinism, and
the export files it writes (read back by the real loaders)."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from posttime import simulate
from posttime.loaders import load_exports
from posttime.samples import sample_paths
from posttime.schema import validate
from posttime.simulate import PageSpec, Planted, simulate_posts, true_lift, truth

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real-exports"
LA = "America/Los_Angeles"


@pytest.fixture(scope="module")
def big_page():
    return simulate_posts(PageSpec(n_posts=30_000, years=3.0, seed=11))


@pytest.fixture(scope="module")
def big_flat_page():
    return simulate_posts(PageSpec(n_posts=30_000, years=3.0, seed=12, confounding=False))


def _local(posts, tz=LA):
    loc = posts["published"].dt.tz_convert(tz)
    return loc.dt.day_of_week.to_numpy(), loc.dt.hour.to_numpy()


def _type_adjusted(posts):
    """log1p(interactions) minus the mean of its post type."""
    y = np.log1p(posts["interactions"].to_numpy())
    return y - pd.Series(y).groupby(posts["type"].astype(str).to_numpy()).transform("mean")


# --- the table itself --------------------------------------------------------------------


def test_table_is_a_clean_post_table():
    posts = simulate_posts(PageSpec(n_posts=500, seed=1))
    validate(posts)
    assert len(posts) == 500
    assert posts["published"].is_monotonic_increasing
    assert posts["post_id"].is_unique
    assert posts["post_id"].str.fullmatch(r"\d{16}").all()
    assert (posts["interactions"] == posts[["reactions", "comments", "shares"]].sum(axis=1)).all()
    assert (posts["views"] >= posts["reach"]).all()
    assert set(posts["type"].astype(str)) == {"photo", "link", "video", "text"}
    lag = posts["as_of"].iloc[0] - posts["published"].iloc[-1]
    assert pd.Timedelta(days=1) <= lag <= pd.Timedelta(days=4)
    assert (posts["as_of"] == posts["as_of"].iloc[0]).all()
    assert 0 < posts["paid"].sum() < 40


def test_same_seed_same_table_other_seed_other_table():
    spec = PageSpec(n_posts=800, seed=7, timing="smooth", planted=(Planted(2, 18, 20, 2.0, 30),))
    a, b = simulate_posts(spec), simulate_posts(spec)
    pd.testing.assert_frame_equal(a, b)
    assert a.to_csv().encode() == b.to_csv().encode()
    c = simulate_posts(PageSpec(n_posts=800, seed=8, timing="smooth"))
    assert not a["published"].equals(c["published"])


def test_timing_and_level_change_only_the_outcomes():
    base = simulate_posts(PageSpec(n_posts=600, seed=3))
    other = simulate_posts(PageSpec(n_posts=600, seed=3, timing="evening", level=3.0))
    for col in ("post_id", "published", "type", "paid"):
        assert base[col].equals(other[col])
    assert other["interactions"].sum() > 2 * base["interactions"].sum()


def test_bad_specs_are_refused():
    with pytest.raises(ValueError, match="timing"):
        PageSpec(timing="noon")
    with pytest.raises(ValueError, match="planted"):
        PageSpec(planted=(Planted(7, 10, 12, 2.0),))


# --- the posting pattern and the post types ----------------------------------------------


def test_type_shares_near_45_30_15_10(big_page, big_flat_page):
    for posts in (big_page, big_flat_page):
        share = posts["type"].astype(str).value_counts(normalize=True)
        for name, expected in zip(simulate.TYPES, simulate.TYPE_SHARES, strict=True):
            assert abs(share[name] - expected) < 0.02, (name, share[name])


def test_weekday_posting_weights_in_order(big_page):
    weekday, _ = _local(big_page)
    share = np.bincount(weekday, minlength=7) / len(weekday)
    expected = simulate.WEEKDAY_WEIGHTS / simulate.WEEKDAY_WEIGHTS.sum()
    assert np.allclose(share, expected, rtol=0.08)
    mon, tue, wed, thu, fri, sat, sun = share
    assert wed > max(tue, thu) > max(mon, fri) and min(mon, fri) > 2 * sat and sat > sun


def test_posting_hours_peak_by_day_and_are_rare_at_night(big_page):
    _, hour = _local(big_page)
    share = np.bincount(hour, minlength=24) / len(hour)
    assert share[9:14].sum() > 0.35
    assert share[0:6].sum() < 0.02
    assert np.argmax(share) in range(10, 14)


def test_confounding_makes_link_share_depend_on_the_hour(big_page, big_flat_page):
    def link_share(posts, lo, hi):
        _, hour = _local(posts)
        sel = (hour >= lo) & (hour < hi)
        return (posts["type"].astype(str).to_numpy()[sel] == "link").mean()

    morning, evening = link_share(big_page, 6, 11), link_share(big_page, 17, 24)
    assert morning > 2 * evening
    morning, evening = link_share(big_flat_page, 6, 11), link_share(big_flat_page, 17, 24)
    assert 0.8 < morning / evening < 1.25


def test_confounding_makes_evening_posting_and_videos_rise_over_time(big_page, big_flat_page):
    def first_last(posts, values):
        q = len(posts) // 4
        return values[:q].mean(), values[-q:].mean()

    _, hour = _local(big_page)
    early, late = first_last(big_page, hour >= 17)
    assert late > 1.5 * early
    early, late = first_last(big_page, big_page["type"].to_numpy() == "video")
    assert late > 1.5 * early
    _, hour = _local(big_flat_page)
    early, late = first_last(big_flat_page, hour >= 17)
    assert 0.85 < late / early < 1.15


def test_flat_followers_without_confounding(big_flat_page):
    reach = big_flat_page.loc[~big_flat_page["paid"], "reach"].to_numpy()[:-200]
    chunks = np.array_split(reach, 6)
    medians = np.array([np.median(c) for c in chunks])
    assert medians.max() / medians.min() < 1.25


# --- the truth -----------------------------------------------------------------------------


def test_truth_tables():
    assert (truth(PageSpec()).to_numpy() == 1.0).all()
    assert true_lift(PageSpec(), 5, 10, 12) == 1.0
    smooth = truth(PageSpec(timing="smooth")).to_numpy()
    assert smooth.shape == (7, 24)
    assert smooth[2, 19] == smooth.max() and smooth[6].max() < smooth[0].min() * 1.2
    evening = truth(PageSpec(timing="evening")).to_numpy()
    assert 18 <= np.argmax(evening[0]) < 22 and evening[0, 12] < 1.01
    morning = truth(PageSpec(timing="morning")).to_numpy()
    assert 7 <= np.argmax(morning[0]) < 11
    planted = PageSpec(timing="smooth", planted=(Planted(3, 18, 20, 2.0),))
    ratio = truth(planted).to_numpy() / smooth
    assert np.allclose(ratio[3, 18:20], 2.0) and np.isclose(ratio.sum(), 7 * 24 + 2)
    assert true_lift(PageSpec(planted=(Planted(3, 18, 20, 2.0),)), 3, 18, 20) == pytest.approx(2)
    assert true_lift(PageSpec(timing="smooth"), [5, 6], 0, 24, versus=(range(5), 0, 24)) < 0.8


def test_timing_strength_scales_the_log_effect():
    one = np.log(truth(PageSpec(timing="evening")).to_numpy())
    two = np.log(truth(PageSpec(timing="evening", timing_strength=2.0)).to_numpy())
    assert np.allclose(two, 2 * one)


@pytest.mark.parametrize(
    "window",
    [Planted(3, 18, 20, 2.0, 40), Planted(2, 12, 14, 2.0, 40), Planted(6, 0, 6, 2.0, 40)],
    ids=["quiet", "busy", "night"],
)
def test_planted_window_holds_about_n_posts(window):
    for seed in range(3):
        posts = simulate_posts(PageSpec(seed=seed, planted=(window,)))
        weekday, hour = _local(posts)
        inside = (weekday == window.weekday) & (hour >= window.start) & (hour < window.end)
        assert 35 <= inside.sum() <= 45
        assert len(posts) == 1500


@pytest.mark.parametrize("confounding", [False, True])
def test_planted_lift_shows_in_type_adjusted_log_interactions(confounding):
    window = Planted(1, 16, 18, 2.0, 300)
    posts = simulate_posts(
        PageSpec(n_posts=6000, seed=21, planted=(window,), confounding=confounding)
    )
    weekday, hour = _local(posts)
    inside = (weekday == 1) & (hour >= 16) & (hour < 18)
    r = _type_adjusted(posts)
    if confounding:  # remove the follower trend with a running median, as the method does
        r = r - r.rolling(101, center=True, min_periods=15).median()
    diff = r[inside].mean() - r[~inside].mean()
    assert abs(diff - np.log(2.0)) < 0.2, diff


def test_null_page_has_no_timing_effect_after_type_adjustment():
    posts = simulate_posts(PageSpec(n_posts=20_000, seed=5, confounding=False))
    weekday, hour = _local(posts)
    r = _type_adjusted(posts)
    evening = r[hour >= 17].mean() - r[(hour >= 9) & (hour < 14)].mean()
    weekend = r[weekday >= 5].mean() - r[weekday < 5].mean()
    assert abs(evening) < 0.06 and abs(weekend) < 0.06


def test_evening_timing_shows_in_the_data():
    posts = simulate_posts(PageSpec(n_posts=20_000, seed=6, timing="evening", confounding=False))
    _, hour = _local(posts)
    r = _type_adjusted(posts)
    diff = r[(hour >= 19) & (hour < 21)].mean() - r[(hour >= 10) & (hour < 14)].mean()
    assert 0.1 < diff < 0.3


# --- the export writers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def page():
    spec = PageSpec(n_posts=400, seed=31, page_name="Corner Café, Ltd", paid_share=0.05)
    return simulate_posts(spec)


def _rows(path):
    data = Path(path).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and data.endswith(b"\n")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_business_suite_file(page, tmp_path):
    path = tmp_path / "posts.csv"
    simulate.write_business_suite(page, path)
    rows = _rows(path)
    header, body = rows[0], rows[1:]
    assert tuple(header) == simulate.BUSINESS_SUITE_COLUMNS and len(header) == 35
    assert len(body) == len(page) and {len(r) for r in body} == {35}
    df = pd.DataFrame(body, columns=header)
    assert (df["Date"] == "Lifetime").all()
    assert df["Publish time"].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d").all()
    assert df["Title"].str.contains("\n").sum() > 10
    assert set(df["Post type"]) == {"Photos", "Links", "Videos", "Text"}
    paid = set(page.loc[page["paid"], "post_id"])
    assert set(df.loc[df["Funded content status"] == "Boosted", "Post ID"]) == paid
    assert (df["Page name"] == "Corner Café, Ltd").all()
    times = pd.to_datetime(df["Publish time"], format="%m/%d/%Y %H:%M")
    assert not times.is_monotonic_decreasing and not times.is_monotonic_increasing
    first_line = path.read_text(encoding="utf-8-sig").split("\n", 1)[0]
    assert first_line.startswith('"Post ID","Page ID","Page name",Title,Description,')


def test_legacy_file(page, tmp_path):
    path = tmp_path / "fb-posts.csv"
    simulate.write_legacy(page, path)
    rows = _rows(path)
    names, descriptions, body = rows[0], rows[1], rows[2:]
    assert names == [c[0] for c in simulate.LEGACY_COLUMNS] and len(names) == 50
    assert names.count("Lifetime Organic views to 95%") == 2
    assert descriptions[:8] == [""] * 8 and all(descriptions[8:34])
    assert len(body) == len(page) and {len(r) for r in body} == {50}
    df = pd.DataFrame(body, columns=range(50))
    assert df[0].str.fullmatch(page["page_id"].iloc[0] + r"_\d{16}").all()
    assert df[6].str.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d [AP]M").all()
    times = pd.to_datetime(df[6], format="%m/%d/%Y %I:%M:%S %p")
    assert times.is_monotonic_decreasing
    assert (df[7] == " ").all()
    breakdown = df.loc[:, 34:49]
    assert not (breakdown == "0").any().any() and (breakdown == "").any().any()
    assert set(df[3]) == {"Photo", "Link", "Video", "Status"}


@pytest.mark.skipif(not REAL.is_dir(), reason="real export files not present")
def test_headers_match_the_real_exports_byte_for_byte(page, tmp_path):
    bs_real = next((REAL / "business-suite").glob("Sep-*.csv")).read_bytes()
    simulate.write_business_suite(page, tmp_path / "bs.csv")
    ours = (tmp_path / "bs.csv").read_bytes()
    assert ours.split(b"\n", 1)[0] == bs_real.split(b"\n", 1)[0]
    legacy_real = (REAL / "legacy-insights-post-level" / "fb-posts-2-17-2018.csv").read_bytes()
    simulate.write_legacy(page, tmp_path / "legacy.csv")
    ours = (tmp_path / "legacy.csv").read_bytes()
    assert ours.split(b"\n", 2)[:2] == legacy_real.split(b"\n", 2)[:2]


def _assert_same_posts(loaded, posts, seconds: bool):
    got = loaded.copy()
    got["post_id"] = got["post_id"].str.split("_").str[-1]  # legacy ids are PAGEID_POSTID
    got = got.set_index("post_id").loc[posts["post_id"]]
    exp = posts.set_index("post_id")
    assert len(got) == len(exp)
    unit = "s" if seconds else "min"
    assert (got["published"].dt.floor(unit) == exp["published"].dt.floor(unit)).all()
    for col in ("interactions", "reactions", "comments", "shares", "reach", "views"):
        assert (got[col] == exp[col]).all(), col
    assert (got["type"].astype(str) == exp["type"].astype(str)).all()
    assert (got["paid"] == exp["paid"]).all()
    assert (got["page_id"] == exp["page_id"]).all()


@pytest.mark.parametrize("export_tz", [LA, "Asia/Tokyo"])
def test_business_suite_round_trip(page, tmp_path, export_tz):
    path = tmp_path / "posts.csv"
    simulate.write_business_suite(page, path, export_tz=export_tz)
    result = load_exports([path], export_tz=export_tz)
    assert result.files[0].format == "business-suite-posts"
    _assert_same_posts(result.posts, page, seconds=False)
    assert (result.posts["page_name"] == "Corner Café, Ltd").all()


@pytest.mark.parametrize("export_tz", [LA, "Asia/Tokyo"])
def test_legacy_round_trip(page, tmp_path, export_tz):
    path = tmp_path / "fb-posts.csv"
    simulate.write_legacy(page, path, export_tz=export_tz)
    result = load_exports([path], export_tz=export_tz)
    assert result.files[0].format == "legacy-posts"
    _assert_same_posts(result.posts, page, seconds=True)
    assert (result.posts["clicks"].to_numpy() >= 0).all()


def test_one_business_suite_file_with_two_pages(tmp_path):
    a = simulate_posts(PageSpec(n_posts=200, seed=1, page_id="100000000000011", page_name="A"))
    b = simulate_posts(PageSpec(n_posts=150, seed=2, page_id="100000000000022", page_name="B"))
    path = tmp_path / "agency.csv"
    simulate.write_business_suite(pd.concat([a, b], ignore_index=True), path)
    posts = load_exports([path]).posts
    assert posts.groupby("page_name").size().to_dict() == {"A": 200, "B": 150}


def test_writers_are_deterministic(page, tmp_path):
    for writer in (simulate.write_business_suite, simulate.write_legacy):
        writer(page, tmp_path / "one.csv")
        writer(page, tmp_path / "two.csv")
        assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


# --- the bundled samples -------------------------------------------------------------------


def test_sample_paths():
    default = sample_paths()
    both = sample_paths(all=True)
    assert [p.name for p in default] == ["business-suite-2y.csv"]
    assert [p.name for p in both] == ["business-suite-2y.csv", "classic-insights.csv"]
    assert all(p.is_file() for p in both)
    assert (ROOT / "data" / "samples").resolve() == both[0].parent.resolve()


def test_samples_load_as_one_page_each():
    for path, fmt, n in zip(
        sample_paths(all=True), ("business-suite-posts", "legacy-posts"), (1500, 300), strict=True
    ):
        result = load_exports([path])
        assert result.files[0].format == fmt
        assert len(result.posts) == n and result.posts["page_id"].nunique() == 1


def test_samples_are_up_to_date(tmp_path):
    script = ROOT / "scripts" / "make_samples.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True)
    for shipped in sample_paths(all=True):
        assert (tmp_path / shipped.name).read_bytes() == shipped.read_bytes(), (
            f"{shipped.name} is out of date: run python scripts/make_samples.py"
        )

