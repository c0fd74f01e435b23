from __future__ import annotations

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import jsonl_records, ledger_kinds, parse_any_date, population_rows

from catalog.district import District
from demo import enterprises, population
from demo.enterprises import organisation_code
from identifiers import credit_code, phone, resident_id


@pytest.fixture(scope="module")
def records(small_demo: GeneratedDemo) -> list[dict]:
    return jsonl_records(small_demo.departments / enterprises.FILE)


@pytest.fixture(scope="module")
def dirt(small_demo: GeneratedDemo) -> dict[int, str]:
    return ledger_kinds(small_demo.departments / "dirt_ledger.csv", enterprises.SOURCE)


def test_organisation_code_check_character() -> None:
    # A published example: organisation code D2143569-X (GB 11714).
    assert organisation_code("D2143569") == "D2143569X"


def test_records_have_the_contract_fields(records: list[dict]) -> None:
    assert len(records) == SMALL.enterprises
    assert all(tuple(record) == enterprises.FIELDS for record in records)


def test_clean_records_are_valid(
    records: list[dict], dirt: dict[int, str], district: District
) -> None:
    clean = [r for line, r in enumerate(records, start=1) if line not in dirt]
    assert len({r["uscc"] for r in clean}) == len(clean)
    for record in clean:
        assert credit_code.parse(record["uscc"]) == record["uscc"]
        assert resident_id.parse(record["legal_rep_id"]).value == record["legal_rep_id"]
        assert phone.parse(record["legal_rep_phone"]) == record["legal_rep_phone"]
        street, community = district.community_by_code[record["community_code"]]
        assert record["street_code"] == street.code
        assert record["address"].startswith(f"示范区{street.name}{community.name}")
        assert record["name"].startswith("示范区")
        assert record["status"] in {"存续", "在业", "注销", "吊销"}
        assert record["industry"] in enterprises.INDUSTRIES
        assert parse_any_date(record["established"]) is not None


def test_every_dirty_record_shows_its_kind(
    records: list[dict], dirt: dict[int, str], district: District
) -> None:
    assert set(dirt.values()) == {kind.name for kind in enterprises.KINDS}
    clean_codes = {r["uscc"] for line, r in enumerate(records, start=1) if line not in dirt}
    for line, kind in dirt.items():
        record = records[line - 1]
        if kind == "uscc_lowercase":
            assert record["uscc"] != record["uscc"].upper()
            assert credit_code.is_valid(record["uscc"])
        elif kind == "uscc_check_char":
            assert not credit_code.is_valid(record["uscc"])
        elif kind == "phone_format":
            assert phone.is_mobile(record["legal_rep_phone"])
            assert record["legal_rep_phone"] != phone.normalise(record["legal_rep_phone"])
        elif kind == "id_lower_x":
            assert record["legal_rep_id"].endswith("x")
            assert resident_id.is_valid(record["legal_rep_id"])
        elif kind == "date_format":
            assert parse_any_date(record["established"]) is not None
            assert "-" not in record["established"]
        elif kind == "date_unparseable":
            assert parse_any_date(record["established"]) is None
        elif kind == "community_code_unknown":
            assert record["community_code"] not in district.community_by_code
        elif kind == "duplicate":
            assert record["uscc"] in clean_codes
            assert records.index(record) < line - 1  # an exact copy of an earlier record
        else:
            pytest.fail(f"unexpected dirt kind {kind}")


def test_many_legal_representatives_are_registry_residents(
    small_demo: GeneratedDemo, records: list[dict]
) -> None:
    registry = {
        row["id_number"]
        for row in population_rows(small_demo.departments / population.FILE)
        if row["id_number"]
    }
    linked = sum(record["legal_rep_id"] in registry for record in records)
    assert linked > 0.3 * len(records)
