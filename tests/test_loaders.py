"""The loaders on small synthetic files: every export variant, drops, merging, zones."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REAL_EXPORTS, write_rows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posttime import schema
from posttime.errors import InputError, PosttimeError, UsageError
from posttime.loaders import LoadResult, load_exports, parse_mapping, select_page
from posttime.loaders.detect import field_limit
from posttime.loaders.values import parse_times, to_number
from posttime.samples import sample_paths

UTC = pd.Timestamp


def load(paths, **kwargs) -> LoadResult:
    """load_exports, checking every table it returns against the schema."""
    result = load_exports([paths] if isinstance(paths, Path) else paths, **kwargs)
    schema.validate(result.posts)
    return result


def same_posts(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns="source"), b.drop(columns="source"))


# --- Business Suite post exports -------------------------------------------------------

SUITE_COLUMNS = [
    "Post ID", "Page ID", "Page name", "Title", "Description", "Duration (sec)",
    "Publish time", "Caption type", "Permalink", "Is crosspost", "Is share", "Post type",
    "Languages", "Custom labels", "Funded content status", "Data comment", "Date", "Views",
    "Views from Organic posts", "Views from Boosted posts", "Reach", "Reach from Organic posts",
    "Reach from Boosted posts", "Reactions, Comments and Shares", "Reactions", "Comments",
    "Shares", "Total clicks", "Link clicks", "Other Clicks",
]  # fmt: skip


def suite_post(post_id, when, **kw) -> dict:
    """One post of a Business Suite export (``when`` as the export writes it)."""
    row = {
        "Post ID": post_id, "Page ID": "100064197037125", "Page name": "PC Merchandise",
        "Title": f"Post {post_id}\nsecond line, with a comma", "Description": "",
        "Duration (sec)": 0, "Publish time": when, "Caption type": "N/A",
        "Permalink": f"https://www.facebook.com/p/{post_id}", "Is crosspost": 0, "Is share": 0,
        "Post type": "Photos", "Languages": "", "Custom labels": "",
        "Funded content status": "", "Data comment": "", "Date": "Lifetime", "Views": 1500,
        "Views from Organic posts": 1500, "Views from Boosted posts": 0, "Reach": 1200,
        "Reach from Organic posts": 1200, "Reach from Boosted posts": 0,
        "Reactions, Comments and Shares": 14, "Reactions": 10, "Comments": 3, "Shares": 1,
        "Total clicks": 40, "Link clicks": 30, "Other Clicks": 10,
    }  # fmt: skip
    row.update(kw)
    return row


def bare(posts: pd.DataFrame) -> pd.DataFrame:
    """Business Suite posts indexed by the post id as the export writes it: the loader puts
    the page id in front (PAGEID_POSTID, the Graph API's form)."""
    assert posts["post_id"].str.match(r"^\d+_").all(), posts["post_id"].tolist()
    return posts.set_index(posts["post_id"].str.split("_", n=1).str[1])


def suite_rows(posts: list[dict], columns=SUITE_COLUMNS, fmt=str) -> list[list]:
    return [list(columns)] + [[fmt(p.get(c, "")) for c in columns] for p in posts]


THREE = [
    suite_post("1001", "09/01/2025 21:13"),
    suite_post("1002", "09/30/2025 08:05", **{"Post type": "Reels", "Reach": 123456,
                                              "Views": 234567, "Reactions": 1234,
                                              "Reactions, Comments and Shares": 1300}),
    suite_post("1003", "09/15/2025 12:00", **{"Post type": "Videos", "Reach": 0}),
]  # fmt: skip


def test_business_suite_columns_and_figures(write):
    result = load(write("Sep-01-2025_Sep-30-2025_1.csv", suite_rows(THREE)))
    posts = bare(result.posts)
    assert result.files[0].format == "business-suite-posts"
    assert list(result.posts["post_id"]) == [f"100064197037125_{i}" for i in (1001, 1003, 1002)]
    assert posts.loc["1001", "published"] == UTC("2025-09-02 04:13", tz="UTC")
    assert posts.loc["1002", ["reach", "views", "interactions"]].tolist() == [123456, 234567, 1300]
    assert posts["type"].tolist() == ["photo", "video", "reel"]
    assert posts["clicks"].tolist() == [40, 40, 40]
    assert posts["page_name"].unique().tolist() == ["PC Merchandise"]
    assert not posts["paid"].any()


@pytest.mark.parametrize(
    ("drop", "rename", "expect"),
    [
        # 2024 exports: Impressions instead of Views
        (["Views"], {"Views from Boosted posts": "Impressions from Boosted posts"}, "views=1500"),
        # no total: the three parts are added up
        (["Reactions, Comments and Shares"], {}, "interactions=14"),
        # no total clicks: link + other clicks
        (["Total clicks"], {}, "clicks=40"),
        # no click columns at all: clicks unknown, not zero
        (["Total clicks", "Link clicks", "Other Clicks"], {}, "clicks=nan"),
        # a 32-column file without the funded status
        (["Funded content status", "Total clicks", "Link clicks"], {}, "clicks=10"),
    ],
)
def test_business_suite_column_sets_vary(write, drop, rename, expect):
    columns = [rename.get(c, c) for c in SUITE_COLUMNS if c not in drop]
    if "Views" in drop:
        columns[columns.index("Views from Organic posts")] = "Impressions"
    posts = [{rename.get(k, k): v for k, v in p.items()} for p in THREE]
    for p in posts:
        p.setdefault("Impressions", p["Views"])
    result = load(write("x.csv", suite_rows(posts, columns)))
    first = bare(result.posts).loc["1001"]
    name, value = expect.split("=")
    assert np.isnan(first[name]) if value == "nan" else first[name] == float(value)


def test_boosted_and_funded_posts_are_paid(write):
    posts = [
        suite_post("1", "09/01/2025 10:00", **{"Funded content status": "Boosted"}),
        suite_post("2", "09/01/2025 11:00", **{"Funded content status": "N/A"}),
        suite_post("3", "09/01/2025 12:00", **{"Reach from Boosted posts": 5}),
        suite_post("4", "09/01/2025 13:00", **{"Funded content status": "Not funded"}),
        suite_post("5", "09/01/2025 14:00", **{"Funded content status": "-"}),
    ]
    paid = load(write("x.csv", suite_rows(posts))).posts.pipe(bare)["paid"]
    assert paid.to_dict() == {"1": True, "2": False, "3": True, "4": False, "5": False}


def test_several_pages_in_one_file_stay_apart(write):
    posts = THREE + [
        suite_post("2001", "09/02/2025 10:00", **{"Page ID": "200", "Page name": "Other Page"}),
        suite_post("1001", "09/03/2025 10:00", **{"Page ID": "200", "Page name": "Other Page"}),
    ]
    result = load(write("x.csv", suite_rows(posts)))
    assert result.pages() == ["Other Page", "PC Merchandise"]
    assert len(result.posts) == 5  # the same post id on two pages is two posts
    with pytest.raises(UsageError, match="2 pages \\(Other Page, PC Merchandise\\).*--page"):
        select_page(result.posts)
    other = select_page(result.posts, "OTHER PAGE")
    assert sorted(other["post_id"]) == ["200_1001", "200_2001"]
    assert len(select_page(result.posts, "100064197037125")) == 3
    with pytest.raises(
        UsageError, match="no page 'Third' in the input; pages found: Other Page, PC Merch"
    ):
        select_page(result.posts, "Third")
    assert len(select_page(load(write("y.csv", suite_rows(THREE))).posts)) == 3


def test_clock_changes_are_counted_and_resolved(write):
    posts = [
        suite_post("1", "03/09/2025 02:30"),  # does not exist in Los Angeles: moved forward
        suite_post("2", "11/02/2025 01:30"),  # occurs twice: the first (PDT) is taken
        suite_post("3", "07/01/2025 12:00"),
    ]
    result = load(write("x.csv", suite_rows(posts)))
    times = bare(result.posts)["published"]
    assert times["1"] == UTC("2025-03-09 10:00", tz="UTC")  # 03:00 PDT
    assert times["2"] == UTC("2025-11-02 08:30", tz="UTC")  # 01:30 PDT
    assert times["3"] == UTC("2025-07-01 19:00", tz="UTC")
    assert (result.clock_changes.nonexistent, result.clock_changes.ambiguous) == (1, 1)
    berlin = load(write("y.csv", suite_rows(posts)), export_tz="Europe/Berlin")
    assert berlin.posts.pipe(bare)["published"]["3"] == UTC("2025-07-01 10:00", tz="UTC")
    assert (berlin.clock_changes.nonexistent, berlin.clock_changes.ambiguous) == (0, 0)
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Base'.*--export-tz"):
        load(write("z.csv", suite_rows(posts)), export_tz="Mars/Base")


def test_rows_dropped_are_counted_by_reason(write):
    posts = THREE + [
        suite_post("bad", "yesterday"),
        suite_post("none", ""),
        suite_post("empty", "09/02/2025 10:00", **{c: "" for c in SUITE_COLUMNS[17:]}),
        suite_post("1001", "09/01/2025 21:13", **{"Reactions, Comments and Shares": 9}),
    ]
    rows = suite_rows(posts)
    rows.insert(3, [""] * len(SUITE_COLUMNS))
    result = load(write("x.csv", rows))
    assert result.files[0].rows == 8
    assert result.files[0].posts == 3
    assert result.dropped == {
        "blank": 1, "bad_timestamp": 2, "missing_metric": 1, "duplicate": 1, "truncated": 0,
    }  # fmt: skip
    # of the two rows of post 1001 the one with more interactions is kept
    assert bare(result.posts).loc["1001", "interactions"] == 14
    assert result.duplicates_merged == 0


def test_in_file_duplicates_with_equal_interactions_keep_the_last_row(write):
    posts = [suite_post("1", "09/01/2025 10:00"), suite_post("1", "09/01/2025 10:00", Reach=7)]
    result = load(write("x.csv", suite_rows(posts)))
    assert result.posts["reach"].tolist() == [7] and result.dropped["duplicate"] == 1


# --- merging several exports -----------------------------------------------------------


def test_newest_export_wins_by_the_date_range_in_the_file_name(write):
    old = write("Aug-01-2025_Aug-31-2025_1.csv", suite_rows([suite_post("1", "08/05/2025 10:00",
                **{"Reactions, Comments and Shares": 5})]))  # fmt: skip
    new = write("Aug-01-2025_Sep-30-2025_1.csv", suite_rows([suite_post("1", "08/05/2025 10:00",
                **{"Reactions, Comments and Shares": 9})]))  # fmt: skip
    for order in ([old, new], [new, old]):
        result = load(order)
        assert result.posts["interactions"].tolist() == [9]
        assert result.duplicates_merged == 1
        assert result.posts["as_of"].iloc[0] == UTC("2025-10-01 06:59:59", tz="UTC")


def test_without_a_date_in_the_name_the_newest_post_dates_the_export(write):
    a = write("a.csv", suite_rows([suite_post("1", "08/05/2025 10:00"),
                                   suite_post("2", "08/20/2025 10:00")]))  # fmt: skip
    b = write("b.csv", suite_rows([suite_post("1", "08/05/2025 10:00", Reach=99)]))
    assert load([a, b]).posts.pipe(bare).loc["1", "reach"] == 1200  # a is newer
    c = write("c.csv", suite_rows([suite_post("1", "08/05/2025 10:00", Reach=77),
                                   suite_post("2", "08/20/2025 10:00")]))  # fmt: skip
    # a tie: the file given later wins
    assert load([a, c]).posts.pipe(bare).loc["1", "reach"] == 77
    assert load([c, a]).posts.pipe(bare).loc["1", "reach"] == 1200


def test_a_page_name_from_one_export_names_the_same_page_in_another(write):
    suite = write("s.csv", suite_rows([suite_post("9", "09/01/2025 10:00", **{
        "Page ID": "231456789012345", "Page name": "Harbour Street Cafe"})]))  # fmt: skip
    legacy = write(
        "l.csv", legacy_rows([legacy_post("231456789012345_7", "09/02/2025 10:00:00 AM")])
    )
    result = load([legacy, suite])
    assert result.pages() == ["Harbour Street Cafe"]
    assert load(legacy).pages() == ["231456789012345"]


# --- classic Page Insights post exports ------------------------------------------------

LEGACY_COLUMNS = [
    "Post ID", "Permalink", "Post Message", "Type", "Countries", "Languages", "Posted",
    "Audience Targeting", "Lifetime Post Total Reach", "Lifetime Post organic reach",
    "Lifetime Post Paid Reach", "Lifetime Post Total Impressions", "Lifetime Post Consumptions",
    "Lifetime Organic views to 95%", "Lifetime Organic views to 95%",
    "Lifetime Post Stories by action type - share", "Lifetime Post Stories by action type - like",
    "Lifetime Post Stories by action type - comment",
]  # fmt: skip
DESCRIPTIONS = [""] * 8 + [
    "Lifetime: The number of people who had your Page's post enter their screen. (Unique Users)",
    "Lifetime: ... through unpaid distribution. (Unique Users)",
    "Lifetime: ... through paid distribution such as an ad. (Unique Users)",
    "Lifetime: The number of times your Page's post entered a person's screen. (Total Count)",
    "Lifetime: The number of clicks anywhere in your post. (Total Count)",
    "Lifetime: Number of times your video was viewed to 95% of its length. (Unique Users)",
    "Lifetime: Number of times your video was viewed to 95% of its length. (Total Count)",
    "Lifetime: The number of stories created about your Page post, by action type. (Total Count)",
    "",
    "",
]


def legacy_post(post_id, when, **kw) -> dict:
    row = {
        "Post ID": post_id, "Permalink": "https://www.facebook.com/x", "Type": "Link",
        "Post Message": "Read this, \"quoted\"", "Posted": when, "Audience Targeting": " ",
        "Lifetime Post Total Reach": 411, "Lifetime Post organic reach": 411,
        "Lifetime Post Paid Reach": 0, "Lifetime Post Total Impressions": 579,
        "Lifetime Post Consumptions": 26, "Lifetime Post Stories by action type - like": 12,
        "Lifetime Post Stories by action type - comment": 3,
        "Lifetime Post Stories by action type - share": "",
    }  # fmt: skip
    row.update(kw)
    return row


def legacy_rows(posts, columns=LEGACY_COLUMNS, descriptions=DESCRIPTIONS):
    rows = [list(columns)]
    if descriptions is not None:
        rows.append(list(descriptions[: len(columns)]) + [""] * (len(columns) - len(descriptions)))
    return rows + [[p.get(c, "") for c in columns] for p in posts]


ACTION = "Lifetime Post Stories by action type - "
LEGACY_POSTS = [
    legacy_post("555_1", "02/16/2018 03:00:41 PM"),
    legacy_post("555_2", "11/05/2017 01:30:00 AM", Type="Photo",
                **{"Lifetime Post Paid Reach": 50, ACTION + "share": 4}),
    legacy_post("555_3", "10/01/2015 09:00:00 PM", Type="Status",
                **{ACTION + "like": "", ACTION + "comment": ""}),
]  # fmt: skip


def test_classic_export_figures(write):
    result = load(write("p.csv", legacy_rows(LEGACY_POSTS)))
    assert result.files[0].format == "legacy-posts" and result.files[0].rows == 3
    posts = result.posts.set_index("post_id")
    assert posts.loc["555_1", "published"] == UTC("2018-02-16 23:00:41", tz="UTC")
    # 01:30 on the day the clocks go back: the first (daylight) occurrence
    assert posts.loc["555_2", "published"] == UTC("2017-11-05 08:30", tz="UTC")
    assert result.clock_changes.ambiguous == 1
    assert posts["interactions"].tolist() == [12 + 3 + 0, 12 + 3 + 4, 0][::-1]
    assert posts["type"].tolist() == ["text", "photo", "link"]
    assert posts["paid"].tolist() == [False, True, False]
    assert posts.loc["555_3", ["reach", "views", "clicks", "reactions"]].tolist() == [
        411,
        579,
        26,
        0,
    ]
    assert set(posts["page_id"]) == {"555"} and result.pages() == ["555"]


def test_classic_export_variants_load_alike(write):
    base = load(write("base.csv", legacy_rows(LEGACY_POSTS))).posts
    # without "Audience Targeting"
    cols = [c for c in LEGACY_COLUMNS if c != "Audience Targeting"]
    desc = DESCRIPTIONS[:7] + DESCRIPTIONS[8:]
    same_posts(load(write("no-target.csv", legacy_rows(LEGACY_POSTS, cols, desc))).posts, base)
    # with an extra action type "answer" (not an interaction) and the breakdown reordered
    cols = LEGACY_COLUMNS[:15] + [
        "Lifetime Post Stories by action type - like",
        "Lifetime Post Stories by action type - answer",
        "Lifetime Post Stories by action type - comment",
        "Lifetime Post Stories by action type - share",
    ]
    posts = [dict(p, **{"Lifetime Post Stories by action type - answer": 5}) for p in LEGACY_POSTS]
    same_posts(load(write("answer.csv", legacy_rows(posts, cols))).posts, base)
    # without the description row
    same_posts(load(write("one-header.csv", legacy_rows(LEGACY_POSTS, descriptions=None))).posts,
               base)  # fmt: skip


def test_classic_export_resaved_by_a_spreadsheet(write):
    posts = [dict(p) for p in LEGACY_POSTS]
    posts[0]["Posted"] = "02/16/2018 03:00:00 PM"
    resaved = [dict(p) for p in posts]
    for p, when in zip(
        resaved, ("2/16/2018 15:00", "11/5/2017 1:30", "10/1/2015 21:00"), strict=True
    ):
        p["Posted"] = when
        p["Lifetime Post Total Reach"] = "411"
    resaved[0]["Lifetime Post Total Impressions"] = "1.579"  # a thousands separator
    a = load(write("a.csv", legacy_rows(posts))).posts
    b = load(write("b.csv", legacy_rows(resaved), delimiter=";", encoding="utf-16")).posts
    assert b.set_index("post_id").loc["555_1", "views"] == 1579
    same_posts(a.drop(columns="views"), b.drop(columns="views"))


def test_classic_row_with_no_figures_is_dropped_but_blank_breakdowns_are_zero(write):
    metric_cols = LEGACY_COLUMNS[8:]
    posts = LEGACY_POSTS + [
        legacy_post("555_9", "01/01/2018 10:00:00 AM", **dict.fromkeys(metric_cols, ""))
    ]
    result = load(write("p.csv", legacy_rows(posts)))
    assert result.dropped["missing_metric"] == 1 and len(result.posts) == 3


# --- spreadsheet re-saves: encodings, separators, number and date styles ---------------


@pytest.mark.parametrize(
    ("encoding", "delimiter", "number", "date"),
    [
        ("utf-8-sig", ",", "{:d}", None),
        ("utf-16", "\t", "{:d}", None),  # Excel "Unicode text"
        ("utf-16-be", ";", "{:,d}", None),  # with a byte-order mark, see below
        ("utf-8", ";", "dot", "%Y-%m-%d %H:%M"),  # 1.234 groups thousands here
        ("utf-16", ";", "{:,d}", "%-m/%-d/%Y %-H:%M"),  # 10/1/2015 21:00
        ("cp1252", ",", "{:,d}", "%m/%d/%Y %H:%M"),  # "1,234" quoted in a comma file
        ("utf-8", ";", "space", "%d.%m.%Y %H:%M"),  # 1 234 and a day-first date
    ],
)
def test_spreadsheet_resaves_load_to_the_same_table(write, encoding, delimiter, number, date):
    posts = [dict(p, **{"Page name": "Café Central"}) for p in THREE]
    original = load(write("orig.csv", suite_rows(posts))).posts

    def fmt(value):
        if isinstance(value, int):
            if number == "dot":
                return f"{value:,d}".replace(",", ".")
            if number == "space":
                return f"{value:,d}".replace(",", "\u00a0")
            return number.format(value)
        if date and isinstance(value, str) and value[:2].isdigit() and value[2:3] == "/":
            return pd.Timestamp(value).strftime(date)
        return str(value)

    bom = "\ufeff" if encoding == "utf-16-be" else ""
    path = write("resaved.csv", suite_rows(posts, fmt=fmt), encoding=encoding,
                 delimiter=delimiter, prefix=bom)  # fmt: skip
    same_posts(load(path).posts, original)


def test_excel_sep_line_and_utf16_without_bom(write):
    original = load(write("orig.csv", suite_rows(THREE))).posts
    path = write("sep.csv", suite_rows(THREE), delimiter=";", prefix="sep=;\n")
    same_posts(load(path).posts, original)
    path = write("nobom.csv", suite_rows(THREE), encoding="utf-16-le")
    same_posts(load(path).posts, original)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1234", 1234), ("1,234", 1234), ("1.234", 1234), ("1.234.567", 1234567),
        ("1,234,567", 1234567), ("1 234", 1234), ("1\u00a0234", 1234), ("1'234", 1234),
        ("12,5", 12.5), ("12.5", 12.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5),
        ("-1.000", -1000), ("N/A", np.nan), ("-", np.nan), ("undefined", np.nan), ("", np.nan),
    ],
)  # fmt: skip
def test_numbers_with_separators(text, value):
    got = to_number(pd.Series([text, "1"], dtype="str"))
    assert got.iloc[1] == 1
    assert np.isnan(got.iloc[0]) if np.isnan(value) else got.iloc[0] == value


