"""Small policy sets and products for engine tests."""

from __future__ import annotations

import datetime as dt

from catalog.contracts import ProductContract
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
                {"name": "reporter_phone", "level": "L3", "mask": "keep_first3_last4"},
                {"name": "reporter_id", "level": "L4"},
            ],
        }
    )


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
            {"id": "analyst", "kind": "department", "name": "Y", "roles": ["analysts"]},
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
