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
from typer.core import TyperGroup

from posttime import __version__
from posttime.errors import ExitCode, PosttimeError, UsageError

F = TypeVar("F", bound=Callable)


def _click_exceptions():
    try:  # typer bundles its own copy of click from 0.2x on
        from typer._click import exceptions
    except ImportError:
        from click import exceptions
    return exceptions


class OneLineErrors(TyperGroup):
    """Usage errors (a bad option value, a missing argument) as one ``Error:`` line and exit
    code 2, like every other error, instead of click's usage block."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        exceptions = _click_exceptions()
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except exceptions.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except exceptions.ClickException as exc:
            message = " ".join(exc.format_message().split())
            command = exc.ctx.command_path if getattr(exc, "ctx", None) else "posttime"
            hint = f" (see '{command} --help')" if isinstance(exc, exceptions.UsageError) else ""
            typer.echo(f"Error: {message}{hint}", err=True)
            sys.exit(int(ExitCode.BAD_INPUT))
        except typer.Abort:
            typer.echo("Interrupted.", err=True)
            sys.exit(int(ExitCode.FAILURE))
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="posttime",
    help="When should I post on Facebook? Tested posting windows from your page exports.",
    cls=OneLineErrors,
    no_args_is_help=True,
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
    """Turn a PosttimeError into one ``Error:`` line on stderr and its exit code, and set
    quiet mode from the command's ``--quiet`` (off for every other command)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from posttime.render.console import be_quiet

        be_quiet(bool(kwargs.get("quiet", False)))  # --quiet, for the commands that have it
        try:
            return func(*args, **kwargs)
        except PosttimeError as exc:
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(int(ExitCode.FAILURE)) from None

    return wrapper  # type: ignore[return-value]


def command(name: str | None = None) -> Callable[[F], F]:
    """Register a command whose errors become one ``Error:`` line; the command list of
    ``posttime --help`` shows the first line of its docstring whole."""

    def register(func: F) -> F:
        short = (func.__doc__ or "").strip().splitlines()[0]
        return app.command(name, short_help=short)(handle_errors(func))

    return register


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
    None, "--output", "-o", help="Write the report to this file (atomically) instead of stdout."
)
QUIET_OPTION = typer.Option(
    False, "--quiet", "-q", help="Only errors on stderr: no notes, warnings or progress "
    "(for cron)."
)
SEED_OPTION = typer.Option(
    20240601, "--seed", min=0,
    help="Seed of the permutation tests; the same seed gives the same output."
)


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
    from posttime.render.console import talk

    talk(f"Wrote {output}")


def _inputs(files: list[Path] | None, sample: bool) -> list[Path]:
    """The export files and folders named on the command line, or the bundled sample."""
    from posttime.sources import sample_files

    if sample and files:
        raise UsageError("give export files or --sample, not both")
    if sample:
        return sample_files()
    if not files:
        raise UsageError("name one or more export files (CSV) or folders, or try --sample")
    return files


def _mapping(spec: str | None) -> dict[str, str] | None:
    from posttime.loaders.mapped import parse_mapping

    return parse_mapping(spec)


TOKEN_FILE_OPTION = typer.Option(
    None, "--token-file", show_default="$POSTTIME_FB_TOKEN",
    help="File holding a Page access token (pages_read_engagement, read_insights); keep it "
    "readable by you alone (chmod 600).",
)
GRAPH_URL_OPTION = typer.Option(
    None, "--graph-url", envvar="POSTTIME_GRAPH_URL", show_default="https://graph.facebook.com",
    help="The Graph API host (for a proxy).",
)
API_VERSION_OPTION = typer.Option(
    None, "--api-version", show_default="v26.0", help="Graph API version, e.g. v26.0."
)
MAX_WAIT_OPTION = typer.Option(
    15.0, "--max-wait", min=0, metavar="MINUTES",
    help="Longest total wait on rate limits and passing errors before giving up.",
)

