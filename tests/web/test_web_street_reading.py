"""The street office's reading pages: the purpose picker, the home page's key figures, the
products and their downloads. A street sees its own street's rows only, never a withheld
column; another kind of principal gets the 403 page."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gateway"))
from gateway_district import WITHHELD, build_district
from page_client import browser_like, sign_in
from service_home import PASSWORD, Served, make_hub, serve
from street_client import choose_purpose, street_browser

from web.purpose import PURPOSE_COOKIE


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("web-street"))) as running:
        yield running


@pytest.fixture(scope="module")
def xiling_only(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Values found only in the other streets' rows (the same district the hub's rooms hold)."""
    return build_district(tmp_path_factory.mktemp("district")).only_elsewhere("street_donghu")


# --- the purpose picker ------------------------------------------------------------------


def test_a_page_that_reads_explains_the_purpose_until_one_is_chosen(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer", purpose=None) as client:
        home = client.get("/street")
        product = client.get("/street/products/street_case_stats")
    for page in (home, product):
        assert page.status_code == 200
        assert "读取数据前请先选择用途" in page.text
        assert 'value="street_governance"' in page.text and "街道日常治理与服务" in page.text
        assert 'id="rows"' not in page.text and 'id="on-time-rate"' not in page.text
    # the picker offers what donghu's grants accept, and nothing a steward's grant does
    assert "proactive_elderly_visits" in home.text and "catalogue_oversight" not in home.text


def test_the_chosen_purpose_is_a_strict_http_only_cookie_and_reaches_the_audit(
    served: Served,
) -> None:
    with street_browser(served.url, "donghu_viewer", purpose=None) as client:
        chosen = choose_purpose(client, "street_governance", "/street/products/street_case_stats")
        assert chosen.headers["location"] == "/street/products/street_case_stats"
        cookie = chosen.headers["set-cookie"]
        assert cookie.startswith(f"{PURPOSE_COOKIE}=street_governance")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        assert client.get("/street/products/street_case_stats").status_code == 200
    reads = [
        e for e in served.audit_events("query")
        if e["details"].get("endpoint") == "GET /street/products/{name}"
    ]  # fmt: skip
    assert reads and reads[-1]["details"]["purpose"] == "street_governance"
    assert reads[-1]["details"]["outcome"] == "answered"


def test_choosing_a_purpose_needs_the_pages_token(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer", purpose=None) as client:
        forged = client.post("/purpose", data={"purpose": "street_governance", "next": "/street"})
        assert forged.status_code == 403 and "CSRF" in forged.text
        assert PURPOSE_COOKIE not in client.cookies


def test_an_unknown_purpose_is_refused_by_the_engine_with_its_reason(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer", purpose="made_up_purpose") as client:
        page = client.get("/street/products/street_case_stats")
        home = client.get("/street")
    assert page.status_code == 403
    assert "is not one its grants accept" in page.text
    assert "g-street-returned-products accepts street_governance" in page.text
    assert 'id="rows"' not in page.text
    assert "is not one its grants accept" in home.text


# --- the home page ------------------------------------------------------------------------


def test_the_home_page_shows_the_streets_key_figures(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        home = client.get("/street")
        chart = client.get("/street/data/on-time.json")
    assert home.status_code == 200
    # donghu in 2026-05: 2 categories × communities of 11 and 12 cases, 8 of 9 closed on time
    assert 'id="on-time-rate"' in home.text and "88.9%" in home.text
    assert '<div class="figure">46</div>' in home.text and "2026-05" in home.text
    assert 'data-chart="/street/data/on-time.json"' in home.text
    # the list its grant names is shown with the engine's answer for this purpose
    assert "未诉先办：高龄独居老人名单" in home.text
    assert "g-donghu-elderly-alone-visits accepts proactive_elderly_visits" in home.text
    assert "street_hot_topics: granted, and not in the room yet" in home.text
    assert chart.status_code == 200
    body = chart.json()
    assert body["kind"] == "line" and body["x"] == ["2026-04", "2026-05"]
    assert body["series"][0]["data"] == [88.9, 88.9]


def test_the_home_page_is_a_street_offices(served: Served) -> None:
    for login in ("steward_viewer", "hotline_requester", "reviewer"):
        with browser_like(served.url) as client:
            sign_in(client, login, PASSWORD)
            refused = client.get("/street")
            chart = client.get("/street/data/on-time.json")
        assert refused.status_code == 403, login
        assert "the street pages are a street office" in refused.text
        assert chart.status_code == 403


# --- products -----------------------------------------------------------------------------


def test_the_products_page_lists_my_room_with_each_columns_treatment(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        page = client.get("/street/products")
        api = client.get("/api/v1/products").json()
    assert page.status_code == 200
    for product in api["products"]:
        assert f'href="/street/products/{product["name"]}"' in page.text
        assert product["title"] in page.text
    assert "街道诉求统计" in page.text and "街道在营企业名录" in page.text
    assert "法定代表人标识 (假名) · L4 · withheld" in page.text  # named, with why on hover
    assert "proactive_turning_sixty" not in page.text  # no grant names it for donghu


def test_a_product_page_shows_my_streets_rows_and_never_another_streets(
    served: Served, xiling_only: set[str]
) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        roster = client.get("/street/products/street_enterprise_roster")
        cases = client.get("/street/products/street_case_stats")
    assert roster.status_code == 200 and cases.status_code == 200
    assert "街001商号1有限公司" in roster.text and "街001社区1" in cases.text
    for value in xiling_only:
        assert value not in roster.text and value not in cases.text
    # the withheld column is named with its reason, its values never appear
    for column in WITHHELD["street_enterprise_roster"]:
        assert f"<code>{column}</code>" in roster.text
    assert "tok-001-" not in roster.text and "不提供" in roster.text
    assert "欧阳001代表1" not in roster.text  # L3: masked
    assert "小数保护" in cases.text


def test_the_other_street_sees_its_own_rows_only(served: Served) -> None:
    with street_browser(served.url, "xiling_viewer") as client:
        page = client.get("/street/products/street_case_stats")
    assert "街002社区1" in page.text and "街001社区1" not in page.text


def test_a_product_page_sorts_filters_and_pages(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        page = client.get(
            "/street/products/street_case_stats",
            params={"sort": "-cases", "community_name": "街001社区2", "month": "2026-04"},
        )
        sideways = client.get("/street/products/street_case_stats", params={"legal_rep_token": "x"})
    assert page.status_code == 200
    body = page.text.split('id="rows"')[1].split("</table>")[0]
    assert body.count("<tr>") == 1 + 2  # the header and two categories
    assert "街001社区1" not in body and "2026-05" not in body
    assert "sort=cases" in page.text and "▼" in page.text  # the next click sorts ascending
    assert sideways.status_code == 422


def test_a_product_of_no_grant_is_refused_with_the_engines_reason(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        refused = client.get("/street/products/proactive_turning_sixty")
        unknown = client.get("/street/products/no_such_product")
    assert refused.status_code == 403 and "deny by default" in refused.text
    assert unknown.status_code == 404


def test_the_product_chart_is_the_contracts_drawn_from_my_room(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        page = client.get("/street/products/street_case_stats")
        chart = client.get("/street/products/street_case_stats/chart.json")
    assert 'data-chart="/street/products/street_case_stats/chart.json"' in page.text
    body = chart.json()
    assert body["kind"] == "bar" and set(body["x"]) == {"街001社区1", "街001社区2"}
    assert {s["name"] for s in body["series"]} == {"噪音扰民", "环境卫生"}


def test_downloads_answer_csv_and_xlsx_through_the_rows_api(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        page = client.get("/street/products/street_case_stats")
        links = [
            part.split('"')[0].replace("&amp;", "&")
            for part in page.text.split('class="button download" href="')[1:]
        ]
        assert len(links) == 2 and all("purpose=street_governance" in link for link in links)
        csv, xlsx = (client.get(link) for link in links)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "街001社区1" in csv.content.decode("utf-8-sig") and "街002" not in csv.text
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "x-delivery-id" not in csv.headers  # counts of cases: nobody's personal data


def test_a_download_of_person_level_columns_is_a_registered_delivery(served: Served) -> None:
    with street_browser(served.url, "donghu_viewer") as client:
        page = client.get("/street/products/street_enterprise_roster")
        links = [
            part.split('"')[0].replace("&amp;", "&")
            for part in page.text.split('class="button download" href="')[1:]
        ]
        answers = [client.get(link) for link in links]
    for answer in answers:  # the masked legal representative is person-level (L3)
        assert answer.status_code == 200 and answer.headers["x-delivery-id"]
    assert "欧阳001代表1" not in answers[0].content.decode("utf-8-sig")
    downloads = [
        e["details"] for e in served.audit_events("query")
        if e["details"].get("delivery") in {a.headers["x-delivery-id"] for a in answers}
    ]  # fmt: skip
    assert {d["delivery_kind"] for d in downloads} == {"download"}
    assert {d["purpose"] for d in downloads} == {"street_governance"}


def test_a_granted_product_not_yet_in_the_room_says_so_instead_of_failing(served: Served) -> None:
    from policies.room_prune import products_in_room

    built = products_in_room(served.hub.home.rooms, "street_donghu")
    with street_browser(served.url, "donghu_viewer") as client:
        listed = client.get("/street/products").text
        granted = [p for p in served.hub.catalog.products if f"/street/products/{p}" in listed]
        missing = [p for p in granted if p not in built]
        assert missing, "the test district's room lacks none of donghu's products"
        page = client.get(f"/street/products/{missing[0]}")
        chart = client.get(f"/street/products/{missing[0]}/chart.json")
    assert page.status_code == 404 and "not in the room yet" in page.text
    assert "Catalog Error" not in page.text
    assert chart.status_code == 404
