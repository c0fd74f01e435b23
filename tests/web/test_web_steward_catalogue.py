"""The steward's catalogue and contract pages: what `shuzhi catalog list|show` shows, the
charts' data, and who may open them (a steward's office; a street office gets a 403 page)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from service_home import Served, make_hub, serve
from steward_pages import signed_in


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_hub(tmp_path_factory.mktemp("steward"))) as running:
        yield running


def test_the_catalogue_lists_datasets_per_layer_and_products(served: Served) -> None:
    with signed_in(served, "steward_viewer") as client:
        page = client.get("/steward")
    assert page.status_code == 200, page.text
    for shown in ("raw_assistance", "staged_assistance", "protected_assistance",
                  "street_case_stats", "民政救助对象花名册", "有条件共享", "核心"):  # fmt: skip
        assert shown in page.text
    assert 'href="/steward/datasets/assistance"' in page.text
    assert 'href="/steward/products/street_case_stats"' in page.text


def test_filters_keep_only_what_they_name(served: Served) -> None:
    with signed_in(served, "steward_viewer") as client:
        products = client.get("/steward", params={"layer": "products"}).text
        conditional = client.get("/steward", params={"kind": "dataset", "sharing": "conditional"})
    assert "street_case_stats" in products and "raw_assistance" not in products
    assert "raw_assistance" in conditional.text  # assistance is 有条件共享
    assert "raw_enterprises" not in conditional.text  # enterprises is 无条件共享


def test_search_finds_a_dataset_by_its_chinese_title_and_by_owner(served: Served) -> None:
    with signed_in(served, "steward_viewer") as client:
        by_title = client.get("/steward", params={"q": "救助对象"}).text
        by_owner = client.get("/steward", params={"q": "市场监督管理局"}).text
    assert "protected_assistance" in by_title
    assert "street_case_stats" not in by_title and "raw_population" not in by_title
    assert "protected_enterprises" in by_owner and "protected_assistance" not in by_owner


def test_a_dataset_page_shows_contract_columns_quality_lineage_and_readers(
    served: Served,
) -> None:
    with signed_in(served, "steward_viewer") as client:
        page = client.get("/steward/datasets/assistance")
    assert page.status_code == 200, page.text
    text = page.text
    assert "民政救助对象花名册" in text and "示范区民政局" in text and "weekly" in text
    assert "<code>name</code>" in text and "seal" in text  # a column and its protection
    assert 'data-chart="/steward/data/quality/assistance.json"' in text
    assert 'data-chart="/steward/data/lineage/datasets/assistance.json"' in text
    assert "proactive_elderly_alone" in text  # 东湖 sees it through that product
    assert "r-civil-affairs-assistance-check" in text  # 民政 may re-identify
    assert "<script>" not in text and "style=" not in text


def test_a_product_page_shows_each_principals_decision_with_grants(served: Served) -> None:
    with signed_in(served, "steward_viewer") as client:
        page = client.get("/steward/products/street_enterprise_roster")
    assert page.status_code == 200, page.text
    assert "g-street-returned-products" in page.text  # the street offices' grant
    assert "street 440399001" in page.text  # 东湖's rows
    assert "d-reviewers-see-no-data" in page.text  # the reviewer's denial
    assert "withheld" in page.text and "masked" in page.text


def test_an_unknown_contract_is_a_404_page(served: Served) -> None:
    with signed_in(served, "steward_viewer") as client:
        missing = client.get("/steward/datasets/no_such_dataset")
        chart = client.get("/steward/data/quality/no_such_dataset.json")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    assert chart.status_code == 404


def test_the_lineage_graph_runs_from_sources_to_the_principals_who_see_it(
    served: Served,
) -> None:
    with signed_in(served, "steward_viewer") as client:
        graph = client.get("/steward/data/lineage/products/street_case_stats.json").json()
    assert graph["kind"] == "graph"
    category = {n["name"]: n["category"] for n in graph["nodes"]}
    links = {(link["source"], link["target"]) for link in graph["links"]}
    assert category["protected_cases"] == "保护层" and category["street_case_stats"] == "数据产品"
    assert ("protected_cases", "street_case_stats") in links
    assert ("street_case_stats", "data_rooms") in links
    assert ("data_rooms", "东湖街道办事处") in links
    assert "区网信办安全审查员" not in category  # denied: not in any room
    raw = [name for name, kind in category.items() if kind == "原始层"]
    sources = [name for name, kind in category.items() if kind == "来源系统"]
    assert raw and sources


def test_the_quality_trend_and_assessment_answer_chart_json(served: Served) -> None:
    with signed_in(served, "steward_viewer") as client:
        trend = client.get("/steward/data/quality/cases.json").json()
        chart = client.get("/steward/data/assessment.json").json()
    assert trend["kind"] == "line" and isinstance(trend["series"], list)
    assert chart["kind"] == "bar" and "示范区民政局" in chart["x"]
    assert chart["series"][0]["name"] == "数据按时更新率 (%)"


def test_the_assessment_page_is_a_table_and_a_chart_and_is_audited(served: Served) -> None:
    with signed_in(served, "steward_viewer") as client:
        page = client.get("/steward/assessment")
    assert page.status_code == 200, page.text
    assert 'data-chart="/steward/data/assessment.json"' in page.text
    assert "示范区民政局" in page.text and "civil_affairs" in page.text
    runs = served.audit_events("assessment")
    assert runs and runs[-1]["actor"].startswith("person u-")
    assert "civil_affairs" in runs[-1]["details"]["departments"]


@pytest.mark.parametrize(
    "path",
    ["/steward", "/steward/datasets/assistance", "/steward/approvals", "/steward/assessment",
     "/steward/data/lineage/datasets/assistance.json"],
)  # fmt: skip
def test_a_street_office_gets_the_403_page_a_steward_does_not(served: Served, path: str) -> None:
    with signed_in(served, "donghu_requester") as client:
        refused = client.get(path)
    assert refused.status_code == 403
    assert "only a data steward" in refused.text
    with signed_in(served, "steward_viewer") as client:
        assert client.get(path).status_code == 200


def test_a_stranger_is_sent_to_sign_in(served: Served) -> None:
    import httpx

    with httpx.Client(base_url=served.url, follow_redirects=False) as client:
        answer = client.get("/steward/approvals")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fsteward%2Fapprovals"