PULL_OPTION = typer.Option(
    None, "--pull", metavar="PAGE_ID",
    help="Pull this page from the Graph API into the store first (see `posttime pull`); "
    "give it again for more pages.",
)
ALL_PAGES_OPTION = typer.Option(
    False, "--all-pages", help="Analyse every page of the exports: one row per page and a "
    "portfolio line (see --pool, --jobs, --output-dir).",
)
POOL_OPTION = typer.Option(
    "auto", "--pool", help="With --all-pages: pages (each page's window estimates lean "
    "towards the portfolio's), none, or auto (pages from 5 pages on).",
)
JOBS_OPTION = typer.Option(
    None, "--jobs", "-j", min=1, show_default="the number of cores",
    help="With --all-pages: pages analysed at once (in separate processes).",
)
WEEKLY_ALL_PAGES_OPTION = typer.Option(
    False, "--all-pages", help="One summary per page of the history store and an index "
    "(see --output-dir): one cron line for an agency.",
)
ANALYZE_DB_OPTION = typer.Option(
    None, "--db", envvar="POSTTIME_DB", show_default="history.sqlite in posttime's app folder",
    help="Without export files: analyse the page of this history store that --page names "
    "(or that --pull pulls); with --all-pages, every page.",
)
EXECUTOR_OPTION = typer.Option(
    None, "--executor", metavar="dask://HOST:PORT",
    help="With --all-pages: analyse the pages on an existing Dask cluster (needs the dask "
    "extra: pip install 'posttime[dask]').",
)
OUTPUT_DIR_OPTION = typer.Option(
    None, "--output-dir", help="With --all-pages: write one report per page and an index "
    "into this folder (each file atomically).",
)


@command()
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
        help="Output format: table, json, csv, markdown, html or svg (with --all-pages: "
        "table, json, csv, markdown or html).",
    ),
    output: Path | None = OUTPUT_OPTION,
    seed: int = SEED_OPTION,
    quiet: bool = QUIET_OPTION,
    all_pages: bool = ALL_PAGES_OPTION,
    pool: str = POOL_OPTION,
    jobs: int | None = JOBS_OPTION,
    output_dir: Path | None = OUTPUT_DIR_OPTION,
    executor: str | None = EXECUTOR_OPTION,
    db: Path | None = ANALYZE_DB_OPTION,
    pull_ids: list[str] | None = PULL_OPTION,
    token_file: Path | None = TOKEN_FILE_OPTION,
    graph_url: str | None = GRAPH_URL_OPTION,
    api_version: str | None = API_VERSION_OPTION,
) -> None:
    """Rank and test posting windows against the usual advice (weekdays 10-14).

    Prints a headline, the ranked windows with how sure each result is, a weekday x hour
    heatmap, the five claims of the usual advice, and what was left out. With --all-pages,
    every page of the exports in one report.
    """
    from posttime import sources
    from posttime.analysis import ByTypeResult, analyze_by_type
    from posttime.analysis import analyze as run_analysis
    from posttime.render.console import talk

    chosen = choose_format(fmt, "portfolio" if all_pages else "analyze", output)
    if all_pages or output_dir is not None or executor is not None:
        if not all_pages:
            raise UsageError(f"{'--output-dir' if executor is None else '--executor'} works "
                             "on every page at once; add --all-pages")
        if page is not None or by_type:
            raise UsageError(f"--all-pages analyses every page; leave out "
                             f"{'--page' if page is not None else '--by-type'}")
        options = dict(metric=metric, tz=tz, sample=sample, grain=grain, post_type=post_type,
                       since=since, until=until, include_paid=include_paid, seed=seed)
        _analyze_all_pages(files, options, db=db, export_tz=export_tz,
                           mapping=mapping, pool=pool, jobs=jobs, chosen=chosen, top=top,
                           output=output, output_dir=output_dir, executor=executor)
        return
    if pull_ids or (db is not None and not files and not sample):
        if files or sample:
            raise UsageError("give export files or --pull, not both")
        from posttime.history import HistoryStore

        with _pulling(pull_ids, token_file, graph_url, api_version) as client, \
                HistoryStore(db, create=bool(pull_ids)) as store:
            data = _store_page(store, page, pull_ids, client)
    else:
        data = sources.from_files(_inputs(files, sample), page, export_tz=export_tz,
                                  mapping=_mapping(mapping))
    data.require_metric(metric)
    options = sources.analysis_options(
        metric=metric, tz=tz, sample=sample, export_timezone=data.export_timezone,
        grain=grain, post_type=post_type, since=since, until=until,
        include_paid=include_paid, seed=seed,
    )
    note = sources.default_zone_note(tz, sample)
    if note:
        talk(note)
    if by_type:
        result = ByTypeResult(analyze_by_type(data.posts, options, page=data.name,
                                              dropped=data.dropped))
    else:
        result = run_analysis(data.posts, options, page=data.name, dropped=data.dropped)
        for warning in result.warnings:
            talk(f"Warning: {warning}")
    show(result, chosen, output, top=top)