def test_time_formats_are_chosen_per_file():
    us = parse_times(pd.Series(["10/1/2015 21:00", "12/31/2015 09:05", "01/02/2016 00:00"]))[0]
    assert us.tolist() == [UTC("2015-10-01 21:00"), UTC("2015-12-31 09:05"), UTC("2016-01-02")]
    # a day above 12 shows the file writes day first: then 01/02 is 1 February, not 2 January
    eu = parse_times(pd.Series(["10/1/2015 21:00", "31/12/2015 09:05", "01/02/2016 00:00"]))[0]
    assert eu.tolist() == [UTC("2015-01-10 21:00"), UTC("2015-12-31 09:05"), UTC("2016-02-01")]
    mixed = parse_times(pd.Series(["2015-10-01 21:00", "02/16/2018 03:00:41 PM", "soon", None]))
    assert mixed[0].tolist()[:2] == [UTC("2015-10-01 21:00"), UTC("2018-02-16 15:00:41")]
    assert mixed[0].isna().tolist() == [False, False, True, True]
    offset = parse_times(pd.Series(["2017-11-17T23:22:12+0000"]))
    assert offset[0].iloc[0] == UTC("2017-11-17 23:22:12") and offset[2].tolist() == [True]


def test_fixed_width_fast_path_matches_pandas():
    rng = np.random.default_rng(3)
    times = pd.Timestamp("1999-01-01") + pd.to_timedelta(rng.integers(0, 10**9, 3000), unit="s")
    times = times.append(pd.DatetimeIndex(["2000-02-29 23:59:59", "2100-02-28 12:00:00"]))
    for fmt in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%dT%H:%M:%S"):
        text = pd.Series(times.strftime(fmt))
        text.iloc[5] = "02/30/2016 10:00:00"  # no such day
        text.iloc[6] = "02/29/2100 10:00:00"  # not a leap year
        got, used, _ = parse_times(text)
        expected = pd.to_datetime(text, format=fmt, errors="coerce")
        pd.testing.assert_series_equal(got, expected.astype("datetime64[ns]"), check_names=False)
        assert used == [fmt]


