"""A posting plan kept in the history store, and its progress in the weekly summary."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
from executed import TZ, execute, history
from test_history import run_with_read_only_folder
from typer.testing import CliRunner

from posttime.analysis import AnalysisOptions
from posttime.cli import app
from posttime.experiment import evaluate, make_plan, plan_from_dict
from posttime.history import HistoryStore, ingest_sources
from posttime.history.store import StoreBusyError
from posttime.render import Format, render
from posttime.simulate import write_business_suite
from posttime.weekly import build_weekly

START = dt.date(2026, 1, 5)
PLAN_ARGS = ["--weeks", "8", "--posts-per-week", "6", "--start", START.isoformat(),
             "--arms", "weekdays 18-20,Sat-Sun 11-14", "--seed", "3", "--tz", TZ]
#: the plan's third week ends on Sunday 2026-01-25; its last week on Sunday 2026-03-01.
MID_WEEK, LAST_WEEK = "2026-W04", "2026-W09"
runner = CliRunner()


@pytest.fixture(scope="module")
def page():
    """A page's history, a plan of 8 weeks from START, and the page's posts with the plan
    kept: the first candidate arm planted at 3x, beyond the 2.35x it can detect."""
    past = history(11, n_posts=900)
    plan = make_plan(past, AnalysisOptions(timezone=TZ), weeks=8, per_week=6, start=START,
                     arms="weekdays 18-20,Sat-Sun 11-14", seed=3, page="Synthetic page")
    posts = execute(plan, past, seed=41, lift=np.where(plan.slots["arm"] == 0, 3.0, 1.0))
    return plan, posts


@pytest.fixture(scope="module")
def store(tmp_path_factory, page):
    """A history store holding the executed page (no plan yet) in its own folder."""
    folder = tmp_path_factory.mktemp("store")
    export = folder / "export.csv"
    write_business_suite(page[1], export)
    db = folder / "history.sqlite"
    with HistoryStore(db) as opened:
        assert not ingest_sources(opened, [export]).bad
    export.unlink()
    return db


def _slots_before(plan, day: dt.date) -> int:
    end = dt.datetime.combine(day, dt.time(), tzinfo=plan.slots["time"].iloc[0].tzinfo)
    return int((plan.slots["time"] < end).sum())


def test_a_plan_is_saved_once_and_read_back(tmp_path, store, page):
    plan, _ = page
    db = tmp_path / "copy.sqlite"
    db.write_bytes(store.read_bytes())
    with HistoryStore(db, create=False) as opened:
        assert opened.plans() == [] and opened.plan(plan.plan_id) is None  # no table yet
    with HistoryStore(db) as opened:
        assert opened.save_plan(plan.to_dict()) is True
        assert opened.save_plan(plan.to_dict()) is False
    with HistoryStore(db, create=False) as opened:
        assert opened.plans() == [plan.to_dict()]
        assert opened.plans(plan.page_id) == [plan.to_dict()] and opened.plans("42") == []
        again = plan_from_dict(opened.plan(plan.plan_id))
    assert again.plan_id == plan.plan_id
    assert (again.slots["time"] == plan.slots["time"]).all()
    rows = sqlite3.connect(db).execute("SELECT plan_id, page_id, page_name, start, weeks "
                                       "FROM plans").fetchall()
    assert rows == [(plan.plan_id, plan.page_id, "Synthetic page", "2026-01-05", 8)]


def test_weekly_mid_plan_shows_the_interim_look_and_no_verdict(page):
    plan, posts = page
    report = build_weekly(posts, week=MID_WEEK, timezone=TZ, plans=[plan])
    progress = report.experiment
    assert progress.plan is plan and progress.weeks_done == 3 and progress.interim
    kept = _slots_before(plan, dt.date(2026, 1, 26))
    assert kept == 18
    assert progress.evaluation.adherence == {"slots": 48, "kept": kept, "missed": 0,
                                             "off_plan": 0, "pending": 48 - kept}
    until = pd.Timestamp("2026-01-26", tz=TZ)
    expected = evaluate(plan, posts[posts["published"] < until], until=until)
    assert [a.lift for a in progress.evaluation.arms] == [a.lift for a in expected.arms]
    data = report.to_dict()["experiment"]
    assert data["interim"] is True and data["weeks_done"] == 3 and data["end"] == "2026-03-01"
    assert [a["verdict"] for a in data["arms"]] == [None, None, None]
    assert data["arms"][0]["lift"] == pytest.approx(expected.arms[0].lift, abs=1e-4)
    assert data["arms"][0]["low"] < data["arms"][0]["lift"] < data["arms"][0]["high"]
    for fmt in (Format.markdown, Format.text, Format.html):
        text = render(report, fmt)
        section = text[text.index("Posting experiment"):]
        assert f"Plan {plan.plan_id}" in section and "3 of 8 weeks done" in section
        assert f"slots kept {kept}, missed 0, still to come {48 - kept}" in section
        assert section.count("interim") >= 2 and "Interim look" in section
        assert not any(word in section for word in ("better", "worse", "no-difference"))


def test_weekly_after_the_plan_shows_the_final_verdicts(page):
    plan, posts = page
    report = build_weekly(posts, week=LAST_WEEK, timezone=TZ, plans=[plan])
    progress = report.experiment
    assert progress.weeks_done == 8 and not progress.interim
    final = evaluate(plan, posts)
    assert progress.evaluation.adherence == final.adherence
    assert final.adherence["kept"] == 48 and final.adherence["pending"] == 0
    verdicts = [a["verdict"] for a in report.to_dict()["experiment"]["arms"]]
    assert verdicts == [a.verdict for a in final.arms]
    assert verdicts[0] == "better" and verdicts[-1] is None
    markdown = render(report, Format.markdown)
    section = markdown[markdown.index("## Posting experiment"):]
    assert "| weekdays 18-20 | candidate | 16 |" in section and "| better |" in section
    assert "interim" not in section.lower() and final.headline in section
    assert "causal" in section


def test_weekly_without_a_started_plan_has_no_experiment(page):
    plan, posts = page
    before = build_weekly(posts, week="2026-W01", timezone=TZ, plans=[plan])
    assert before.experiment is None and before.to_dict()["experiment"] is None
    assert "Posting experiment" not in render(before, Format.markdown)
    other = build_weekly(posts, week=MID_WEEK, timezone=TZ,
                         plans=[plan_from_dict(plan.to_dict() | {"page_id": "42"})])
    assert other.experiment is None


def test_plan_saves_in_the_store_and_weekly_reads_it_read_only(tmp_path, store, page):
    plan, _ = page
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "history.sqlite"
    db.write_bytes(store.read_bytes())
    out = runner.invoke(app, ["plan", "--db", str(db), *PLAN_ARGS, "--format", "json"])
    assert out.exit_code == 0, out.output
    saved = json.loads(out.stdout)
    assert saved["slots"] == plan.to_dict()["slots"]
    assert out.stderr.startswith(f"Saved plan {saved['plan_id']} in the history store")
    with HistoryStore(db, create=False) as opened:
        assert opened.plans() == [saved]
    weekly = run_with_read_only_folder(folder, "weekly", "--db", db, "--week", MID_WEEK,
                                       "--tz", TZ, "-f", "json")
    assert weekly.returncode == 0, weekly.stderr
    progress = json.loads(weekly.stdout)["experiment"]
    assert progress["plan_id"] == saved["plan_id"] and progress["interim"] is True
    assert progress["adherence"]["kept"] == _slots_before(plan, dt.date(2026, 1, 26))
    agency = runner.invoke(app, ["weekly", "--db", str(db), "--all-pages", "--week", MID_WEEK,
                                 "--tz", TZ, "-f", "json"])
    assert agency.exit_code == 0, agency.output
    assert json.loads(agency.stdout)["pages"][0]["experiment"] == progress
    by_id = runner.invoke(app, ["evaluate", saved["plan_id"], "--db", str(db), "-f", "json"])
    assert by_id.exit_code == 0, by_id.output
    assert json.loads(by_id.stdout)["adherence"]["kept"] == 48
    missing = runner.invoke(app, ["evaluate", "0123456789ab", "--db", str(db)])
    assert missing.exit_code == 2 and "holds no plan 0123456789ab" in missing.stderr


def test_a_store_without_plans_still_gives_the_weekly_report(store):
    before = store.read_bytes()
    out = runner.invoke(app, ["weekly", "--db", str(store), "--week", MID_WEEK, "--tz", TZ,
                              "-f", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["experiment"] is None
    assert store.read_bytes() == before


def test_plan_from_exports_is_saved_only_in_a_named_store(tmp_path, store, page, monkeypatch):
    _, posts = page
    export = tmp_path / "export.csv"
    write_business_suite(posts, export)
    monkeypatch.delenv("POSTTIME_DB", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    out = runner.invoke(app, ["plan", str(export), *PLAN_ARGS, "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert "Saved" not in out.stderr and not (tmp_path / "config").exists()
    db = tmp_path / "named.sqlite"
    db.write_bytes(store.read_bytes())
    out = runner.invoke(app, ["plan", str(export), *PLAN_ARGS, "--format", "csv"],
                        env={"POSTTIME_DB": str(db)})
    assert out.exit_code == 0 and out.stderr.startswith("Saved plan")
    with HistoryStore(db, create=False) as opened:
        assert len(opened.plans()) == 1


def test_a_store_that_cannot_take_the_plan_gets_a_warning(tmp_path, store, monkeypatch):
    db = tmp_path / "busy.sqlite"
    db.write_bytes(store.read_bytes())

    def busy(self, plan):
        raise StoreBusyError(f"history store {self.path} is busy")

    monkeypatch.setattr(HistoryStore, "save_plan", busy)
    out = runner.invoke(app, ["plan", "--db", str(db), *PLAN_ARGS, "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["weeks"] == 8
    assert out.stderr == ("Warning: the plan was not saved in the history store, so `posttime "
                          f"weekly` will not show it: history store {db} is busy\n")
