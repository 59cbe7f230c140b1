"""analyze_many(posts, by="page") -> PortfolioResult: every page of an agency in one run.

Each page is analysed on its own posts (``posttime.analysis.analyze``), in a process pool
when asked. With pooling, each page's window effects are then shrunk towards the
portfolio's window effects (partial pooling across pages, the model in the README); the
verdicts stay each page's own.

Core code: it never prints and never reads the command line.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
import pandas as pd
from scipy import special

from posttime import stats
from posttime._version import __version__
from posttime.analysis import (
    TARGET_LIFT,
    AnalysisOptions,
    AnalysisResult,
    analyze,
    analyze_prepared,
    prepare_rows,
)
from posttime.enums import StrEnum, Verdict
from posttime.errors import NoDataError, UsageError
from posttime.jsonout import json_ready
from posttime.windows import label

#: pooling is on by default from this many pages on.
POOL_MIN_PAGES = 5
#: top windows listed per page in the summary.
TOP_WINDOWS = 3
#: a window is "good" for a page when its shrunken lift is at least this.
GOOD_LIFT = 1.0
#: pages per task handed to a worker: fewer, larger tasks cost the calling process less
#: of the time it shares with the workers.
PAGES_PER_TASK = 4


class Pool(StrEnum):
    """How window effects are shrunk: towards the portfolio's (``pages``), or each page's
    own centre only (``none``); ``auto`` is ``pages`` from POOL_MIN_PAGES pages on."""

    AUTO = "auto"
    PAGES = "pages"
    NONE = "none"


class TimingMatters(StrEnum):
    """Whether a page's own posts show a reliable timing difference."""

    YES = "yes"
    NO = "no"
    CANNOT_TELL_YET = "cannot-tell-yet"


@dataclass(frozen=True)
class GrainPool:
    """The pooling fit of the pages of one grain."""

    grain: str
    pages: int
    tau2: float  # between-page variance of a window's effect
    effects: pd.Series  # portfolio effect per window id (log scale, relative to a page centre)


@dataclass
class PortfolioResult:
    """The analyses of every page (in page order) and what they say together."""

    results: list[AnalysisResult]
    pool: Pool  # PAGES or NONE, as applied
    pools: list[GrainPool]
    skipped: dict[str, str] = field(default_factory=dict)  # page -> why it has no analysis

    @property
    def summary(self) -> pd.DataFrame:
        """One row per page: ``page``, ``posts_used``, ``grain``, ``timing_matters``,
        ``top_windows`` (list of (label, shrunken lift)), ``better``, ``worse``,
        ``posts_needed`` (posts a window needs to show a 1.25x lift; NA when the baseline is
        too small for any window to show it)."""
        return pd.DataFrame([page_summary(r) for r in self.results],
                            columns=["page", "posts_used", "grain", "timing_matters",
                                     "top_windows", "better", "worse", "posts_needed"]
                            ).astype({"posts_needed": "Int64"})

    def common_windows(self, top: int = TOP_WINDOWS) -> list[tuple[str, int]]:
        """The windows most often among a page's top windows with a shrunken lift of at
        least GOOD_LIFT: (label, pages), most pages first, then by label."""
        counts: dict[str, int] = {}
        for result in self.results:
            for name, lift in top_windows(result, top):
                if lift >= GOOD_LIFT:
                    counts[name] = counts.get(name, 0) + 1
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]

    @property
    def timing_matters(self) -> int:
        """Pages whose own posts show a reliable timing difference."""
        return sum(page_timing(r) == TimingMatters.YES for r in self.results)

    def to_dict(self) -> dict:
        """The JSON of ``posttime analyze --all-pages --format json``."""
        return {
            "posttime_version": __version__,
            "pages": [r.to_dict() for r in self.results],
            "portfolio": {
                "pages": len(self.results),
                "pool": self.pool,
                "timing_matters": self.timing_matters,
                "common_windows": [{"window": name, "pages": n}
                                   for name, n in self.common_windows()],
                "summary": [
                    {**row, "top_windows": [{"window": name, "shrunk_lift": json_ready(lift)}
                                            for name, lift in row["top_windows"]]}
                    for row in (page_summary(r) for r in self.results)
                ],
                "between_page": [{"grain": g.grain, "pages": g.pages, "tau2": g.tau2}
                                 for g in self.pools],
                "skipped": [{"page": page, "reason": reason}
                            for page, reason in self.skipped.items()],
            },
        }


