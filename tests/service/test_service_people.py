"""The API with people signing in: who you are comes from your password, never a parameter.

Each attack gets its status and a clear message, is audited, and leaves the
service answering the next call.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_home import PASSWORD, STREET_OFFICES, Served, make_hub, serve


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("service"))) as running:
        yield running


def test_health_and_readiness_need_no_credential(served: Served) -> None:
    with served.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_openapi_document_has_chinese_summaries(served: Served) -> None:
    with served.client() as client:
        document = client.get("/api/v1/openapi.json").json()
    summaries = [op["summary"] for path in document["paths"].values() for op in path.values()]
    assert "/api/v1/query" in document["paths"]
    assert any("数据室" in s for s in summaries)


def test_no_credential_is_401_and_audited(served: Served) -> None:
    before = len(served.audit_events("api"))
    with served.client() as client:
        answer = client.get("/api/v1/products")
    assert answer.status_code == 401 and "sign in first" in answer.json()["message"]
    events = served.audit_events("api")
    assert len(events) == before + 1
    assert events[-1]["details"]["by"] == "anonymous"
    assert events[-1]["details"]["status"] == 401


@pytest.mark.parametrize("login", ["donghu_viewer", "nobody_at_all"])
def test_wrong_password_and_unknown_login_get_the_same_401(served: Served, login: str) -> None:
    with served.client() as client:
        answer = client.post(
            "/api/v1/auth/sign-in", json={"login": login, "password": "not the password"}
        )
    assert answer.status_code == 401
    assert "not the password" not in answer.text
    message = answer.json()["message"]
    with served.client() as client:
        other = client.post("/api/v1/auth/sign-in", json={"login": "x_" + login, "password": "y"})
    assert other.json()["message"] == message  # no telling which logins exist


def test_forged_bearer_token_is_401(served: Served) -> None:
    with served.client("not-a-token-we-issued") as client:
        answer = client.get("/api/v1/me")
    assert answer.status_code == 401


def test_signed_in_person_is_who_the_password_says(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        me = client.get("/api/v1/me").json()
    assert (me["kind"], me["principal"], me["roles"]) == ("person", "street_donghu", ["viewer"])
    assert me["id"].startswith("u-")


def test_page_session_sets_a_strict_httponly_cookie(served: Served) -> None:
    with served.client() as client:
        answer = client.post(
            "/api/v1/auth/sign-in",
            json={"login": "donghu_viewer", "password": PASSWORD, "kind": "page"},
        )
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "token" not in answer.json()
        assert client.get("/api/v1/me").json()["principal"] == "street_donghu"
        # A call that changes state with the cookie carries the CSRF token it was given.
        assert client.post("/api/v1/auth/sign-out").status_code == 403
        csrf = {"X-CSRF-Token": answer.json()["csrf_token"]}
        assert client.post("/api/v1/auth/sign-out", headers=csrf).json() == {"signed_out": True}
        client.cookies.clear()
        assert client.get("/api/v1/me").status_code == 401


def test_signed_out_token_no_longer_works(served: Served) -> None:
    token = served.sign_in("xiling_viewer")
    with served.client(token) as client:
        assert client.post("/api/v1/auth/sign-out").status_code == 200
        assert client.get("/api/v1/me").status_code == 401


def test_products_listed_are_the_ones_the_engine_allows(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        products = client.get("/api/v1/products").json()["products"]
    names = {p["name"] for p in products}
    assert "street_case_stats" in names
    roster = next(p for p in products if p["name"] == "street_enterprise_roster")
    treatments = {c["name"]: c["treatment"] for c in roster["columns"]}
    assert treatments["legal_rep_token"] == "withheld" and treatments["legal_rep"] == "masked"


def test_rows_are_own_street_only_and_paged(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        page = client.get(
            "/api/v1/products/street_case_stats/rows",
            params={
                "purpose": "street_governance",
                "limit": 3,
                "sort": "community_code,-month",
                "columns": "street_code,month",
            },
        ).json()
    assert page["columns"] == ["street_code", "month"]
    assert len(page["rows"]) == 3 and page["next_offset"] == 3
    assert {row["street_code"] for row in page["rows"]} == {STREET_OFFICES["street_donghu"]}


def test_asking_for_another_streets_rows_by_filter_yields_none(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        page = client.get(
            "/api/v1/products/street_case_stats/rows",
            params={"purpose": "street_governance", "street_code": STREET_OFFICES["street_xiling"]},
        ).json()
    assert page["rows"] == []


@pytest.mark.parametrize(
    "params", [{"columns": "street_code,street_code"}, {"sort": "month,-month"}]
)
def test_a_column_named_twice_is_422_not_a_broken_download(
    served: Served, params: dict[str, str]
) -> None:
    """Regression (schemathesis, CI 2026-12-02): `columns=name,name` made a Parquet
    file with two columns of one name that no reader opens."""
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        answer = client.get(
            "/api/v1/products/street_case_stats/rows",
            params={"purpose": "street_governance", **params, "format": "parquet"},
        )
        assert answer.status_code == 422, answer.text
        assert "twice" in answer.json()["message"]
        assert (
            client.get(
                "/api/v1/products/street_case_stats/rows", params={"purpose": "street_governance"}
            ).status_code
            == 200
        )


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet", "arrow"])
def test_downloads_in_every_format(served: Served, kind: str, tmp_path: Path) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        answer = client.get(
            "/api/v1/products/street_case_stats/rows",
            params={"purpose": "street_governance", "format": kind, "limit": 1000},
        )
    assert answer.status_code == 200, answer.text
    body = answer.content
    if kind == "csv":
        assert body.startswith("\ufeff".encode()) and "社区".encode() in body
    elif kind == "parquet":
        import pyarrow.parquet as pq

        (tmp_path / "x.parquet").write_bytes(body)
        table = pq.read_table(tmp_path / "x.parquet")
        assert set(table.column("street_code").to_pylist()) == {STREET_OFFICES["street_donghu"]}
    elif kind == "arrow":
        import pyarrow as pa

        table = pa.ipc.open_stream(body).read_all()
        assert table.num_rows > 0
    else:
        assert body[:2] == b"PK"


@pytest.mark.parametrize(
    "name", ["../lake", "..%2F..%2Fkeys", "street_xiling", "staged_population", "nope"]
)
def test_unknown_or_traversing_product_names_are_404(served: Served, name: str) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        answer = client.get(
            f"/api/v1/products/{name}/rows", params={"purpose": "street_governance"}
        )
    assert answer.status_code == 404


def test_query_runs_in_own_room_and_is_one_audit_event(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    before = len(served.audit_events())
    with served.client(token) as client:
        answer = client.post(
            "/api/v1/query",
            json={"sql": "SELECT street_code, count(*) AS n FROM street_case_stats GROUP BY 1",
                  "purpose": "street_governance"},
        )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [{"street_code": STREET_OFFICES["street_donghu"], "n": 8}]
    events = served.audit_events()[before:]
    assert len(events) == 1
    (event,) = events
    assert event["kind"] == "query"
    details = event["details"]
    assert details["by"].startswith("person u-") and details["endpoint"] == "POST /api/v1/query"
    assert (
        details["products"] == ["street_case_stats"] and details["purpose"] == "street_governance"
    )


@pytest.mark.parametrize(
    ("sql", "status"),
    [("DELETE FROM street_case_stats", 422), ("SELECT * FROM duckdb_databases", 422)],
)
def test_refused_sql_is_422_and_the_next_call_is_answered(
    served: Served, sql: str, status: int
) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        answer = client.post("/api/v1/query", json={"purpose": "street_governance", "sql": sql})
        assert answer.status_code == status and answer.json()["error"] == "statement_refused"
        assert (
            client.post(
                "/api/v1/query", json={"purpose": "street_governance", "sql": "SELECT 1 AS one"}
            ).status_code
            == 200
        )


def test_malformed_json_is_422(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    with served.client(token) as client:
        answer = client.post(
            "/api/v1/query", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert answer.status_code == 422


def test_a_100_mb_body_is_413_before_it_is_read_and_audited(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    before = len(served.audit_events("api"))
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as raw:
        raw.sendall(
            (
                "POST /api/v1/query HTTP/1.1\r\n"
                f"Host: {host}\r\nAuthorization: Bearer {token}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {100 * 1024**2}\r\n\r\n"
            ).encode()
            + b"x" * 65536  # the rest never comes: the answer must not wait for it
        )
        head = raw.recv(4096).decode("latin-1")
    assert head.startswith("HTTP/1.1 413")
    refused = served.audit_events("api")[before:]
    assert [e["details"]["status"] for e in refused] == [413]
    assert refused[0]["details"]["outcome"] == "refused"
    with served.client(token) as client:  # and the service answers the next call
        assert client.get("/api/v1/me").status_code == 200


def test_a_chunked_body_over_the_limit_is_413_and_audited(served: Served) -> None:
    token = served.sign_in("donghu_viewer")
    before = len(served.audit_events("api"))

    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"x" * 65536  # 4 MiB in all, over the 1 MiB limit, no length declared

    with served.client(token) as client:
        answer = client.post(
            "/api/v1/query", content=chunks(), headers={"content-type": "application/json"}
        )
    assert answer.status_code == 413
    assert [e["details"]["status"] for e in served.audit_events("api")[before:]] == [413]


def test_a_viewer_cannot_ask_for_access_and_a_requester_can(served: Served) -> None:
    body = {"product": "street_enterprise_roster", "purpose": "企业核实", "until": "2027-03-31"}
    with served.client(served.sign_in("donghu_viewer")) as client:
        refused = client.post("/api/v1/access-requests", json=body)
    assert refused.status_code == 403 and "no role" in refused.json()["message"]
    with served.client(served.sign_in("civil_requester")) as client:
        made = client.post("/api/v1/access-requests", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["principal"] == "dept_civil_affairs"


def test_only_an_authenticated_approver_of_the_steward_office_approves(served: Served) -> None:
    body = {"product": "street_enterprise_roster", "purpose": "企业核实", "until": "2027-03-31"}
    with served.client(served.sign_in("hotline_requester")) as client:
        made = client.post("/api/v1/access-requests", json=body)
        assert made.status_code == 201, made.text
        request_id = made.json()["id"]
        # The department cannot approve its own request, whatever it sends.
        own = client.post(f"/api/v1/access-requests/{request_id}/approve", json={"reason": "x"})
    assert own.status_code == 403
    with served.client(served.sign_in("steward_viewer")) as client:
        viewer = client.post(
            f"/api/v1/access-requests/{request_id}/approve", json={"reason": "职责所需"}
        )
    assert viewer.status_code == 403
    with served.client(served.sign_in("steward_approver")) as client:
        approved = client.post(
            f"/api/v1/access-requests/{request_id}/approve", json={"reason": "职责所需"}
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["state"] == "approved"
        seen = client.get("/api/v1/access-requests").json()["requests"]
    assert any(r["id"] == request_id for r in seen)
    with served.client(served.sign_in("donghu_viewer")) as client:
        mine = client.get("/api/v1/access-requests").json()["requests"]
    assert all(r["principal"] == "street_donghu" for r in mine)


def test_an_approver_may_narrow_the_rows_and_treatments_asked_for(served: Served) -> None:
    body = {"product": "proactive_turning_sixty", "purpose": "养老告知", "until": "2027-03-31"}
    with served.client(served.sign_in("donghu_requester")) as client:
        made = client.post("/api/v1/access-requests", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["rows"] == "own_jurisdiction"
    request_id = made.json()["id"]
    narrower = {
        "reason": "职责所需",
        "rows": "own_street",
        "treatments": {"community_name": "masked"},
    }
    with served.client(served.sign_in("steward_approver")) as client:
        approved = client.post(f"/api/v1/access-requests/{request_id}/approve", json=narrower)
    assert approved.status_code == 200, approved.text
    assert approved.json()["granted_rows"] == "own_street"
    assert approved.json()["granted_treatments"] == {"community_name": "masked"}


def test_an_approver_may_not_widen_the_rows_asked_for(served: Served) -> None:
    body = {"product": "proactive_elderly_alone", "purpose": "独居老人走访", "until": "2027-03-31"}
    with served.client(served.sign_in("civil_requester")) as client:
        made = client.post("/api/v1/access-requests", json={**body, "rows": "own_street"})
    # A department has no street: asking for its own street is refused at once.
    assert made.status_code == 403 and "has no street" in made.json()["message"]
    with served.client(served.sign_in("donghu_requester")) as client:
        made = client.post(
            "/api/v1/access-requests", json={**body, "product": "proactive_disabled_unvisited"}
        )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    with served.client(served.sign_in("steward_approver")) as client:
        wider = client.post(
            f"/api/v1/access-requests/{request_id}/approve",
            json={"reason": "职责所需", "rows": "district"},
        )
    assert wider.status_code == 403
    assert "rows district are wider than the own_jurisdiction asked for" in wider.json()["message"]
    assert served.hub.access_requests.get(request_id).state == "requested"


def test_metrics_are_prometheus_text(served: Served) -> None:
    with served.client() as client:
        client.get("/healthz")
        text = client.get("/metrics").text
    assert "shuzhi_api_calls_total" in text and 'route="/healthz"' in text


# --- the call's audit event comes before its answer --------------------------------------


def test_no_answer_leaves_before_its_audit_event_is_written(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = served.sign_in("donghu_viewer")

    def disk_full(kind: str, actor: str, details: dict) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(served.hub.audit, "append", disk_full)
    with served.client(token) as client:
        assert client.get("/api/v1/products").status_code == 500  # never the product list
    monkeypatch.undo()
    with served.client(token) as client:
        assert client.get("/api/v1/products").status_code == 200  # and the service goes on


def test_a_call_the_service_fails_to_answer_is_audited_as_failed(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.routes_products

    token = served.sign_in("donghu_viewer")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service.routes_products, "decide", broken)
    before = len(served.audit_events("api"))
    with served.client(token) as client:
        assert client.get("/api/v1/products").status_code == 500
    events = served.audit_events("api")[before:]
    assert len(events) == 1
    details = events[0]["details"]
    assert details["endpoint"] == "GET /api/v1/products"
    assert (details["status"], details["outcome"]) == (500, "failed")
    assert details["by"].startswith("person u-")
