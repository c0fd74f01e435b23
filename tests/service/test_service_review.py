"""Reviewers search and verify the audit log through the API; departments see their own
sources; nobody else does either."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_home import Served, make_hub, serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("service-review"))) as running:
        yield running


def test_a_reviewer_finds_who_queried_what(served: Served) -> None:
    with served.client(served.sign_in("donghu_viewer")) as client:
        client.post("/api/v1/query", json={"sql": "SELECT 1 AS one", "purpose": "核对"})
    with served.client(served.sign_in("reviewer")) as client:
        found = client.get(
            "/api/v1/audit/events", params={"kind": "query", "principal": "street_donghu"}
        )
        assert found.status_code == 200, found.text
        events = found.json()["events"]
        assert events and events[-1]["details"]["by"].startswith("person u-")
        verified = client.get("/api/v1/audit/verify").json()
    assert verified["ok"] is True and verified["events"] > 0


@pytest.mark.parametrize("login", ["donghu_viewer", "steward_approver", "hotline_requester"])
def test_nobody_but_a_reviewer_reads_the_audit_log(served: Served, login: str) -> None:
    with served.client(served.sign_in(login)) as client:
        for path in ("/api/v1/audit/events", "/api/v1/audit/verify"):
            answer = client.get(path)
            assert answer.status_code == 403 and "reviewer" in answer.json()["message"]


def test_a_department_sees_its_own_sources_only(served: Served) -> None:
    hub = served.hub
    owners = {s: hub.catalog.department_of_source(s).id for s in hub.catalog.sources}
    with served.client(served.sign_in("hotline_requester")) as client:
        answer = client.get("/api/v1/sources")
    assert answer.status_code == 200, answer.text
    names = {s["source"] for s in answer.json()["sources"]}
    assert names and all(owners[name] == "hotline_12345" for name in names)


@pytest.mark.parametrize("login", ["donghu_viewer", "reviewer"])
def test_a_street_office_or_reviewer_sees_no_sources(served: Served, login: str) -> None:
    with served.client(served.sign_in(login)) as client:
        assert client.get("/api/v1/sources").status_code == 403


def test_a_reviewer_searches_by_person_outcome_and_time(served: Served) -> None:
    with served.client(served.sign_in("donghu_viewer")) as client:
        client.post("/api/v1/query", json={"sql": "SELECT 1 AS one", "purpose": "核对"})
    with served.client(served.sign_in("reviewer")) as client:
        found = client.get("/api/v1/audit/events", params={"kind": "query", "outcome": "answered"})
        person = found.json()["events"][-1]["details"]["by"].removeprefix("person ")
        mine = client.get(
            "/api/v1/audit/events",
            params={"person": person, "kind": ["query", "api"], "since": "2000-01-01"},
        ).json()
        assert mine["matched"] >= 1
        assert all(e["details"]["by"] == f"person {person}" for e in mine["events"])
        later = client.get("/api/v1/audit/events", params={"since": "2999-01-01"}).json()
        assert later["matched"] == 0
        bad = client.get("/api/v1/audit/events", params={"until": "soon"})
    assert bad.status_code == 422 and "ISO date" in bad.json()["message"]
