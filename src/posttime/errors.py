"""Errors that reach the user as one line on stderr, and the exit codes of every command."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # the command ran but found nothing to report (no posts for a page or week)
    BAD_INPUT = 2  # bad input or usage: wrong file, broken CSV, unknown zone, unknown option value


class PosttimeError(Exception):
    """An error the user can fix. Its message is shown as ``Error: <message>``."""

    exit_code = ExitCode.BAD_INPUT


class InputError(PosttimeError):
    """A file that cannot be read as an export: missing, empty, wrong encoding, no time column."""


class UsageError(PosttimeError):
    """An option value that is not valid: unknown zone, metric, page, type or grain."""


class NoDataError(PosttimeError):
    """Valid input that holds nothing to report (no posts in the page or week asked for)."""

    exit_code = ExitCode.FAILURE
