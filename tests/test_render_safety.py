"""Text from export files never acts on a terminal, a Rich console, a Markdown viewer or a
spreadsheet: control characters are removed, markup and HTML are shown as text, and CSV
cells cannot start a formula."""

import csv
import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

from posttime.cli import app
from posttime.render.text import formula_safe
from posttime.samples import sample_paths

runner = CliRunner()
SAMPLE = sample_paths()[0]
PAGE = "Sample Bakery"
ESCAPES = "PC\x1b]0;PWNED\x07\x1b[2J\x9b31mMerch"
SHOWN = "PC]0;PWNED[2J31mMerch"
SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def renamed(tmp_path, name: str, file: str = "page.csv", other: bool = False):
    """The sample export with its page called ``name``; an ``other`` page has another id
    and one post less."""
    text = SAMPLE.read_text(encoding="utf-8-sig").replace(PAGE, name)
    if other:
        text = "\n".join(text.replace("100087654321098", "100087654321099")
                         .splitlines()[:-1]) + "\n"
    path = tmp_path / file
    path.write_text(text, encoding="utf-8")
    return path


def no_controls(text: str):
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "\r" not in text


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return renamed(tmp_path_factory.mktemp("hostile"), ESCAPES)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_analyze_shows_a_page_name_without_its_control_characters(hostile, fmt):
    result = invoke("analyze", hostile, "-f", fmt)
    assert result.exit_code == 0, result.output
    no_controls(result.stdout)
    assert SHOWN in result.stdout


def test_a_terminal_gets_only_rich_colour_codes(hostile):
    from posttime.analysis import AnalysisOptions, analyze
    from posttime.loaders import load_exports
    from posttime.render import Format, render

    r = analyze(load_exports([hostile]).posts, AnalysisOptions(timezone="UTC"), page=ESCAPES)
    terminal = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor",
                       width=120)
    out = render(r, Format.table, console=terminal)
    assert "\x1b[" in out  # colours
    assert "\x1b]" not in out and "\x07" not in out and "\x1b[2J" not in out
    assert SHOWN in out


def test_inspect_history_and_weekly_strip_control_characters(hostile, tmp_path):
    inspect = invoke("inspect", hostile, "--tz", "UTC")
    assert inspect.exit_code == 0, inspect.output
    no_controls(inspect.stdout)
    assert SHOWN in inspect.stdout
    db = tmp_path / "h.sqlite"
    ingest = invoke("ingest", hostile, "--db", db)
    assert ingest.exit_code == 0, ingest.output
    history = invoke("history", "--db", db)
    no_controls(history.stdout)
    assert SHOWN in history.stdout
    for fmt in ("text", "markdown"):
        week = invoke("weekly", "--db", db, "--week", "2025-W30", "--tz", "UTC", "-f", fmt)
        assert week.exit_code == 0, week.output
        no_controls(week.stdout)
        assert SHOWN in week.stdout


def test_error_lines_hold_no_control_characters(tmp_path):
    missing = tmp_path / "x\x1b[2Jy\x07\nz.csv"
    result = invoke("analyze", missing)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:")
    no_controls(result.stderr)
    assert "x[2Jy z.csv" in lines[0]


def test_rich_markup_in_page_names_is_shown_as_text(tmp_path):
    a = renamed(tmp_path, "[link=https://example.com]Bakery[/link] [/]", "a.csv")
    b = renamed(tmp_path, "Cafe [bold]", "b.csv", other=True)
    result = invoke("compare", a, b, "--tz", "UTC")
    assert result.exit_code == 0, result.output
    assert "[link=https://example.com]Bakery[/link] [/]" in result.stdout
    assert "Cafe [bold]" in result.stdout


def test_markdown_shows_html_in_page_names_as_text(tmp_path):
    page = renamed(tmp_path, SCRIPT)
    out = invoke("analyze", page, "-f", "markdown", "--tz", "UTC").stdout
    assert "<script" not in out and "<img" not in out
    assert "&lt;script>alert(1)&lt;/script>&lt;img src=x onerror=alert(2)>" in out
    other = renamed(tmp_path, "Other page", "b.csv", other=True)
    compared = invoke("compare", page, other, "-f", "markdown", "--tz", "UTC").stdout
    assert "&lt;script>" in compared and "<script" not in compared and "<img" not in compared
    db = tmp_path / "h.sqlite"
    assert invoke("ingest", page, "--db", db).exit_code == 0
    week = invoke("weekly", "--db", db, "--week", "2025-W30", "--tz", "UTC").stdout
    assert "&lt;script>" in week and "<script" not in week and "<img" not in week


