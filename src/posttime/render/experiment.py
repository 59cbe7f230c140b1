"""Rendering a posting experiment: the plan as JSON, Markdown, CSV or an iCalendar file, and
its evaluation as a terminal table, JSON or Markdown."""

from __future__ import annotations

import csv
import datetime as dt
import io

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from posttime.experiment import CAUSAL_NOTE, Evaluation, Plan
from posttime.jsonout import to_json
from posttime.render.text import (
    VERDICT_STYLES,
    fmt_lift,
    fmt_p,
    rich_to_text,
    safe_markdown,
    strip_controls,
)

HOW_TO = (
    "How to run it: before each week starts, write that week's posts and number them 1 to "
    "{k} in the order you wrote them, without looking at the calendar. Then publish post 1 "
    "in the slot marked 'post 1', post 2 in 'post 2', and so on, within an hour of the slot's "
    "time. Do not move a post because it suits another slot better: that choice is what the "
    "experiment takes out of your hands. A missed slot is fine; evaluate counts it."
)


def _what_it_finds(plan: Plan) -> str:
    parts = []
    if plan.detectable_lift is not None:
        parts.append(f"With these slots the plan finds a lift of {plan.detectable_lift:.2f}x "
                     "or more 80% of the time (from your page's own spread of results).")
    else:
        parts.append("Your page's history is too short to say what lift this plan can find.")
    if plan.weeks_for_1_25 is not None:
        parts.append(f"A 1.25x lift needs {plan.weeks_for_1_25} weeks of "
                     f"{plan.posts_per_week} posts.")
    else:
        parts.append("A 1.25x lift needs more than five years of these posts.")
    return " ".join([*parts, *plan.notes])


def _local(time: dt.datetime) -> str:
    return f"{time:%a} {time:%Y-%m-%d} {time:%H:%M}"


def plan_json(plan: Plan) -> str:
    return to_json(plan.to_dict())


def plan_markdown(plan: Plan) -> str:
    page = safe_markdown(plan.page or "your page")
    lines = [
        f"# Posting experiment for {page}",
        "",
        f"Plan {plan.plan_id}: {plan.weeks} weeks from {plan.start:%a %Y-%m-%d}, "
        f"{plan.posts_per_week} posts a week, times in {plan.timezone} (seed {plan.seed}).",
        "",
        "| Arm | Role |",
        "|---|---|",
        *(f"| {arm.label} | {arm.role} |" for arm in plan.arms),
        "",
        _what_it_finds(plan),
        "",
        HOW_TO.format(k=plan.posts_per_week),
        "",
    ]
    for week, slots in plan.slots.groupby("week", sort=True):
        lines += [f"## Week {week + 1}", "", "| When | Post | Window |", "|---|---|---|"]
        lines += [f"| {_local(s.time)} | post {s.post} | {plan.arms[s.arm].label} |"
                  for s in slots.itertuples()]
        lines.append("")
    return "\n".join(lines)


def plan_csv(plan: Plan) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["time", "weekday", "date", "local_time", "week", "post", "window", "role"])
    for s in plan.slots.itertuples():
        arm = plan.arms[s.arm]
        writer.writerow([s.time.isoformat(), f"{s.time:%a}", f"{s.time:%Y-%m-%d}",
                         f"{s.time:%H:%M}", s.week + 1, s.post, arm.label, arm.role])
    return buffer.getvalue()


