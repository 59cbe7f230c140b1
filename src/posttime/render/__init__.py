"""Everything that turns result objects into text, tables, pictures and files.

One contract: ``render(result, fmt, **options) -> str``. ``RENDERERS`` maps each (result
type, format) to one function of that result type; a command accepts the formats in
``COMMAND_FORMATS``. Options a renderer does not take (``top``, ``console``) are not
passed to it. The renderer modules are imported on first use, so that importing this
package costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from importlib import import_module


class Format(str, Enum):
    """Every value of ``--format``; each command accepts its subset."""

    table = "table"
    text = "text"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    svg = "svg"
    ics = "ics"


F = Format
#: the formats of each command, the default first.
COMMAND_FORMATS: dict[str, tuple[Format, ...]] = {
    "analyze": (F.table, F.json, F.csv, F.markdown, F.html, F.svg),
    "compare": (F.table, F.json, F.markdown, F.html, F.svg),
    "inspect": (F.table, F.json),
    "history": (F.table, F.json),
    "weekly": (F.markdown, F.text, F.json, F.html),
    "plan": (F.markdown, F.json, F.csv, F.ics),
    "evaluate": (F.table, F.json, F.markdown),
    # analyze --all-pages: the summary and, under --output-dir, each page's report
    "portfolio": (F.table, F.json, F.csv, F.markdown, F.html),
}
#: the format an --output file's extension asks for, when --format is not given.
EXTENSIONS: dict[str, tuple[Format, ...]] = {
    ".json": (F.json,), ".csv": (F.csv,), ".md": (F.markdown,), ".markdown": (F.markdown,),
    ".html": (F.html,), ".htm": (F.html,), ".svg": (F.svg,), ".txt": (F.table, F.text),
    ".ics": (F.ics,),
}
#: the result types each command renders.
COMMAND_RESULTS: dict[str, tuple[str, ...]] = {
    "analyze": ("posttime.analysis.AnalysisResult", "posttime.analysis.ByTypeResult"),
    "compare": ("posttime.compare.ComparisonResult",),
    "inspect": ("posttime.render.inspect.InspectReport",),
    "history": ("posttime.history.store.HistorySummary",),
    "weekly": ("posttime.weekly.WeeklyReport", "posttime.portfolio.WeeklyPortfolio"),
    "plan": ("posttime.experiment.Plan",),
    "evaluate": ("posttime.experiment.Evaluation",),
    "portfolio": ("posttime.portfolio.PortfolioResult", "posttime.analysis.AnalysisResult"),
}

_ANALYSIS = "posttime.render.analysis"
_COMPARE = "posttime.render.compare"
_WEEKLY = "posttime.render.weekly"
_EXPERIMENT = "posttime.render.experiment"
_PORTFOLIO = "posttime.render.portfolio"
#: (result type, format) -> "module:function"; the function takes that result type.
RENDERERS: dict[tuple[str, Format], str] = {
    ("posttime.analysis.AnalysisResult", F.table): f"{_ANALYSIS}:analysis_table",
    ("posttime.analysis.AnalysisResult", F.json): f"{_ANALYSIS}:analysis_json",
    ("posttime.analysis.AnalysisResult", F.csv): f"{_ANALYSIS}:analysis_csv",
    ("posttime.analysis.AnalysisResult", F.markdown): f"{_ANALYSIS}:analysis_markdown",
    ("posttime.analysis.AnalysisResult", F.html): f"{_ANALYSIS}:analysis_html",
    ("posttime.analysis.AnalysisResult", F.svg): f"{_ANALYSIS}:analysis_svg",
    ("posttime.analysis.ByTypeResult", F.table): f"{_ANALYSIS}:by_type_table",
    ("posttime.analysis.ByTypeResult", F.json): f"{_ANALYSIS}:by_type_json",
    ("posttime.analysis.ByTypeResult", F.csv): f"{_ANALYSIS}:by_type_csv",
    ("posttime.analysis.ByTypeResult", F.markdown): f"{_ANALYSIS}:by_type_markdown",
    ("posttime.analysis.ByTypeResult", F.html): f"{_ANALYSIS}:by_type_html",
    ("posttime.analysis.ByTypeResult", F.svg): f"{_ANALYSIS}:by_type_svg",
    ("posttime.portfolio.PortfolioResult", F.table): f"{_PORTFOLIO}:portfolio_table",
    ("posttime.portfolio.PortfolioResult", F.json): f"{_PORTFOLIO}:portfolio_json",
    ("posttime.portfolio.PortfolioResult", F.csv): f"{_PORTFOLIO}:portfolio_csv",
    ("posttime.portfolio.PortfolioResult", F.markdown): f"{_PORTFOLIO}:portfolio_markdown",
    ("posttime.portfolio.PortfolioResult", F.html): f"{_PORTFOLIO}:portfolio_html",
    ("posttime.compare.ComparisonResult", F.table): f"{_COMPARE}:comparison_table",
    ("posttime.compare.ComparisonResult", F.json): f"{_COMPARE}:comparison_json",
    ("posttime.compare.ComparisonResult", F.markdown): f"{_COMPARE}:comparison_markdown",
    ("posttime.compare.ComparisonResult", F.html): f"{_COMPARE}:comparison_html",
    ("posttime.compare.ComparisonResult", F.svg): f"{_COMPARE}:comparison_svg",
    ("posttime.render.inspect.InspectReport", F.table): "posttime.render.inspect:inspect_table",
    ("posttime.render.inspect.InspectReport", F.json): "posttime.render.inspect:inspect_json",
    ("posttime.history.store.HistorySummary", F.table): "posttime.render.history:history_table",
    ("posttime.history.store.HistorySummary", F.json): "posttime.render.history:history_json",
    ("posttime.weekly.WeeklyReport", F.markdown): f"{_WEEKLY}:weekly_markdown",
    ("posttime.weekly.WeeklyReport", F.text): f"{_WEEKLY}:weekly_text",
    ("posttime.weekly.WeeklyReport", F.json): f"{_WEEKLY}:weekly_json",
    ("posttime.weekly.WeeklyReport", F.html): f"{_WEEKLY}:weekly_html",
    ("posttime.experiment.Plan", F.markdown): f"{_EXPERIMENT}:plan_markdown",
    ("posttime.experiment.Plan", F.json): f"{_EXPERIMENT}:plan_json",
    ("posttime.experiment.Plan", F.csv): f"{_EXPERIMENT}:plan_csv",
    ("posttime.experiment.Plan", F.ics): f"{_EXPERIMENT}:plan_ics",
    ("posttime.experiment.Evaluation", F.table): f"{_EXPERIMENT}:evaluation_table",
    ("posttime.experiment.Evaluation", F.json): f"{_EXPERIMENT}:evaluation_json",
    ("posttime.experiment.Evaluation", F.markdown): f"{_EXPERIMENT}:evaluation_markdown",
    ("posttime.portfolio.WeeklyPortfolio", F.markdown): f"{_PORTFOLIO}:weekly_portfolio_markdown",
    ("posttime.portfolio.WeeklyPortfolio", F.text): f"{_PORTFOLIO}:weekly_portfolio_text",
    ("posttime.portfolio.WeeklyPortfolio", F.json): f"{_PORTFOLIO}:weekly_portfolio_json",
    ("posttime.portfolio.WeeklyPortfolio", F.html): f"{_PORTFOLIO}:weekly_portfolio_html",
}


def type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def renderer(result_type: str, fmt: Format) -> Callable[..., str]:
    """The function that renders ``result_type`` (a qualified class name) as ``fmt``."""
    module, function = RENDERERS[(result_type, Format(fmt))].split(":")
    return getattr(import_module(module), function)


def render(result, fmt: Format | str, **options) -> str:
    """``result`` as text in format ``fmt``; ``options`` go to the renderers that take
    them (``top``: ranked windows shown; ``console``: a terminal to render for)."""
    import inspect

    fmt = Format(fmt)
    # A subclass of a result type (the Python API's results) is rendered as that type.
    names = [type_name(cls) for cls in type(result).__mro__]
    found = next((name for name in names if (name, fmt) in RENDERERS), None)
    if found is None:
        raise ValueError(f"no {fmt.value} renderer for {type(result).__name__}")
    function = renderer(found, fmt)
    accepted = inspect.signature(function).parameters
    return function(result, **{k: v for k, v in options.items() if k in accepted})
