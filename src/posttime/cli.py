"""The command line: parse options, call the core, render, map errors to exit codes.

Heavy libraries (pandas, scipy, rich) are imported inside the commands so that
``posttime --help`` starts fast.
"""

import functools
import signal
from collections.abc import Callable
from typing import TypeVar

import typer

from posttime import __version__
from posttime.errors import ExitCode, PosttimeError

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


def handle_errors(func: F) -> F:
    """Turn a PosttimeError into one ``Error:`` line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PosttimeError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            typer.echo("Interrupted.", err=True)
            raise typer.Exit(int(ExitCode.FAILURE)) from None

    return wrapper  # type: ignore[return-value]


def run() -> None:
    """Entry point for ``python -m posttime``."""
    app(prog_name="posttime")

