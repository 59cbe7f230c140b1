"""Every JSON document of posttime, under one number rule.

Numbers: integers stay integers; other finite numbers are written with six significant
digits; NaN and infinities become ``null``. Timestamps and dates are written in ISO 8601.
``to_json`` applies the rule to a whole document, so each result's ``to_dict`` and each
renderer share it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import numbers
from typing import Any

#: significant digits of every non-integer number in a JSON document.
DIGITS = 6


def number(value: Any) -> int | float | None:
    """One number under the rule: int as int, float to ``DIGITS`` significant digits, NaN
    and infinities as None.

    >>> number(1.23456789), number(float("nan")), number(7)
    (1.23457, None, 7)
    """
    if value is None or type(value).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.{DIGITS}g}")


def json_ready(value: Any) -> Any:
    """``value`` with every number under the rule and numpy/pandas scalars made plain."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if value is None or isinstance(value, str):
        return value
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        return bool(value)
    if isinstance(value, numbers.Real):
        return number(value)
    return value


def to_json(document: dict) -> str:
    """The document as indented UTF-8 JSON text, ending in a newline."""
    return json.dumps(json_ready(document), indent=2, ensure_ascii=False) + "\n"
