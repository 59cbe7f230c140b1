"""One number rule for every JSON document."""

import json
import math

import numpy as np
import pandas as pd

from posttime.jsonout import json_ready, number, to_json


def test_numbers_keep_six_significant_digits_and_nan_becomes_null():
    assert number(math.pi) == 3.14159
    assert number(np.float64(123456789.0)) == 123457000.0
    assert number(np.int64(7)) == 7 and isinstance(number(np.int64(7)), int)
    assert number(float("nan")) is None and number(float("-inf")) is None
    assert number(pd.NA) is None and number(None) is None


def test_a_document_is_plain_json_with_the_rule_applied_everywhere():
    doc = {"a": [np.float32(0.1), np.bool_(False), pd.NaT],
           "b": {"when": pd.Timestamp("2025-03-01 10:00", tz="Europe/Berlin"), "x": "Thu"}}
    assert json.loads(to_json(doc)) == {
        "a": [0.1, False, None], "b": {"when": "2025-03-01T10:00:00+01:00", "x": "Thu"}}
    assert json_ready((1, 2.0)) == [1, 2.0]
    assert to_json({}).endswith("}\n")
