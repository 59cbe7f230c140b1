"""The one place that makes rich Consoles: data to stdout, talk to stderr.

Rich already turns colour off when the stream is not a terminal and when ``NO_COLOR`` is set.
"""

from __future__ import annotations

from functools import cache


@cache
def stdout_console():
    from rich.console import Console

    return Console(soft_wrap=False, highlight=False)


@cache
def stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def talk(message: str) -> None:
    """A remark for the user (warnings, notes) on stderr, as plain text: never read as
    markup, never wrapped."""
    from posttime.render.text import one_line

    stderr_console().print(one_line(message), markup=False, highlight=False, soft_wrap=True)