def _analyze_all_pages(files: list[Path] | None, shared: dict, *, db: Path | None,
                       export_tz: str | None,
                       mapping: str | None, pool: str, jobs: int | None, chosen, top: int,
                       output: Path | None, output_dir: Path | None,
                       executor: str | None) -> None:
    """``analyze --all-pages``: every page of the exports, pooled, in a process pool."""
    from contextlib import nullcontext

    from posttime import sources
    from posttime.outcome import check_metric_present
    from posttime.portfolio import Pool, analyze_many, default_jobs, remote_executor
    from posttime.render.console import talk
    from posttime.render.portfolio import PagesProgress

    if output is not None and output_dir is not None:
        raise UsageError("give --output or --output-dir, not both")
    if output_dir is not None and output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {output_dir} is a file, not a folder")
    try:
        pooling = Pool(pool.lower())
    except ValueError:
        raise UsageError(f"unknown value {pool!r} for --pool; choose one of: "
                         f"{', '.join(p.value for p in Pool)}") from None
    if files or shared["sample"]:
        loaded = sources.load(_inputs(files, shared["sample"]), export_tz=export_tz,
                              mapping=_mapping(mapping))
        posts, zones = loaded.require_posts(), loaded.export_timezone
    else:
        posts, zones = sources.store_posts(db)
    check_metric_present(posts, shared["metric"])
    options = sources.analysis_options(export_timezone=zones, **shared)
    note = sources.default_zone_note(shared["tz"], shared["sample"])
    if note:
        talk(note)
    remote = nullcontext((None, None)) if executor is None else remote_executor(executor)
    with remote as (runner, threads), PagesProgress() as progress:
        result = analyze_many(posts, options, jobs=jobs or threads or default_jobs(),
                              pool=pooling, executor=runner, progress=progress)
    for page in result.results:
        for warning in page.warnings:
            talk(f"Warning: {page.page}: {warning}")
    if output_dir is None:
        show(result, chosen, output, top=top)
        return
    _write_reports(result, chosen, output_dir, top=top)


def _write_reports(result, chosen, folder: Path, **options) -> None:
    """One report per page and an index into ``folder``: every text is rendered first, then
    each file is written atomically."""
    from posttime.output import write_folder
    from posttime.render.console import talk
    from posttime.render.portfolio import report_files

    files = report_files(result, chosen.value, **options)
    write_folder(folder, files)
    talk(f"Wrote {len(files) - 1} page reports and {next(reversed(files))} to {folder}")


@command("inspect")
def inspect_command(
    files: list[Path] = FILES_ARGUMENT,
    sample: bool = SAMPLE_OPTION,
    tz: str | None = TZ_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    fmt: str = typer.Option("table", "--format", "-f", help="Output format: table or json."),
    quiet: bool = QUIET_OPTION,
) -> None:
    """Show what posttime finds in export files, before any analysis.

    Per file the format and rows read; then the pages, the posts after merging, the first
    and last post (in the audience zone), both time zones, the columns read, rows dropped
    and why, duplicates merged and clock changes. Page-level files are listed too.
    """
    from posttime import sources
    from posttime.render.console import talk
    from posttime.render.inspect import InspectReport

    chosen = choose_format(fmt, "inspect")
    timezone = sources.audience_zone(tz, sample)
    loaded = sources.load(_inputs(files, sample), export_tz=export_tz, mapping=_mapping(mapping))
    report = InspectReport(loaded, timezone)
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


@command()
def ingest(
    sources: list[Path] = SOURCES_ARGUMENT,
    db: Path | None = DB_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    reingest: bool = typer.Option(
        False, "--reingest", help="Read files the store already holds again and replace the "
        "posts they gave, e.g. after ingesting them with the wrong --export-tz.",
    ),
    quiet: bool = QUIET_OPTION,
) -> None:
    """Add exports to the history store, keeping the newest figures of every post.

    A file already in the store (same content) changes nothing, so a cron job can ingest
    the same folder again and again; --reingest reads it again with the zones given. Each
    file goes in whole or not at all; a bad file is reported and the others still go in
    (exit code 2). Page-level files are skipped.
    """
    from posttime.history import HistoryStore, ingest_sources
    from posttime.render.history import IngestProgress, print_ingest
    from posttime.sources import export_zone

    zone = export_zone(export_tz)
    columns = _mapping(mapping)
    with HistoryStore(db) as store, IngestProgress() as progress:
        report = ingest_sources(store, sources, export_tz=zone, mapping=columns,
                                progress=progress, reingest=reingest)
        summary = store.summary()
    print_ingest(report, summary)
    if report.bad:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


