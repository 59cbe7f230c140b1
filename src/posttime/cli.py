"""The command line: parse options, call the core, render, map errors to exit codes.

Heavy libraries (pandas, scipy, rich) are imported inside the commands so that
``posttime --help`` starts fast.
"""

import functools
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer

from posttime import __version__
from posttime.errors import ExitCode, PosttimeError, UsageError

F = TypeVar("F", bound=Callable)

app = typer.Typer(
    name="posttime",
    help="When should I post on Facebook? Tested posting windows from your page exports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"posttime {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """When should I post on Facebook? Tested posting windows from your page exports."""
    if hasattr(signal, "SIGPIPE"):
        # `posttime analyze x.csv | head` must end quietly, not with a BrokenPipeError.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def error_line(exc: Exception) -> str:
    """The one ``Error:`` line of an error, with no control characters from the input."""
    from posttime.render.text import one_line

    return f"Error: {one_line(str(exc))}"


def handle_errors(func: F) -> F:
    """Turn a PosttimeError into one ``Error:`` line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PosttimeError as exc:
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(int(ExitCode.FAILURE)) from None

    return wrapper  # type: ignore[return-value]


# Options shared by the commands that read exports.
FILES_ARGUMENT = typer.Argument(
    None, help="Export files (CSV) from Meta Business Suite or Page Insights; several files "
    "of one page are merged.", show_default=False,
)
SAMPLE_OPTION = typer.Option(False, "--sample", help="Use the bundled sample export.")
TZ_OPTION = typer.Option(
    None, "--tz", envvar="POSTTIME_TZ", show_default="this machine's zone",
    help="Your audience's time zone (IANA name, e.g. Europe/Berlin): weekdays and hours are "
    "counted in it.",
)
EXPORT_TZ_OPTION = typer.Option(
    None, "--export-tz", envvar="POSTTIME_EXPORT_TZ", show_default="America/Los_Angeles",
    help="The zone the export's times are written in (Facebook writes Pacific time).",
)
MAP_OPTION = typer.Option(
    None, "--map", metavar="KEY=COLUMN,...",
    help="Column mapping for CSVs from other tools, e.g. "
    "time=Created,interactions=Engagements,type=Kind.",
)
PAGE_OPTION = typer.Option(
    None, "--page", help="Page name or id, when the input holds several pages."
)
METRIC_OPTION = typer.Option(
    "interactions", "--metric", "-m",
    help="What 'doing well' means: interactions, clicks, reach, engagement-rate or views.",
)
GRAIN_OPTION = typer.Option(
    "auto", "--grain",
    help="Window size: 2h (two-hour blocks), daypart (five parts of the day) or auto "
    "(2h from 800 posts on).",
)
TYPE_OPTION = typer.Option(
    None, "--type", help="Only posts of one type: photo, video, reel, link, text, other."
)
SINCE_OPTION = typer.Option(None, "--since", help="First day to include (YYYY-MM-DD).")
UNTIL_OPTION = typer.Option(None, "--until", help="Last day to include (YYYY-MM-DD).")
INCLUDE_PAID_OPTION = typer.Option(
    False, "--include-paid", help="Keep boosted (paid) posts; they are left out by default."
)
OUTPUT_OPTION = typer.Option(
    None, "--output", "-o", help="Write the report to this file (atomically) instead of "
    "stdout; - means stdout."
)
SEED_OPTION = typer.Option(
    20240601, "--seed", help="Seed of the permutation tests; the same seed gives the same output."
)


def resolve_tz(tz: str | None, sample: bool = False) -> str:
    """The audience zone: --tz / POSTTIME_TZ, else the sample page's zone with --sample,
    else this machine's zone; checked."""
    from posttime.timezones import get_zone, system_zone_name

    if tz is None and sample:
        from posttime.samples import AUDIENCE_TZ

        tz = AUDIENCE_TZ
    name = tz or system_zone_name()
    get_zone(name, option="--tz")
    return name


def resolve_export_tz(export_tz: str | None) -> str:
    """The export zone: --export-tz / POSTTIME_EXPORT_TZ, else Facebook's Pacific time;
    checked."""
    from posttime.timezones import DEFAULT_EXPORT_TZ, get_zone

    name = export_tz or DEFAULT_EXPORT_TZ
    get_zone(name, option="--export-tz")
    return name


def load_inputs(files: list[Path] | None, sample: bool, export_tz: str | None,
                mapping_spec: str | None):
    """Load the export files named on the command line (or the bundled sample)."""
    from posttime.loaders import load_exports
    from posttime.loaders.mapped import parse_mapping

    if sample and files:
        raise UsageError("give export files or --sample, not both")
    if sample:
        from posttime.samples import sample_paths

        files = sample_paths()
    if not files:
        raise UsageError("name one or more export files (CSV), or try --sample")
    return load_exports(files, export_tz=resolve_export_tz(export_tz),
                        mapping=parse_mapping(mapping_spec))


def choose_format(value: str | None, command: str, output: Path | None = None):
    """The Format of a --format value of ``command``, or a UsageError listing the choices.
    Without --format, an --output file's extension decides (none: the command's default)."""
    from posttime.render import COMMAND_FORMATS, EXTENSIONS

    formats = COMMAND_FORMATS[command]
    if value is None:
        suffix = output.suffix.lower() if output is not None and str(output) != "-" else ""
        if not suffix:
            return formats[0]
        fitting = [f for f in EXTENSIONS.get(suffix, ()) if f in formats]
        if not fitting:
            names = ", ".join(sorted(e for e, fs in EXTENSIONS.items()
                                     if any(f in formats for f in fs)))
            raise UsageError(f"{command} cannot write a {suffix} file ({output}); name it "
                             f"{names}, or give --format")
        return fitting[0]
    chosen = next((f for f in formats if f.value == value.lower()), None)
    if chosen is None:
        names = ", ".join(f.value for f in formats)
        raise UsageError(f"unknown format {value!r} for --format; choose one of: {names}")
    return chosen


def show(result, fmt, output: Path | None, **options) -> None:
    """Render ``result`` as ``fmt``: to stdout (a table in the terminal's colours and
    width), or atomically to --output."""
    from posttime.render import Format, render

    if (output is None or str(output) == "-") and fmt is Format.table:
        from posttime.render.console import stdout_console

        options["console"] = stdout_console()
    emit(render(result, fmt, **options), output)


def emit(text: str, output: Path | None) -> None:
    """Data to stdout (also for ``--output -``), or atomically to --output (with a note on
    stderr)."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        return
    from posttime.output import write_atomic

    write_atomic(output, text)
    typer.echo(f"Wrote {output}", err=True)


def analysis_options(*, metric: str, tz: str | None, sample: bool, export_timezone: str,
                     grain: str, post_type: str | None, since: str | None, until: str | None,
                     include_paid: bool, seed: int):
    """The AnalysisOptions that analyze and compare build from their shared options."""
    from posttime.analysis import AnalysisOptions

    return AnalysisOptions(
        metric=metric, timezone=resolve_tz(tz, sample), export_timezone=export_timezone,
        grain=grain, post_type=post_type, since=parse_day(since, "--since"),
        until=parse_day(until, "--until"), include_paid=include_paid, seed=seed,
    )


def parse_day(value: str | None, option: str):
    """A YYYY-MM-DD option value as a Timestamp, or a UsageError naming the option."""
    if value is None:
        return None
    import pandas as pd

    try:
        return pd.Timestamp(value).normalize()
    except ValueError:
        raise UsageError(f"{option} takes a date like 2025-01-31, not {value!r}") from None


@app.command()
@handle_errors
def analyze(
    files: list[Path] = FILES_ARGUMENT,
    sample: bool = SAMPLE_OPTION,
    tz: str | None = TZ_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    page: str | None = PAGE_OPTION,
    metric: str = METRIC_OPTION,
    post_type: str | None = TYPE_OPTION,
    by_type: bool = typer.Option(
        False, "--by-type", help="Best windows per post type, each tested on its own posts."
    ),
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    grain: str = GRAIN_OPTION,
    include_paid: bool = INCLUDE_PAID_OPTION,
    top: int = typer.Option(10, "--top", min=1, help="How many ranked windows to show."),
    fmt: str | None = typer.Option(
        None, "--format", "-f", show_default="table, or from the --output extension",
        help="Output format: table, json, csv, markdown, html or svg.",
    ),
    output: Path | None = OUTPUT_OPTION,
    seed: int = SEED_OPTION,
) -> None:
    """Rank and test posting windows against the usual advice (weekdays 10-14).

    Prints a headline, the ranked windows with how sure each result is, a weekday x hour
    heatmap, the five claims of the usual advice, and what was left out.
    """
    from posttime.analysis import ByTypeResult, analyze_by_type
    from posttime.analysis import analyze as run_analysis
    from posttime.loaders import select_page

    chosen = choose_format(fmt, "analyze", output)
    loaded = load_inputs(files, sample, export_tz, mapping)
    loaded.require_posts()
    posts = select_page(loaded.posts, page)
    options = analysis_options(
        metric=metric, tz=tz, sample=sample, export_timezone=loaded.export_timezone,
        grain=grain, post_type=post_type, since=since, until=until,
        include_paid=include_paid, seed=seed,
    )
    name = str(posts["page_name"].iloc[0]) if len(posts) else None
    if by_type:
        result = ByTypeResult(analyze_by_type(posts, options, page=name, dropped=loaded.dropped))
    else:
        result = run_analysis(posts, options, page=name, dropped=loaded.dropped)
    show(result, chosen, output, top=top)


@app.command("inspect")
@handle_errors
def inspect_command(
    files: list[Path] = FILES_ARGUMENT,
    sample: bool = SAMPLE_OPTION,
    tz: str | None = TZ_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
) -> None:
    """Show what posttime finds in export files, before any analysis.

    Per file the format and rows read; then the pages, the posts after merging, the first
    and last post (in the audience zone), both time zones, the columns read, rows dropped
    and why, duplicates merged and clock changes. Page-level files are listed too.
    """
    from posttime.render.console import talk
    from posttime.render.inspect import InspectReport

    chosen = choose_format(fmt, "inspect")
    timezone = resolve_tz(tz, sample)
    report = InspectReport(load_inputs(files, sample, export_tz, mapping), timezone)
    for note in report.notes():
        talk(note)
    show(report, chosen, None)


DB_OPTION = typer.Option(
    None, "--db", envvar="POSTTIME_DB", show_default="history.sqlite in posttime's app folder",
    help="The history store (an SQLite file), created on first use.",
)
SOURCES_ARGUMENT = typer.Argument(
    ..., help="Export files, or folders of exports (their .csv files).", show_default=False,
    metavar="FILE_OR_DIR",
)
WEEKLY_SOURCES_ARGUMENT = typer.Argument(
    None, help="Exports to ingest first (files or folders of .csv files); optional.",
    show_default=False, metavar="FILE_OR_DIR",
)


@app.command()
@handle_errors
def ingest(
    sources: list[Path] = SOURCES_ARGUMENT,
    db: Path | None = DB_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
) -> None:
    """Add exports to the history store, keeping the newest figures of every post.

    A file already in the store (same content) changes nothing, so a cron job can ingest
    the same folder again and again. Each file goes in whole or not at all; a bad file is
    reported and the others still go in (exit code 2). Page-level files are skipped.
    """
    from posttime.history import HistoryStore
    from posttime.loaders.mapped import parse_mapping
    from posttime.render.history import IngestProgress, print_ingest

    zone = resolve_export_tz(export_tz)
    columns = parse_mapping(mapping)
    with HistoryStore(db) as store, IngestProgress() as progress:
        report = store.ingest(sources, export_tz=zone, mapping=columns, progress=progress)
        summary = store.summary()
    print_ingest(report, summary)
    if report.bad:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


@app.command()
@handle_errors
def history(
    db: Path | None = DB_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
) -> None:
    """Show what the history store holds: pages, posts, dates and the files ingested."""
    from posttime.history import HistoryStore

    chosen = choose_format(fmt, "history")
    with HistoryStore(db, create=False) as store:
        summary = store.summary()
    show(summary, chosen, None)


@app.command()
@handle_errors
def weekly(
    sources: list[Path] | None = WEEKLY_SOURCES_ARGUMENT,
    db: Path | None = DB_OPTION,
    week: str | None = typer.Option(
        None, "--week", metavar="YYYY-Www", show_default="the last complete week",
        help="ISO week to summarise, e.g. 2025-W07 (weeks start on Monday, audience zone).",
    ),
    page: str | None = PAGE_OPTION,
    tz: str | None = TZ_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    fmt: str | None = typer.Option(
        None, "--format", "-f", show_default="markdown, or from the --output extension",
        help="Output format: markdown, text, json or html.",
    ),
    output: Path | None = OUTPUT_OPTION,
) -> None:
    """Summarise a week from the history store (ingesting any exports given first).

    Each post of the week against what the page's history expects for its time and type,
    the week against the previous four weeks and the whole history, the recommended windows
    and how they changed, and one window to try next week. Made for cron, e.g.
    `posttime weekly ~/exports --output ~/reports/week.md` every Monday morning.
    """
    from posttime.errors import NoDataError
    from posttime.history import HistoryStore
    from posttime.loaders import select_page
    from posttime.loaders.mapped import parse_mapping
    from posttime.render.history import IngestProgress, print_ingest
    from posttime.weekly import build_weekly, parse_week

    chosen = choose_format(fmt, "weekly", output)
    timezone = resolve_tz(tz)
    label = parse_week(week) if week is not None else None
    zone = resolve_export_tz(export_tz)
    columns = parse_mapping(mapping)
    bad = False
    try:
        with HistoryStore(db, create=bool(sources)) as store:
            if sources:
                with IngestProgress() as progress:
                    ingested = store.ingest(sources, export_tz=zone, mapping=columns,
                                            progress=progress)
                print_ingest(ingested)
                bad = bool(ingested.bad)
            pages = store.pages()
            if pages.empty:
                raise NoDataError(f"the history store {store.path} holds no posts yet; "
                                  "ingest exports first")
            chosen_page = select_page(pages, page, where=f"the history store {store.path}").iloc[0]
            posts = store.posts(chosen_page["page_id"])
            zones = ", ".join(store.export_zones(chosen_page["page_id"])) or zone
        report = build_weekly(posts, week=label, timezone=timezone, export_timezone=zones,
                              page=str(chosen_page["page_name"]))
    except NoDataError as exc:
        if bad:  # a bad input file outranks an empty week
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
        raise
    show(report, chosen, output)
    if bad:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


COMPARE_ARGUMENT = typer.Argument(
    None, metavar="A B", show_default=False,
    help="Page A and page B: each an export file, a folder whose CSV files are all exports "
    "of that one page, or the name or id of a page in the history store. With --pages: any "
    "export files holding both pages.",
)

COMPARE_DB_OPTION = typer.Option(
    None, "--db", envvar="POSTTIME_DB", show_default="history.sqlite in posttime's app folder",
    help="The history store that page names are looked up in (see `posttime ingest`).",
)


@app.command()
@handle_errors
def compare(
    inputs: list[Path] = COMPARE_ARGUMENT,
    pages: tuple[str, str] | None = typer.Option(
        None, "--pages", metavar="NAME_A NAME_B",
        help="Pick pages A and B by name or id from the exports given (for instance one "
        "Business Suite file holding several pages), or from the history store when no "
        "export is given.",
    ),
    db: Path | None = COMPARE_DB_OPTION,
    sample: bool = typer.Option(False, "--sample", help="Compare the two bundled sample pages."),
    tz: str | None = TZ_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    metric: str = METRIC_OPTION,
    post_type: str | None = TYPE_OPTION,
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    grain: str = GRAIN_OPTION,
    include_paid: bool = INCLUDE_PAID_OPTION,
    fmt: str | None = typer.Option(
        None, "--format", "-f", show_default="table, or from the --output extension",
        help="Output format: table, json, markdown, html or svg.",
    ),
    output: Path | None = OUTPUT_OPTION,
    seed: int = SEED_OPTION,
) -> None:
    """Compare two pages: do they do best at different times, and does one simply do better?

    Both pages are measured in one audience zone (--tz) and cut into the same windows. The
    report tests whether their time-of-day profiles differ by more than a constant
    (permutation test), says separately whether one page gets more engagement per post
    overall, lists each page's best windows and the windows good for both, and tests each
    window's difference.

    Examples: posttime compare ours.csv theirs.csv --tz Europe/Berlin;
    posttime compare exports/ours/ exports/theirs/;
    posttime compare agency.csv --pages "Bakery" "Cafe";
    posttime compare "Bakery" "Cafe" (two pages of the history store).
    """
    from posttime.compare import compare as run_compare
    from posttime.history import HistoryStore, store_path
    from posttime.loaders import csv_files_in, select_page
    from posttime.loaders.common import UNNAMED_PAGE

    chosen = choose_format(fmt, "compare", output)
    if sample:
        if inputs:
            raise UsageError("give export files or --sample, not both")
        from posttime.samples import sample_paths

        inputs = sample_paths(all=True)
    inputs = list(inputs or [])

    def side_files(path: Path) -> list[Path]:
        if not path.is_dir():
            return [path]
        found = csv_files_in(path)
        if not found:
            raise UsageError(f"folder {path} holds no CSV files")
        return found

    def side_name(posts, path: Path | None) -> str:
        name = str(posts["page_name"].iloc[0]) if len(posts) else UNNAMED_PAGE
        return path.stem if name == UNNAMED_PAGE and path is not None else name

    def stored_side(name: str, as_input: bool):
        """Page ``name`` of the history store: its posts, name, rows dropped (none: the
        store keeps clean posts) and export zones."""
        path = store_path(db)
        if not path.exists():
            raise UsageError(
                f"{name} is neither an export file nor a folder, and there is no history "
                f"store at {path} to look up a page of that name in" if as_input else
                f"no export files are given, and there is no history store at {path} to "
                f"look up page {name!r} in"
            )
        with HistoryStore(path, create=False) as store:
            page = select_page(store.pages(), name, where=f"the history store {path}")
            page_id = page["page_id"].iat[0]
            return (store.posts(page_id), str(page["page_name"].iat[0]), None,
                    store.export_zones(page_id))

    def file_side(path: Path):
        """The exports of one page in a file or folder: posts, name, rows dropped, zone."""
        loaded = load_inputs(side_files(path), False, export_tz, mapping)
        posts = loaded.require_posts()
        if posts["page_id"].nunique() > 1:
            found = loaded.pages()
            raise UsageError(
                f"{path} holds {len(found)} pages ({', '.join(found)}); pick two with "
                "--pages NAME_A NAME_B"
            )
        return posts, side_name(posts, path), loaded.dropped, [loaded.export_timezone]

    def names_a_page(path: Path) -> bool:
        """An input that is no file or folder and does not look like a CSV path is a page
        name of the history store."""
        return not path.exists() and path.suffix.lower() != ".csv" and len(path.parts) == 1

    if pages is not None and inputs:
        loaded = load_inputs([f for p in inputs for f in side_files(p)], False, export_tz,
                             mapping)
        posts = loaded.require_posts()
        sides = [select_page(posts, name) for name in pages]
        names = [side_name(s, None) for s in sides]
        dropped = (None, None)
        export_timezone = loaded.export_timezone
    else:
        if pages is not None:
            found_sides = [stored_side(name, as_input=False) for name in pages]
        elif len(inputs) != 2:
            raise UsageError(
                f"compare takes two inputs, A and B (got {len(inputs)}); or name two pages of "
                "one export with --pages NAME_A NAME_B"
            )
        else:
            found_sides = [stored_side(str(path), as_input=True) if names_a_page(path)
                           else file_side(path) for path in inputs]
        sides, names, drops, zones = (list(column) for column in zip(*found_sides, strict=True))
        dropped = (drops[0], drops[1])
        export_timezone = (", ".join(sorted({z for found in zones for z in found}))
                           or resolve_export_tz(export_tz))
    options = analysis_options(
        metric=metric, tz=tz, sample=sample, export_timezone=export_timezone,
        grain=grain, post_type=post_type, since=since, until=until,
        include_paid=include_paid, seed=seed,
    )
    if names[0] == names[1]:
        names = [f"{names[0]} (A)", f"{names[1]} (B)"]
    result = run_compare(sides[0], sides[1], options, names=(names[0], names[1]),
                         dropped=dropped)
    show(result, chosen, output)


def run() -> None:
    """Entry point for ``python -m posttime``."""
    app(prog_name="posttime")

