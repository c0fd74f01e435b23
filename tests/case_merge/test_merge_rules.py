"""The merge rule: which pairs of channel records are one case, at the edges of its
thresholds; how links make cases; how a steward's overrides apply; what evidence is kept.

Sections:
1. the similarity of two redacted texts;
2. a rule links a pair only within its window, at or above its threshold, across sources;
3. links make cases, named after their earliest record;
4. overrides: split and forced merge, oldest first, stale ones skipped;
5. the evidence holds names and numbers, never a value.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from merge_fixtures import (
    CASES,
    NOISE,
    NOISE_AGAIN,
    RUBBISH,
    MergeLake,
    merge_lake,
    record,
    with_rules,
)

from case_merge.build import automatic_links, case_id, merge_cases
from case_merge.overrides import record_override
from case_merge.similarity import similarity
from catalog.contracts import MergeRule

PHONE = MergeRule(name="same_reporter", same="reporter_phone", within_hours=72, min_similarity=0.3)
PLACE = MergeRule(name="same_place", same="location", within_hours=12, min_similarity=0.45)


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MergeLake]:
    with merge_lake(tmp_path, monkeypatch) as opened:
        yield opened


# 1. similarity -------------------------------------------------------------------------------


def test_similarity_of_redacted_texts() -> None:
    assert similarity(NOISE, NOISE) == 1.0
    assert 0.6 < similarity(NOISE, NOISE_AGAIN) < 1.0  # the same words, a letter's framing
    assert similarity(NOISE, RUBBISH) < 0.2
    # placeholders, digits and punctuation never make texts alike
    assert similarity("[PERSON]，[CN_MOBILE]，12号", "[PERSON] [CN_MOBILE] 12号") == 0.0
    assert similarity(None, NOISE) == similarity("", NOISE) == 0.0


# 2. one rule, at its edges ------------------------------------------------------------------


def test_same_reporter_on_two_channels_within_the_window_is_one_case(lake: MergeLake) -> None:
    lake.protected([record("hl_cases", "A"), record("wx_cases", "B", hours=30, place=None)])
    result = merge_cases(lake.con, with_rules(CASES, PHONE))
    assert lake.groups() == {frozenset({"hl_cases:A", "wx_cases:B"})}
    assert (result.merged_records, result.merged_cases, result.cases) == (2, 1, 1)


@pytest.mark.parametrize(("offset", "merged"), [(0.0, True), (0.001, False)])
def test_the_similarity_threshold_is_inclusive(
    lake: MergeLake, offset: float, merged: bool
) -> None:
    lake.protected([record("hl_cases", "A"), record("mb_cases", "B", hours=1, text=NOISE_AGAIN)])
    score = round(similarity(NOISE, NOISE_AGAIN), 3)
    rule = PHONE.model_copy(update={"min_similarity": score + offset})
    merge_cases(lake.con, with_rules(CASES, rule))
    assert bool(lake.groups()) is merged


@pytest.mark.parametrize(("hours", "merged"), [(72.0, True), (72.01, False)])
def test_the_window_is_inclusive(lake: MergeLake, hours: float, merged: bool) -> None:
    lake.protected([record("hl_cases", "A"), record("wx_cases", "B", hours=hours)])
    merge_cases(lake.con, with_rules(CASES, PHONE))
    assert bool(lake.groups()) is merged


def test_records_of_one_channel_are_not_merged_unless_the_contract_says_so(lake: MergeLake) -> None:
    lake.protected([record("hl_cases", "A"), record("hl_cases", "B", hours=2)])
    merge_cases(lake.con, with_rules(CASES, PHONE))
    assert not lake.groups()
    merge_cases(lake.con, with_rules(CASES, PHONE, across=False))
    assert lake.groups() == {frozenset({"hl_cases:A", "hl_cases:B"})}


def test_other_reporter_other_place_or_other_words_are_not_one_case(lake: MergeLake) -> None:
    lake.protected(
        [
            record("hl_cases", "A"),
            record("wx_cases", "B", hours=1, phone="13800000000", place="翠竹苑3栋"),
            record("gd_cases", "C", hours=1, phone=None, text=RUBBISH),  # same place, other words
            record("wb_cases", "D", hours=13, phone=None),  # same place, same words, too late
        ]
    )
    merge_cases(lake.con, with_rules(CASES, PHONE, PLACE))
    assert not lake.groups()


def test_the_same_place_spelled_another_way_is_the_same_token(lake: MergeLake) -> None:
    lake.protected(
        [
            record("hl_cases", "A", phone="13912345678"),
            record("gd_cases", "B", hours=-3, phone="13800000000", place="东湖社区 桂花路 １２ 号"),
        ]
    )
    result = merge_cases(lake.con, with_rules(CASES, PHONE, PLACE))
    assert lake.groups() == {frozenset({"hl_cases:A", "gd_cases:B"})}
    assert dict(result.links) == {"same_place": 1}


def test_a_pair_both_rules_would_link_is_linked_by_the_first(lake: MergeLake) -> None:
    lake.protected([record("hl_cases", "A"), record("wx_cases", "B", hours=2)])
    assert dict(merge_cases(lake.con, with_rules(CASES, PHONE, PLACE)).links) == {
        "same_reporter": 1
    }
    assert dict(merge_cases(lake.con, with_rules(CASES, PLACE, PHONE)).links) == {"same_place": 1}


# 3. cases ----------------------------------------------------------------------------------


def test_links_chain_into_one_case_named_after_its_earliest_record(lake: MergeLake) -> None:
    rows = [
        record("wx_cases", "B", hours=20, place=None),  # the reporter again, a day later
        record("hl_cases", "A"),
        record("wb_cases", "C", hours=-2, phone=None),  # a bystander, same place, earlier
    ]
    lake.protected(rows)
    merge_cases(lake.con, CASES)  # the contract's own rules
    assert lake.groups() == {frozenset({"hl_cases:A", "wx_cases:B", "wb_cases:C"})}
    assert set(lake.cases().values()) == {case_id("wb_cases:C")}
    lake.protected([*rows, record("mb_cases", "D", hours=30, place=None)])
    merge_cases(lake.con, CASES)
    assert set(lake.cases().values()) == {case_id("wb_cases:C")}  # a later record: same id


def test_no_case_holds_two_records_of_one_channel_the_stronger_link_wins(lake: MergeLake) -> None:
    # Regression (demo seed 11): a reporter rang the hotline twice, about two matters; a
    # WeChat message like both chained the two calls into one case.
    lake.protected(
        [
            record("hl_cases", "A", place=None, text=NOISE_AGAIN),
            record("hl_cases", "B", hours=6, place=None),
            record("wx_cases", "W", hours=8, place=None),  # the same words as B
        ]
    )
    assert len(automatic_links(lake.con, with_rules(CASES, PHONE))) == 2  # W is like both
    result = merge_cases(lake.con, with_rules(CASES, PHONE))
    assert lake.groups() == {frozenset({"hl_cases:B", "wx_cases:W"})}
    assert dict(result.links) == {"same_reporter": 1}  # the evidence: the link used only


# 4. overrides ------------------------------------------------------------------------------


def test_a_split_cuts_a_record_out_and_a_forced_merge_joins_two(lake: MergeLake) -> None:
    lake.protected(
        [
            record("hl_cases", "A"),
            record("wx_cases", "B", hours=1, place=None),
            record("gd_cases", "C", hours=40, phone=None, place="翠竹苑3栋", text=RUBBISH),
        ]
    )
    record_override(lake.con, "cases", "split", ("wx_cases:B",), "steward_district", "不同事项")
    result = merge_cases(lake.con, CASES)
    assert not lake.groups() and result.overrides == 1
    record_override(
        lake.con, "cases", "merge", ("gd_cases:C", "hl_cases:A"), "steward_district", "同一事项"
    )
    result = merge_cases(lake.con, CASES)
    assert lake.groups() == {frozenset({"hl_cases:A", "gd_cases:C"})}
    assert dict(result.links) == {"steward": 1}
    # a split after a forced merge cuts the forced link too
    record_override(lake.con, "cases", "split", ("hl_cases:A",), "steward_district", "再核实")
    merge_cases(lake.con, CASES)
    assert not lake.groups()


def test_an_override_naming_a_record_no_longer_loaded_is_skipped_and_said(lake: MergeLake) -> None:
    lake.protected([record("hl_cases", "A"), record("wx_cases", "B", hours=1)])
    record_override(lake.con, "cases", "split", ("wx_cases:GONE",), "steward_district", "x")
    result = merge_cases(lake.con, CASES)
    assert result.stale_overrides == ["mo-0001"] and result.overrides == 0
    assert lake.groups() == {frozenset({"hl_cases:A", "wx_cases:B"})}


# 5. evidence -------------------------------------------------------------------------------


def test_the_evidence_is_names_and_numbers_never_values(lake: MergeLake) -> None:
    lake.protected([record("hl_cases", "A"), record("wx_cases", "B", hours=30, place=None)])
    merge_cases(lake.con, CASES)
    columns = [
        r[0] for r in lake.con.execute("DESCRIBE lake.protected.cases_merge_links").fetchall()
    ]
    assert columns == [
        "case_id", "record_id", "linked_to", "rule", "same_token", "gap_hours", "similarity",
        "override_id",
    ]  # fmt: skip
    [link] = lake.con.execute("SELECT * FROM lake.protected.cases_merge_links").fetchall()
    assert link[1:7] == ("wx_cases:B", "hl_cases:A", "same_reporter", "reporter_phone", 30.0, 1.0)
    dumped = " ".join(str(v) for v in link)
    assert "13912345678" not in dumped and "桂花路" not in dumped
    merged = lake.con.execute("DESCRIBE lake.protected.cases_merged").fetchall()
    assert [r[0] for r in merged] == ["record_id", "_source", "case_no", "case_id", "case_records"]