@command()
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


@command()
def weekly(
    sources: list[Path] | None = WEEKLY_SOURCES_ARGUMENT,
    db: Path | None = DB_OPTION,
    week: str | None = typer.Option(
        None, "--week", metavar="YYYY-Www", show_default="the last complete week",
        help="ISO week to summarise, e.g. 2025-W07 (weeks start on Monday, audience zone).",
    ),
    page: str | None = PAGE_OPTION,
    sample: bool = typer.Option(
        False, "--sample", help="Summarise the bundled sample page, without a history store "
        "(by default its last complete week)."),
    tz: str | None = TZ_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    fmt: str | None = typer.Option(
        None, "--format", "-f", show_default="markdown, or from the --output extension",
        help="Output format: markdown, text, json or html.",
    ),
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    all_pages: bool = WEEKLY_ALL_PAGES_OPTION,
    output_dir: Path | None = OUTPUT_DIR_OPTION,
    pull_ids: list[str] | None = PULL_OPTION,
    token_file: Path | None = TOKEN_FILE_OPTION,
    graph_url: str | None = GRAPH_URL_OPTION,
    api_version: str | None = API_VERSION_OPTION,
) -> None:
    """Summarise a week from the history store (ingesting any exports given first).

    Each post of the week against what the page's history expects for its time and type,
    the week against the previous four weeks and the whole history, the recommended windows
    and how they changed, and one window to try next week. Made for cron, e.g.
    `posttime weekly ~/exports --output ~/reports/week.md` every Monday morning.
    """
    from posttime import sources as pages
    from posttime.errors import NoDataError
    from posttime.history import HistoryStore, ingest_sources
    from posttime.render.history import IngestProgress, print_ingest
    from posttime.weekly import build_weekly, parse_week

    chosen = choose_format(fmt, "weekly", output)
    timezone = pages.audience_zone(tz, sample)
    label = parse_week(week) if week is not None else None
    _check_all_pages(all_pages, page=page, sample=sample, output=output,
                     output_dir=output_dir)
    if sample:
        if sources:
            raise UsageError("give exports to ingest or --sample, not both")
        data = pages.from_files(pages.sample_files())
        report = build_weekly(data.posts, week=label, timezone=timezone,
                              export_timezone=data.export_timezone, page=data.name,
                              today=data.exported(timezone))
        show(report, chosen, output)
        return
    zone = pages.export_zone(export_tz)
    columns = _mapping(mapping)
    bad = False
    try:
        with _pulling(pull_ids, token_file, graph_url, api_version) as client, \
                HistoryStore(db, create=bool(sources or pull_ids)) as store:
            if sources:
                with IngestProgress() as progress:
                    ingested = ingest_sources(store, sources, export_tz=zone,
                                              mapping=columns, progress=progress)
                print_ingest(ingested)
                bad = bool(ingested.bad)
            if all_pages:
                if pull_ids:
                    _pull_into(store, pull_ids, None, client)
                everyone = pages.every_page_in_store(store)
            else:
                data = _store_page(store, page, pull_ids, client)
            saved = pages.saved_plans(store)
        if all_pages:
            from posttime.portfolio import WeeklyPortfolio

            report = WeeklyPortfolio([
                build_weekly(one.posts, week=label, timezone=timezone,
                             export_timezone=one.export_timezone or zone, page=one.name,
                             plans=saved)
                for one in everyone])
        else:
            report = build_weekly(data.posts, week=label, timezone=timezone,
                                  export_timezone=data.export_timezone or zone, page=data.name,
                                  plans=saved)
    except NoDataError as exc:
        if bad:  # a bad input file outranks an empty week
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(int(ExitCode.BAD_INPUT)) from None
        raise
    if output_dir is not None:
        _write_reports(report, chosen, output_dir)
    else:
        show(report, chosen, output)
    if bad:
        raise typer.Exit(int(ExitCode.BAD_INPUT))


