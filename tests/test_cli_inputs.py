"""What a person naturally types: one Error line for every bad value, forgiving spellings."""

import json

import pytest
from typer.testing import CliRunner

from posttime.cli import app
from posttime.samples import sample_paths

runner = CliRunner()
LA = ["--tz", "America/Los_Angeles"]


def invoke(*args, **kwargs):
    return runner.invoke(app, [str(a) for a in args], **kwargs)


def one_error_line(result, needle: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and needle in lines[0], lines
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(("args", "needle"), [
    (["--top", "0"], "Invalid value for '--top'"),
    (["--seed", "-1"], "Invalid value for '--seed'"),
    (["--no-such-option"], "No such option: --no-such-option"),
    (["--since", ""], "--since takes a date as YYYY-MM-DD"),
    (["--since", "NaT"], "not 'NaT'"),
    (["--since", "01/02/2025"], "not '01/02/2025'"),
    (["--since", "2025-09-01T00:00+05:00"], "--since takes a date as YYYY-MM-DD"),
    (["--until", "2025-02-30"], "--until takes a date"),
    (["--since", "2025-05-01", "--until", "2025-04-01"], "--since 2025-05-01 is after --until"),
    (["--tz", "A" * 300], "unknown time zone 'AAAA"),
    (["--tz", "Berlin"], "did you mean 'Europe/Berlin'?"),
    (["--tz", "Europe/Berln"], "did you mean 'Europe/Berlin'"),
    (["--type", "carousel"], "unknown post type 'carousel'"),
])  # fmt: skip
def test_bad_option_values_get_one_error_line(args, needle):
    one_error_line(invoke("analyze", "--sample", *args), needle)


def test_a_week_past_the_calendar_is_refused(tmp_path):
    result = invoke("weekly", "--db", tmp_path / "h.sqlite", "--week", "9999-W52")
    one_error_line(result, "the week must lie between 1970 and 2261")


def test_zone_names_match_without_regard_to_case():
    result = invoke("analyze", "--sample", "--tz", "america/los_angeles", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["timezone"] == "America/Los_Angeles"


def test_post_types_as_the_export_writes_them():
    photo = invoke("analyze", "--sample", *LA, "--type", "photo", "--format", "json")
    for spelling in ("Photos", "PHOTO", " photos "):
        other = invoke("analyze", "--sample", *LA, "--type", spelling, "--format", "json")
        assert other.exit_code == 0, other.output
        assert other.stdout == photo.stdout
    assert json.loads(photo.stdout)["excluded"]["other_types"] > 0


def test_top_level_help_shows_whole_descriptions_and_completion():
    result = invoke("--help", env={"COLUMNS": "100"})
    assert result.exit_code == 0
    flat = " ".join(result.stdout.split())
    assert "do they do best at different times, and does one simply do better?" in flat
    described = [line for line in result.stdout.splitlines() if not line.startswith("Usage:")]
    assert not [line for line in described if line.rstrip().endswith("...")]
    assert "--install-completion" in result.stdout


def test_a_metric_the_export_lacks_is_named_with_the_ones_it_has():
    result = invoke("analyze", "--sample", "--metric", "clicks")
    one_error_line(result, "the export has no clicks figures, so --metric clicks cannot be "
                           "measured; it has: interactions, reach, engagement-rate, views")


def test_weekly_on_the_sample_needs_no_store(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("weekly", "--sample", "--db", tmp_path / "never.sqlite")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Week 2025-W39: Sample Bakery\n")
    assert "16 posts in 2025-W39" in result.stdout
    assert not (tmp_path / "never.sqlite").exists()
    one_error_line(invoke("weekly", "--sample", tmp_path), "give exports to ingest or --sample")


def test_a_wrong_zone_is_warned_about_on_stderr_and_in_the_json():
    table = invoke("analyze", "--sample", "--tz", "CET")
    assert table.exit_code == 0
    (warning,) = [line for line in table.stderr.splitlines() if line.startswith("Warning:")]
    assert "27% of the posts fall between 00:00 and 06:00 in CET" in warning
    assert "UTC-8 to UTC-5" in warning
    as_json = json.loads(invoke("analyze", "--sample", "--tz", "CET", "-f", "json").stdout)
    assert as_json["warnings"] == [warning.removeprefix("Warning: ")]
    right = invoke("analyze", "--sample", *LA, "-f", "json")
    assert json.loads(right.stdout)["warnings"] == [] and right.stderr == ""


def test_the_machine_zone_utc_is_named_and_quiet_silences_notes(tmp_path):
    env = {"TZ": "UTC", "POSTTIME_TZ": None}
    sample = str(sample_paths()[0])
    loud = invoke("analyze", sample, "-f", "json", env=env)
    assert loud.exit_code == 0
    assert "Times are counted in UTC, this machine's zone; pass --tz" in loud.stderr
    quiet = invoke("analyze", sample, "-f", "json", "--quiet", env=env)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout == loud.stdout
    assert "machine's zone" not in invoke("analyze", sample, "-f", "json",
                                          env={"TZ": "Europe/Berlin"}).stderr


def test_quiet_ingest_keeps_errors_only(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("nothing,here\n1,2\n")
    db = tmp_path / "h.sqlite"
    loud = invoke("ingest", sample_paths()[0], "--db", db)
    assert loud.exit_code == 0 and "History " in loud.stderr
    quiet = invoke("ingest", sample_paths(all=True)[1], broken, "--db", db, "-q")
    assert quiet.exit_code == 2
    lines = quiet.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "broken.csv" in lines[0]


def test_the_report_explains_its_terms_and_fits_the_terminal():
    table = invoke("analyze", "--sample")
    assert table.exit_code == 0
    assert "…" not in table.stdout
    assert max(len(line.rstrip()) for line in table.stdout.splitlines()) <= 80
    flat = " ".join(table.stdout.split())
    for sentence in ("q: the p-value corrected for testing every window",
                     "no-difference: tested, but within what chance produces",
                     "not-shown: the posts cannot tell either way",
                     "* not robust: the verdict changes when the page's trend is fitted"):
        assert sentence in flat, sentence
    assert "better*" in table.stdout
    markdown = " ".join(invoke("analyze", "--sample", "-f", "markdown").stdout.split())
    assert "q: the p-value corrected" in markdown and "not-shown: the posts cannot" in markdown
    compare = " ".join(invoke("compare", "--sample").stdout.split())
    assert "the permutation p is the share of 2,000 shufflings" in compare
