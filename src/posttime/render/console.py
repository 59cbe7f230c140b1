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


_quiet = {"on": False}


def be_quiet(quiet: bool = True) -> None:
    """With ``quiet``, ``talk`` says only errors, and no progress is shown (for cron)."""
    _quiet["on"] = quiet


def is_quiet() -> bool:
    return _quiet["on"]


def talk(message: str, *, error: bool = False) -> None:
    """A remark for the user (warnings, notes; errors with ``error``) on stderr, as plain
    text: never read as markup, never wrapped. Quiet mode keeps only errors."""
    from posttime.render.text import one_line

    if error or not is_quiet():
        stderr_console().print(one_line(message), markup=False, highlight=False,
                               soft_wrap=True)
