"""Loading the real Facebook exports in ../shared/real-exports (figures read off the files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REAL_EXPORTS, needs_real_exports

from posttime import schema
from posttime.errors import InputError, UsageError
from posttime.loaders import load_exports, select_page

pytestmark = needs_real_exports

LEGACY = REAL_EXPORTS / "legacy-insights-post-level"
LEGACY_FILES = [
    LEGACY / "fb-posts-11-19-2017.csv",
    LEGACY / "fb-posts-11-27-2017.csv",
    LEGACY / "fb-posts-12-17-2017.csv",
    LEGACY / "fb-posts-2-17-2018.csv",
]
SUITE = REAL_EXPORTS / "business-suite"
SUITE_POSTS = SUITE / "Sep-01-2025_Sep-30-2025_2855862537940540.csv"
PAGE_LEVEL = [
    REAL_EXPORTS / "legacy-insights-page-level" / "fb-page-12-17-2017.csv",
    REAL_EXPORTS / "legacy-insights-page-level" / "fb-page-2-17-2018.csv",
    *(SUITE / n for n in ("Follows.csv", "Interactions.csv", "Visits.csv")),
    *(SUITE / n for n in ("Viewers.csv", "FollowerHistory.csv")),
]
TRITON = "882604215147359"
UTC = pd.Timestamp


def one(posts: pd.DataFrame, post_id: str) -> pd.Series:
    rows = posts[posts["post_id"] == post_id]
    assert len(rows) == 1, post_id
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("path", "rows"), list(zip(LEGACY_FILES, (92, 95, 92, 134), strict=True)), ids=str
)
def test_each_classic_export_loads_every_post(path, rows):
    result = load_exports([path])
    schema.validate(result.posts)
    (report,) = result.files
    assert (report.format, report.rows, report.posts) == ("legacy-posts", rows, rows)
    assert len(result.posts) == rows
    assert sum(result.dropped.values()) == 0
    assert result.pages() == [TRITON]
    assert set(result.posts["page_id"]) == {TRITON}


def test_breakdown_columns_are_read_by_name_not_position():
    # the first file lists the action types share, like, comment; the last like, share, comment
    first = one(load_exports([LEGACY_FILES[0]]).posts, f"{TRITON}_1686636748077431")
    assert (first.reactions, first.comments, first.shares, first.interactions) == (531, 37, 83, 651)
    last = one(load_exports([LEGACY_FILES[3]]).posts, f"{TRITON}_1686636748077431")
    assert (last.reactions, last.comments, last.shares, last.interactions) == (540, 37, 83, 660)


def test_four_overlapping_exports_merge_to_the_newest_figures():
    result = load_exports(LEGACY_FILES)
    schema.validate(result.posts)
    assert len(result.posts) == 161
    assert result.duplicates_merged == 92 + 95 + 92 + 134 - 161
    post = one(result.posts, f"{TRITON}_1686636748077431")
    # lifetime interactions in the four exports: 651, 655, 658, 660; the newest wins
    assert post.interactions == 660
    assert (post.reach, post.views, post.clicks) == (15876, 35510, 2822)
    assert post.type == "link" and not post.paid
    assert post.published == UTC("2017-11-17 23:22:12", tz="UTC")  # 03:22:12 PM PST
    assert post.source.endswith("fb-posts-2-17-2018.csv")
    older = [
        one(load_exports([p]).posts, f"{TRITON}_1686636748077431").interactions
        for p in LEGACY_FILES[:3]
    ]
    assert older == [651, 655, 658]
    reverse = load_exports(LEGACY_FILES[::-1])
    pd.testing.assert_frame_equal(reverse.posts, result.posts)


def test_blank_breakdown_cells_are_zero_and_pacific_times_become_utc():
    posts = load_exports([LEGACY_FILES[3]]).posts
    post = one(posts, f"{TRITON}_1812993035441801")
    # "02/16/2018 03:00:41 PM" Pacific (PST, UTC-8); like 12, share and comment cells blank
    assert post.published == UTC("2018-02-16 23:00:41", tz="UTC")
    assert (post.reactions, post.comments, post.shares, post.interactions) == (12, 0, 0, 12)
    assert (post.reach, post.views, post.clicks) == (411, 579, 26)
    assert posts["published"].max() == post.published
    assert load_exports([LEGACY_FILES[3]]).files[0].as_of == post.published


def test_types_and_paid_posts_of_the_classic_export():
    posts = load_exports([LEGACY_FILES[0]]).posts
    # Link 82, Photo 7, Status 2, SharedVideo 1; two posts had paid reach
    assert posts["type"].value_counts().to_dict() == {
        "link": 82, "photo": 7, "text": 2, "video": 1, "reel": 0, "other": 0,
    }  # fmt: skip
    assert int(posts["paid"].sum()) == 2


def test_business_suite_export():
    result = load_exports([SUITE_POSTS])
    posts = result.posts
    schema.validate(posts)
    assert len(posts) == 81 and result.files[0].rows == 81
    assert result.files[0].format == "business-suite-posts"
    assert result.pages() == ["PC Merchandise"]
    assert set(posts["page_id"]) == {"100064197037125"}
    # the file name's range ends Sep 30, 2025: end of that day in Pacific time (PDT)
    assert result.files[0].as_of == UTC("2025-10-01 06:59:59", tz="UTC")
    assert posts["type"].value_counts()[["reel", "photo", "video"]].tolist() == [44, 36, 1]
    assert int(posts["paid"].sum()) == 10  # boosted reach/views > 0; no funded status given
    assert posts["clicks"].isna().all()  # the 2025 export has no click columns

    first = one(posts, "100064197037125_1168834171933140")
    assert first.published == UTC("2025-09-02 04:13", tz="UTC")  # 09/01/2025 21:13 PDT
    assert (first.interactions, first.reactions, first.comments, first.shares) == (7, 6, 1, 0)
    assert (first.reach, first.views, first.type) == (923, 1628, "photo")
    # "Reactions, Comments and Shares" is 11 although its parts add up to 8: taken as given
    odd = one(posts, "100064197037125_1172509058232318")
    assert (odd.interactions, odd.reactions, odd.comments, odd.shares) == (11, 6, 1, 1)
    assert odd.published == UTC("2025-09-06 23:00", tz="UTC")
    reel = one(posts, "100064197037125_1189181123231778")
    assert reel.paid and reel.type == "reel" and (reel.reach, reel.views) == (2641, 3840)
    assert reel.published == UTC("2025-09-27 06:02", tz="UTC")
    assert one(posts, "100064197037125_1175979081218649").type == "video"


def test_business_suite_titles_and_permalinks():
    result = load_exports([SUITE_POSTS])
    posts = result.posts
    assert result.files[0].mapping["title"] == "Title, else Description"
    assert result.files[0].mapping["permalink"] == "Permalink"
    first = one(posts, "100064197037125_1168834171933140")
    assert first.title.startswith("One more rig complete. One more client satisfied. Built with "
                                  "pride by PC Merchandise \n")
    assert first.permalink == ("https://www.facebook.com/pcmerchandise.co/posts/"
                               "pfbid0XtazQHmuAmbSsMoJDjgYf6QdMNJTnHNf3kto2nKLfvGfHc7kbti5ZxWiWLbY"
                               "sWGKl")
    assert one(posts, "100064197037125_1189181123231778").permalink.startswith("https://www.facebook.com/reel/")
    # the one post with neither a title nor a description has no title
    assert pd.isna(one(posts, "100064197037125_1188271063322784").title)
    assert int(posts["title"].notna().sum()) == 80
    assert int(posts["permalink"].notna().sum()) == 81
    assert posts["permalink"].str.startswith("https://www.facebook.com/").all()


def test_classic_titles_are_the_post_message():
    posts = load_exports([LEGACY_FILES[3]]).posts
    post = one(posts, TRITON + "_1812993035441801")
    assert post.title == "Showing tonight and tomorrow. This reviewer doesn’t want you to miss it."
    assert post.permalink == "https://www.facebook.com/thetritonnews/posts/1812993035441801"
    assert posts["title"].notna().all() and posts["permalink"].notna().all()


def test_a_cut_inside_a_character_or_a_date_past_2262_loses_only_its_row(tmp_path):
    data = SUITE_POSTS.read_bytes()
    for end in (42810, 42812):  # 42812 ends inside a two-byte character
        path = tmp_path / f"cut-{end}.csv"
        path.write_bytes(data[:end])
        result = load_exports([path])
        assert (len(result.posts), result.dropped["truncated"]) == (59, 1)
    path = tmp_path / "future.csv"
    path.write_bytes(data.replace(b'"09/01/2025 21:13"', b'"09/01/2300 21:13"', 1))
    result = load_exports([path])
    assert (len(result.posts), result.dropped["bad_timestamp"]) == (80, 1)
    assert "100064197037125_1168834171933140" not in set(result.posts["post_id"])


@pytest.mark.parametrize("path", PAGE_LEVEL, ids=lambda p: p.name)
def test_page_level_files_are_recognised_and_refused_as_posts(path):
    result = load_exports([path])
    (report,) = result.files
    assert report.format.endswith("page-level")
    assert report.posts == 0 and len(result.posts) == 0
    assert len(result.page_level) == 1
    schema.validate(result.posts)
    with pytest.raises(InputError, match="page-level data.*not posts.*export the posts"):
        result.require_posts()


def test_page_level_tables_hold_the_daily_figures():
    legacy = load_exports([PAGE_LEVEL[0]]).page_level[0]
    assert legacy.format == "legacy-page-level" and legacy.timezone == "America/Los_Angeles"
    table = legacy.table
    assert list(table.columns) == list(range(24))
    assert len(table) == 26  # 28 days, the last two blank
    assert table.loc["2017-11-20", 0] == 1241 and table.loc["2017-11-20", 12] == 1913
    assert table.index.max() == pd.Timestamp("2017-12-15")

    follows = load_exports([SUITE / "Follows.csv"]).page_level[0]
    assert follows.metric == "Facebook follows"
    assert follows.table["date"].iloc[0] == pd.Timestamp("2025-09-20")
    assert follows.table["Primary"].iloc[0] == 20 and len(follows.table) == 28

    viewers = load_exports([SUITE / "Viewers.csv"]).page_level[0].table
    assert viewers["date"].iloc[0] == "August 19" and viewers["Total Viewers"].iloc[0] == 5780
    last = viewers.iloc[-1]
    assert last["date"] == "October 17" and np.isnan(last["Total Viewers"])  # "undefined"


def test_everything_at_once_keeps_the_pages_apart():
    files = [SUITE_POSTS, *LEGACY_FILES, *PAGE_LEVEL]
    result = load_exports(files)
    schema.validate(result.posts)
    assert len(result.posts) == 161 + 81
    assert result.pages() == [TRITON, "PC Merchandise"]
    assert len(result.page_level) == len(PAGE_LEVEL)
    assert result.require_posts() is result.posts
    with pytest.raises(UsageError, match="2 pages.*--page"):
        select_page(result.posts)
    assert len(select_page(result.posts, "pc merchandise")) == 81
    assert len(select_page(result.posts, TRITON)) == 161
    with pytest.raises(UsageError, match="no page 'Nope'.*PC Merchandise"):
        select_page(result.posts, "Nope")