def test_csv_cells_of_user_text_cannot_start_a_formula():
    from posttime.analysis import AnalysisOptions, ByTypeResult, analyze
    from posttime.loaders import load_exports
    from posttime.render import Format, render

    r = analyze(load_exports([SAMPLE]).posts, AnalysisOptions(timezone="UTC"))
    kinds = ["=HYPERLINK(\"http://x\")", "+1", "-1", "@SUM(A1)", "\tx", "photo"]
    out = render(ByTypeResult({k: r for k in kinds}), Format.csv)
    rows = list(csv.reader(io.StringIO(out, newline="")))[1:]
    firsts = [row[0] for row in rows]
    assert set(firsts) == {"'" + k for k in kinds[:-1]} | {"photo"}
    assert firsts.count("photo") == len(r.windows) == len(rows) / len(kinds)
    assert formula_safe("\rx") == "'\rx" and formula_safe("a=b") == "a=b"


HOSTILE_TITLE = "S ](javascript:x) [x](http://e) <b>*b*</b> `c` _d_ | e\x1b[2J"
HOSTILE_LINK = "https://www.facebook.com/p/1 (x)|y<z>"


@pytest.fixture(scope="module")
def titled_week(tmp_path_factory):
    """A week of the sample page whose first post has a hostile title and permalink, the
    second a ``javascript:`` permalink and the third no title."""
    from posttime.loaders import load_exports
    from posttime.weekly import build_weekly

    posts = load_exports([SAMPLE]).posts
    report = build_weekly(posts, week="2025-W30", timezone="UTC")
    ids = report.posts["post_id"].tolist()[:3]
    title = posts["title"].astype(object)
    link = posts["permalink"].astype(object)
    for post_id, t, u in zip(ids, (HOSTILE_TITLE, "Plain", None),
                             (HOSTILE_LINK, "javascript:alert(1)", "http://e.x/3"),
                             strict=True):
        title[posts["post_id"] == post_id] = t
        link[posts["post_id"] == post_id] = u
    posts = posts.assign(title=title.astype("string"), permalink=link.astype("string"))
    return build_weekly(posts, week="2025-W30", timezone="UTC")


def test_markdown_titles_are_links_that_nothing_in_them_can_break(titled_week):
    from markdown_it import MarkdownIt

    from posttime.render.weekly import weekly_markdown

    md = weekly_markdown(titled_week)
    html = MarkdownIt("commonmark").enable("table").render(md)
    rows = html[html.index("<h2>Posts of the week"):html.index("<h2>This week")]
    rows = rows.split("<tr>")[2:]
    assert len(rows) == len(titled_week.posts)
    first, second, third = rows[:3]
    # one link, to the whole percent-encoded permalink, its text the whole title
    assert first.count("<a ") == 1
    assert ('<a href="https://www.facebook.com/p/1%20%28x%29%7Cy%3Cz%3E">S '
            "](javascript:x) [x](http://e) &lt;b&gt;*b*&lt;/b&gt; `c` _d_ | e[2J</a>"
            in first)
    assert "<b>" not in html and "<em>" not in html and "<code>" not in html
    assert "<a " not in second and "Plain" in second  # javascript: is never a link
    assert '<a href="http://e.x/3">post</a>' in third
    assert "\x1b" not in md


def test_html_titles_are_escaped_links_to_http_addresses_only(titled_week):
    from posttime.render.weekly import weekly_html

    html = weekly_html(titled_week)
    assert ('<a href="https://www.facebook.com/p/1%20%28x%29%7Cy%3Cz%3E" '
            'rel="noopener noreferrer">S ](javascript:x) [x](http://e) '
            "&lt;b&gt;*b*&lt;/b&gt; `c` _d_ | e[2J</a>") in html
    assert "javascript:" not in html.replace("](javascript:x)", "")
    assert "<td>Plain</td>" in html
    assert '<a href="http://e.x/3" rel="noopener noreferrer">post</a>' in html
    assert "<b>" not in html and "\x1b" not in html


def test_text_shows_each_title_under_its_post(titled_week):
    from posttime.render.weekly import weekly_text

    text = weekly_text(titled_week)
    lines = text.splitlines()
    at = lines.index("    S ](javascript:x) [x](http://e) <b>*b*</b> `c` _d_ | e[2J")
    assert lines[at - 1].startswith(titled_week.posts["published"].iloc[0].strftime("%a %d"))
    shown = text.split("Posts of the week")[1].split("This week")[0]
    assert "    Plain" in lines and "facebook.com" not in shown and "e.x/3" not in shown


def test_a_week_without_titles_shows_the_table_as_before(titled_week):
    from dataclasses import replace

    from posttime.render.weekly import POST_HEADER, weekly_html, weekly_markdown, weekly_text

    bare = replace(titled_week, posts=titled_week.posts.assign(title=None, permalink=None))
    md = weekly_markdown(bare)
    assert "| " + " | ".join(POST_HEADER) + " |" in md and "Post |" not in md
    assert "<a " not in weekly_html(bare) and ">Post<" not in weekly_html(bare)
    posts_part = weekly_text(bare).split("Posts of the week")[1].split("This week")[0]
    assert not any(line.startswith("    ") for line in posts_part.splitlines())