def _check_all_pages(all_pages: bool, *, page: str | None, sample: bool,
                     output: Path | None, output_dir: Path | None) -> None:
    """The options that do not go with --all-pages (or need it) of ``weekly``."""
    if output_dir is not None and not all_pages:
        raise UsageError("--output-dir writes one report per page; add --all-pages")
    if not all_pages:
        return
    if page is not None or sample:
        raise UsageError("--all-pages summarises every page of the history store; leave out "
                         f"{'--page' if page is not None else '--sample'}")
    if output is not None and output_dir is not None:
        raise UsageError("give --output or --output-dir, not both")
    if output_dir is not None and output_dir.exists() and not output_dir.is_dir():
        raise UsageError(f"--output-dir {output_dir} is a file, not a folder")


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


@command()
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
    quiet: bool = QUIET_OPTION,
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
    from posttime import sources
    from posttime.compare import compare as run_compare
    from posttime.render.console import talk

    chosen = choose_format(fmt, "compare", output)
    a, b = sources.pair(list(inputs or []), pages, sample=sample, db=db, export_tz=export_tz,
                        mapping=_mapping(mapping))
    for side in (a, b):
        side.require_metric(metric, where=side.name)
    zones = sorted({zone for side in (a, b) for zone in side.export_timezones})
    options = sources.analysis_options(
        metric=metric, tz=tz, sample=sample,
        export_timezone=", ".join(zones) or sources.export_zone(export_tz),
        grain=grain, post_type=post_type, since=since, until=until,
        include_paid=include_paid, seed=seed,
    )
    names = (a.name, b.name) if a.name != b.name else (f"{a.name} (A)", f"{b.name} (B)")
    result = run_compare(a.posts, b.posts, options, names=names, dropped=(a.dropped, b.dropped))
    for warning in result.warnings:
        talk(f"Warning: {warning}")
    show(result, chosen, output)


PLAN_DB_OPTION = typer.Option(
    None, "--db", envvar="POSTTIME_DB", show_default="history.sqlite in posttime's app folder",
    help="The history store the page is read from when no export is given. The plan is "
    "saved in it (with export files: when --db or POSTTIME_DB names one that exists), so "
    "that `posttime weekly` shows its progress.",
)


@command()
def plan(
    files: list[Path] = FILES_ARGUMENT,
    sample: bool = SAMPLE_OPTION,
    db: Path | None = PLAN_DB_OPTION,
    page: str | None = PAGE_OPTION,
    weeks: int = typer.Option(..., "--weeks", min=1, help="How many weeks the plan runs."),
    posts_per_week: int = typer.Option(
        ..., "--posts-per-week", min=1, help="How many posts a week the page publishes."
    ),
    start: str | None = typer.Option(
        None, "--start", show_default="next Monday", help="First day of the plan (YYYY-MM-DD)."
    ),
    arms: str = typer.Option(
        "auto", "--arms",
        help="Windows to test against weekdays 10-14: auto (the best-ranked windows the "
        "history leaves open) or e.g. 'Tue 18-20,weekdays 18-20,Sat-Sun 11-14'.",
    ),
    tz: str | None = TZ_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    metric: str = METRIC_OPTION,
    fmt: str | None = typer.Option(
        None, "--format", "-f", show_default="markdown, or from the --output extension",
        help="Output format: markdown, json, csv or ics.",
    ),
    output: Path | None = OUTPUT_OPTION,
    seed: int = typer.Option(
        20240601, "--seed", min=0, help="Seed of the random plan; the same seed and input give "
        "the same plan."
    ),
) -> None:
    """Plan a randomised posting experiment: which window to post in, week by week.

    Picks the windows the history cannot yet settle (or those given with --arms), adds the
    control (weekdays 10-14), and assigns each week's posts to them at random, at a random
    minute, two hours apart. Says what lift the plan can find. Save it as JSON for
    `posttime evaluate`, and as ICS for your calendar; the history store keeps it too, for
    `posttime weekly`.
    """
    import datetime as dt

    from posttime import sources
    from posttime.experiment import make_plan, next_monday
    from posttime.history import HistoryStore, store_path
    from posttime.timezones import get_zone

    chosen = choose_format(fmt, "plan", output)
    if files or sample:
        data = sources.from_files(_inputs(files, sample), page, export_tz=export_tz,
                                  mapping=_mapping(mapping))
    else:
        with HistoryStore(db, create=False) as store:
            data = sources.in_store(store, page)
    data.require_metric(metric)
    options = sources.analysis_options(
        metric=metric, tz=tz, sample=sample, export_timezone=data.export_timezone,
        grain="auto", post_type=None, since=None, until=None, include_paid=False, seed=seed,
    )
    first = sources.parse_day(start, "--start")
    today = dt.datetime.now(get_zone(options.timezone)).date()
    result = make_plan(
        data.posts, options, weeks=weeks, per_week=posts_per_week,
        start=first.date() if first is not None else next_monday(today),
        arms=None if arms.strip().lower() == "auto" else arms, seed=seed, page=data.name,
    )
    keeper = store_path(db)
    if not sample and (db is not None or not files) and keeper.exists():
        _save_plan(result, keeper)
    show(result, chosen, output)


