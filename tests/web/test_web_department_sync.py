"""A department syncs its source from its page, and reads the reconciliation, on a copy of
the session's demo district served by tests/service/service_home.py's serve().

"Sync now" runs ``shuzhi sources sync`` in the background: the page answers at once,
shows the sync running, then its outcome; the request is audited with the person,
principal and source. The batches on the page are the hub's batch records, and the
quarantine is counted per rule and field, with no value of a row in the page.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "end_to_end"))
from demo_run import DemoRun, known_identifiers
from home_copy import copy_home
from page_client import browser_like, csrf_token_in, sign_in
from service_home import PASSWORD, Served, serve

from home.layout import Home
from identity.people import add_user
from pipelines.hub import Hub
from pipelines.source_status import batch_history

pytestmark = pytest.mark.slow
SOURCE = "hl_cases"
_PATIENCE_S = 300  # a bound on waiting for the sync to end, not a timing under test


@pytest.fixture(scope="module")
def served(demo: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = copy_home(demo.home, tmp_path_factory.mktemp("web-department-sync") / "home")
    hub = Hub(Home(home))
    for login, role in (("hotline_requester", "requester"), ("hotline_viewer", "viewer")):
        add_user(
            hub, login=login, name="测试用户", principal="dept_hotline_12345", role=role,
            password=PASSWORD, actor="operator test",
        )  # fmt: skip
    with serve(hub) as running:
        yield running


def _until_finished(client: httpx.Client, path: str) -> str:
    deadline = time.monotonic() + _PATIENCE_S
    while True:
        page = client.get(path)
        assert page.status_code == 200, page.text
        if "data-outcome=" in page.text:
            return page.text
        assert time.monotonic() < deadline, "the sync did not end"
        time.sleep(0.5)


def test_the_requester_syncs_the_source_and_the_request_is_audited(served: Served) -> None:
    path = f"/department/sources/{SOURCE}"
    with browser_like(served.url) as client:
        sign_in(client, "hotline_requester", PASSWORD)
        page = client.get(path)
        assert page.status_code == 200 and 'data-state="ok"' in page.text
        started = client.post(f"{path}/sync", data={"csrf_token": csrf_token_in(page.text)})
        assert started.status_code == 303 and started.headers["location"] == path
        running = client.get(path)
        # At once the page shows the sync running, or already its outcome (a quick sync).
        assert 'data-state="running"' in running.text or "data-outcome=" in running.text
        finished = _until_finished(client, path)
        listing = client.get("/department")
    assert 'data-outcome="ok"' in finished
    assert f"batch {SOURCE}-" in finished or "nothing new to stage" in finished
    assert 'data-state="running"' not in listing.text
    requests = [e for e in served.audit_events("sync_request") if e["details"]["source"] == SOURCE]
    assert [e["details"]["outcome"] for e in requests] == ["started", "ok"]
    for event in requests:
        assert event["actor"] == "dept_hotline_12345"
        assert event["details"]["principal"] == "dept_hotline_12345"
        assert re.fullmatch(r"person u-\S+", event["details"]["by"])
    assert any(e["details"]["source"] == SOURCE for e in served.audit_events("sync"))


def test_a_department_viewer_may_not_sync(served: Served) -> None:
    before = len(served.audit_events("sync_request"))
    with browser_like(served.url) as client:
        sign_in(client, "hotline_viewer", PASSWORD)
        page = client.get(f"/department/sources/{SOURCE}")
        refused = client.post(
            f"/department/sources/{SOURCE}/sync", data={"csrf_token": csrf_token_in(page.text)}
        )
    assert page.status_code == 200 and refused.status_code == 403
    assert len(served.audit_events("sync_request")) == before


def _cells(html: str, batch_id: str, name: str) -> int:
    row = html[html.index(f'data-batch="{batch_id}"') :]
    return int(re.search(rf'data-{name}="(\d+)"', row).group(1))  # type: ignore[union-attr]


def test_the_reconciliation_is_the_hubs_and_shows_no_value(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "hotline_requester", PASSWORD)
        html = client.get(f"/department/sources/{SOURCE}").text
        chart = client.get(f"/department/data/sources/{SOURCE}/quarantine.json").json()
        per_batch = client.get(f"/department/data/sources/{SOURCE}/reconciliation.json").json()
    records = batch_history(served.hub, SOURCE)
    assert records and any(b.rows_quarantined for b in records)
    for record in records:
        assert _cells(html, record.batch_id, "read") == record.rows_read
        assert _cells(html, record.batch_id, "loaded") == record.rows_loaded
        assert _cells(html, record.batch_id, "quarantined") == record.rows_quarantined
        assert record.rows_read == record.rows_loaded + (record.rows_quarantined or 0)
    table = html[html.index('class="data quarantine"') :]
    counted = sum(int(n) for n in re.findall(r'data-rows="(\d+)"', table))
    assert (
        counted == sum(b.rows_quarantined or 0 for b in records) == sum(chart["series"][0]["data"])
    )
    assert sum(per_batch["series"][1]["data"]) == counted
    ids, phones = known_identifiers(served.hub.home.departments)
    assert ids and phones
    shown = html + str(chart)
    assert not [value for value in ids | phones if value in shown]
