"""The Python API: the same numbers as the command line, every input it takes, clear errors,
explicit lazy names that no submodule replaces, and results that show in a notebook."""

from __future__ import annotations

import ast
import dataclasses
import doctest
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import screenshot_colours
from typer.testing import CliRunner

import posttime
from posttime import api
from posttime.cli import app
from posttime.errors import UsageError
from posttime.render import render

LA = "America/Los_Angeles"
ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def cli(*args: object, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, [str(a) for a in args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def as_json(result) -> dict:
    return json.loads(json.dumps(result.to_dict()))


@pytest.fixture(scope="module")
def bakery():
    return posttime.analyze(posttime.sample_paths()[0], tz=LA)


@pytest.fixture(scope="module")
def both():
    return posttime.compare(*posttime.sample_paths(), tz=LA)


@pytest.fixture(scope="module")
def loaded():
    return posttime.load_exports(posttime.sample_paths())


# --------------------------------------------------------------------------------------
# The same numbers as the command line
# --------------------------------------------------------------------------------------


def test_analyze_gives_the_json_of_the_command_line(bakery):
    expected = json.loads(cli("analyze", "--sample", "--format", "json"))
    assert as_json(bakery) == expected
    assert bakery.posts_used == expected["posts_used"] == 1454
    assert expected["windows"][0]["weekday"] == "Thu" and expected["windows"][0]["n"] == 40


def test_compare_gives_the_json_of_the_command_line(both):
    assert as_json(both) == json.loads(cli("compare", "--sample", "--format", "json"))
    assert both.names == ("Sample Bakery", "231456789012345")


def test_the_reports_are_the_command_lines(bakery, both, tmp_path):
    for command, result in (("analyze", bakery), ("compare", both)):
        for fmt, method in (("html", result.to_html), ("svg", result.heatmap_svg)):
            out = tmp_path / f"{command}.{fmt}"
            cli(command, "--sample", "-o", out)
            assert method() == out.read_text(encoding="utf-8")
    assert render(bakery, "markdown") == cli("analyze", "--sample", "--format", "markdown")
    assert render(bakery, "csv") == cli("analyze", "--sample", "--format", "csv")


def test_the_result_shows_its_report_in_a_notebook_in_a_frame(bakery):
    shown = bakery._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" [^>]*></iframe>', shown)
    assert match is not None
    assert html.unescape(match.group(1)) == bakery.to_html()
    assert "<svg" in bakery.to_html() and bakery.heatmap_svg().startswith("<svg")


@pytest.mark.slow
def test_the_notebook_frame_shows_the_report_and_its_heatmap_in_a_browser(bakery, tmp_path,
                                                                        chromium):

    cell = tmp_path / "notebook.html"
    cell.write_text(f"<!DOCTYPE html><html><body><div>{bakery._repr_html_()}</div></body></html>",
                    encoding="utf-8")
    shot = tmp_path / "shot.png"
    # Headless Chromium may take its screenshot before a sandboxed frame drawn in a process
    # of its own has painted: the frame is kept in the page's process for the picture.
    green, red = screenshot_colours(
        chromium, cell.as_uri(), shot, "--virtual-time-budget=5000",
        "--disable-features=IsolateSandboxedIframes", "--window-size=1000,1200")
    assert green > 2000 and red > 2000, (green, red)


def test_claims_and_windows_are_tables_with_the_json_columns(bakery):
    expected = json.loads(cli("analyze", "--sample", "--format", "json"))
    claims = bakery.claims
    assert isinstance(claims, pd.DataFrame)
    assert list(claims.columns) == [*expected["claims"][0], "n_other"]
    assert claims["id"].tolist() == [c["id"] for c in expected["claims"]]
    assert claims["verdict"].tolist() == [c["verdict"] for c in expected["claims"]]
    assert claims["n"].tolist() == [c["n"] for c in expected["claims"]]
    assert np.allclose(claims["lift"], [c["lift"] for c in expected["claims"]])
    assert np.allclose(claims["p_holm"], [c["p_holm"] for c in expected["claims"]])
    windows = bakery.windows
    assert set(expected["windows"][0]) <= set(windows.columns)
    assert windows["n"].tolist() == [w["n"] for w in expected["windows"]]
    assert np.allclose(windows["shrunk_lift"].astype(float),
                       [np.nan if w["shrunk_lift"] is None else w["shrunk_lift"]
                        for w in expected["windows"]], equal_nan=True)
    assert bakery.headline == expected["headline"]
    assert [c.id for c in bakery.claim_list] == claims["id"].tolist()
    assert claims["n_other"].tolist() == [c.n_other for c in bakery.claim_list]
    copied = dataclasses.replace(bakery, headline="changed")
    assert copied.claim_list == bakery.claim_list and copied.headline == "changed"


# --------------------------------------------------------------------------------------
# What analyze takes
# --------------------------------------------------------------------------------------


def test_a_path_a_list_a_folder_and_a_load_result_give_one_answer(bakery, tmp_path):
    path = posttime.sample_paths()[0]
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / path.name).write_bytes(path.read_bytes())
    expected = as_json(bakery)
    for given in (str(path), [path], folder, posttime.load_exports(path)):
        assert as_json(posttime.analyze(given, tz=LA)) == expected


def test_a_clean_post_table_gives_the_same_windows(bakery, loaded):
    result = posttime.analyze(loaded.posts, tz=LA, page="Sample Bakery")
    assert result.page == "Sample Bakery"
    pd.testing.assert_frame_equal(result.windows, bakery.windows)
    assert result.headline == bakery.headline
    # Rows the loader dropped are counted only when the loader's result is given.
    assert result.excluded["paid"] == bakery.excluded["paid"]


def test_a_plain_dataframe_with_a_time_and_an_interactions_column(bakery, loaded):
    posts = loaded.posts[loaded.posts["page_name"] == "Sample Bakery"]
    columns = ["published", "interactions", "type", "paid", "as_of", "post_id"]
    result = posttime.analyze(posts[columns].reset_index(drop=True), tz=LA)
    pd.testing.assert_frame_equal(result.windows, bakery.windows)

    minimal = pd.DataFrame({"published": posts["published"].to_numpy(),
                            "interactions": posts["interactions"].to_numpy()})
    aware = posttime.analyze(minimal, tz=LA)
    assert aware.posts_used == int(minimal["interactions"].notna().sum())
    assert aware.windows["n"].sum() == aware.posts_used
    assert aware.page == "unnamed page"
    # Naive times are read in the export zone, as export files are.
    utc = minimal.assign(published=minimal["published"].dt.tz_localize(None))
    pd.testing.assert_frame_equal(posttime.analyze(utc, tz=LA, export_tz="UTC").windows,
                                  aware.windows)
    naive = minimal.assign(published=minimal["published"].dt.tz_convert(LA).dt.tz_localize(None))
    # (The hour the clocks repeat in autumn is read as its first pass, so the order of a few
    # posts, and with it the trend, may move; the windows' counts cannot.)
    def counts(result):
        return result.windows.set_index("window")["n"].sort_index()

    pd.testing.assert_series_equal(counts(posttime.analyze(naive, tz=LA)), counts(aware))
    berlin = posttime.analyze(naive, tz=LA, export_tz="Europe/Berlin")
    assert not counts(berlin).equals(counts(aware))


def test_pages_of_a_dataframe_are_told_apart_by_name_or_id(loaded):
    posts = loaded.posts[["published", "interactions", "page_name"]]
    with pytest.raises(UsageError, match=r"holds 2 pages \(231456789012345, Sample Bakery\)"):
        posttime.analyze(posts, tz=LA)
    by_id = posts.rename(columns={"page_name": "page_id"})
    with pytest.raises(UsageError, match="holds 2 pages"):
        posttime.analyze(by_id, tz=LA)
    one = posttime.analyze(posts, tz=LA, page="Sample Bakery")
    assert one.page == "Sample Bakery"
    assert one.posts_used == int((posts["page_name"] == "Sample Bakery").sum())


def test_two_plain_dataframes_of_equal_length_are_two_pages(loaded):
    bakery = loaded.posts[loaded.posts["page_name"] == "Sample Bakery"]
    a = bakery[["published", "interactions"]].head(600).reset_index(drop=True)
    b = bakery[["published", "interactions"]].tail(600).reset_index(drop=True)
    result = posttime.compare(a, b, tz=LA)
    assert result.names == ("unnamed page (A)", "unnamed page (B)")
    assert [r.posts_used for r in result.analyses] == [600, 600]
    with pytest.raises(UsageError, match="both sides hold the same page"):
        posttime.compare(a, a.copy(), tz=LA)


def test_a_time_column_that_holds_no_times_is_an_error():
    frame = pd.DataFrame({"published": ["yesterday", "2025-01-06 10:00"],
                          "interactions": [1, 2]})
    with pytest.raises(UsageError, match="column 'published' holds values that are not times"):
        posttime.analyze(frame)


def test_a_dataframe_without_the_needed_columns_says_which(loaded):
    frame = pd.DataFrame({"time": ["2025-01-06 10:00"], "likes": [3]})
    with pytest.raises(UsageError, match=r"lacks the columns published, interactions; .*"
                                         r"it has: time, likes"):
        posttime.analyze(frame)
    with pytest.raises(UsageError, match=r"lacks the column reach;"):
        posttime.analyze(loaded.posts[["published", "interactions"]], metric="reach")


def test_posts_of_several_pages_need_a_page_and_the_error_lists_them(loaded, bakery):
    for given in (loaded, loaded.posts, posttime.sample_paths()):
        with pytest.raises(UsageError, match=r"holds 2 pages \(231456789012345, Sample "
                                             r"Bakery\); choose one with page=NAME"):
            posttime.analyze(given, tz=LA)
    assert as_json(posttime.analyze(loaded, tz=LA, page="sample bakery"))["windows"] == (
        as_json(bakery)["windows"])
    with pytest.raises(UsageError, match="no page 'Nowhere'"):
        posttime.analyze(loaded, page="Nowhere")


def test_compare_picks_two_pages_of_one_load_result(loaded, both):
    result = posttime.compare(loaded, loaded, tz=LA, pages=("Sample Bakery", "231456789012345"))
    assert result.names == both.names
    pd.testing.assert_frame_equal(result.windows, both.windows)
    with pytest.raises(UsageError, match=r"pick one with pages=\(NAME_A, NAME_B\)"):
        posttime.compare(loaded, loaded, tz=LA)


def test_dates_are_iso_days_and_must_leave_a_day():
    path = posttime.sample_paths()[0]
    with pytest.raises(UsageError, match="since takes a date as YYYY-MM-DD"):
        posttime.analyze(path, tz=LA, since="01/02/2025")
    with pytest.raises(UsageError, match="since 2025-03-01 is after until 2025-02-01"):
        posttime.analyze(path, tz=LA, since="2025-03-01", until="2025-02-01")
    text = posttime.analyze(path, tz=LA, since="2024-06-01", post_type="Photos")
    day = pd.Timestamp("2024-06-01").date()
    assert as_json(text) == json.loads(cli("analyze", "--sample", "--since", "2024-06-01",
                                           "--type", "Photos", "--format", "json"))
    assert as_json(posttime.analyze(path, tz=LA, since=day, post_type="photo")) == as_json(text)


# --------------------------------------------------------------------------------------
# Zones: the command line's defaults, stated in the result
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", [{"POSTTIME_TZ": "Europe/Berlin", "TZ": "Asia/Tokyo"},
                                 {"TZ": "Asia/Tokyo"}])
