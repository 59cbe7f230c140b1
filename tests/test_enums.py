"""The string enums: each member is its plain word wherever a result is shown or stored."""

import json

import numpy as np

from posttime.analysis import analyze
from posttime.enums import ClaimVerdict, FileStatus, Grain, Verdict
from posttime.loaders import load_exports
from posttime.samples import sample_paths
from posttime.windows import EDGES, GRAINS, choose_grain


def test_members_read_as_their_values_everywhere():
    assert Verdict.BETTER == "better" and FileStatus.ALREADY == "already ingested"
    assert str(Grain.TWO_HOURS) == "2h" and f"{Verdict.WORSE:>7}" == "  worse"
    assert json.dumps({"verdict": ClaimVerdict.NOT_SHOWN}) == '{"verdict": "not-shown"}'
    assert {"2h": 1}[Grain.TWO_HOURS] == 1 and EDGES["daypart"] == EDGES[Grain.DAYPART]
    assert np.where([True], Verdict.BETTER, Verdict.WORSE).tolist() == ["better"]
    assert GRAINS == ("auto", "2h", "daypart")
    assert choose_grain("auto", 10) is Grain.DAYPART and choose_grain("2h", 0) is Grain.TWO_HOURS


def test_an_analysis_holds_only_enum_words():
    result = analyze(load_exports(sample_paths()).posts)
    assert set(result.windows["verdict"]) <= set(Verdict)
    assert {c.verdict for c in result.claims} <= set(ClaimVerdict)
    assert result.grain in set(Grain)
    document = json.loads(json.dumps(result.to_dict()))
    assert document["grain"] == str(result.grain)
