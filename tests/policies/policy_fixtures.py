"""Small policy sets and products for engine tests, and the pieces a data room is built from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from catalog.contracts import ProductContract
from catalog.district import load_district
from catalog.registry import Catalog
from encryption.keystore import KeyStore, open_keystore
from encryption.master_key import MASTER_KEY_FILE, PROVIDER_ENV, create_key_file
from home.layout import DEFAULT_CONFIG_DIR
from policies.models import PolicySet

DAY = dt.date(2026, 6, 1)


def product(name: str = "street_case_stats", sharing: str = "unconditional") -> ProductContract:
    return ProductContract.model_validate(
        {
            "name": name,
            "title": "t",
            "description": "d",
            "owner": "hotline_12345",
            "steward": "steward_district",
            "sharing": sharing,
            "inputs": ["cases"],
            "columns": [
                {"name": "street_code", "level": "L1"},
                {"name": "community_code", "level": "L1"},
                {"name": "cases", "level": "L2"},
                {
                    "name": "reporter_phone",
                    "level": "L3",
                    "mask": "keep_first3_last4",
                    "token_domain": "phone",
                },
                {"name": "reporter_id", "level": "L4", "token_domain": "resident_id"},
            ],
        }
    )


def grant(grant_id: str, **fields: object) -> dict[str, object]:
    """A grant to the test product, valid in 2026, with only what a test changes given."""
    return {
        "id": grant_id,
        "to": {"kind": "street_office"},
        "products": ["street_case_stats"],
        "rows": "district",
        "treatments": {"L1": "clear"},
        "purpose": "p",
        "valid_from": "2026-01-01",
        "valid_until": "2026-12-31",
        "reason": "r",
        **fields,
    }


def deny(deny_id: str, to: dict[str, str], products: list[str] | None = None) -> dict[str, object]:
    return {"id": deny_id, "to": to, "products": products or ["street_case_stats"], "reason": "r"}


def with_rules(
    grants: list[dict[str, object]] | None = None,
    denies: list[dict[str, object]] | None = None,
    *,
    replace: bool = False,
) -> PolicySet:
    """The test policies with some grants and deny rules added (or, with replace, instead)."""
    data = policies().model_dump()
    data["grants"] = (grants or []) if replace else data["grants"] + (grants or [])
    data["denies"] = (denies or []) if replace else data["denies"] + (denies or [])
    return PolicySet.model_validate(data)


def policies(**overrides: object) -> PolicySet:
    data: dict[str, object] = {
        "principals": [
            {"id": "street_a", "kind": "street_office", "name": "A", "street": "440399001"},
            {"id": "street_b", "kind": "street_office", "name": "B", "street": "440399002"},
            {
                "id": "community_a1",
                "kind": "street_office",
                "name": "A1",
                "street": "440399001",
                "community": "440399001002",
            },
            {"id": "dept_x", "kind": "department", "name": "X", "department": "hotline_12345"},
            {"id": "steward", "kind": "steward", "name": "S"},
            {"id": "reviewer", "kind": "reviewer", "name": "R"},
            {
                "id": "analyst",
                "kind": "department",
                "name": "Y",
                "roles": ["analysts"],
                "groups": ["elderly_care_taskforce"],
            },
        ],
        "grants": [
            {
                "id": "g-street",
                "to": {"kind": "street_office"},
                "products": ["street_case_stats"],
                "rows": "own_jurisdiction",
                "treatments": {"L1": "clear", "L2": "clear", "L3": "masked", "L4": "withheld"},
                "purpose": "street work",
                "valid_from": "2026-01-01",
                "valid_until": "2026-12-31",
                "reason": "returned to streets",
            },
            {
                "id": "g-steward",
                "to": {"kind": "steward"},
                "products": ["*"],
                "rows": "district",
                "treatments": {"L1": "clear", "L2": "clear", "L3": "token"},
                "purpose": "oversight",
                "valid_from": "2026-01-01",
                "valid_until": "2026-12-31",
                "reason": "stewards",
            },
        ],
        "denies": [
            {
                "id": "d-reviewer",
                "to": {"kind": "reviewer"},
                "products": ["*"],
                "reason": "reviewers audit, they do not read data",
            },
        ],
    }
    data.update(overrides)
    return PolicySet.model_validate(data)


def new_keystore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyStore:
    """A key store with a fresh master key file, whatever the environment names."""
    monkeypatch.delenv("SHUZHI_MASTER_KEY", raising=False)
    monkeypatch.delenv(PROVIDER_ENV, raising=False)
    keys = tmp_path / "keys"
    keys.mkdir()
    create_key_file(keys / MASTER_KEY_FILE)
    return open_keystore(keys)


def stand_in_lake() -> duckdb.DuckDBPyConnection:
    """An in-memory database attached as ``lake``, with an empty ``products`` schema."""
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS lake")
    con.execute("CREATE SCHEMA lake.products")
    return con


def room_catalog(config_dir: Path, *products: ProductContract) -> Catalog:
    """A catalogue of the demo district holding only these products."""
    return Catalog(
        config_dir=config_dir,
        district=load_district(DEFAULT_CONFIG_DIR),
        departments={},
        datasets={},
        products={p.name: p for p in products},
    )
