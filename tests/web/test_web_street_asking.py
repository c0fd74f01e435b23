"""The street office's SQL page and its requests for conditional data: answers from its
own room only, refusals with the gateway's or the store's reason shown in place, forms
that need the page's token, and what a person types shown as text."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from page_client import browser_like, csrf_token_in, sign_in
from service_home import PASSWORD, Served, make_hub, serve
from street_client import street_browser

from policies.rooms import room_path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("web-street-asking"))) as running:
        yield running


def _run(client: httpx.Client, sql: str) -> httpx.Response:
    page = client.get("/street/sql")
    return client.post("/street/sql", data={"sql": sql, "csrf_token": csrf_token_in(page.text)})


def _ask(client: httpx.Client, **fields: str) -> httpx.Response:
    page = client.get("/street/requests")
    return client.post("/street/requests", data={**fields, "csrf_token": csrf_token_in(page.text)})


# --- SQL ----------------------------------------------------------------------------------


def test_the_sql_page_lists_my_tables_and_answers_from_my_room(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        form = client.get("/street/sql")
        answer = _run(client, "SELECT community_name, sum(cases) AS cases FROM street_case_stats "
                              "GROUP BY community_name ORDER BY community_name")  # fmt: skip
        everything = _run(client, "SELECT * FROM street_case_stats")
    assert form.status_code == 200
    assert "<code>street_enterprise_roster</code>" in form.text
    assert "<code>legal_rep</code>" in form.text and "L3 · masked" in form.text
    assert "<code>legal_rep_token</code>" not in form.text  # withheld: not a column I have
    assert answer.status_code == 200
    table = answer.text.split('id="answer"')[1]
    assert "街001社区1" in table and "街001社区2" in table and "街002" not in table
    assert "街002" not in everything.text and "440399002" not in everything.text


def test_the_sql_page_refuses_another_streets_data_with_the_reason(served: Served) -> None:
    other_room = room_path(served.hub.home.rooms, "street_xiling")
    with street_browser(served.url, "donghu_viewer") as client:
        attached = _run(client, f"ATTACH '{other_room}' AS xiling (READ_ONLY)")
        by_name = _run(client, "SELECT * FROM street_xiling.main.street_case_stats")
        as_file = _run(client, f"SELECT * FROM read_duckdb('{other_room}')")
    for refused in (attached, by_name, as_file):
        assert refused.status_code in (403, 422)
        assert 'class="reason refusal"' in refused.text and "街002" not in refused.text
    assert "ATTACH" in attached.text and "own data room" in by_name.text


def test_the_sql_page_refuses_a_write_with_the_reason(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        dropped = _run(client, "DROP TABLE street_case_stats")
        inserted = _run(client, "INSERT INTO street_case_stats (cases) VALUES (1)")
        still = _run(client, "SELECT count(*) AS n FROM street_case_stats")
    for refused in (dropped, inserted):
        assert refused.status_code == 422
        assert re.search(r'class="reason refusal">[^<]*(read|SELECT)', refused.text)
    assert still.status_code == 200 and ">8<" in still.text  # 2 communities × 2 × 2 months


def test_the_sql_page_needs_a_purpose_and_the_pages_token(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer", purpose=None) as client:
        no_purpose = _run(client, "SELECT 1")
        forged = client.post("/street/sql", data={"sql": "SELECT 1"})
    assert no_purpose.status_code == 422 and "请先选择用途" in no_purpose.text
    assert forged.status_code == 403 and "CSRF" in forged.text


def test_the_sql_page_is_a_street_offices(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "steward_approver", PASSWORD)
        assert client.get("/street/sql").status_code == 403


# --- requests -----------------------------------------------------------------------------


def test_a_request_made_on_the_form_is_listed_with_its_reason_escaped(served: Served) -> None:
    reason = "<script>alert(1)</script>“引号”冬季走访需要"
    with street_browser(served.url, "donghu_requester") as client:
        made = _ask(
            client, product="proactive_turning_sixty", purpose="home_visit",
            until="2027-06-30", justification=reason,
        )  # fmt: skip
        assert made.status_code == 303 and made.headers["location"] == "/street/requests"
        page = client.get("/street/requests")
        api = client.get("/api/v1/access-requests").json()["requests"]
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;“引号”冬季走访需要" in page.text
    mine = [r for r in api if r["product"] == "proactive_turning_sixty"]
    assert mine and mine[-1]["justification"] == reason and mine[-1]["state"] == "requested"
    assert f"<code>{mine[-1]['id']}</code>" in page.text


def test_another_street_does_not_see_my_requests(served: Served) -> None:
    with street_browser(served.url, "donghu_requester") as client:
        made = _ask(client, product="proactive_disabled_unvisited", purpose="home_visit",
                    until="2027-03-31", justification="东湖核对")  # fmt: skip
        assert made.status_code == 303 and "东湖核对" in client.get("/street/requests").text
    with street_browser(served.url, "xiling_viewer") as client:
        page = client.get("/street/requests")
    assert page.status_code == 200 and "东湖核对" not in page.text


def test_a_request_without_purpose_or_reason_shows_the_errors_in_place(served: Served) -> None:
    with street_browser(served.url, "donghu_requester") as client:
        before = client.get("/api/v1/access-requests").json()["requests"]
        refused = _ask(client, product="street_population_profile", purpose="", until="2027-01-31",
                       justification="  ")  # fmt: skip
        after = client.get("/api/v1/access-requests").json()["requests"]
    assert refused.status_code == 422 and before == after
    assert 'id="error-purpose"' in refused.text and 'id="error-justification"' in refused.text
    assert 'id="error-product"' not in refused.text and 'id="error-until"' not in refused.text
    assert 'value="street_population_profile" selected' in refused.text  # what was chosen stays


def test_a_request_the_store_refuses_shows_its_reason(served: Served) -> None:
    with street_browser(served.url, "donghu_requester") as client:
        already = _ask(client, product="street_case_stats", purpose="street_governance",
                       until="2027-01-31", justification="已经可见")  # fmt: skip
    assert already.status_code == 403
    assert "already sees street_case_stats through g-street-returned-products" in already.text


def test_a_request_needs_the_pages_token_and_a_requesters_role(served: Served) -> None:
    fields = {"product": "proactive_disabled_unvisited", "purpose": "street_governance",
              "until": "2027-01-31", "justification": "x"}  # fmt: skip
    with street_browser(served.url, "donghu_requester") as client:
        forged = client.post("/street/requests", data=fields)
    assert forged.status_code == 403 and "CSRF" in forged.text
    with street_browser(served.url, "donghu_viewer") as client:
        page = client.get("/street/requests")
        refused = _ask(client, **fields)
    assert page.status_code == 200 and 'action="/street/requests"' not in page.text
    assert refused.status_code == 403 and "rule 5" in refused.text
    with browser_like(served.url) as client:
        sign_in(client, "civil_requester", PASSWORD)
        assert client.get("/street/requests").status_code == 403
