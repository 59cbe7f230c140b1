"""Weekday x time-of-day heatmaps for the terminal: the grid and an analysis' heatmap."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from posttime.render.text import MARKS, rich_shade
from posttime.windows import WEEKDAYS, Grid


def grid_table(grain: str, min_width: int = 3, **options) -> Table:
    """An empty weekday x block table: a weekday column, then one column per block (two-hour
    blocks are named by their first hour, dayparts by their hours)."""
    table = Table(box=None, pad_edge=False, padding=(0, 1), **options)
    table.add_column("", justify="left")
    edges = Grid(grain).edges
    for start, end in zip(edges[:-1], edges[1:], strict=True):
        name = f"{start:02d}" if grain == "2h" else f"{start:02d}-{end:02d}"
        table.add_column(name, justify="right", min_width=min_width)
    return table


def heatmap(result) -> Group:
    """One row per weekday, one column per block, each cell the window's post count.

    Tested cells are shaded by the window's shrunken lift against the baseline (the lift
    the ranking uses, so that a few lucky posts do not light up a cell; a lift of exactly
    1, as every window has when the windows differ no more than chance, is unshaded); ▲ and ▼ mark
    windows that are reliably better or worse. Cells with too few posts to test are plain.
    """
    edges = Grid(result.grain).edges
    cells = result.windows.set_index(["weekday", "start"])
    table = grid_table(result.grain)
    for day in WEEKDAYS:
        row: list[Text] = [Text(day)]
        for start in edges[:-1]:
            w = cells.loc[(day, int(start))]
            if w["n"] == 0:
                row.append(Text("·", style="dim"))
                continue
            mark = MARKS.get(w["verdict"], "")
            if w["tested"] and w["shrunk_lift"] == 1:
                row.append(Text(f"{mark}{int(w['n'])}", style="bold"))
            elif w["tested"]:
                colour = rich_shade(w["shrunk_lift"])
                row.append(Text(f"{mark}{int(w['n'])}", style=f"bold white on {colour}"))
            else:
                row.append(Text(str(int(w["n"])), style="dim"))
        table.add_row(*row)
    hours = "Columns start at the hour shown. " if result.grain == "2h" else ""
    return Group(
        Text("Posts per window, shaded by shrunken lift against weekdays 10-14", style="bold"),
        table,
        Text(f"{hours}▲ reliably better, ▼ reliably worse; plain cells have too few posts "
             "to test.", style="dim"),
    )