# --- files from other tools, through a column mapping ---------------------------------

OTHER = [
    ["Created", "Engagements", "Kind", "Reach, organic", "Account"],
    ["2025-09-01 10:00", "12", "Photo", "1,200", "Shop"],
    ["2025-09-01 12:00", "30", "video", "2,000", "Shop"],
    ["2025-09-02 10:00", "7", "Carousel", "900", "Shop"],
]


def test_mapping_reads_any_csv(write):
    path = write("other.csv", OTHER)
    mapping = parse_mapping("time=Created, interactions=Engagements,type=Kind,reach=Reach, organic")
    assert mapping == {"time": "Created", "interactions": "Engagements", "type": "Kind",
                       "reach": "Reach, organic"}  # fmt: skip
    result = load(path, mapping=mapping)
    report = result.files[0]
    assert report.format == "mapped"
    assert report.mapping["published"] == "Created" and report.mapping["page_name"] == "Account"
    posts = result.posts
    assert posts["interactions"].tolist() == [12, 30, 7]
    assert posts["reach"].tolist() == [1200, 2000, 900]
    assert posts["type"].tolist() == ["photo", "video", "other"]
    assert result.pages() == ["Shop"]
    assert posts["published"].iloc[0] == UTC("2025-09-01 17:00", tz="UTC")
    # ids made from time and figures are stable: the same file twice is one set of posts
    twice = load([path, path], mapping=mapping)
    same_posts(twice.posts, posts)
    assert twice.duplicates_merged == 3
    assert posts["post_id"].iloc[0].startswith("20250901T170000Z-")


