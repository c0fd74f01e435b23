"""Each kind of contract rule, in pairs: data that passes it and data that fails it; and
rules the contract must refuse at load time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError

from catalog.contracts import DatasetContract
from catalog.quality_rules import QualityRule
from catalog.registry import load_catalog
from home.layout import config_dir
from identifiers import credit_code
from quality.expectations import validate_frame
from quality.rule_rows import RowRules
from quality.rule_suite import COMPUTED_PREFIX, suite_items

CATALOG = load_catalog(config_dir())
GOOD = [credit_code.make(f"91440399MA{n:07d}") for n in range(3)]
# The same code with another check character: a typo the check digit catches.
BAD_CHECK = GOOD[1][:-1] + ("0" if GOOD[1][-1] != "0" else "1")
COMMUNITY = "440399001001"


def _enterprises(rules: list[dict[str, Any]]) -> DatasetContract:
    data = CATALOG.datasets["enterprises"].model_dump(by_alias=True)
    data["quality"] = {"rules": rules}
    data["expectations"] = []
    return DatasetContract.model_validate(data)


def _frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def _outcome(rule: dict[str, Any], frame: pd.DataFrame) -> Any:
    contract = _enterprises([rule])
    items = suite_items(contract, CATALOG.district)
    if rule["check"] == "checksum":  # what rule_suite.load_frame computes from the column
        frame[f"{COMPUTED_PREFIX}{rule['name']}"] = [
            None if v is None else credit_code.is_valid(v) for v in frame[rule["columns"][0]]
        ]
    (result,) = validate_frame(contract, frame, items).outcomes
    return result


CASES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ({"check": "not_null", "columns": ["uscc"]}, {"uscc": GOOD}, {"uscc": [GOOD[0], None, GOOD[2]]}),
    ({"check": "unique", "columns": ["uscc"]}, {"uscc": GOOD}, {"uscc": [GOOD[0], GOOD[0], GOOD[2]]}),
    ({"check": "checksum", "columns": ["uscc"]}, {"uscc": GOOD}, {"uscc": [GOOD[0], BAD_CHECK, GOOD[2]]}),
    ({"check": "allowed_values", "columns": ["community_code"], "values_from": "communities"}, {"community_code": [COMMUNITY] * 3}, {"community_code": [COMMUNITY, "440399009009", COMMUNITY]}),
    ({"check": "allowed_values", "columns": ["status"], "values": ["存续", "在业"]}, {"status": ["存续", "在业", "存续"]}, {"status": ["存续", "注销", "存续"]}),
    ({"check": "range", "columns": ["established"], "min": dt.date(1980, 1, 1)}, {"established": pd.to_datetime(["1990-01-01", "2000-01-01", None])}, {"established": pd.to_datetime(["1970-01-01", "2000-01-01", None])}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "good", "bad"), CASES, ids=[f"{c[0]['check']}-{c[0]['columns'][0]}" for c in CASES]
)
def test_each_rule_passes_good_data_and_fails_bad(rule: dict, good: dict, bad: dict) -> None:
    rule = {"name": "r", **rule}
    passed = _outcome(rule, _frame(**good))
    assert passed.success and passed.failing_rows == 0
    failed = _outcome(rule, _frame(**bad))
    assert not failed.success and failed.failing_rows >= 1
    assert failed.rule == "r" and failed.on_fail == "block"


def test_failing_rows_are_counted_per_community_without_values() -> None:
    frame = _frame(
        uscc=[GOOD[0], GOOD[0], GOOD[1]], community_code=[COMMUNITY, "440399002001", COMMUNITY]
    )
    result = _outcome({"name": "u", "check": "unique", "columns": ["uscc"]}, frame)
    assert result.by_community == {COMMUNITY: 1, "440399002001": 1}
    assert GOOD[0] not in result.observed


def test_row_rules_quarantine_only_the_rows_that_break_them() -> None:
    contract = _enterprises(
        [{"name": "old_enough", "check": "range", "columns": ["established"], "min": dt.date(1980, 1, 1), "on_fail": "quarantine"}]
    )  # fmt: skip
    rules = RowRules(contract, CATALOG.district)
    assert rules.first_failure({"established": dt.date(1990, 1, 1)}) is None
    assert rules.first_failure({"established": dt.date(1970, 1, 1)}) == (
        "established",
        "rule old_enough: below the minimum 1980-01-01",
    )


@pytest.mark.parametrize(
    ("rule", "why"),
    [
        (
            {"check": "unique", "columns": ["uscc"], "on_fail": "quarantine"},
            "one row can be judged",
        ),
        (
            {"check": "allowed_values", "columns": ["legal_rep"], "values": ["x"]},
            "would read its plaintext",
        ),
        (
            {"check": "exists_in", "columns": ["uscc"], "in": "population.id_number"},
            "compares join tokens",
        ),
        ({"check": "range", "columns": ["established"]}, "needs min, max"),
        ({"check": "not_null", "columns": ["nope"]}, "not columns of the contract"),
    ],
)
def test_the_contract_refuses_rules_it_cannot_keep(rule: dict, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        _enterprises([{"name": "r", **rule}])


def test_the_contract_accepts_a_reference_by_join_token() -> None:
    contract = _enterprises(
        [{"name": "rep_known", "check": "exists_in", "columns": ["legal_rep_id"], "in": "population.id_number", "on_fail": "warn"}]
    )  # fmt: skip
    assert contract.quality.rules[0] == QualityRule.model_validate(
        {"name": "rep_known", "check": "exists_in", "columns": ["legal_rep_id"], "in": "population.id_number", "on_fail": "warn"}
    )  # fmt: skip


def test_resident_id_checksum_column_at_once_agrees_with_the_parser_value_by_value() -> None:
    """The checksum rule settles canonical IDs a whole column at a time; every other
    spelling is still judged by the parser, so the verdicts are the parser's."""
    from identifiers import resident_id
    from quality.rule_suite import _checksum_validity

    population = load_catalog(config_dir()).datasets["population"]
    columns = [
        c.model_copy(update={"protection": "none", "token_domain": None})
        if c.name == "id_number"
        else c
        for c in population.columns
    ]
    contract = population.model_copy(update={"columns": columns})
    rule = QualityRule.model_validate(
        {"name": "id_checksum", "check": "checksum", "columns": ["id_number"]}
    )
    good = "11010519491231002X"
    values = [
        good,
        good.lower(),  # a lower-case x: the parser's to judge
        good[:-1] + "3",  # wrong check character
        "110105194912310",  # 15 digits
        "110105 19491231 002X",  # spaced
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width
        "99010519491231002X",  # no such province
        "11010521000101002X",  # born in the future
        None,
        float("nan"),
    ]
    expected = [None if v is None or v != v else resident_id.is_valid(str(v)) for v in values]
    assert _checksum_validity(contract, rule, values, keystore=None) == expected
    assert expected[0] is True and expected[2] is False