@dataclass
class WeeklyPortfolio:
    """The weekly summaries of every page of the history store (``weekly --all-pages``),
    in page name order."""

    reports: list  # of posttime.weekly.WeeklyReport

    def to_dict(self) -> dict:
        """The JSON of ``posttime weekly --all-pages --format json``."""
        return {"posttime_version": __version__,
                "pages": [report.to_dict() for report in self.reports]}


def page_timing(result: AnalysisResult) -> TimingMatters:
    """``yes`` when a window is reliably better or worse than the baseline; ``no`` when none
    is and a typical window could have shown a 1.25x lift; else ``cannot-tell-yet``."""
    if len(result.reliable):
        return TimingMatters.YES
    if result.typical_mdl is not None and result.typical_mdl <= TARGET_LIFT:
        return TimingMatters.NO
    return TimingMatters.CANNOT_TELL_YET


def top_windows(result: AnalysisResult, top: int = TOP_WINDOWS) -> list[tuple[str, float]]:
    """The ``top`` ranked windows of a page: (label, shrunken lift)."""
    ranked = result.windows[result.windows["tested"]].head(top)
    return [(label(w.weekday, w.start, w.end), float(w.shrunk_lift))
            for w in ranked.itertuples()]


def page_summary(result: AnalysisResult) -> dict:
    """The summary row of one page (the columns of ``PortfolioResult.summary``)."""
    verdicts = result.windows["verdict"]
    needed = (stats.posts_needed(result.residual_sd, max(result.baseline_n, 1), TARGET_LIFT)
              if np.isfinite(result.residual_sd) and result.residual_sd > 0 else np.inf)
    return {
        "page": result.page,
        "posts_used": result.posts_used,
        "grain": result.grain,
        "timing_matters": page_timing(result),
        "top_windows": top_windows(result),
        "better": int((verdicts == Verdict.BETTER).sum()),
        "worse": int((verdicts == Verdict.WORSE).sum()),
        "posts_needed": int(needed) if np.isfinite(needed) else None,
    }


def split_pages(posts: pd.DataFrame, by: str = "page") -> list[tuple[str, pd.DataFrame]]:
    """The posts of each page, ordered by page name, then id: (name, posts)."""
    if by != "page":
        raise ValueError(f"analyze_many splits by 'page' only, not {by!r}")
    if posts.empty:
        raise NoDataError("no posts to analyse")
    keys = posts[["page_id", "page_name"]].astype(str)
    pages = keys.drop_duplicates().sort_values(["page_name", "page_id"])
    groups = posts.groupby(keys["page_id"].to_numpy(), sort=False).indices
    # One take puts the pages in order; each page is then a cheap slice of it.
    rows = [groups[page_id] for page_id in pages["page_id"]]
    ordered = posts.iloc[np.concatenate(rows)]
    ends = np.cumsum([len(r) for r in rows])
    return [(name, ordered.iloc[end - len(r):end])
            for name, r, end in zip(pages["page_name"], rows, ends, strict=True)]


def _analyze_page(posts: pd.DataFrame, options: AnalysisOptions,
                  name: str) -> AnalysisResult | NoDataError:
    """One page's analysis; a page with nothing to analyse gives its error instead, so
    that the other pages still get theirs. Rows the loader dropped belong to the files,
    not to one page, so they are not counted here."""
    try:
        return analyze(posts, options, page=name)
    except NoDataError as exc:
        return exc


