"""Text shared by every renderer: number formats, verdict styles, common sentences, the
heatmap shading, and rich renderables turned into text."""

from __future__ import annotations

import io
import math
import re

GRAIN_NAMES = {"2h": "two-hour windows", "daypart": "dayparts"}
VERDICT_STYLES = {
    "better": "bold green", "worse": "bold red", "no-difference": "", "insufficient-data": "dim",
    "supported": "bold green", "contradicted": "bold red", "not-shown": "",
    "a-better": "bold cyan", "b-better": "bold magenta",
}
#: the heatmap marks of reliably better and worse windows.
MARKS = {"better": "▲", "worse": "▼", "a-better": "▲", "b-better": "▼"}
ASSOCIATION = (
    "These tests compare groups of posts: they show which times went with more engagement, "
    "not that the time caused it."
)


#: control characters a terminal may act on (C0 but tab and newline, DEL, C1): ESC starts
#: escape sequences, BEL rings, CR overwrites, 0x9b is a one-byte CSI.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: a ``<`` that opens an HTML tag, comment or declaration in Markdown.
HTML_OPEN = re.compile("<(?=[A-Za-z/!?])")
#: first characters that make a spreadsheet read a CSV cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_controls(text: str) -> str:
    """``text`` without the characters a terminal would act on (tab and newline stay).

    >>> strip_controls("PC\x1b]0;PWNED\x07\x1b[2J Merch")
    'PC]0;PWNED[2J Merch'
    """
    return CONTROL.sub("", text)


def one_line(text: str) -> str:
    """``text`` as one line with no control characters (for ``Error:`` lines and notes)."""
    return strip_controls(text.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))


def safe_markdown(text: str) -> str:
    """A Markdown document with no control characters and no raw HTML: every ``<`` that
    would open a tag (``<script>``, ``<img onerror=...>``) is written ``&lt;``; other ``<``
    (as in ``<0.001``) stay.

    >>> safe_markdown("# <img src=x onerror=alert(1)> p <0.001")
    '# &lt;img src=x onerror=alert(1)> p <0.001'
    """
    return HTML_OPEN.sub("&lt;", strip_controls(text))


def formula_safe(cell):
    """A CSV cell a spreadsheet will not run: text starting with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return gets a leading ``'``; anything else is unchanged.

    >>> formula_safe("=HYPERLINK(1)"), formula_safe("Thu"), formula_safe(-1.5)
    ("'=HYPERLINK(1)", 'Thu', -1.5)
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def fmt_lift(value) -> str:
    """A ratio such as a lift: ``1.23x``, or ``-`` when there is none."""
    return "-" if value is None or not math.isfinite(value) else f"{value:.2f}x"


def fmt_p(value) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def fmt_count(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:,.0f}"


def fmt_share(count: int, share) -> str:
    return "-" if share is None else f"{count} ({share:.0%})"


def fmt_rate(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def text_grid(grain: str, cells: dict[tuple[str, int], str]) -> list[str]:
    """A weekday x block grid as a fenced code block (for Markdown): one row per weekday,
    one column per block (named by its first hour), ``cells[(weekday, start)]`` in each
    (missing cells blank)."""
    from posttime.windows import WEEKDAYS, Grid

    starts = [int(s) for s in Grid(grain).edges[:-1]]
    width = max([3, *(len(c) for c in cells.values())])
    lines = ["```", "    " + " ".join(f"{s:02d}".rjust(width) for s in starts)]
    for day in WEEKDAYS:
        lines.append((f"{day} " + " ".join(cells.get((day, s), "").rjust(width)
                                          for s in starts)).rstrip())
    return [*lines, "```"]


#: lift at which a heatmap cell is fully coloured (and 1 / this for the other side).
FULL_SHADE = 1.5

RGB = tuple[int, int, int]
#: (no value, above 1 from weak to strong, below 1 from weak to strong) per medium.
TERMINAL_PALETTE: tuple[RGB, tuple[RGB, RGB], tuple[RGB, RGB]] = (
    (60, 60, 60), ((20, 40, 60), (20, 180, 60)), ((40, 30, 40), (180, 30, 40)))
PAPER_PALETTE: tuple[RGB, tuple[RGB, RGB], tuple[RGB, RGB]] = (
    (238, 240, 243), ((236, 246, 239), (38, 140, 78)), ((250, 238, 238), (190, 52, 60)))


def shade(lift: float | None, palette=TERMINAL_PALETTE) -> RGB:
    """Colour of a heatmap cell: green above 1, red below, stronger further from 1 (full at
    ``FULL_SHADE`` and its inverse); the palette's neutral colour when there is no lift."""
    if lift is None or not math.isfinite(lift) or lift <= 0:
        return palette[0]
    strength = min(1.0, abs(math.log(lift)) / math.log(FULL_SHADE))
    low, high = palette[1] if lift >= 1 else palette[2]
    r, g, b = (round(a + (z - a) * strength) for a, z in zip(low, high, strict=True))
    return r, g, b


def rich_shade(lift: float | None) -> str:
    """The terminal colour of a heatmap cell, as a rich colour."""
    return "rgb({},{},{})".format(*shade(lift, TERMINAL_PALETTE))


def css_shade(lift: float | None) -> str:
    """The printed colour of a heatmap cell, as a CSS hex colour."""
    return "#{:02x}{:02x}{:02x}".format(*shade(lift, PAPER_PALETTE))


def rich_to_text(renderable, console=None, width: int = 100) -> str:
    """Text of a rich renderable: through ``console`` (its width and colours, e.g. the
    terminal's), or plain at ``width`` columns when there is none (files and pipes).

    Control characters in the text (from page names, file names, columns) are removed
    before the styles are written, so only rich's own colour codes reach a terminal.
    """
    from rich.segment import Segment, Segments

    if console is None:
        from rich.console import Console

        console = Console(file=io.StringIO(), width=width, color_system=None,
                          force_terminal=False, highlight=False)
    segments = [s if s.control else Segment(strip_controls(s.text), s.style)
                for s in console.render(renderable)]
    with console.capture() as captured:
        console.print(Segments(segments), end="")
    return captured.get()


def markdown_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """The lines of a Markdown table; a ``|`` inside a cell is escaped, and the columns in
    ``right`` are right-aligned."""
    align = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
              for row in rows]
    return lines
