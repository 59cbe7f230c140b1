"""The words results are made of, as string enums: verdicts, grains and file statuses.

Each member is a ``str`` equal to its value (``Verdict.BETTER == "better"``), so results,
JSON documents and tables hold the plain words while code compares members, not literals.
"""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A string enum whose ``str()`` and format are its value (as ``enum.StrEnum`` of
    Python 3.11, which 3.10 lacks)."""

    __hash__ = str.__hash__  # a member finds the entries of its plain string in a dict

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Verdict(StrEnum):
    """A window against the baseline (``analyze``)."""

    BETTER = "better"
    WORSE = "worse"
    NO_DIFFERENCE = "no-difference"
    INSUFFICIENT_DATA = "insufficient-data"


class ClaimVerdict(StrEnum):
    """A claim of the usual advice, tested in its own direction."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    NOT_SHOWN = "not-shown"
    INSUFFICIENT_DATA = "insufficient-data"


class CompareVerdict(StrEnum):
    """A window of page A against the same window of page B (``compare``)."""

    A_BETTER = "a-better"
    B_BETTER = "b-better"
    NO_DIFFERENCE = "no-difference"
    INSUFFICIENT_DATA = "insufficient-data"


class Grain(StrEnum):
    """The size of the posting windows; ``auto`` is resolved by the page's size."""

    AUTO = "auto"
    TWO_HOURS = "2h"
    DAYPART = "daypart"


class FileStatus(StrEnum):
    """What ingesting did with one source file."""

    INGESTED = "ingested"
    ALREADY = "already ingested"
    SKIPPED = "skipped"
    FAILED = "failed"
