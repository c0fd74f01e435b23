"""Each treatment's effect in a data room built on a real DuckDB, row scopes included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from policy_fixtures import DAY, new_keystore, room_catalog, stand_in_lake

from catalog.contracts import ProductContract
from encryption.field_cipher import seal_column
from encryption.keystore import KeyStore
from encryption.tokens import tokenise_value
from policies.models import PolicySet
from policies.rooms import MANIFEST_TABLE, build_room

PRODUCT = ProductContract.model_validate(
    {
        "name": "resident_visits",
        "title": "t",
        "description": "d",
        "owner": "civil_affairs",
        "steward": "steward",
        "sharing": "unconditional",
        "inputs": ["population"],
        "columns": [
            {"name": "street_code", "level": "L1"},
            {"name": "community_code", "level": "L1"},
            {"name": "visits", "level": "L2"},
            {"name": "birth_date", "level": "L3"},
            {"name": "name", "level": "L3", "mask": "surname_only"},
            {
                "name": "phone",
                "level": "L3",
                "sealed_from": "population.phone",
                "mask": "keep_first3_last4",
                "token_domain": "phone",
            },
            {"name": "id_token", "level": "L4"},
        ],
    }
)
ROWS = [
    ("440399001", "440399001001", 3, dt.date(1950, 3, 7), "张伟", "13812345678", "t1_a"),
    ("440399001", "440399001002", 1, dt.date(1961, 8, 1), "欧阳娜娜", "13900001111", "t1_b"),
    ("440399002", "440399002001", 2, dt.date(1972, 1, 9), "李娜", "13700002222", "t1_c"),
]
STREET_A, COMMUNITY_A2 = "440399001", "440399001002"


def _policies(treatments: dict[str, str], rows: str = "own_street", **grant: object) -> PolicySet:
    return PolicySet.model_validate(
        {
            "principals": [
                {"id": "street_a", "kind": "street_office", "name": "A", "street": STREET_A},
                {
                    "id": "community_a2",
                    "kind": "street_office",
                    "name": "A2",
                    "street": STREET_A,
                    "community": COMMUNITY_A2,
                },
                {"id": "street_c", "kind": "street_office", "name": "C", "street": "440399003"},
                {"id": "dept", "kind": "department", "name": "D"},
            ],
            "grants": [
                {
                    "id": "g-test",
                    "to": {},
                    "products": ["resident_visits"],
                    "rows": rows,
                    "treatments": treatments,
                    "purpose": "p",
                    "valid_from": "2026-01-01",
                    "valid_until": "2026-12-31",
                    "reason": "r",
                    **grant,
                }
            ],
        }
    )


@pytest.fixture
def keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyStore:
    return new_keystore(tmp_path, monkeypatch)


@pytest.fixture
def lake(keystore: KeyStore) -> Iterator[duckdb.DuckDBPyConnection]:
    """A stand-in lake: an in-memory database attached as ``lake`` with one product."""
    con = stand_in_lake()
    columns = list(zip(*ROWS, strict=True))
    table = pa.table(
        {
            "street_code": pa.array(columns[0]),
            "community_code": pa.array(columns[1]),
            "visits": pa.array(columns[2], pa.int64()),
            "birth_date": pa.array(columns[3], pa.date32()),
            "name": pa.array(columns[4]),
            "phone": seal_column(
                pa.array(columns[5]), dataset="population", column="phone", keystore=keystore
            ),
            "id_token": pa.array(columns[6]),
        }
    )
    con.register("incoming", table)
    con.execute("CREATE TABLE lake.products.resident_visits AS SELECT * FROM incoming")
    con.unregister("incoming")
    yield con
    con.close()


def _room(
    lake: duckdb.DuckDBPyConnection,
    keystore: KeyStore,
    tmp_path: Path,
    policies: PolicySet,
    principal: str = "street_a",
) -> duckdb.DuckDBPyConnection:
    catalog = room_catalog(tmp_path, PRODUCT)
    report = build_room(lake, tmp_path / "rooms", principal, catalog, policies, keystore, day=DAY)
    assert not report.denied, report.denied
    return duckdb.connect(str(report.path), read_only=True)


def _rows(room: duckdb.DuckDBPyConnection, columns: str) -> list[tuple[object, ...]]:
    return room.execute(f"SELECT {columns} FROM resident_visits ORDER BY community_code").fetchall()


def test_clear_opens_sealed_values_for_own_street_only(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    policies = _policies({"L1": "clear", "L2": "clear", "L3": "clear"})
    room = _room(lake, keystore, tmp_path, policies)
    assert _rows(room, "community_code, visits, name, phone") == [
        ("440399001001", 3, "张伟", "13812345678"),
        ("440399001002", 1, "欧阳娜娜", "13900001111"),
    ]


def test_masked_uses_the_columns_named_mask(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    room = _room(lake, keystore, tmp_path, _policies({"L1": "clear", "L3": "masked"}))
    assert _rows(room, "name, phone") == [("张*", "138****5678"), ("欧阳**", "139****1111")]


def test_masked_with_a_grant_given_mask(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    policies = _policies(
        {"L1": "clear"},
        column_treatments={"phone": "masked:keep_first6", "name": "masked:hide_all"},
    )
    room = _room(lake, keystore, tmp_path, policies)
    assert _rows(room, "name, phone") == [("**", "138123*****"), ("****", "139000*****")]
    because = room.execute(
        f"SELECT because FROM {MANIFEST_TABLE} WHERE \"column\" = 'phone'"
    ).fetchone()
    assert because == ("grant g-test, column rule → masked keep_first6 (the grant's mask)",)


def test_year_only_keeps_the_year_as_an_integer(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    policies = _policies(
        {"L1": "clear", "L3": "year_only"},
        column_treatments={"phone": "withheld", "name": "withheld"},
    )
    room = _room(lake, keystore, tmp_path, policies)
    assert _rows(room, "birth_date") == [(1950,), (1961,)]
    types = {r[0]: r[1] for r in room.execute("DESCRIBE resident_visits").fetchall()}
    assert types["birth_date"] == "INTEGER"


def test_year_only_on_text_keeps_its_first_four_characters(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    # the sealed phone opens as text; year_only then keeps what a text date's year would be
    policies = _policies({"L1": "clear"}, column_treatments={"phone": "year_only"})
    room = _room(lake, keystore, tmp_path, policies)
    assert _rows(room, "phone") == [("1381",), ("1390",)]


def test_token_gives_the_keyed_pseudonym(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    room = _room(lake, keystore, tmp_path, _policies({"L1": "clear", "L3": "token"}))
    expected = [
        (tokenise_value(phone, domain="phone", keystore=keystore),)
        for phone in ("13812345678", "13900001111")
    ]
    assert _rows(room, "phone") == expected


def test_withheld_and_l4_columns_are_not_in_the_room(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    policies = _policies({"L1": "clear", "L2": "withheld", "L4": "clear"})
    room = _room(lake, keystore, tmp_path, policies)
    columns = [row[0] for row in room.execute("DESCRIBE resident_visits").fetchall()]
    assert columns == ["street_code", "community_code"]
    manifest = dict(room.execute(f'SELECT "column", treatment FROM {MANIFEST_TABLE}').fetchall())
    assert manifest["id_token"] == "withheld" and manifest["visits"] == "withheld"


@pytest.mark.parametrize(
    ("rows", "principal", "communities"),
    [
        ("own_street", "street_a", ["440399001001", "440399001002"]),
        ("own_street", "community_a2", ["440399001001", "440399001002"]),
        ("own_community", "community_a2", ["440399001002"]),
        ("own_jurisdiction", "community_a2", ["440399001002"]),
        ("own_jurisdiction", "street_a", ["440399001001", "440399001002"]),
        ("district", "dept", ["440399001001", "440399001002", "440399002001"]),
    ],
)
def test_row_scopes(
    lake: duckdb.DuckDBPyConnection,
    keystore: KeyStore,
    tmp_path: Path,
    rows: str,
    principal: str,
    communities: list[str],
) -> None:
    room = _room(lake, keystore, tmp_path, _policies({"L1": "clear"}, rows), principal)
    assert [r[0] for r in _rows(room, "community_code")] == communities


def test_principal_without_jurisdiction_gets_no_room_table(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    catalog = room_catalog(tmp_path, PRODUCT)
    policies = _policies({"L1": "clear"}, "own_street")
    report = build_room(lake, tmp_path / "rooms", "dept", catalog, policies, keystore, day=DAY)
    assert "no rows" in report.denied["resident_visits"]
    room = duckdb.connect(str(report.path), read_only=True)
    tables = [r[0] for r in room.execute("SHOW TABLES").fetchall()]
    assert tables == [MANIFEST_TABLE]


def test_empty_jurisdiction_gets_an_empty_table_typed_as_treated(
    lake: duckdb.DuckDBPyConnection, keystore: KeyStore, tmp_path: Path
) -> None:
    policies = _policies({"L1": "clear", "L3": "year_only"})
    room = _room(lake, keystore, tmp_path, policies, "street_c")
    assert _rows(room, "birth_date") == []
    types = {r[0]: r[1] for r in room.execute("DESCRIBE resident_visits").fetchall()}
    assert types["birth_date"] == "INTEGER" and types["phone"] == "VARCHAR"
