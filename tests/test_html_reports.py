"""The HTML and SVG reports of analyze and compare: self-contained, escaped, drawn in a
real browser, and the format taken from --output's extension."""

import html
import json

import pytest
from conftest import screenshot_colours
from typer.testing import CliRunner

from posttime.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    made = {}
    for command in ("analyze", "compare"):
        for ext in ("html", "svg"):
            out = folder / f"{command}.{ext}"
            result = invoke(command, "--sample", "-o", out)
            assert result.exit_code == 0, result.output
            made[command, ext] = out
    return made


def self_contained(text: str):
    lowered = text.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import",
                   "url(", " src=", "href=", "https://"):
        assert needle not in lowered, needle


@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_html_reports_are_self_contained_and_hold_the_whole_result(reports, command):
    text = reports[command, "html"].read_text(encoding="utf-8")
    self_contained(text)
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "Content-Security-Policy" in text and "script-src 'none'" in text
    assert text.count("<svg") == 1 and "What the terms mean" in text
    data = json.loads(invoke(command, "--sample", "-f", "json").stdout)
    assert html.escape(data["headline"], quote=False) in text
    if command == "analyze":
        assert "<td>Thu 18-20</td><td class=\"num\">40</td>" in text
        assert text.count("<rect") >= 84  # every window of the grid
        for claim in data["claims"]:
            assert html.escape(claim["text"], quote=False) in text
    else:
        assert "Largest differences between the pages" in text


@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_svg_files_hold_the_heatmap_alone(reports, command):
    text = reports[command, "svg"].read_text(encoding="utf-8")
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert text.rstrip().endswith("</svg>") and text.count("<svg") == 1
    self_contained(text)
    if command == "analyze":
        assert ">▲40</text>" in text and ">▼13</text>" in text


def test_page_names_are_escaped_in_html_and_svg(tmp_path):
    from posttime.samples import sample_paths

    page = tmp_path / "page.csv"
    page.write_text(sample_paths()[0].read_text(encoding="utf-8-sig").replace(
        "Sample Bakery", "<script>alert(1)</script>"), encoding="utf-8")
    out = invoke("analyze", page, "-f", "html", "--tz", "UTC").stdout
    assert "<script" not in out and "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_the_extension_of_output_chooses_the_format(tmp_path):
    for ext, start in ((".json", "{"), (".csv", "weekday,"), (".md", "# When to post"),
                       (".html", "<!DOCTYPE html>"), (".svg", "<svg"),
                       (".txt", "posttime · Sample Bakery"), ("", "posttime · Sample Bakery")):
        out = tmp_path / f"report{ext}"
        result = invoke("analyze", "--sample", "-o", out)
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").startswith(start), ext
    forced = invoke("analyze", "--sample", "-f", "json", "-o", tmp_path / "x.txt")
    assert forced.exit_code == 0 and (tmp_path / "x.txt").read_text().startswith("{")
    week = invoke("weekly", "--db", tmp_path / "none.sqlite", "-o", tmp_path / "w.svg")
    assert week.exit_code == 2
    assert week.stderr.startswith("Error: weekly cannot write a .svg file")


def test_an_extension_it_cannot_write_is_an_error_not_a_text_file(tmp_path):
    result = invoke("analyze", "--sample", "-o", tmp_path / "heatmap.png")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"Error: analyze cannot write a .png file ({tmp_path / 'heatmap.png'}); name it "
        ".csv, .htm, .html, .json, .markdown, .md, .svg, .txt, or give --format")
    assert list(tmp_path.iterdir()) == []


def test_markdown_holds_the_heatmap_as_a_text_grid():
    out = invoke("analyze", "--sample", "-f", "markdown").stdout
    grid = out.split("```")[1].strip("\n").splitlines()
    assert grid[0].split() == [f"{h:02d}" for h in range(0, 24, 2)]
    thu = grid[1 + 3].split()
    assert thu[0] == "Thu" and thu[1 + 9] == "▲40"
    compared = invoke("compare", "--sample", "-f", "markdown").stdout
    assert compared.split("```")[1].strip("\n").splitlines()[0].split() == [
        "00", "06", "10", "14", "18"]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_html_reports_render_in_a_headless_browser(tmp_path, reports, command, chromium):

    shot = tmp_path / "shot.png"
    green, red = screenshot_colours(chromium, reports[command, "html"].as_uri(), shot,
                                    "--window-size=1000,2400")
    assert green > 2000 and red > 2000, (green, red)


def test_by_type_svg_stacks_one_captioned_heatmap_per_type():
    data = json.loads(invoke("analyze", "--sample", "--by-type", "-f", "json").stdout)
    text = invoke("analyze", "--sample", "--by-type", "-f", "svg").stdout
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "<style>" in text
    for kind in data["by_type"]:
        assert f'font-weight="700">{kind} posts</text>' in text
        assert f'<title id="hm-{kind}-title">' in text
    assert text.count("<svg") == 1 + len(data["by_type"])
