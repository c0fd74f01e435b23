"""Through the API: a download holding person-level data is a marked, registered delivery
named in its audit event and in a header; an aggregate is none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from service_home import Served, make_hub, serve

from audit.deliveries import register_beside
from audit.trace import TRACED, trace_file


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("service-deliveries"))) as running:
        yield running


def test_a_download_of_masked_people_is_a_traceable_delivery(
    served: Served, tmp_path: Path
) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        answer = client.get(
            "/api/v1/products/street_enterprise_roster/rows",
            params={"format": "csv", "purpose": "street_governance"},
        )
    assert answer.status_code == 200, answer.text
    delivery_id = answer.headers["X-Delivery-Id"]
    register = register_beside(served.hub.audit.path)
    (delivery,) = [d for d in register.deliveries() if d.id == delivery_id]
    assert (delivery.kind, delivery.format, delivery.principal) == (
        "download",
        "csv",
        "street_donghu",
    )
    assert delivery.by is not None and delivery.by.startswith("person ")
    assert "legal_rep" in delivery.marked_columns
    queries = [e for e in served.audit_events("query") if e["details"].get("delivery")]
    assert queries[-1]["details"]["delivery"] == delivery_id

    leaked = tmp_path / "roster.csv"
    lines = answer.content.decode("utf-8-sig").splitlines()
    leaked.write_text("\n".join([lines[0], *lines[2:4]]) + "\n", encoding="utf-8")
    result = trace_file(leaked, register)
    assert result.verdict == TRACED
    assert [f.delivery.id for f in result.findings] == [delivery_id]


def test_an_aggregate_through_the_api_is_no_delivery(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        answer = client.post(
            "/api/v1/query",
            json={
                "sql": "SELECT category, sum(cases) FROM street_case_stats GROUP BY 1",
                "purpose": "street_governance",
            },
        )
    assert answer.status_code == 200, answer.text
    assert "delivery" not in answer.json()
