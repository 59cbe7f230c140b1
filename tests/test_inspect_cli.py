"""`posttime inspect`: the report as table and JSON, options, env vars and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REAL_EXPORTS, needs_real_exports
from test_loaders import (
    LEGACY_POSTS,
    THREE,
    instagram_rows,
    legacy_rows,
    suite_post,
    suite_rows,
)
from typer.testing import CliRunner

from posttime.cli import app
from posttime.render import COMMAND_FORMATS

runner = CliRunner()
JSON_KEYS = {"files", "pages", "posts", "first", "last", "duplicates_merged", "dropped",
             "export_timezone", "timezone"}  # fmt: skip


def invoke(*args, env=None):
    return runner.invoke(app, ["inspect", *map(str, args)], env=env)


def as_json(*args, env=None) -> dict:
    result = invoke(*args, "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def exports(write):
    """A Business Suite export (3 posts) and a classic export of another page (3 posts)."""
    suite = write("Sep-01-2025_Sep-30-2025_1.csv", suite_rows(THREE))
    legacy = write("fb-posts.csv", legacy_rows(LEGACY_POSTS))
    return suite, legacy


def test_json_report(exports):
    suite, legacy = exports
    report = as_json(suite, legacy, suite, "--tz", "Europe/Berlin")
    assert JSON_KEYS <= set(report)
    assert [(f["path"], f["format"], f["rows"]) for f in report["files"]] == [
        (str(suite), "business-suite-posts", 3),
        (str(legacy), "legacy-posts", 3),
        (str(suite), "business-suite-posts", 3),
    ]
    assert report["pages"] == ["555", "PC Merchandise"]
    assert report["posts"] == 6 and report["duplicates_merged"] == 3
    # 10/01/2015 09:00:00 PM in Los Angeles is 06:00 the next morning in Berlin
    assert report["first"] == "2015-10-02T06:00:00+02:00"
    assert report["last"] == "2025-09-30T17:05:00+02:00"
    assert (report["timezone"], report["export_timezone"]) == (
        "Europe/Berlin",
        "America/Los_Angeles",
    )
    assert report["dropped"] == {"blank": 0, "bad_timestamp": 0, "missing_metric": 0,
                                 "duplicate": 0, "truncated": 0}  # fmt: skip
    assert report["clock_changes"] == {"nonexistent": 0, "ambiguous": 1}
    assert report["files"][0]["mapping"]["published"] == "Publish time"


def test_table_report(exports):
    result = invoke(*exports, "--tz", "UTC")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for part in (
        "Files",
        "business-suite-posts",
        "legacy-posts",
        "PC Merchandise (3 posts)",
        "posts (after merging)",
        "Fri 2015-10-02 04:00 (+00:00)",
        "America/Los_Angeles",
        "Columns read (legacy-posts)",
        "Lifetime Post Total Reach",
        "clock changes",
    ):
        assert part in out, part  # fmt: skip
    assert "\x1b[" not in out
    assert result.stderr == ""


def test_every_format_value_has_a_renderer(exports):
    for fmt in COMMAND_FORMATS["inspect"]:
        result = invoke(exports[0], "--format", fmt.value, "--tz", "UTC")
        assert result.exit_code == 0 and result.stdout.strip(), fmt
    assert json.loads(invoke(exports[0], "-f", "JSON", "--tz", "UTC").stdout)["posts"] == 3


def test_zones_come_from_the_environment(exports):
    env = {"POSTTIME_TZ": "Asia/Tokyo", "POSTTIME_EXPORT_TZ": "UTC"}
    report = as_json(exports[0], env=env)
    assert (report["timezone"], report["export_timezone"]) == ("Asia/Tokyo", "UTC")
    assert report["first"] == "2025-09-02T06:13:00+09:00"  # 09/01/2025 21:13 read as UTC
    assert as_json(exports[0], "--tz", "UTC", env=env)["timezone"] == "UTC"


def test_sample():
    report = as_json("--sample")
    assert report["pages"] == ["Sample Bakery"] and report["posts"] == 1500
    assert report["files"][0]["format"] == "business-suite-posts"
    assert report["timezone"] == "America/Los_Angeles"


def test_truncated_file_loads_its_complete_rows(write):
    path = write("x.csv", suite_rows(THREE))
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"Post 1003") + 4])
    result = invoke(path, "--format", "json", "--tz", "UTC")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["posts"] == 2 and report["dropped"]["truncated"] == 1
    assert "x.csv" in result.stderr and "cut off" in result.stderr


def test_a_year_past_2262_is_counted_as_a_bad_timestamp(write):
    posts = THREE + [suite_post("9", "09/01/2300 21:13")]
    result = invoke(write("x.csv", suite_rows(posts)), "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["posts"] == 3 and report["dropped"]["bad_timestamp"] == 1


def test_an_instagram_export_gets_one_error_line(write):
    result = invoke(write("ig.csv", instagram_rows()))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Instagram export" in result.stderr and "Facebook pages" in result.stderr


def test_page_level_files_are_listed_not_refused(write):
    follows = 'sep=,\n"Facebook follows"\n"Date","Primary"\n"2025-09-20T00:00:00","20"\n'
    path = write("Follows.csv", [])
    path.write_bytes(b"\xff\xfe" + follows.encode("utf-16-le"))
    report = as_json(path, "--tz", "UTC")
    assert report["posts"] == 0 and report["first"] is None and report["pages"] == []
    assert report["files"][0]["format"] == "business-suite-page-level"
    assert report["page_level"][0]["metric"] == "Facebook follows"
    assert report["page_level"][0]["first"] == "2025-09-20"


@needs_real_exports
def test_real_exports_all_at_once():
    files = sorted(REAL_EXPORTS.glob("*/*.csv"))
    report = as_json(*files, "--tz", "America/Los_Angeles")
    assert report["posts"] == 161 + 81 and report["duplicates_merged"] == 252
    assert report["pages"] == ["882604215147359", "PC Merchandise"]
    assert len(report["page_level"]) == 7
    assert report["first"] == "2017-05-25T09:02:55-07:00"
    assert report["last"] == "2025-09-30T22:00:00-07:00"


def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (arguments, text the error line must contain)."""
    (tmp / "empty.csv").write_bytes(b"")
    (tmp / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300))
    (tmp / "noise.csv").write_bytes(bytes(range(256)) * 20)
    (tmp / "when.csv").write_text("When,Engagements\nmonday,3\n", encoding="utf-8")
    (tmp / "latin.csv").write_bytes(b"Publish time,Reach\n\x81\x8d\xc3(\n")
    (tmp / "folder").mkdir()
    suite = tmp / "suite.csv"
    suite.write_text("\n".join(",".join(r) for r in suite_rows([suite_post("1", "x")])[:1]))
    return {
        "empty": ([str(tmp / "empty.csv")], "empty.csv is empty"),
        "image": ([str(tmp / "image.csv")], "image.csv is an image"),
        "random bytes": ([str(tmp / "noise.csv")], "noise.csv is not a text"),
        "no time column": ([str(tmp / "when.csv")], "when.csv: no publish-time column found"),
        "missing file": ([str(tmp / "nope.csv")], "nope.csv: no such file"),
        "folder": ([str(tmp / "folder")], "folder holds no .csv files"),
        "unknown zone": ([str(suite), "--tz", "Mars/Base"], "time zone 'Mars/Base' for --tz"),
        "unknown export zone": ([str(suite), "--export-tz", "Nowhere"], "for --export-tz"),
        "encoding": ([str(tmp / "latin.csv")], "latin.csv is in a text encoding"),
        "bad map": ([str(tmp / "when.csv"), "--map", "time"], "bad --map part 'time'"),
        "map column": ([str(tmp / "when.csv"), "--map", "time=Created"], "when.csv: --map time="),
        "no files": ([], "name one or more export files"),
        "format": ([str(suite), "--format", "xml"], "unknown format 'xml' for --format"),
    }  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["empty", "image", "random bytes", "no time column", "missing file", "folder", "unknown zone",
     "unknown export zone", "encoding", "bad map", "map column", "no files", "format"],
)  # fmt: skip
def test_bad_input_gets_one_error_line(tmp_path, case):
    args, needle = _bad_inputs(tmp_path)[case]
    result = invoke(*args, env={"POSTTIME_TZ": "UTC"})
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0], lines
    assert "Traceback" not in result.stderr


def test_bad_input_through_python_dash_m(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300))
    proc = subprocess.run(
        [sys.executable, "-m", "posttime", "inspect", str(tmp_path / "image.png")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"Error: {tmp_path / 'image.png'} is an image, not a CSV file; give the .csv export "
        "from Facebook"
    ]


def test_help():
    result = runner.invoke(app, ["inspect", "--help"])
    assert result.exit_code == 0
    for option in (
        "--sample",
        "--tz",
        "--export-tz",
        "--map",
        "--format",
        "POSTTIME_TZ",
        "POSTTIME_EXPORT_TZ",
    ):
        assert option in result.stdout, option  # fmt: skip