@dataclass
class _Shipped:
    """A page's analysis as a worker sends it back: the result without the input's own
    columns in ``posts`` (the calling process has them), and the rows they come from.
    Strings cost far more to send between processes than numbers, and most of a
    result's size is the page's own posts."""

    result: AnalysisResult
    rows: np.ndarray

    def restore(self, posts: pd.DataFrame) -> AnalysisResult:
        given = posts.iloc[self.rows].reset_index(drop=True)
        self.result.posts = pd.concat([given, self.result.posts], axis=1)
        return self.result


def _analyze_remote(posts: pd.DataFrame, options: AnalysisOptions,
                    name: str) -> _Shipped | NoDataError:
    """``_analyze_page`` in a worker, its result made small to send back."""
    try:
        used, excluded, rows = prepare_rows(posts, options)
        result = analyze_prepared(used, excluded, options, page=name)
    except NoDataError as exc:
        return exc
    result.posts = result.posts.drop(columns=list(posts.columns))
    return _Shipped(result, rows)


def _analyze_batch(batch: list[tuple]) -> list[_Shipped | NoDataError]:
    return [_analyze_remote(*task) for task in batch]


def _bounded(executor: Executor, tasks: list[tuple],
             ahead: int) -> Iterator[AnalysisResult | NoDataError]:
    """Results of ``_analyze_page`` over ``tasks`` in task order, run by ``executor`` in
    batches of PAGES_PER_TASK pages, with at most ``ahead`` batches handed to it at a time
    (so that memory holds a few pages, not all)."""
    batches = iter([tasks[i:i + PAGES_PER_TASK] for i in range(0, len(tasks), PAGES_PER_TASK)])
    pending = deque((executor.submit(_analyze_batch, batch), batch)
                    for batch in islice(batches, ahead))
    while pending:
        done, batch = pending.popleft()
        outcomes = done.result()
        following = next(batches, None)
        if following is not None:
            pending.append((executor.submit(_analyze_batch, following), following))
        for (posts, _, _), outcome in zip(batch, outcomes, strict=True):
            yield outcome.restore(posts) if isinstance(outcome, _Shipped) else outcome


def analyze_many(posts: pd.DataFrame, options: AnalysisOptions | None = None, *,
                 by: str = "page", jobs: int = 1, pool: Pool | str = Pool.AUTO,
                 executor: Executor | None = None,
                 progress: Callable[[int, int], None] | None = None) -> PortfolioResult:
    """Analyse every page of a clean post table, pooled across pages.

    Parameters
    ----------
    posts : DataFrame
        A clean post table (posttime.schema) holding one or more pages.
    options : AnalysisOptions
        The same for every page; each page's analysis uses its seed, so a page's numbers
        do not depend on the other pages, on ``jobs`` or on the executor.
    by : {'page'}
        What to split by.
    jobs : int
        Pages analysed at once in a process pool; 1 analyses them in this process.
    pool : {'auto', 'pages', 'none'}
        Shrink window effects towards the portfolio's (``pages``) or not (``none``);
        ``auto`` pools from POOL_MIN_PAGES pages on.
    executor : concurrent.futures.Executor, optional
        Runs the pages instead of a local pool (a Dask ``Client.get_executor()``, say).
    progress : callable, optional
        Called as ``progress(done, total)`` after each page.

    Returns
    -------
    PortfolioResult
    """
    options = options or AnalysisOptions()
    chosen = Pool(pool)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    pages = split_pages(posts, by)
    tasks = [(page_posts, options, name) for name, page_posts in pages]
    if executor is None and jobs == 1:
        stream: Iterator[AnalysisResult | NoDataError] = (_analyze_page(*t) for t in tasks)
        outcomes = _collect(stream, len(tasks), progress)
    elif executor is not None:
        outcomes = _collect(_bounded(executor, tasks, 2 * max(jobs, 1)), len(tasks), progress)
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as local:
            outcomes = _collect(_bounded(local, tasks, 2 * jobs), len(tasks), progress)
    results = [o for o in outcomes if isinstance(o, AnalysisResult)]
    skipped = {name: str(o) for (name, _), o in zip(pages, outcomes, strict=True)
               if isinstance(o, NoDataError)}
    if not results:
        raise NoDataError("no page has posts left to analyse: " + "; ".join(
            f"{name}: {reason}" for name, reason in skipped.items()))
    if chosen is Pool.AUTO:
        chosen = Pool.PAGES if len(results) >= POOL_MIN_PAGES else Pool.NONE
    pools = pool_pages(results) if chosen is Pool.PAGES else []
    return PortfolioResult(results=results, pool=chosen, pools=pools, skipped=skipped)


