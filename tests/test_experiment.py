"""Planning and evaluating a randomised posting experiment: the core and both commands."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from conftest import needs_real_exports
from executed import TZ, execute, history
from scipy import stats as sps
from typer.testing import CliRunner

from posttime.analysis import AnalysisOptions, analyze
from posttime.cli import app
from posttime.errors import NoDataError, UsageError
from posttime.experiment import (
    CONTROL,
    detectable_lift,
    draw_assignments,
    evaluate,
    make_plan,
    match_slots,
    next_monday,
    parse_arm,
    parse_arms,
    plan_from_dict,
    power_at,
    randomisation_test,
    weeks_needed,
)
from posttime.render import Format, render
from posttime.render.experiment import plan_csv, plan_ics
from posttime.simulate import write_business_suite

START = dt.date(2026, 1, 5)
OPTIONS = AnalysisOptions(timezone=TZ)
runner = CliRunner()


@pytest.fixture(scope="module")
def past():
    return history(11, n_posts=900)


@pytest.fixture(scope="module")
def analysis(past):
    return analyze(past, OPTIONS)


def _plan(past, analysis, **kwargs):
    given = {"weeks": 8, "per_week": 6, "start": START, "arms": "weekdays 18-20,Sat-Sun 11-14",
             "seed": 3, "analysis": analysis, **kwargs}
    return make_plan(past, OPTIONS, **given)


# --- arms


@pytest.mark.parametrize(("text", "label", "days"), [
    ("Tue 18-20", "Tue 18-20", (1,)),
    ("weekdays 8-10", "weekdays 08-10", (0, 1, 2, 3, 4)),
    ("Sat-Sun 11-14", "Sat-Sun 11-14", (5, 6)),
    ("weekend 9-11", "Sat-Sun 09-11", (5, 6)),
    ("thursday 20-24", "Thu 20-24", (3,)),
    ("Mon-Fri 18-20", "weekdays 18-20", (0, 1, 2, 3, 4)),
])
def test_arms_are_read_as_one_day_or_a_run_of_days(text, label, days):
    arm = parse_arm(text)
    assert (arm.label, arm.days) == (label, days)
    assert parse_arm(arm.label) == arm


@pytest.mark.parametrize(("spec", "message"), [
    ("Tue 18", "unknown window"),
    ("Funday 18-20", "unknown window"),
    ("Tue 20-18", "unknown window"),
    ("Tue 18-25", "unknown window"),
    ("Wed 12-14", "overlaps the control"),
    ("weekdays 9-11", "overlaps the control"),
    ("Tue 18-20,weekdays 19-21", "overlap"),
    (" , ", "names no window"),
])
def test_bad_arms_are_refused(spec, message):
    with pytest.raises(UsageError, match=message):
        parse_arms(spec)


def test_weekend_lunch_is_no_control_overlap():
    assert parse_arms("Sat-Sun 10-14")[0].overlaps(CONTROL) is False


def test_capacity_counts_slots_two_hours_apart():
    assert parse_arm("Tue 18-20").capacity == 1
    assert parse_arm("Tue 18-21").capacity == 2
    assert CONTROL.capacity == 10


# --- the random assignment


def test_every_arm_gets_its_share_every_week():
    drawn = draw_assignments(np.random.default_rng(0), 30, 7, 3, size=200)
    counts = np.stack([(drawn == a).sum(axis=2) for a in range(3)])
    assert set(np.unique(counts)) == {2, 3}  # 7 posts over 3 arms: 2 each, one extra
    assert (counts.sum(axis=0) == 7).all()
    # The extra post goes to each arm a third of the time, and each post number is
    # equally likely to land in each arm.
    assert np.allclose((counts == 3).mean(axis=(1, 2)), 1 / 3, atol=0.02)
    assert np.allclose([(drawn[..., k] == 0).mean() for k in range(7)], 1 / 3, atol=0.03)


def test_the_randomisation_test_agrees_with_scipy():
    """One week of 20 posts over two arms is a plain two-sample permutation test."""
    rng = np.random.default_rng(4)
    y = rng.normal(size=(1, 20))
    labels = draw_assignments(rng, 1, 20, 2)[0]
    y[labels == 0] += 0.7
    diff, p = randomisation_test(y, labels, 2, resamples=20_000,
                                 rng=np.random.default_rng(5))
    reference = sps.permutation_test(
        (y[labels == 0], y[labels == 1]), lambda a, b: a.mean() - b.mean(),
        permutation_type="independent", n_resamples=20_000, rng=np.random.default_rng(6))
    assert diff[0] == pytest.approx(reference.statistic)
    assert 0.005 < reference.pvalue < 0.5
    assert p[0] == pytest.approx(reference.pvalue, abs=0.01)


def test_missing_outcomes_drop_out_of_the_randomisation_test():
    rng = np.random.default_rng(8)
    y = rng.normal(size=(6, 4))
    labels = draw_assignments(rng, 6, 4, 2)[0]
    holed = y.copy()
    holed[0, 0] = np.nan
    diff, _ = randomisation_test(holed, labels, 2, resamples=100, rng=rng)
    seen = ~np.isnan(holed)
    expected = holed[seen & (labels == 0)].mean() - holed[seen & (labels == 1)].mean()
    assert diff[0] == pytest.approx(expected)


# --- sizing


def test_detectable_lift_has_the_promised_power():
    lift = float(detectable_lift(0.9, 48, 48, 2))
    assert power_at(lift, 0.9, 48, 48, 2) == pytest.approx(0.80, abs=0.01)
    # the power of a t-test at that lift, from scipy's noncentral t directly
    ncp = np.log(lift) / (0.9 * np.sqrt(2 / 48))
    crit = sps.t.ppf(1 - 0.025 / 2, 94)
    assert sps.nct.sf(crit, 94, ncp) == pytest.approx(0.80, abs=0.01)


def test_weeks_needed_is_the_first_week_that_reaches_the_lift():
    weeks = weeks_needed(0.9, 6, 2)
    n = weeks * 6 / 2
    assert detectable_lift(0.9, n, n, 1) <= 1.25 < detectable_lift(0.9, n - 3, n - 3, 1)


# --- plans


def test_plan_slots_fill_their_windows_two_hours_apart(past, analysis):
    plan = _plan(past, analysis)
    slots = plan.slots
    assert len(slots) == 8 * 6
    times = [t.astimezone(ZoneInfo(TZ)) for t in slots["time"]]
    for t, arm in zip(times, slots["arm"], strict=True):
        window = plan.arms[arm]
        assert t.weekday() in window.days and window.start <= t.hour < window.end
    gaps = np.diff([t.timestamp() for t in times])
    assert (gaps >= 7200).all()
    assert len({t.minute for t in times}) > 20  # a random minute, not on the hour
    assert times[0].date() >= START and times[-1].date() < START + dt.timedelta(weeks=8)
    per_week = slots.groupby(["week", "arm"]).size().unstack()
    assert (per_week == 2).all().all()
    assert sorted(slots.groupby("week")["post"].apply(sorted).iloc[0]) == [1, 2, 3, 4, 5, 6]


def test_the_same_seed_gives_the_same_plan_byte_for_byte(past, analysis):
    one = render(_plan(past, analysis), Format.json)
    again = render(make_plan(past, OPTIONS, weeks=8, per_week=6, start=START,
                                  arms="weekdays 18-20,Sat-Sun 11-14", seed=3), Format.json)
    other = render(_plan(past, analysis, seed=4), Format.json)
    assert one == again
    assert one != other


def test_plan_json_has_the_documented_keys(past, analysis):
    data = _plan(past, analysis).to_dict()
    for key in ("plan_id", "page", "timezone", "start", "weeks", "posts_per_week", "seed",
                "arms", "slots", "detectable_lift", "weeks_for_1_25"):
        assert key in data
    assert [a["role"] for a in data["arms"]] == ["candidate", "candidate", "control"]
    assert data["arms"][1] == {"window": "Sat-Sun 11-14", "weekday": "Sat-Sun", "start": 11,
                               "end": 14, "role": "candidate"}
    first = data["slots"][0]
    assert dt.datetime.fromisoformat(first["time"]).utcoffset() == dt.timedelta(hours=-8)
    assert {"time", "window", "role"} <= set(first)
    again = plan_from_dict(json.loads(json.dumps(data)))
    assert again.to_dict() == data


def test_plan_states_what_it_can_find(past, analysis):
    plan = _plan(past, analysis)
    n = 8 * 6 / 3
    assert plan.detectable_lift == pytest.approx(
        float(detectable_lift(analysis.residual_sd, n, n, 2)))
    assert plan.weeks_for_1_25 == weeks_needed(analysis.residual_sd, 6, 3)
    assert plan.weeks_for_1_25 > 8
    assert any("too small" in note for note in plan.notes)


def test_automatic_arms_are_open_windows_outside_the_control(past, analysis):
    plan = make_plan(past, OPTIONS, weeks=52, per_week=6, start=START, seed=1,
                     analysis=analysis)
    windows = analysis.windows
    settled = windows[windows["verdict"].isin(["better", "worse"])]
    for arm in plan.candidates:
        assert not arm.overlaps(CONTROL)
        for w in settled.itertuples():
            assert not (w.weekday_index in arm.days and w.start >= arm.start
                        and w.end <= arm.end and len(arm.days) == 1)
    assert 1 <= len(plan.candidates) <= 3


def test_a_one_day_window_cannot_take_two_posts_a_week(past, analysis):
    with pytest.raises(UsageError, match="holds at most 1 post"):
        _plan(past, analysis, arms="Tue 18-20", per_week=4)


def test_a_plan_can_start_on_any_day_and_crosses_summer_time(past, analysis):
    plan = _plan(past, analysis, start=dt.date(2026, 3, 4), arms="Sat-Sun 00-06",
                 per_week=4, weeks=3)
    zone = ZoneInfo(TZ)
    for t, arm in zip(plan.slots["time"], plan.slots["arm"], strict=True):
        local = t.astimezone(zone)
        assert local.replace(tzinfo=None) == t.replace(tzinfo=None)  # exists on the clock
        if arm == 0:
            assert local.weekday() >= 5 and local.hour < 6
    assert plan.slots["time"].iloc[0].date() >= dt.date(2026, 3, 4)
    assert next_monday(dt.date(2026, 3, 4)) == dt.date(2026, 3, 9)
    assert next_monday(dt.date(2026, 3, 9)) == dt.date(2026, 3, 16)


# --- output formats


def test_ics_parses_with_icalendar_and_holds_one_event_per_slot(past, analysis):
    icalendar = pytest.importorskip("icalendar")
    plan = _plan(past, analysis)
    text = plan_ics(plan)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(plan.slots)
    assert len({str(e["UID"]) for e in events}) == len(events)
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert starts == sorted(t.astimezone(dt.timezone.utc) for t in plan.slots["time"])
    first = events[0]
    assert "Post" in str(first["SUMMARY"]) and "," in str(first["DESCRIPTION"])
    assert first.decoded("DURATION") == dt.timedelta(minutes=15)


def test_csv_has_one_row_per_slot(past, analysis):
    plan = _plan(past, analysis)
    table = pd.read_csv(pd.io.common.StringIO(plan_csv(plan)))
    assert len(table) == len(plan.slots)
    assert list(table.columns[:2]) == ["time", "weekday"]
    assert set(table["role"]) == {"candidate", "control"}


def test_markdown_lists_each_week(past, analysis):
    text = render(_plan(past, analysis), Format.markdown)
    assert text.count("## Week") == 8 and "post 1" in text and "| Sat-Sun 11-14 |" in text


# --- evaluation


def test_match_slots_takes_the_nearest_post_within_tolerance():
    slots = np.array([0, 7200, 14400])
    posts = np.array([-3000, 60, 30, 7200 + 3700, 14400 - 10, 14400 + 5])
    assert match_slots(slots, posts, 3600).tolist() == [2, -1, 5]


def test_evaluate_counts_adherence_and_analyses_as_assigned(past, analysis):
    plan = _plan(past, analysis)
    n = len(plan.slots)
    keep = np.ones(n, dtype=bool)
    keep[[1, 5, 9]] = False
    shift = np.zeros(n, dtype=int)
    shift[[2, 3]] = 50  # late but within the hour: still counted for the slot's arm
    posts = execute(plan, past, seed=31, keep=keep, shift_minutes=shift)
    extra = posts.iloc[[-1]].assign(post_id="off1",
                                    published=posts["published"].iloc[-1] + pd.Timedelta(hours=3))
    posts = pd.concat([posts, extra], ignore_index=True)
    result = evaluate(plan, posts, resamples=500)
    assert result.adherence == {"slots": n, "kept": n - 3, "missed": 3, "off_plan": 1,
                                "pending": 0}
    assert sum(a.n for a in result.arms) == n - 3
    late = result.slots.iloc[[2, 3]]
    assert (late["status"] == "kept").all() and late["residual"].notna().all()
    assert result.slots.iloc[[1, 5, 9]]["status"].eq("missed").all()
    data = result.to_dict()
    assert set(data) >= {"plan_id", "adherence", "arms", "headline"}
    assert {"window", "role", "n", "lift", "low", "high", "p", "verdict"} <= set(data["arms"][0])


def test_evaluate_marks_an_unfinished_plan_interim(past, analysis):
    plan = _plan(past, analysis)
    posts = execute(plan, past, seed=32)
    half = plan.slots["time"].iloc[len(plan.slots) // 2].astimezone(dt.timezone.utc)
    cut = pd.Timestamp(half)
    posts = posts[posts["published"] < cut].assign(as_of=cut)
    result = evaluate(plan, posts, resamples=200)
    assert result.interim and result.adherence["pending"] > 0
    assert result.headline.startswith("Interim")


def test_evaluate_of_another_page_or_no_posts_is_an_error(past, analysis):
    plan = _plan(past, analysis)
    with pytest.raises(UsageError, match="the plan is for page"):
        evaluate(plan, past.assign(page_id="42"))
    with pytest.raises(NoDataError, match="no posts published since"):
        evaluate(plan, past)
    with pytest.raises(UsageError, match="--tolerance"):
        evaluate(plan, past, tolerance=150)


def test_a_plan_file_must_be_a_plan():
    with pytest.raises(UsageError, match="not a posttime plan"):
        plan_from_dict({"windows": []})
    with pytest.raises(UsageError, match="not a valid posttime plan"):
        plan_from_dict({"plan_id": "x", "page": "p", "timezone": TZ, "start": "2026-01-05",
                        "weeks": 1, "posts_per_week": 2, "seed": 1, "arms": [], "slots": []})


# --- the commands


def test_plan_help_and_evaluate_help():
    for name in ("plan", "evaluate"):
        out = runner.invoke(app, [name, "--help"])
        assert out.exit_code == 0 and "Usage" in out.output


def test_plan_command_on_the_sample_writes_json_and_ics(tmp_path):
    target = tmp_path / "plan.json"
    args = ["plan", "--sample", "--weeks", "4", "--posts-per-week", "4", "--start",
            "2026-12-07", "--seed", "9"]
    out = runner.invoke(app, [*args, "--format", "json", "--output", str(target)])
    assert out.exit_code == 0, out.output
    data = json.loads(target.read_text())
    assert data["page"] == "Sample Bakery" and data["start"] == "2026-12-07"
    assert len(data["slots"]) == 16
    again = runner.invoke(app, [*args, "--format", "json"])
    assert again.stdout == target.read_text()
    ics = runner.invoke(app, [*args, "--format", "ics"])
    assert ics.exit_code == 0 and ics.stdout.count("BEGIN:VEVENT") == 16


@pytest.mark.parametrize(("extra", "message"), [
    (["--arms", "Wed 12-14"], "overlaps the control"),
    (["--arms", "Tue evening"], "unknown window"),
    (["--format", "pdf"], "unknown format"),
    (["--start", "07/12/2026"], "--start takes a date"),
])
def test_plan_command_bad_input_is_one_error_line(extra, message):
    out = runner.invoke(app, ["plan", "--sample", "--weeks", "4", "--posts-per-week", "4",
                              *extra])
    assert out.exit_code == 2
    assert out.stderr.startswith("Error:") and message in out.stderr
    assert out.stderr.count("\n") == 1 and out.stdout == ""


@pytest.fixture(scope="module")
def executed_files(tmp_path_factory, past, analysis):
    folder = tmp_path_factory.mktemp("experiment")
    plan = _plan(past, analysis)
    (folder / "plan.json").write_text(json.dumps(plan.to_dict()))
    lift = np.where(plan.slots["arm"] == 0, 2.0, 1.0)
    write_business_suite(execute(plan, past, seed=41, lift=lift), folder / "export.csv")
    return folder


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_evaluate_command_reads_the_plan_and_the_export(executed_files, fmt):
    out = runner.invoke(app, ["evaluate", str(executed_files / "plan.json"),
                              str(executed_files / "export.csv"), "--format", fmt])
    assert out.exit_code == 0, out.output
    if fmt == "json":
        data = json.loads(out.stdout)
        assert data["adherence"]["kept"] == 48 and data["adherence"]["off_plan"] == 0
        assert [a["window"] for a in data["arms"]] == ["weekdays 18-20", "Sat-Sun 11-14",
                                                        "weekdays 10-14"]
        assert data["arms"][0]["lift"] > 1.3
    else:
        assert "weekdays 18-20" in out.stdout and "causal" in out.stdout


def test_evaluate_command_bad_plan_file(executed_files, tmp_path):
    export = str(executed_files / "export.csv")
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    out = runner.invoke(app, ["evaluate", str(bad), export])
    assert out.exit_code == 2 and "not a posttime plan" in out.stderr
    other = json.loads((executed_files / "plan.json").read_text())
    other["page_id"] = "123"
    (tmp_path / "other.json").write_text(json.dumps(other))
    out = runner.invoke(app, ["evaluate", str(tmp_path / "other.json"), export])
    assert out.exit_code == 2 and "the plan is for page" in out.stderr
    out = runner.invoke(app, ["evaluate", str(tmp_path / "missing.json"), export])
    assert out.exit_code == 2 and "cannot read plan file" in out.stderr


def test_evaluate_command_with_no_posts_after_the_start_exits_1(executed_files, tmp_path):
    data = json.loads((executed_files / "plan.json").read_text())
    (tmp_path / "later.json").write_text(json.dumps(data | {"start": "2027-01-04"}))
    out = runner.invoke(app, ["evaluate", str(tmp_path / "later.json"),
                              str(executed_files / "export.csv")])
    assert out.exit_code == 1 and out.stderr.startswith("Error: the exports hold no posts")


@needs_real_exports
def test_plan_on_a_real_export():
    from conftest import REAL_EXPORTS

    export = REAL_EXPORTS / "business-suite" / "Sep-01-2025_Sep-30-2025_2855862537940540.csv"
    out = runner.invoke(app, ["plan", str(export), "--weeks", "8", "--posts-per-week", "4",
                              "--start", "2025-10-06", "--tz", "America/New_York",
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["page"] == "PC Merchandise" and len(data["slots"]) == 32
    assert data["detectable_lift"] > 1


def test_plan_and_evaluate_read_the_history_store(tmp_path, executed_files):
    db = str(tmp_path / "history.sqlite")
    assert runner.invoke(app, ["ingest", str(executed_files / "export.csv"), "--db", db]
                         ).exit_code == 0
    out = runner.invoke(app, ["plan", "--db", db, "--weeks", "2", "--posts-per-week", "3",
                              "--start", "2026-06-01", "--tz", TZ, "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert len(out.stdout.splitlines()) == 1 + 6
    out = runner.invoke(app, ["evaluate", str(executed_files / "plan.json"), "--db", db,
                              "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["adherence"]["kept"] == 48