def test_mapping_reads_titles_and_permalinks(write):
    rows = [["Created", "Engagements", "Caption", "Link", "Message"],
            ["2025-09-01 10:00", "12", "First post", "https://e.x/1", "m1"],
            ["2025-09-02 10:00", "30", "", "", "m2"]]  # fmt: skip
    result = load(write("titled.csv", rows),
                  mapping=parse_mapping("time=Created,title=Message,permalink=Link"))
    posts = result.posts
    assert posts["title"].tolist() == ["m1", "m2"]
    assert posts["permalink"].tolist() == ["https://e.x/1", pd.NA]
    assert result.files[0].mapping["title"] == "Message"
    # without the mapping, common names are found
    found = load(write("auto-titled.csv", [r[:4] for r in rows])).posts
    assert found["title"].tolist() == ["First post", pd.NA]
    assert found["permalink"].tolist() == ["https://e.x/1", pd.NA]


def test_business_suite_title_falls_back_to_the_description(write):
    posts = [suite_post("1001", "09/01/2025 21:13", Title="", Description="Only here"),
             suite_post("1002", "09/02/2025 21:13", Title="Own title", Description="Other"),
             suite_post("1003", "09/03/2025 21:13", Title="", Description="", Permalink="")]
    result = load(write("Sep-01-2025_Sep-30-2025_1.csv", suite_rows(posts)))
    got = bare(result.posts)
    assert got["title"].tolist() == ["Only here", "Own title", pd.NA]
    assert got["permalink"].tolist() == ["https://www.facebook.com/p/1001",
                                         "https://www.facebook.com/p/1002", pd.NA]
    no_title = [c for c in SUITE_COLUMNS if c != "Title"]
    described = load(write("Sep-01-2025_Sep-30-2025_3.csv", suite_rows(posts, no_title)))
    assert described.posts["title"].tolist() == ["Only here", "Other", pd.NA]
    assert described.files[0].mapping["title"] == "Description"
    columns = [c for c in SUITE_COLUMNS if c not in ("Title", "Description", "Permalink")]
    untitled = load(write("Sep-01-2025_Sep-30-2025_2.csv", suite_rows(posts, columns))).posts
    assert untitled["title"].isna().all() and untitled["permalink"].isna().all()
    assert str(untitled["title"].dtype) == "string"