#: the scheme of an --executor address of a Dask scheduler.
DASK_SCHEME = "dask://"


@contextmanager
def remote_executor(address: str) -> Iterator[tuple[Executor, int]]:
    """An executor on the Dask cluster whose scheduler is at ``dask://HOST:PORT``, and the
    number of threads its workers have; the connection closes on leaving.

    Needs the ``dask`` extra (``pip install 'posttime[dask]'``).
    """
    if not address.startswith(DASK_SCHEME) or len(address) == len(DASK_SCHEME):
        raise UsageError(f"--executor takes dask://HOST:PORT (a Dask scheduler), not "
                         f"{address!r}")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--executor dask://... needs Dask: pip install 'posttime[dask]'"
                         ) from None
    target = "tcp://" + address[len(DASK_SCHEME):]
    try:
        client = Client(target, timeout=10, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        yield client.get_executor(), max(1, sum(client.nthreads().values()))
    finally:
        client.close()


def _collect(stream: Iterator[AnalysisResult | NoDataError], total: int,
             progress: Callable[[int, int], None] | None) -> list[AnalysisResult | NoDataError]:
    results = []
    for result in stream:
        results.append(result)
        if progress is not None:
            progress(len(results), total)
    return results


def between_page_variance(effects: pd.DataFrame) -> float:
    """DerSimonian-Laird between-page variance of window effects, one for all windows.

    ``effects`` has columns ``window``, ``a`` (a page's effect in that window) and ``v``
    (its sampling variance), one row per page and window. The moment estimator of the
    random-effects model a = alpha_window + u + e, u ~ N(0, tau^2), e ~ N(0, v):
    Q = sum over windows of sum w (a - weighted mean)^2 with w = 1/v, and
    tau^2 = max(0, (Q - sum (P_c - 1)) / sum (S1_c - S2_c / S1_c)).

    Examples
    --------
    >>> e = pd.DataFrame({"window": [0, 0, 1, 1], "a": [0.0, 1.0, 0.0, 1.0],
    ...                   "v": [0.1, 0.1, 0.1, 0.1]})
    >>> round(between_page_variance(e), 4)
    0.4
    """
    w = 1.0 / effects["v"].to_numpy()
    frame = effects.assign(w=w, wa=w * effects["a"].to_numpy(), w2=w**2)
    sums = frame.groupby("window")[["w", "wa", "w2"]].sum()
    sums["pages"] = frame.groupby("window").size()
    centre = (sums["wa"] / sums["w"]).reindex(frame["window"]).to_numpy()
    q = float(np.sum(w * (frame["a"].to_numpy() - centre) ** 2))
    df = float((sums["pages"] - 1).sum())
    denominator = float((sums["w"] - sums["w2"] / sums["w"]).sum())
    if df <= 0 or denominator <= 0:
        return 0.0
    return max(0.0, (q - df) / denominator)


def pool_pages(results: list[AnalysisResult]) -> list[GrainPool]:
    """Shrink each page's window effects towards the portfolio's, in place, grain by grain
    (windows of different grains are different windows); see the README's model.

    Changes ``theta``, ``shrunk_lift``, ``p_better`` and ``rank`` of the tested windows;
    ``lift``, its interval, ``p``, ``q`` and the verdicts stay the page's own. The pages'
    window tables are worked on as one table, page after page, and split again at the end.
    """
    fits = []
    for grain in sorted({r.grain for r in results}):
        members = [r for r in results if r.grain == grain and r.windows["tested"].sum() >= 1
                   and np.isfinite(r.residual_sd) and r.residual_sd > 0]
        if len(members) < 2:
            continue
        table = pd.concat([r.windows for r in members], ignore_index=True)
        sizes = np.array([len(r.windows) for r in members])
        page = np.repeat(np.arange(len(members)), sizes)
        tested = table["tested"].to_numpy(dtype=bool)
        on = page[tested]
        # Each page's effect in a window: its mean residual there less the page's mean
        # residual, with sampling variance s^2 / n.
        centre = np.array([r.posts["residual"].to_numpy().mean() for r in members])
        within = np.array([r.residual_sd**2 for r in members])
        effects = pd.DataFrame({
            "window": table["window"].to_numpy()[tested],
            "a": table["mean"].to_numpy(dtype=float)[tested] - centre[on],
            "v": within[on] / table["n"].to_numpy(dtype=float)[tested],
        })
        tau2 = between_page_variance(effects)
        precision = 1.0 / (effects["v"] + tau2)
        weighted = effects.assign(p=precision, pa=precision * effects["a"])
        sums = weighted.groupby("window")[["p", "pa"]].sum()
        alpha = sums["pa"] / sums["p"]
        alpha_var = 1.0 / sums["p"]
        pooled = _pooled(effects, alpha, alpha_var, tau2, centre[on],
                         np.array([r.baseline_mean for r in members])[on])
        for result, windows in zip(members, _rerank(table, page, tested, pooled, sizes),
                                   strict=True):
            result.windows = windows
        fits.append(GrainPool(grain=grain, pages=len(members), tau2=tau2, effects=alpha))
    return fits


def _pooled(effects: pd.DataFrame, alpha: pd.Series, alpha_var: pd.Series, tau2: float,
            centre: np.ndarray, baseline: np.ndarray) -> dict[str, np.ndarray]:
    """``theta``, ``shrunk_lift`` and ``p_better`` of every page's tested windows (the rows
    of ``effects``), shrunk towards the portfolio's effects ``alpha``."""
    every = np.arange(int(alpha.index.max()) + 1)
    window = effects["window"].to_numpy()
    prior = alpha.reindex(every).to_numpy()[window]
    prior_var = alpha_var.reindex(every).to_numpy()[window]
    a = effects["a"].to_numpy()
    v = effects["v"].to_numpy()
    weight = tau2 / (tau2 + v)
    theta = centre + prior + weight * (a - prior)
    sd = np.sqrt(weight * v + (1.0 - weight) ** 2 * prior_var)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (theta - baseline) / sd
    return {"theta": theta, "shrunk_lift": np.exp(theta - baseline),
            "p_better": np.where(sd > 0, special.ndtr(z), np.nan)}


def _rerank(table: pd.DataFrame, page: np.ndarray, tested: np.ndarray,
            pooled: dict[str, np.ndarray], sizes: np.ndarray) -> list[pd.DataFrame]:
    """Each page's window table with the pooled figures, its tested windows ranked again:
    by pooled estimate, then posts, then window id; the others stay last, in their order."""
    updates = {}
    for column, values in pooled.items():
        updates[column] = table[column].to_numpy(dtype=float, copy=True)
        updates[column][tested] = values
    theta = np.where(tested, updates["theta"], 0.0)
    n = np.where(tested, table["n"].to_numpy(), 0)
    window = np.where(tested, table["window"].to_numpy(), 0)
    position = np.where(tested, 0, np.arange(len(table)))
    order = np.lexsort((position, window, -n, -theta, ~tested, page))
    # tested windows come first in each page, so a tested window's rank is its place there
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    rank = pd.array(np.arange(len(table)) - starts + 1, dtype="Int64")
    rank[~tested[order]] = pd.NA
    ordered = table.assign(**updates).iloc[order].assign(rank=rank)
    ends = np.cumsum(sizes)
    return [ordered.iloc[end - size:end].reset_index(drop=True)
            for end, size in zip(ends, sizes, strict=True)]


def default_jobs() -> int:
    """The cores this process may run on (fewer than the machine's in a container or under
    taskset): the default number of pages analysed at once."""
    import os

    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
