"""`posttime analyze` from the command line: output formats, golden files, bad input."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from posttime.cli import app
from posttime.samples import sample_paths
from posttime.simulate import PageSpec, simulate_posts, write_business_suite

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
REAL = ROOT.parent / "shared" / "real-exports"
LA = ["--tz", "America/Los_Angeles"]
runner = CliRunner()


def invoke(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def _same(a, b, path="$"):
    """Equal JSON values, numbers to 5 significant digits (platform float noise)."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            _same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, (path, a, b)


@pytest.mark.parametrize("sample", [p.name for p in sample_paths(all=True)])
def test_samples_match_their_golden_files(sample):
    path = sample_paths(all=True)[[p.name for p in sample_paths(all=True)].index(sample)]
    result = invoke("analyze", path, *LA, "--format", "json")
    assert result.exit_code == 0, result.output
    expected = json.loads((GOLDEN / f"{path.stem}.json").read_text(encoding="utf-8"))
    _same(json.loads(result.stdout), expected)


def test_sample_finds_the_planted_window_and_prints_every_part():
    result = invoke("analyze", "--sample")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Thu 18-20 (1.33x, 1.32-2.50, 40 posts)" in out
    assert "America/Los_Angeles" in out
    for part in ("Ranked posting windows", "Posts per window", "The usual advice",
                 "Left out:", "not that the time caused it"):
        assert part in out
    assert "\x1b[" not in out  # no colour codes when stdout is not a terminal


def test_same_input_and_seed_give_the_same_bytes():
    first = invoke("analyze", "--sample", "--format", "json")
    again = invoke("analyze", "--sample", "--format", "json")
    assert first.stdout == again.stdout


def test_csv_and_markdown_formats(tmp_path):
    csv_out = invoke("analyze", "--sample", "--format", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(csv_out.stdout))
    assert len(frame) == 84 and frame["n"].sum() == 1454
    assert frame.loc[0, ["weekday", "start", "verdict"]].tolist() == ["Thu", 18, "better"]
    md = invoke("analyze", "--sample", "--format", "markdown", "--top", "3").stdout
    assert md.startswith("# When to post: Sample Bakery")
    assert "| 1 | Thu 18-20 | 40 |" in md
    assert md.count("\n| ") >= 3 + 5


def test_every_format_value_has_a_renderer():
    from posttime.render import COMMAND_FORMATS

    for fmt in COMMAND_FORMATS["analyze"]:
        result = invoke("analyze", "--sample", "--format", fmt.value, "--top", "2")
        assert result.exit_code == 0 and result.stdout.strip()


def test_output_is_written_atomically(tmp_path):
    target = tmp_path / "report.json"
    result = invoke("analyze", "--sample", "--format", "json", "--output", target)
    assert result.exit_code == 0
    assert json.loads(target.read_text())["posts_used"] == 1454
    assert result.stdout == ""
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    missing = invoke("analyze", "--sample", "--output", tmp_path / "no" / "dir" / "r.txt")
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr


def test_by_type_reports_each_type():
    payload = json.loads(invoke("analyze", "--sample", "--by-type", "--format", "json").stdout)
    assert list(payload["by_type"])[0] == "photo"
    for post_type, result in payload["by_type"].items():
        assert sum(w["n"] for w in result["windows"]) == result["posts_used"]
        assert result["excluded"]["other_types"] > 0, post_type


def test_filters_and_options_reach_the_analysis():
    payload = json.loads(invoke("analyze", "--sample", "--format", "json", "--metric", "reach",
                                "--grain", "daypart", "--since", "2024-01-01",
                                "--include-paid", "--type", "photo").stdout)
    assert payload["metric"] == "reach" and payload["grain"] == "daypart"
    assert payload["excluded"]["paid"] == 0
    assert payload["excluded"]["outside_dates"] > 0
    assert payload["excluded"]["other_types"] > 0


def _one_error_line(result, *needles):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("args, needles", [
    (["--metric", "likes"], ["interactions, clicks, reach, engagement-rate, views"]),
    (["--type", "gif"], ["photo, video, reel, link, text, other"]),
    (["--grain", "hourly"], ["auto, 2h, daypart"]),
    (["--format", "xml"], ["table, json, csv, markdown"]),
    (["--tz", "Mars/Olympus"], ["unknown time zone", "--tz"]),
    (["--export-tz", "Nowhere"], ["--export-tz"]),
    (["--since", "yesterday-ish"], ["--since"]),
    (["--page", "Nope"], ["Sample Bakery"]),
])
def test_bad_option_values_get_one_clear_line(args, needles):
    _one_error_line(invoke("analyze", "--sample", *args), *needles)


def test_bad_files_get_one_clear_line(tmp_path):
    _one_error_line(invoke("analyze", tmp_path / "missing.csv"), "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _one_error_line(invoke("analyze", empty), "empty.csv")
    _one_error_line(invoke("analyze"), "--sample")
    _one_error_line(invoke("analyze", "--sample", empty), "not both")


def test_several_pages_need_page(tmp_path):
    a = simulate_posts(PageSpec(n_posts=300, seed=1, page_id="111", page_name="Alpha"))
    b = simulate_posts(PageSpec(n_posts=300, seed=2, page_id="222", page_name="Beta"))
    path = tmp_path / "two.csv"
    write_business_suite(pd.concat([a, b], ignore_index=True), path)
    _one_error_line(invoke("analyze", path), "Alpha", "Beta", "--page")
    chosen = invoke("analyze", path, "--page", "beta", "--format", "json")
    assert chosen.exit_code == 0
    assert json.loads(chosen.stdout)["page"] == "Beta"


def test_help_lists_the_options():
    result = invoke("analyze", "--help")
    assert result.exit_code == 0
    for option in ("--metric", "--tz", "--export-tz", "--grain", "--by-type", "--top",
                   "--format", "--output", "--seed", "--include-paid"):
        assert option in result.stdout


def test_help_does_not_import_pandas_or_scipy():
    code = ("import sys\nfrom posttime.cli import app\n"
            "print(sorted({'pandas', 'scipy', 'numpy'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_module_entry_point_and_a_closed_pipe():
    env = {**os.environ, "NO_COLOR": "1"}
    run = subprocess.run(
        f"{sys.executable} -m posttime analyze --sample | head -n 1",
        shell=True, capture_output=True, text=True, env=env,
    )
    assert run.stdout.startswith("posttime · Sample Bakery")
    assert "Traceback" not in run.stderr and "BrokenPipe" not in run.stderr


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-exports is absent")
def test_real_exports_run_and_say_how_little_they_tell():
    triton = sorted((REAL / "legacy-insights-post-level").glob("fb-posts-*.csv"))
    result = invoke("analyze", *triton, *LA, "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["grain"] == "daypart"
    assert payload["posts_used"] + sum(payload["excluded"].values()) >= 161
    assert payload["headline"].startswith(("No window reliably", "Too few posts"))
    assert len(payload["claims"]) == 5
    suite = next((REAL / "business-suite").glob("Sep-*.csv"))
    table = invoke("analyze", suite, *LA)
    assert table.exit_code == 0, table.output
    assert "PC Merchandise" in table.stdout
    assert "Too few posts" in table.stdout or "No window reliably" in table.stdout