def _save_plan(result, path: Path) -> None:
    """Keep the plan in the history store at ``path``; a store that cannot be written gets
    a warning, not an error (the plan itself is still written)."""
    from posttime.history import HistoryStore
    from posttime.render.console import talk

    try:
        with HistoryStore(path) as store:
            new = store.save_plan(result.to_dict())
    except PosttimeError as exc:
        talk(f"Warning: the plan was not saved in the history store, so `posttime weekly` "
             f"will not show it: {exc}")
        return
    talk(f"{'Saved' if new else 'Already saved:'} plan {result.plan_id} in the history store "
         f"{path}; `posttime weekly` shows its progress.")


PLAN_ARGUMENT = typer.Argument(
    ..., metavar="PLAN", help="The plan: its file, as written by `posttime plan --format "
    "json`, or the id of a plan kept in the history store.",
)
EVALUATE_FILES_ARGUMENT = typer.Argument(
    None, help="Exports of the page covering the plan's weeks (and its history); without "
    "them, the page is read from the history store.", show_default=False,
)


@command()
def evaluate(
    plan_file: Path = PLAN_ARGUMENT,
    files: list[Path] = EVALUATE_FILES_ARGUMENT,
    db: Path | None = DB_OPTION,
    export_tz: str | None = EXPORT_TZ_OPTION,
    mapping: str | None = MAP_OPTION,
    tolerance: int = typer.Option(
        60, "--tolerance", help="Minutes a post may be off its slot and still count for it."
    ),
    fmt: str | None = typer.Option(
        None, "--format", "-f", show_default="table, or from the --output extension",
        help="Output format: table, json or markdown.",
    ),
    output: Path | None = OUTPUT_OPTION,
) -> None:
    """Evaluate a posting experiment: did the tested windows beat weekdays 10-14?

    Matches the posts published since the plan started to its slots, counts slots kept,
    missed and posts off plan, and compares each window with the control: the lift with a
    90% interval and a p-value from re-drawing the plan's random assignment 10,000 times
    (Holm over the windows). Unlike analyze, the answer is causal for the page in that period.
    """
    from posttime import sources
    from posttime.experiment import evaluate as run_evaluate
    from posttime.history import HistoryStore

    chosen = choose_format(fmt, "evaluate", output)
    experiment = _plan_argument(plan_file, db)
    if files:
        loaded = sources.load(files, export_tz=export_tz, mapping=_mapping(mapping))
        posts = loaded.require_posts()
        mine = experiment.page_id in set(posts["page_id"].astype(str))
        data = sources.page_of(loaded, experiment.page_id if mine else None)
    else:
        with HistoryStore(db, create=False) as store:
            data = sources.in_store(store, experiment.page_id)
    result = run_evaluate(experiment, data.posts, export_timezone=data.export_timezone,
                          tolerance=tolerance)
    show(result, chosen, output)


def _plan_argument(plan_file: Path, db: Path | None):
    """The plan of ``evaluate``: a plan file, or the id of a plan saved in the store."""
    import re

    from posttime.experiment import load_plan, plan_from_dict
    from posttime.history import HistoryStore, store_path

    plan_id = str(plan_file)
    path = store_path(db)
    if plan_file.exists() or not re.fullmatch(r"[0-9a-f]{12}", plan_id) or not path.exists():
        return load_plan(plan_file)
    with HistoryStore(path, create=False) as store:
        data = store.plan(plan_id)
    if data is None:
        raise UsageError(f"the history store {path} holds no plan {plan_id}, and there is no "
                         f"file of that name")
    return plan_from_dict(data, where=f"plan {plan_id} of the history store {path}")