def test_conform_fills_missing_titles_and_permalinks_with_na():
    posts = load_exports([sample_paths()[0]]).posts
    without = posts.drop(columns=["title", "permalink"])
    back = schema.conform(without)
    schema.validate(back)
    assert back["title"].isna().all() and back["permalink"].isna().all()
    with pytest.raises(ValueError, match="lacks columns: reach"):
        schema.conform(posts.drop(columns="reach"))


def test_common_column_names_need_no_mapping(write):
    rows = [["Date", "Likes", "Comments", "Shares", "Reach", "Post ID"],
            ["2025-09-01 10:00", "1", "2", "3", "40", "a"]]  # fmt: skip
    result = load(write("auto.csv", rows))
    post = result.posts.iloc[0]
    assert result.files[0].format == "mapped" and post.post_id == "a"
    assert (post.reactions, post.comments, post.shares, post.interactions, post.reach) == (
        1, 2, 3, 6, 40)  # fmt: skip
    assert result.pages() == ["unnamed page"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("interactions=Engagements", "needs the publish-time column"),
        ("time", "bad --map part 'time'"),
        ("time=Created,colour=Kind", "unknown --map key 'colour'"),
        ("time=Created,time=Other", "'time' twice"),
        ("time=", "bad --map part"),
    ],
)
def test_bad_mapping_specs(spec, message):
    with pytest.raises(UsageError, match=message):
        parse_mapping(spec)


def test_mapping_naming_a_missing_column(write):
    path = write("other.csv", OTHER)
    with pytest.raises(UsageError, match=r"other\.csv: --map interactions=Likes names a column"):
        load(path, mapping={"time": "Created", "interactions": "Likes"})


def test_no_time_column_and_no_mapping(write):
    path = write("other.csv", [["When", "Engagements"], ["x", "1"]])
    with pytest.raises(InputError, match=r"other\.csv: no publish-time column.*'When', "
                       r"'Engagements'.*--map"):  # fmt: skip
        load(path)


# --- broken files ----------------------------------------------------------------------


