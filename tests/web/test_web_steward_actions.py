"""A steward's changes to contracts from the pages: the functions `shuzhi catalog
set-level|classify|set-sharing|downgrade` call, decided by policies.steward_actions. Pairs:
the steward's approver may; a steward's viewer and a street office get the 403 page; a
missing reason or CSRF token changes nothing. The hub reads a copy of the configuration."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from page_client import csrf_token_in
from service_home import Served, make_hub, serve
from steward_pages import HOSTILE, signed_in

from home.layout import DEFAULT_CONFIG_DIR
from pipelines.hub import Hub


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("steward-actions")
    config = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    hub = Hub(make_hub(root).home, config)
    with serve(hub) as running:
        yield running


def _contract(served: Served, folder: str, name: str) -> str:
    return (served.hub.config / folder / f"{name}.yaml").read_text(encoding="utf-8")


def _column(served: Served, dataset: str, column: str) -> dict:
    data = yaml.safe_load(_contract(served, "datasets", dataset))
    found: dict = next(c for c in data["columns"] if c["name"] == column)
    return found


def _post(client: httpx.Client, path: str, fields: dict[str, str]) -> httpx.Response:
    page = path.rsplit("/", 1)[0]
    token = csrf_token_in(client.get(page).text)
    return client.post(path, data={"csrf_token": token, **fields})


def _steward_actions(served: Served) -> list[dict]:
    return served.audit_events("steward_action")


LEVEL = "/steward/datasets/assistance/level"


@pytest.mark.parametrize("login", ["donghu_requester", "steward_viewer"])
def test_a_street_office_and_a_stewards_viewer_may_not_change_a_contract(
    served: Served, login: str
) -> None:
    before = _contract(served, "datasets", "assistance")
    with signed_in(served, login) as client:
        token = csrf_token_in(client.get("/me").text)
        refused = client.post(LEVEL, data={"csrf_token": token, "column": "sex", "level": "L1",
                                           "reason": "想看"})  # fmt: skip
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert _contract(served, "datasets", "assistance") == before


def test_the_stewards_approver_sets_a_level_with_a_reason_and_it_is_audited(
    served: Served,
) -> None:
    with signed_in(served, "steward_approver") as client:
        page = client.get("/steward/datasets/assistance")
        assert 'action="/steward/datasets/assistance/level"' in page.text
        done = _post(client, LEVEL, {"column": "sex", "level": "L3",
                                     "reason": "性别与救助类别合看可识别个人"})  # fmt: skip
        assert done.status_code == 303
        assert done.headers["location"] == "/steward/datasets/assistance?changed=level"
        after = client.get(done.headers["location"])
    assert "已写入数据契约" in after.text
    assert _column(served, "assistance", "sex")["level"] == "L3"
    event = _steward_actions(served)[-1]
    assert event["actor"] == "steward_district" and event["details"]["outcome"] == "allowed"
    assert event["details"]["action"] == "set_column_level"
    assert event["details"]["reason"] == "性别与救助类别合看可识别个人"


def test_a_change_without_a_reason_is_shown_in_place_and_changes_nothing(
    served: Served,
) -> None:
    before = _contract(served, "datasets", "assistance")
    events = len(_steward_actions(served))
    with signed_in(served, "steward_approver") as client:
        refused = _post(client, LEVEL, {"column": "sex", "level": "L1", "reason": "  "})
    assert refused.status_code == 422
    form = refused.text.split('id="level"')[1].split("</form>")[0]
    assert "请写明理由" in form and 'role="alert"' in form
    assert _contract(served, "datasets", "assistance") == before
    assert len(_steward_actions(served)) == events


def test_a_change_without_the_csrf_token_is_refused(served: Served) -> None:
    before = _contract(served, "datasets", "assistance")
    with signed_in(served, "steward_approver") as client:
        forged = client.post(LEVEL, data={"column": "sex", "level": "L1", "reason": "伪造"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert _contract(served, "datasets", "assistance") == before


def test_not_shared_needs_its_refusal_reason_and_then_is_written(served: Served) -> None:
    path = "/steward/datasets/visits/sharing"
    with signed_in(served, "steward_approver") as client:
        missing = _post(client, path, {"sharing": "none", "reason": "走访记录含住址"})
        assert missing.status_code == 422 and "refusal-reason" in missing.text
        assert yaml.safe_load(_contract(served, "datasets", "visits"))["sharing"] == "conditional"
        done = _post(client, path, {"sharing": "none", "reason": f"走访记录含住址{HOSTILE}",
                                    "refusal_reason": "含弱势群体精确住址，不予共享"})  # fmt: skip
        assert done.status_code == 303
        page = client.get(done.headers["location"])
    contract = yaml.safe_load(_contract(served, "datasets", "visits"))
    assert contract["sharing"] == "none"
    assert contract["refusal_reason"] == "含弱势群体精确住址，不予共享"
    assert "不予共享" in page.text and "<script>alert(1)" not in page.text
    assert _steward_actions(served)[-1]["details"]["reason"].endswith("“引号”")  # as typed


def test_a_detected_entity_is_overridden_with_a_reason(served: Served) -> None:
    with signed_in(served, "steward_approver") as client:
        done = _post(client, "/steward/datasets/enterprises/classify", {
            "column": "industry", "entity": "ADDRESS", "decision": "override",
            "reason": "行业名称含地名，不是个人地址"})  # fmt: skip
    assert done.status_code == 303
    assert _column(served, "enterprises", "industry")["reviewed"] == {
        "ADDRESS": "行业名称含地名，不是个人地址"
    }


def test_a_products_downgrade_is_recorded(served: Served) -> None:
    with signed_in(served, "steward_approver") as client:
        page = client.get("/steward/products/street_case_stats")
        assert 'action="/steward/products/street_case_stats/downgrade"' in page.text
        done = client.post("/steward/products/street_case_stats/downgrade", data={
            "csrf_token": csrf_token_in(page.text), "level": "L1",
            "reason": "按社区汇总，最小单元不少于10件"})  # fmt: skip
    assert done.status_code == 303, done.text
    contract = yaml.safe_load(_contract(served, "products", "street_case_stats"))
    assert contract["downgrade"] == {
        "to": "L1",
        "by": "steward_district",
        "reason": "按社区汇总，最小单元不少于10件",
    }