PAGE_IDS_ARGUMENT = typer.Argument(
    None, metavar="PAGE_ID...", show_default=False,
    help="Ids of the pages to pull (see `posttime pages`).",
)


def _graph_client(token_file: Path | None, graph_url: str | None, api_version: str | None,
                  max_wait: float = 15.0):
    """A GraphClient for the options given; warnings about the token file on stderr."""
    from posttime.graph import API_VERSION, GRAPH_URL, Backoff, GraphClient, read_token
    from posttime.render.pull import warn

    token, warnings = read_token(token_file)
    for message in warnings:
        warn(message)
    version = (api_version or API_VERSION).strip()
    if not version.startswith("v") or not version[1:].replace(".", "").isdigit():
        raise UsageError(f"--api-version takes a version like v26.0, not {api_version!r}")
    url = graph_url or GRAPH_URL
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--graph-url takes an http:// or https:// address, not {url!r}")
    return GraphClient(token, base_url=url, api_version=version,
                       backoff=Backoff(max_wait=max_wait * 60.0))


def _pull_into(store, page_ids: list[str], since: str | None, client) -> None:
    """Pull pages into an open store and print what was stored."""
    from posttime import sources
    from posttime.graph import pull as run_pull
    from posttime.render.pull import PullProgress, print_pull

    first = sources.parse_day(since, "--since")
    with PullProgress() as progress:
        report = run_pull(client, store, page_ids,
                          since=None if first is None else first.tz_localize("UTC"),
                          progress=progress)
    print_pull(report)


@command()
def pull(
    page_ids: list[str] = PAGE_IDS_ARGUMENT,
    since: str | None = typer.Option(
        None, "--since", show_default="28 days before the last pull; all posts the first time",
        help="Pull the posts published from this day on (YYYY-MM-DD, UTC).",
    ),
    db: Path | None = DB_OPTION,
    token_file: Path | None = TOKEN_FILE_OPTION,
    api_version: str | None = API_VERSION_OPTION,
    graph_url: str | None = GRAPH_URL_OPTION,
    max_wait: float = MAX_WAIT_OPTION,
    list_pages: bool = typer.Option(
        False, "--list", help="List the pages the token can read instead (like `pages`)."
    ),
    quiet: bool = QUIET_OPTION,
) -> None:
    """Pull pages' posts and figures from the Graph API into the history store.

    Each page goes in whole or not at all, like an ingested export: the newest figures win
    and a post pulled twice counts once. Later pulls read only posts newer than the last
    pull less 28 days. The token comes from --token-file or POSTTIME_FB_TOKEN. Made for
    cron: silent unless something goes wrong, e.g.
    `posttime weekly --pull 123456789 --output ~/reports/week.md`.
    """
    from posttime.history import HistoryStore

    with _graph_client(token_file, graph_url, api_version, max_wait) as client:
        if list_pages:
            _print_accounts(client)
            return
        if not page_ids:
            raise UsageError("name the ids of the pages to pull (list them with `posttime "
                             "pages`)")
        with HistoryStore(db) as store:
            _pull_into(store, list(page_ids), since, client)


def _pulling(pull_ids: list[str] | None, token_file: Path | None, graph_url: str | None,
             api_version: str | None):
    """The GraphClient for --pull (checked before the store is opened), or no client."""
    import contextlib

    if not pull_ids:
        return contextlib.nullcontext()
    return _graph_client(token_file, graph_url, api_version)


def _store_page(store, page: str | None, pull_ids: list[str] | None, client):
    """A page of an open history store, after pulling ``pull_ids`` into it with ``client``
    (the page pulled, when only one is pulled and --page is not given)."""
    from posttime import sources

    if pull_ids:
        _pull_into(store, pull_ids, None, client)
        if page is None and len(pull_ids) == 1:
            page = pull_ids[0]
    return sources.in_store(store, page)


def _print_accounts(client) -> None:
    from posttime.graph import accounts
    from posttime.render.pull import print_pages

    print_pages(accounts(client))


@command()
def pages(
    token_file: Path | None = TOKEN_FILE_OPTION,
    api_version: str | None = API_VERSION_OPTION,
    graph_url: str | None = GRAPH_URL_OPTION,
) -> None:
    """List the pages the access token can read (/me/accounts): id, name and category."""
    with _graph_client(token_file, graph_url, api_version) as client:
        _print_accounts(client)


def run() -> None:
    """Entry point for ``python -m posttime``."""
    app(prog_name="posttime")