def test_truncated_inside_a_quoted_title(write, tmp_path):
    path = write("x.csv", suite_rows(THREE))
    text = path.read_bytes()
    cut = text.rindex(b"Post 1003") + 6  # inside the last row's quoted, multi-line title
    path.write_bytes(text[:cut])
    result = load(path)
    assert result.files[0].rows == 3 and result.files[0].posts == 2
    assert result.dropped["truncated"] == 1
    assert "cut off" in result.files[0].notes[0]
    # cut just after a line break inside the title: the file ends with a newline
    path.write_bytes(text[: text.rindex(b"Post 1003") + 10])
    assert path.read_bytes().endswith(b"\n")
    result = load(path)
    assert (len(result.posts), result.dropped["truncated"]) == (2, 1)


def test_truncated_row_with_too_few_fields(write):
    path = write("x.csv", suite_rows(THREE), newline_at_end=False)
    complete = load(path)
    assert complete.dropped["truncated"] == 0 and len(complete.posts) == 3
    text = path.read_bytes()
    path.write_bytes(text[: text.rindex(b",Lifetime,")])
    result = load(path)
    assert (result.files[0].rows, len(result.posts), result.dropped["truncated"]) == (3, 2, 1)
    utf16 = write("y.csv", suite_rows(THREE), encoding="utf-16")
    data = utf16.read_bytes()
    utf16.write_bytes(data[: data.rindex(",Lifetime,".encode("utf-16-le"))])
    assert load(utf16).dropped["truncated"] == 1


def test_cut_inside_the_header(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes('\ufeff"Post ID","Page ID","Page name","Publish time","Reac'.encode())
    with pytest.raises(InputError, match="cut off inside its header"):
        load(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n\n\n", "no data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "is an image"),
        (b"PK\x03\x04" + bytes(200), "Excel workbook"),
        (bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)), "not a text"),
        (b"Publish time,Reach\n\x81\x8d\xc3(\n", "text encoding posttime cannot read"),
    ],
)
def test_files_that_are_not_exports(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        load_exports([path])
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="nope.csv: no such file"):
        load_exports([tmp_path / "nope.csv"])
    with pytest.raises(InputError, match="is a folder, not a file"):
        load_exports([tmp_path])
    with pytest.raises(UsageError, match="no export files"):
        load_exports([])


def test_windows_1252_text(tmp_path):
    rows = suite_rows([suite_post("1", "09/01/2025 10:00", **{"Page name": "Caf\u00e9 \u20ac"})])
    path = write_rows(tmp_path / "x.csv", rows, encoding="cp1252")
    assert load(path).pages() == ["Caf\u00e9 \u20ac"]


# --- invariants (hypothesis) -----------------------------------------------------------

post_ids = st.sampled_from([str(1000 + i) for i in range(12)])
suite_posts = st.lists(
    st.tuples(
        post_ids,
        st.integers(0, 60 * 24 * 400),  # minutes after 2024-01-01
        st.integers(0, 5000),  # interactions
        st.integers(0, 2_000_000),  # reach
        st.sampled_from(["Photos", "Reels", "Links", "Text", "Live"]),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda t: t[0],
)


def _write_suite(path: Path, posts, *, resaved=False) -> Path:
    rows = []
    for post_id, minutes, interactions, reach, kind in posts:
        when = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=minutes)
        rows.append(
            suite_post(
                post_id,
                when,
                **{
                    "Reactions, Comments and Shares": interactions,
                    "Reach": reach,
                    "Post type": kind,
                },
            )
        )
    if not resaved:
        return write_rows(
            path,
            suite_rows(
                rows,
                fmt=lambda v: (
                    v.strftime("%m/%d/%Y %H:%M") if isinstance(v, pd.Timestamp) else str(v)
                ),
            ),
        )

    def fmt(v):  # what a spreadsheet writes back: 1/5/2024 9:05, 1.234, tab or semicolon
        if isinstance(v, pd.Timestamp):
            return f"{v.month}/{v.day}/{v.year} {v.hour}:{v.minute:02d}"
        return f"{v:,d}".replace(",", ".") if isinstance(v, int) else str(v)

    return write_rows(path, suite_rows(rows, fmt=fmt), encoding="utf-16", delimiter=";")


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@SETTINGS
@given(a=suite_posts, b=suite_posts)
def test_merging_is_order_independent_and_idempotent(a, b):
    with tempfile.TemporaryDirectory() as tmp:
        pa = _write_suite(Path(tmp) / "Jan-01-2024_Jun-30-2024_1.csv", a)
        pb = _write_suite(Path(tmp) / "Jan-01-2024_Dec-31-2024_1.csv", b)
        ab, ba = load([pa, pb]), load([pb, pa])
        pd.testing.assert_frame_equal(ab.posts, ba.posts)
        assert ab.duplicates_merged == ba.duplicates_merged == len(a) + len(b) - len(ab.posts)
        # every post of b (the newer export) keeps b's figures
        newer = {p[0]: p[2] for p in b}
        got = ab.posts.pipe(bare)["interactions"]
        assert all(got[k] == v for k, v in newer.items())
        pd.testing.assert_frame_equal(load([pa, pa]).posts, load([pa]).posts)


@SETTINGS
@given(posts=suite_posts)
def test_a_spreadsheet_resave_loads_to_the_same_table(posts):
    with tempfile.TemporaryDirectory() as tmp:
        original = load(_write_suite(Path(tmp) / "a.csv", posts)).posts
        resaved = load(_write_suite(Path(tmp) / "b.csv", posts, resaved=True)).posts
        same_posts(original, resaved)


def test_a_late_non_utf8_byte_falls_back_to_windows_1252(tmp_path):
    posts = [suite_post(str(i), "09/01/2025 10:00", Title="plain") for i in range(600)]
    posts.append(suite_post("x", "09/01/2025 10:00", **{"Page name": "Caf\u00e9"}))
    path = write_rows(tmp_path / "x.csv", suite_rows(posts), encoding="cp1252")
    assert path.stat().st_size > 70_000  # beyond the part read to detect the encoding
    result = load(path)
    assert "Caf\u00e9" in result.pages() and len(result.posts) == 601
    assert "Windows-1252" in result.files[0].notes[0]


