"""Client systems with API keys: a street's key yields its own street, through every endpoint.

Also the limits of distribution: rate limits (429 with Retry-After), a query
past its timeout (504), a slow client that must not hold up anyone else.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from service_home import STREET_OFFICES, Served, make_hub, serve

from gateway.room_worker import RoomLimits
from home.layout import Home
from identity.clients import approve_client, register_client, revoke_client, rotate_client_key
from identity.models import Identity
from pipelines.hub import Hub
from service.context import ServiceSettings

STEWARD = Identity("person", "u-steward", "steward_district", "session", frozenset({"approver"}))


@dataclass
class Keys:
    served: Served
    by_street: dict[str, str]  # principal → key with products:read and query
    read_only: str  # street_donghu, products:read only


def _client(served: Served, principal: str, scopes: list[str], name: str) -> str:
    client = register_client(
        served.hub, principal=principal, name=name, scopes=scopes, requested_by="operator test"
    )
    issued = approve_client(served.hub, client.id, approver=STEWARD, reason="网格系统接入")
    return issued.key


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    with serve(make_hub(tmp_path_factory.mktemp("service-clients"))) as served:
        by_street = {
            principal: _client(served, principal, ["products:read", "query"], f"{principal} 网格")
            for principal in STREET_OFFICES
        }
        read_only = _client(served, "street_donghu", ["products:read"], "只读系统")
        yield Keys(served, by_street, read_only)


def _other_streets(principal: str) -> list[str]:
    return [code for who, code in STREET_OFFICES.items() if who != principal]


@pytest.mark.parametrize("principal", sorted(STREET_OFFICES))
def test_a_streets_key_never_yields_another_streets_rows(keys: Keys, principal: str) -> None:
    own = STREET_OFFICES[principal]
    with keys.served.client(keys.by_street[principal]) as client:
        assert client.get("/api/v1/me").json()["principal"] == principal
        for product in (
            "street_case_stats",
            "street_population_profile",
            "street_enterprise_roster",
        ):
            page = client.get(
                f"/api/v1/products/{product}/rows",
                params={"purpose": "street_governance", "limit": 1000},
            )
            assert page.status_code == 200, page.text
            assert {r["street_code"] for r in page.json()["rows"]} == {own}
            for other in _other_streets(principal):
                asked = client.get(
                    f"/api/v1/products/{product}/rows",
                    params={"purpose": "street_governance", "street_code": other},
                )
                assert asked.json()["rows"] == []
                csv = client.get(
                    f"/api/v1/products/{product}/rows",
                    params={"purpose": "street_governance", "street_code": other, "format": "csv"},
                )
                assert other not in csv.text
                answer = client.post(
                    "/api/v1/query",
                    json={"purpose": "street_governance", "sql": f"SELECT * FROM {product} WHERE street_code = '{other}' "
                                 f"OR street_code <> '{own}'"},
                )  # fmt: skip
                assert answer.status_code == 200 and answer.json()["rows"] == []
        everything = client.post(
            "/api/v1/query",
            json={"purpose": "street_governance", "sql": "SELECT DISTINCT street_code FROM street_case_stats UNION "
                         "SELECT street_code FROM street_enterprise_roster"},
        )  # fmt: skip
        assert {r["street_code"] for r in everything.json()["rows"]} == {own}
        for room in STREET_OFFICES:
            if room != principal:
                other_room = client.post(
                    "/api/v1/query",
                    json={"purpose": "street_governance", "sql": f"SELECT * FROM {room}"},
                )
                assert other_room.status_code in (403, 422)


def test_a_key_without_the_query_scope_cannot_query(keys: Keys) -> None:
    with keys.served.client(keys.read_only) as client:
        assert client.get("/api/v1/products").status_code == 200
        refused = client.post(
            "/api/v1/query", json={"purpose": "street_governance", "sql": "SELECT 1 AS one"}
        )
    assert refused.status_code == 403 and "scope query" in refused.json()["message"]


def test_every_api_call_names_the_client_and_principal(keys: Keys) -> None:
    before = len(keys.served.audit_events())
    with keys.served.client(keys.by_street["street_xiling"]) as client:
        client.get(
            "/api/v1/products/street_case_stats/rows",
            params={"purpose": "street_governance", "limit": 5},
        )
        client.get("/api/v1/products")
    events = keys.served.audit_events()[before:]
    assert [e["kind"] for e in events] == ["query", "api"]
    for event in events:
        assert event["details"]["by"].startswith("client c-")
        assert event["details"]["principal"] == "street_xiling"
    assert events[0]["details"]["products"] == ["street_case_stats"]
    assert events[0]["details"]["endpoint"] == "GET /api/v1/products/{name}/rows"


def test_a_revoked_key_is_401_and_a_rotated_one_overlaps(keys: Keys) -> None:
    hub = keys.served.hub
    old = _client(keys.served, "street_nanqiao", ["products:read"], "轮换测试")
    client_id = old.split("_")[1]
    new = rotate_client_key(hub, client_id, actor="operator test", overlap_hours=1).key
    with keys.served.client(old) as client:
        assert client.get("/api/v1/me").status_code == 200  # still inside the overlap
    with keys.served.client(new) as client:
        assert client.get("/api/v1/me").status_code == 200
    revoke_client(hub, client_id, actor="operator test", reason="系统下线")
    for key in (old, new):
        with keys.served.client(key) as client:
            answer = client.get("/api/v1/me")
        assert answer.status_code == 401 and key not in answer.text


def test_a_grant_taken_out_of_grants_yaml_is_refused_on_the_very_next_call(
    keys: Keys, tmp_path: Path
) -> None:
    # A copy of the served home and of the configuration, so the edit touches no other test.
    source = keys.served.hub
    shutil.copytree(source.home.root, tmp_path / "home")
    shutil.copytree(source.config, tmp_path / "config")
    hub = Hub(Home(tmp_path / "home"), tmp_path / "config")
    rows = "/api/v1/products/street_case_stats/rows"
    with serve(hub) as served, served.client(keys.by_street["street_donghu"]) as client:
        assert (
            client.get(rows, params={"limit": 1, "purpose": "street_governance"}).status_code == 200
        )
        grants = hub.config / "grants.yaml"
        data = yaml.safe_load(grants.read_text("utf-8"))
        street = next(g for g in data["grants"] if g["id"] == "g-street-returned-products")
        street["products"].remove("street_case_stats")  # as an operator would edit it
        grants.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        refused = client.get(rows, params={"limit": 1, "purpose": "street_governance"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"] == "refused"
        assert (
            client.get(
                "/api/v1/products/street_population_profile/rows",
                params={"purpose": "street_governance"},
            ).status_code
            == 200
        )


def test_a_made_up_key_is_401(keys: Keys) -> None:
    with keys.served.client("szk_c-0001_" + "A" * 43) as client:
        assert client.get("/api/v1/me").status_code == 401


# --- distribution limits -----------------------------------------------------------


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    settings = ServiceSettings(requests_per_minute=5, limits=RoomLimits(timeout_s=2))
    with serve(make_hub(tmp_path_factory.mktemp("service-strict")), settings) as served:
        key = _client(served, "street_donghu", ["products:read", "query"], "限流测试")
        other = _client(served, "street_xiling", ["products:read", "query"], "限流测试二")
        yield Keys(served, {"street_donghu": key, "street_xiling": other}, key)


def test_past_the_rate_limit_is_429_with_retry_after(strict: Keys) -> None:
    # The bucket holds 5 calls and refills one every 12 s: calls until the first 429 (at
    # most 50, which a refill could only outpace if each call took over 10 s), so a busy
    # machine answering slowly cannot turn the limit into a flaky count.
    answers: list[httpx.Response] = []
    with strict.served.client(strict.by_street["street_donghu"]) as client:
        while len(answers) < 50 and 429 not in [a.status_code for a in answers]:
            answers.append(client.get("/api/v1/me"))
    codes = [a.status_code for a in answers]
    assert codes[:5] == [200] * 5 and codes[-1] == 429
    limited = answers[-1]
    assert int(limited.headers["retry-after"]) >= 1
    with strict.served.client(strict.by_street["street_xiling"]) as client:
        assert client.get("/api/v1/me").status_code == 200  # another caller is not limited


def test_a_query_past_its_timeout_is_504_and_the_service_answers_after(strict: Keys) -> None:
    with strict.served.client(strict.by_street["street_xiling"]) as client:
        slow = client.post(
            "/api/v1/query",
            json={
                "purpose": "street_governance",
                "sql": "SELECT levenshtein(repeat('a', 200000), repeat('b', 200000)) AS d",
            },
        )
        assert slow.status_code == 504 and "longer than 2 s" in slow.json()["message"]
        assert client.get("/healthz").status_code == 200


def test_a_slow_client_does_not_hold_up_the_others(keys: Keys) -> None:
    host, port = keys.served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as dawdler:
        dawdler.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        with keys.served.client(keys.by_street["street_donghu"]) as client:
            assert client.get("/api/v1/me").status_code == 200


def test_usage_is_metered_into_the_lakehouse_per_caller_and_product(keys: Keys) -> None:
    from metering.api_usage import load_pending, usage_report

    with keys.served.client(keys.by_street["street_nanqiao"]) as client:
        for _ in range(3):
            client.get(
                "/api/v1/products/street_case_stats/rows",
                params={"purpose": "street_governance", "limit": 2},
            )
    hub = keys.served.hub
    with hub.lake() as con:
        assert load_pending(con, hub.home.state) > 0
        report = usage_report(con)
    mine = [r for r in report if r["principal"] == "street_nanqiao" and r["product"]]
    assert mine and mine[0]["product"] == "street_case_stats"
    assert mine[0]["calls"] >= 3 and mine[0]["rows"] >= 6 and mine[0]["caller"].startswith("client")
    assert not (hub.home.state / "api_usage.jsonl").exists()


def test_past_the_daily_row_quota_is_429(tmp_path_factory: pytest.TempPathFactory) -> None:
    settings = ServiceSettings(rows_per_day=5)
    with serve(make_hub(tmp_path_factory.mktemp("service-quota")), settings) as served:
        key = _client(served, "street_donghu", ["products:read"], "配额测试")
        with served.client(key) as client:
            first = client.get(
                "/api/v1/products/street_case_stats/rows",
                params={"purpose": "street_governance", "limit": 5},
            )
            second = client.get(
                "/api/v1/products/street_case_stats/rows",
                params={"purpose": "street_governance", "limit": 5},
            )
    assert first.status_code == 200
    assert second.status_code == 429 and second.json()["error"] == "quota_reached"
    assert int(second.headers["retry-after"]) >= 1


def test_shuzhi_api_usage_prints_the_metered_calls(keys: Keys) -> None:
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    with keys.served.client(keys.by_street["street_xiling"]) as client:
        client.get(
            "/api/v1/products/street_population_profile/rows",
            params={"purpose": "street_governance", "limit": 1},
        )
    shuzhi = Path(sys.executable).with_name("shuzhi")
    env = {**os.environ, "SHUZHI_HOME": str(keys.served.hub.home.root)}
    done = subprocess.run(
        [str(shuzhi), "api", "usage", "--json"], env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    usage = json.loads(done.stdout)["usage"]
    assert any(
        u["principal"] == "street_xiling" and u["product"] == "street_population_profile"
        for u in usage
    )
    bad = subprocess.run(
        [str(shuzhi), "api", "usage", "--since", "yesterday"], env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode == 1 and "not a date" in bad.stderr