def _ics_text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 section 3.3.11 asks."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 section 3.1), never inside a character."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with a space
        if len((current + char).encode()) > limit:
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def _utc(time: dt.datetime) -> str:
    return time.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def plan_ics(plan: Plan) -> str:
    """One VEVENT per slot, times in UTC (every calendar shows them in its own zone), a
    15-minute event with an alarm at the slot's time."""
    stamp = dt.datetime.combine(plan.start, dt.time(), tzinfo=dt.timezone.utc)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//posttime//posting experiment//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_ics_text('posttime experiment ' + plan.plan_id)}"]
    how = HOW_TO.format(k=plan.posts_per_week)
    for s in plan.slots.itertuples():
        arm = plan.arms[s.arm]
        summary = f"Post {s.post} of week {s.week + 1} ({arm.label})"
        page = strip_controls(plan.page or "your page")
        description = (f"posttime plan {plan.plan_id} for {page}: publish "
                       f"this week's post {s.post} now ({arm.role} arm {arm.label}).\n\n{how}")
        lines += [
            "BEGIN:VEVENT",
            f"UID:{plan.plan_id}-w{s.week + 1}-p{s.post}@posttime",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART:{_utc(s.time)}",
            "DURATION:PT15M",
            f"SUMMARY:{_ics_text(summary)}",
            f"DESCRIPTION:{_ics_text(description)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _adherence(result: Evaluation) -> str:
    a = result.adherence
    return (f"Slots: {a['slots']}; kept {a['kept']}, missed {a['missed']}, "
            f"still to come {a['pending']}; posts off plan: {a['off_plan']} "
            f"(matched within {result.tolerance} minutes; analysed as assigned).")


def _interval(arm) -> str:
    return "-" if arm.low is None else f"{arm.low:.2f}-{arm.high:.2f}"


def evaluation_view(result: Evaluation) -> Group:
    plan = result.plan
    table = Table(title="Arms against the control", title_justify="left", box=box.SIMPLE_HEAD)
    for name, justify in (("Window", "left"), ("Posts", "right"), ("Lift", "right"),
                          ("90% CI", "center"), ("p", "right"), ("Holm p", "right"),
                          ("Verdict", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for arm in result.arms:
        verdict = arm.verdict or "(control)"
        table.add_row(arm.window, str(arm.n), fmt_lift(arm.lift), _interval(arm),
                      fmt_p(arm.p), fmt_p(arm.p_holm),
                      Text(verdict, style=VERDICT_STYLES.get(verdict, "dim")))
    return Group(
        Text.assemble(("posttime", "bold"), f" · plan {plan.plan_id} · {plan.page or 'page'} · "
                      f"{plan.start:%Y-%m-%d} to {plan.end:%Y-%m-%d} · {plan.metric} · "
                      f"times in {plan.timezone}"),
        Text(""), Text(result.headline, style="bold"), Text(""), Text(_adherence(result)),
        table,
        Text(f"p: share of {result.resamples:,} re-drawn assignments with a difference as "
             "large; Holm-corrected over the arms at 0.05.", style="dim"),
        Text(CAUSAL_NOTE, style="dim"),
    )


def evaluation_table(result: Evaluation, *, console=None) -> str:
    """The terminal report as text: through ``console`` (a terminal's colours and width),
    or plain at 100 columns (for --output or a pipe)."""
    return rich_to_text(evaluation_view(result), console, width=100)


def evaluation_json(result: Evaluation) -> str:
    return to_json(result.to_dict())


def evaluation_markdown(result: Evaluation) -> str:
    plan = result.plan
    lines = [
        f"# Posting experiment {plan.plan_id}: {safe_markdown(plan.page or 'page')}",
        "",
        f"{plan.start:%Y-%m-%d} to {plan.end:%Y-%m-%d}, {plan.metric}, times in "
        f"{plan.timezone}.",
        "",
        f"**{result.headline}**",
        "",
        _adherence(result),
        "",
        "| Window | Role | Posts | Lift | 90% CI | p | p (Holm) | Verdict |",
        "|---|---|---:|---:|:---:|---:|---:|---|",
    ]
    lines += [f"| {a.window} | {a.role} | {a.n} | {fmt_lift(a.lift)} | {_interval(a)} | "
              f"{fmt_p(a.p)} | {fmt_p(a.p_holm)} | {a.verdict or '-'} |" for a in result.arms]
    lines += ["", f"p: share of {result.resamples:,} re-drawn assignments with a difference as "
              "large; Holm-corrected over the arms at 0.05.", "", CAUSAL_NOTE, ""]
    return "\n".join(lines)