def test_business_suite_page_level_shapes(tmp_path):
    follows = 'sep=;\n"Facebook follows"\n"Date";"Primary"\n"2025-09-20T00:00:00";"1.020"\n'
    path = tmp_path / "Follows.csv"
    path.write_bytes(b"\xff\xfe" + follows.encode("utf-16-le"))
    (data,) = load(path).page_level
    assert data.metric == "Facebook follows"
    assert data.table.to_dict("list") == {"date": [UTC("2025-09-20")], "Primary": [1020.0]}
    viewers = write_rows(tmp_path / "Viewers.csv", [
        ["Date", "Total Viewers"], ["August 19", "5780"], ["August 20", "undefined"]])  # fmt: skip
    result = load(viewers)
    assert result.files[0].format == "business-suite-page-level"
    assert result.page_level[0].table["Total Viewers"].tolist()[0] == 5780
    with pytest.raises(InputError, match="page-level data"):
        result.require_posts()


def test_blank_lines_above_the_header(write):
    original = load(write("a.csv", suite_rows(THREE))).posts
    same_posts(load(write("b.csv", suite_rows(THREE), prefix="\n\n")).posts, original)


def test_a_renamed_page_takes_its_newest_name(write):
    old = write("Aug-01-2025_Aug-31-2025_1.csv", suite_rows([suite_post("1", "08/05/2025 10:00",
                **{"Page name": "Old Name"})]))  # fmt: skip
    new = write("Sep-01-2025_Sep-30-2025_1.csv", suite_rows([suite_post("2", "09/05/2025 10:00",
                **{"Page name": "New Name"})]))  # fmt: skip
    for order in ([old, new], [new, old]):
        result = load(order)
        assert result.pages() == ["New Name"] and len(result.posts) == 2


# --- hostile input: dates, offsets, repeated columns, cut characters -------------------


def test_dates_outside_the_supported_range_are_bad_timestamps(write):
    posts = THREE + [
        suite_post("2300", "09/01/2300 21:13"),
        suite_post("1500", "01/01/1500 10:00"),
        suite_post("9999", "12/31/9999 23:59"),
    ]
    result = load(write("Sep-01-2025_Sep-30-9999_1.csv", suite_rows(posts)))
    assert result.dropped["bad_timestamp"] == 3
    assert sorted(bare(result.posts).index) == ["1001", "1002", "1003"]
    # no usable date range in the file name: the newest post dates the export
    assert result.files[0].as_of == UTC("2025-09-30 15:05", tz="UTC")


def test_year_9999_in_a_big_file_is_a_bad_timestamp_not_1815(write):
    when = pd.Timestamp("2025-01-01 08:00") + pd.to_timedelta(np.arange(1200), unit="h")
    posts = [suite_post(str(i), t.strftime("%m/%d/%Y %H:%M")) for i, t in enumerate(when)]
    posts[7]["Publish time"] = "09/29/9999 20:00"
    result = load(write("x.csv", suite_rows(posts)))
    assert result.dropped["bad_timestamp"] == 1 and len(result.posts) == 1199
    assert result.posts["published"].min() == UTC("2025-01-01 16:00", tz="UTC")
    assert "7" not in set(bare(result.posts).index)


def test_iso_times_with_different_offsets_keep_each_offset(write):
    rows = [["created_time", "likes"], ["2025-03-01T10:00:00+01:00", "5"],
            ["2025-04-01T10:00:00+02:00", "7"]]  # fmt: skip
    result = load(write("i.csv", rows))
    assert result.posts["published"].tolist() == [
        UTC("2025-03-01 09:00", tz="UTC"), UTC("2025-04-01 08:00", tz="UTC")]  # fmt: skip
    assert result.posts["interactions"].tolist() == [5, 7]


def test_repeated_columns_are_read_once(write):
    viewers = load(write("v.csv", [["Date", "Total Viewers", "Total Viewers"],
                                   ["August 19", "1", "2"]]))  # fmt: skip
    assert viewers.page_level[0].table.to_dict("list") == {"date": ["August 19"],
                                                          "Total Viewers": [1.0]}  # fmt: skip
    columns = SUITE_COLUMNS + ["Funded content status", "Reach"]
    posts = [dict(p) for p in THREE]
    posts[0]["Funded content status"] = "Boosted"
    result = load(write("x.csv", suite_rows(posts, columns)))
    got = bare(result.posts)
    assert got["paid"].to_dict() == {"1001": True, "1002": False, "1003": False}
    assert got.loc["1002", "reach"] == 123456


def test_blank_post_ids_get_ids_of_their_own(write):
    rows = [["Post ID", "Created", "Engagements"], ["", "2025-09-01 10:00", "3"],
            ["", "2025-09-02 10:00", "4"], ["a", "2025-09-03 10:00", "5"]]  # fmt: skip
    result = load(write("m.csv", rows))
    assert len(result.posts) == 3 and result.dropped["duplicate"] == 0
    assert result.posts["post_id"].iloc[0].startswith("20250901T170000Z-")


def test_a_file_cut_inside_a_character_loads_its_complete_rows(write):
    posts = [dict(p, Title="Caf\u00e9 \u2615 \U0001d40b") for p in THREE]
    data = write("x.csv", suite_rows(posts), newline_at_end=False).read_bytes()
    for end in (data.rindex("\u2615".encode()) + 1, data.rindex("\U0001d40b".encode()) + 3):
        path = write("cut.csv", [])
        path.write_bytes(data[:end])
        result = load(path)
        assert (len(result.posts), result.dropped["truncated"]) == (2, 1)
    utf16 = write("y.csv", suite_rows(posts), encoding="utf-16").read_bytes()
    path = write("cut16.csv", [])
    path.write_bytes(utf16[: utf16.rindex("\U0001d40b".encode("utf-16-le")) + 3])
    result = load(path)
    assert (len(result.posts), result.dropped["truncated"]) == (2, 1)


