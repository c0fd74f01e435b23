"""The civil-affairs register of social organisations: a SQLite table with checked codes."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import ledger_kinds, parse_any_date

from catalog.district import District
from demo import social_organisations as orgs
from identifiers import credit_code, phone


@pytest.fixture(scope="module")
def rows(small_demo: GeneratedDemo) -> list[dict]:
    db = sqlite3.connect(small_demo.departments / orgs.FILE)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(f"SELECT * FROM {orgs.TABLE} ORDER BY org_id")]
    finally:
        db.close()


@pytest.fixture(scope="module")
def dirt(small_demo: GeneratedDemo) -> dict[int, str]:
    return ledger_kinds(small_demo.departments / "dirt_ledger.csv", orgs.SOURCE)


def test_table_columns_and_rows(rows: list[dict]) -> None:
    assert tuple(rows[0]) == orgs.COLUMNS
    assert [r["org_id"] for r in rows] == list(range(1, SMALL.social_organisations + 1))


def test_clean_rows_are_registered_by_civil_affairs(
    rows: list[dict], dirt: dict[int, str], district: District
) -> None:
    clean = [r for r in rows if r["org_id"] not in dirt]
    assert len(clean) > 0.8 * len(rows)
    for row in clean:
        code = credit_code.parse(row["credit_code"])
        assert code == row["credit_code"] and code[0] == "5"
        assert code[1] == orgs.KINDS_OF_ORGANISATION[row["org_type"]][0]
        assert row["status"] in orgs.STATUSES
        assert row["community"] in district.community_by_name
        assert phone.parse(row["legal_rep_phone"]) == row["legal_rep_phone"]
        assert parse_any_date(row["registered_on"])
    assert len({r["credit_code"] for r in clean}) == len(clean)
    assert set(Counter(r["org_type"] for r in clean)) == set(orgs.KINDS_OF_ORGANISATION)


def test_every_dirty_row_shows_its_kind(
    rows: list[dict], dirt: dict[int, str], district: District
) -> None:
    by_id = {r["org_id"]: r for r in rows}
    clean_codes = Counter(r["credit_code"] for r in rows if r["org_id"] not in dirt)
    assert set(dirt.values()) == {kind.name for kind in orgs.KINDS}
    for org_id, kind in dirt.items():
        row = by_id[org_id]
        if kind == "credit_code_spelling":
            assert credit_code.is_valid(row["credit_code"])
            assert credit_code.normalise(row["credit_code"]) != row["credit_code"]
        elif kind == "credit_code_check_char":
            assert not credit_code.is_valid(row["credit_code"])
        elif kind == "credit_code_conflict":
            assert clean_codes[row["credit_code"]] == 1  # the same code as an earlier row
        elif kind == "phone_format":
            assert row["legal_rep_phone"] != phone.normalise(row["legal_rep_phone"])
        elif kind == "date_format":
            assert parse_any_date(row["registered_on"]) and "-" not in row["registered_on"]
        elif kind == "date_unparseable":
            assert not parse_any_date(row["registered_on"])
        elif kind == "community_unknown":
            assert row["community"] not in district.community_by_name
        else:
            pytest.fail(f"unexpected dirt kind {kind}")