def test_the_default_zone_is_the_command_lines(monkeypatch, env):
    monkeypatch.delenv("POSTTIME_TZ", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = posttime.sample_paths()[0]
    result = posttime.analyze(path)
    zone = env.get("POSTTIME_TZ", env["TZ"])
    assert result.timezone == result.to_dict()["timezone"] == zone
    assert as_json(result) == json.loads(cli("analyze", path, "--format", "json", env=env))


def test_the_export_zone_comes_from_its_variable(monkeypatch):
    monkeypatch.setenv("POSTTIME_EXPORT_TZ", "Europe/Berlin")
    path = posttime.sample_paths()[0]
    result = posttime.analyze(path, tz=LA)
    assert result.to_dict()["export_timezone"] == "Europe/Berlin"
    assert as_json(result) == json.loads(cli("analyze", path, "--tz", LA, "--format", "json",
                                             env={"POSTTIME_EXPORT_TZ": "Europe/Berlin"}))


# --------------------------------------------------------------------------------------
# The package's names
# --------------------------------------------------------------------------------------


def _fresh(code: str) -> str:
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_compare_stays_the_function_after_the_module_is_imported():
    # The sequence that used to turn posttime.compare into the module on the second use.
    assert _fresh(
        "import posttime\n"
        "first = posttime.compare\n"
        "from posttime import compare\n"
        "import posttime.compare\n"
        "from posttime.compare import ComparisonResult\n"
        "assert callable(first) and compare is first and posttime.compare is first\n"
        "from posttime import compare as again\n"
        "print(again is first, type(posttime.compare).__name__)\n"
    ) == "True function"
    # The submodule imported before the first use.
    assert _fresh(
        "import posttime.compare\n"
        "from posttime.compare import compare as core\n"
        "import posttime\n"
        "print(type(posttime.compare).__name__, posttime.compare is not core, "
        "callable(posttime.compare))\n"
    ) == "function True True"


def test_the_names_are_lazy_but_visible():
    out = _fresh(
        "import sys, posttime\n"
        "names = dir(posttime)\n"
        "print(sorted({'pandas', 'scipy'} & set(sys.modules)))\n"
        "print(all(n in names for n in posttime.__all__))\n"
        "print([n for n in names if n.startswith('_') and not n.startswith('__')])\n"
    )
    assert out.splitlines() == ["[]", "True", "[]"]
    tree = ast.parse((ROOT / "src" / "posttime" / "__init__.py").read_text())
    typed = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and node.module == "posttime.api" for alias in node.names}
    assert typed == set(posttime.__all__) - {"__version__"}
    for name in posttime.__all__:
        assert getattr(posttime, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = posttime.nothing


def test_the_package_is_marked_typed():
    assert (Path(posttime.__file__).parent / "py.typed").is_file()
    assert '"py.typed"' in (ROOT / "pyproject.toml").read_text()


def test_render_finds_the_renderer_of_a_base_class_only(bakery):
    class Unknown:
        pass

    assert isinstance(bakery, posttime.Analysis)
    with pytest.raises(ValueError, match="no json renderer for Unknown"):
        render(Unknown(), "json")


def test_the_readme_example_runs_and_is_the_modules():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from Python", 1)[1]
    example = section.split("```pycon\n", 1)[1].split("```", 1)[0]
    parser = doctest.DocTestParser()
    test = parser.get_doctest(example, {}, "README", "README.md", 0)
    assert len(test.examples) >= 6
    run = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    run.run(test, out=lambda text: pytest.fail(text))
    assert run.summarize(verbose=False).failed == 0
    module = api.__doc__
    assert module is not None and example.strip() in module