def test_utf16_without_a_bom_holding_characters_beyond_the_basic_plane(write):
    posts = [dict(p, **{"Page name": "\U0001d40bove \U0001f370 \u0100"}) for p in THREE]
    for encoding in ("utf-16-le", "utf-16-be"):
        result = load(write("x.csv", suite_rows(posts), encoding=encoding))
        assert result.pages() == ["\U0001d40bove \U0001f370 \u0100"] and len(result.posts) == 3


def test_fields_longer_than_128_kib(write):
    posts = [dict(p) for p in THREE]
    posts[0]["Title"] = "long " * 40_000
    result = load(write("x.csv", suite_rows(posts, SUITE_COLUMNS + ["x" * 140_000])))
    assert len(result.posts) == 3 and result.posts["reach"].iloc[0] == 1200


# --- Instagram exports from Business Suite ---------------------------------------------

INSTAGRAM_COLUMNS = [
    "Post ID", "Account ID", "Account username", "Account name", "Description",
    "Duration (sec)", "Publish time", "Permalink", "Post type", "Data comment", "Date", "Views",
    "Reach", "Likes", "Shares", "Follows", "Comments", "Saves",
]  # fmt: skip


def instagram_rows(columns=INSTAGRAM_COLUMNS) -> list[list]:
    posts = []
    for i, kind in enumerate(["IG image", "IG carousel", "IG reel", "IG image"]):
        post = {
            "Post ID": str(17900000000000000 + i), "Account ID": "17841400000000000",
            "Account username": "harbourstreetcafe", "Account name": "Harbour Street Cafe",
            "Description": f"Fresh bread #{i}\nsecond line", "Duration (sec)": 0,
            "Publish time": f"09/{i + 1:02d}/2025 08:30", "Permalink":
            f"https://www.instagram.com/p/C{i}x/", "Post type": kind, "Data comment": "",
            "Date": "Lifetime", "Views": 900 + i, "Reach": 700 + i, "Likes": 40 + i,
            "Shares": 2, "Follows": 1, "Comments": 5, "Saves": 7,
        }  # fmt: skip
        posts.append(post)
    return suite_rows(posts, columns)


def test_instagram_exports_are_refused_not_misread(write):
    message = r"ig\.csv is an Instagram export; posttime analyses Facebook pages"
    with pytest.raises(InputError, match=message):
        load_exports([write("ig.csv", instagram_rows())])
    # told by the post types alone, without the account columns
    columns = [c for c in INSTAGRAM_COLUMNS if not c.startswith("Account")]
    with pytest.raises(InputError, match=message):
        load_exports([write("ig.csv", instagram_rows(columns))])
    with pytest.raises(InputError, match=message):
        load_exports([write("ig.csv", instagram_rows())], mapping={"time": "Publish time"})


# --- mutated real exports (hypothesis) -------------------------------------------------


def _seed_files() -> dict[str, bytes]:
    """Real exports (when present) and the bundled samples, cut after about 30 kB.

    The Business Suite sample keeps 1,100 rows, enough for the fast path of the time parser.
    """
    from posttime.samples import sample_paths

    seeds = {}
    for path in sorted(REAL_EXPORTS.glob("*/*.csv")) + sample_paths(all=True):
        data = path.read_bytes()
        end = data.find(b"\n", 30_000) + 1
        if path.name == "business-suite-2y.csv":
            end = sum(len(line) + 1 for line in data.split(b"\n")[:1101])
        seeds[path.name] = data[: end or None]
    return seeds


SEEDS = _seed_files()


def _records(data: bytes) -> tuple[list[list[str]], str]:
    """The CSV records of a seed and its encoding (UTF-8 or UTF-16 with a BOM)."""
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
    text = data.decode(encoding, errors="replace")
    with field_limit(len(text) + 1):
        return list(csv.reader(io.StringIO(text, newline=""))), encoding


def _columns(data: bytes, pick: int, duplicate: bool) -> bytes:
    rows, encoding = _records(data)
    width = max((len(r) for r in rows), default=0)
    if not width:
        return data
    col = pick % width
    for r in rows:
        if col < len(r):
            r.insert(col, r[col]) if duplicate else r.pop(col)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def _mutate(data: bytes, kind: str, a: int, b: int) -> bytes:
    """One mutation of a file's bytes; ``a`` and ``b`` choose where and what."""
    if kind == "truncate":
        return data[: a % (len(data) + 1)]
    if kind == "flip":
        i = a % max(len(data), 1)
        return data[:i] + bytes([b % 256]) + data[i + 1 :]
    if kind in ("drop line", "repeat line"):
        lines = data.split(b"\n")
        i = a % len(lines)
        lines[i:i + 1] = [] if kind == "drop line" else [lines[i], lines[i]]
        return b"\n".join(lines)
    if kind in ("drop column", "repeat column"):
        return _columns(data, a, kind == "repeat column")
    if kind == "recode":
        rows, encoding = _records(data)
        text = data.decode(encoding, errors="replace")
        target = ["utf-16", "utf-16-le", "utf-16-be", "cp1252", "utf-8"][a % 5]
        return text.encode(target, errors="replace")
    if kind == "year":  # a date far outside the usual range
        return re.sub(rb"(/|^|\")20(\d\d)\b", rb"\g<1>%d" % (b % 10000), data, count=1 + a % 3)
    return data.replace(b",", b";") if a % 2 else data.replace(b"\n", b"\r\n")


mutations = st.lists(
    st.tuples(
        st.sampled_from(["truncate", "flip", "drop line", "repeat line", "drop column",
                         "repeat column", "recode", "year", "resave"]),
        st.integers(0, 10**7),
        st.integers(0, 10**4),
    ),
    min_size=1,
    max_size=3,
)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(name=st.sampled_from(sorted(SEEDS)), changes=mutations)
def test_mutated_exports_load_or_fail_with_a_posttime_error(name, changes):
    data = SEEDS[name]
    for kind, a, b in changes:
        data = _mutate(data, kind, a, b)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            result = load_exports([path])
        except PosttimeError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
    schema.validate(result.posts)
    assert len(result.posts) <= result.files[0].rows
