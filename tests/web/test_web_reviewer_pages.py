"""The security reviewer's pages: only reviewers open them; search, who-saw and trace answer
as the CLI does, audit themselves as it does, and show what a person typed as text."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from page_client import browser_like, csrf_token_in, sign_in
from reviewer_home import LIST, NAMES, OTHER, PURPOSE, TOKEN, make_reviewed_hub

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from service_home import PASSWORD, Served, serve

from audit.watermark import strip_marks
from service.context import ServiceSettings

PAGES = ("/reviewer", "/reviewer/search", "/reviewer/who-saw", "/reviewer/trace")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve(make_reviewed_hub(tmp_path_factory.mktemp("web-reviewer"))) as running:
        yield running


@pytest.fixture(scope="module")
def download(served: Served) -> httpx.Response:
    """东湖's person-level list, downloaded through the API for its purpose: one delivery."""
    with served.client(served.sign_in("donghu_viewer")) as client:
        answer = client.get(
            f"/api/v1/products/{LIST}/rows", params={"format": "csv", "purpose": PURPOSE}
        )
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Delivery-Id"]
    return answer


@pytest.fixture
def reviewer(served: Served) -> Iterator[httpx.Client]:
    with browser_like(served.url) as client:
        assert sign_in(client, "reviewer", PASSWORD).status_code == 303
        yield client


def _lookups(served: Served) -> list[dict]:
    return served.audit_events("delivery_lookup")


# --- who may open them: reviewers, and nobody else ---------------------------------------


@pytest.mark.parametrize(
    ("login", "status"),
    [("reviewer", 200), ("donghu_viewer", 403), ("steward_approver", 403)],
)
def test_only_a_reviewer_opens_the_reviewer_pages(served: Served, login: str, status: int) -> None:
    with browser_like(served.url) as client:
        sign_in(client, login, PASSWORD)
        for path in (*PAGES, "/reviewer/data/events-per-day.json"):
            answer = client.get(path)
            assert answer.status_code == status, (path, answer.text[:300])
            if status == 403:
                assert "无权访问" in answer.text and "only a reviewer principal" in answer.text


def test_a_stranger_is_sent_to_sign_in(served: Served) -> None:
    with browser_like(served.url) as client:
        answer = client.get("/reviewer/who-saw", params={"token": TOKEN})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in?next=")


def test_a_street_office_cannot_post_a_trace(served: Served, download: httpx.Response) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "donghu_viewer", PASSWORD)
        token = csrf_token_in(client.get("/me").text)
        answer = client.post(
            "/reviewer/trace",
            data={"csrf_token": token},
            files={"file": ("leak.csv", download.content, "text/csv")},
        )
    assert answer.status_code == 403


# --- the dashboard ----------------------------------------------------------------------


def test_the_dashboard_shows_the_chain_verified_and_the_last_checkpoint(
    reviewer: httpx.Client,
) -> None:
    page = reviewer.get("/reviewer")
    assert page.status_code == 200
    assert 'data-chart="/reviewer/data/events-per-day.json"' in page.text
    assert "完整" in page.text and "最近签名检查点" in page.text
    assert 'name="csrf_token"' in page.text
    assert "<script>" not in page.text


def test_the_events_chart_has_the_last_30_days_by_kind(
    served: Served, reviewer: httpx.Client
) -> None:
    chart = reviewer.get("/reviewer/data/events-per-day.json").json()
    assert chart["kind"] == "bar" and len(chart["x"]) == 30
    names = {series["name"] for series in chart["series"]}
    assert "接口调用" in names  # the api events of every call so far
    assert sum(sum(series["data"]) for series in chart["series"]) >= 1


def test_a_finding_links_to_exactly_its_events(served: Served, reviewer: httpx.Client) -> None:
    refused_reveal = {
        "by": "person u-0999", "dataset": "population", "token": TOKEN, "purpose": PURPOSE,
        "allowed": False, "reasons": ["no reveal grant"], "columns": [], "rows": 0,
        "outcome": "refused",
    }  # fmt: skip
    # The access review's threshold: 10 re-identifications a day by one person.
    planted = [
        served.hub.audit.append("reveal", "street_donghu", refused_reveal) for _ in range(10)
    ]
    page = reviewer.get("/reviewer")
    assert "频繁重识别" in page.text and "u-0999" in page.text
    link = "/reviewer/search?seqs=" + ",".join(str(e.seq) for e in planted)
    assert f'href="{link}"' in page.text
    found = reviewer.get(link)
    assert "共 10 个匹配事件" in found.text
    assert sorted(int(s) for s in _seqs_in(found.text)) == [e.seq for e in planted]


def test_verify_now_needs_the_forms_token_and_answers_with_the_dashboard(
    reviewer: httpx.Client,
) -> None:
    assert reviewer.post("/reviewer/verify", data={}).status_code == 403
    token = csrf_token_in(reviewer.get("/reviewer").text)
    done = reviewer.post("/reviewer/verify", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == "/reviewer#chain"
    assert "完整" in reviewer.get("/reviewer").text


# --- search -----------------------------------------------------------------------------


def test_search_finds_the_street_offices_read_and_shows_no_personal_data(
    reviewer: httpx.Client, download: httpx.Response
) -> None:
    assert NAMES[0] in strip_marks(download.content.decode("utf-8-sig"))  # the list holds it
    page = reviewer.get(
        "/reviewer/search",
        params={"principal": "street_donghu", "kind": "query", "product": LIST},
    )
    assert page.status_code == 200
    assert "共 1 个匹配事件" in page.text
    assert PURPOSE in page.text and "g-donghu-elderly-alone-visits" in page.text
    for name in NAMES:
        assert name not in page.text


def test_search_refuses_a_malformed_time_with_a_clear_message(reviewer: httpx.Client) -> None:
    page = reviewer.get("/reviewer/search", params={"since": "last tuesday"})
    assert page.status_code == 422 and "is not an ISO date or datetime" in page.text


def test_search_pages_newest_first(served: Served, reviewer: httpx.Client) -> None:
    for _ in range(3):
        reviewer.get("/me")
    before = served.audit_events("api")  # this search's own event is written after it answers
    first = reviewer.get("/reviewer/search", params={"kind": "api"})
    assert f"共 {len(before)} 个匹配事件" in first.text
    seqs = [int(s) for s in _seqs_in(first.text)]
    assert seqs == [e["seq"] for e in reversed(before)][: len(seqs)]
    assert len(seqs) == min(len(before), 50)


def _seqs_in(html: str) -> list[str]:
    return re.findall(r'<td class="number">(\d+)</td><td>', html)


# --- who saw a person -------------------------------------------------------------------


def test_who_saw_lists_the_delivery_and_is_audited(
    served: Served, reviewer: httpx.Client, download: httpx.Response
) -> None:
    delivery = download.headers["X-Delivery-Id"]
    before = len(_lookups(served))
    page = reviewer.get("/reviewer/who-saw", params={"token": TOKEN})
    assert page.status_code == 200
    assert delivery in page.text and "street_donghu" in page.text
    assert "g-donghu-elderly-alone-visits" in page.text and PURPOSE in page.text
    assert "person u-" in page.text  # by whom
    lookups = _lookups(served)[before:]
    assert [e["details"]["lookup"] for e in lookups] == ["who-saw"]
    assert lookups[0]["details"]["token"] == TOKEN
    assert lookups[0]["details"]["deliveries"] == [delivery]
    assert lookups[0]["details"]["by"].startswith("person u-")
    assert lookups[0]["actor"] == "reviewer_security"


def test_who_saw_refuses_what_is_not_a_token_and_looks_nothing_up(
    served: Served, reviewer: httpx.Client
) -> None:
    before = len(_lookups(served))
    page = reviewer.get("/reviewer/who-saw", params={"token": "测甲乙"})
    assert page.status_code == 422 and "不是个人令牌" in page.text
    assert len(_lookups(served)) == before


def test_who_saw_a_person_nobody_received_says_so(reviewer: httpx.Client) -> None:
    nobody = "t1_" + "z" * 26
    page = reviewer.get("/reviewer/who-saw", params={"token": nobody})
    assert page.status_code == 200 and "没有任何交付含此人" in page.text


def test_who_saw_finds_the_other_resident_of_the_same_list(
    reviewer: httpx.Client, download: httpx.Response
) -> None:
    page = reviewer.get("/reviewer/who-saw", params={"token": OTHER})
    assert download.headers["X-Delivery-Id"] in page.text


# --- trace a leaked file ----------------------------------------------------------------


def _post_trace(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    token = csrf_token_in(client.get("/reviewer/trace").text)
    return client.post(
        "/reviewer/trace",
        data={"csrf_token": token},
        files={"file": (name, content, "application/octet-stream")},
    )


def test_trace_names_the_delivery_a_leaked_download_came_from(
    served: Served, reviewer: httpx.Client, download: httpx.Response
) -> None:
    lines = download.content.decode("utf-8-sig").splitlines()
    leaked = "\n".join([lines[0], lines[1]]).encode("utf-8")  # the header and one resident
    before = len(_lookups(served))
    page = _post_trace(reviewer, "转发.csv", leaked)
    assert page.status_code == 200, page.text
    assert "已溯源" in page.text and download.headers["X-Delivery-Id"] in page.text
    assert "street_donghu" in page.text and "g-donghu-elderly-alone-visits" in page.text
    for name in NAMES:
        assert name not in page.text
    (lookup,) = _lookups(served)[before:]
    assert lookup["details"]["lookup"] == "trace" and lookup["details"]["verdict"] == "traced"
    assert lookup["details"]["deliveries"] == [download.headers["X-Delivery-Id"]]
    assert not list((served.hub.home.state / "trace-uploads").iterdir())  # never kept


def test_a_rebuilt_list_without_marks_names_nobody(
    reviewer: httpx.Client, download: httpx.Response
) -> None:
    clean = strip_marks(download.content.decode("utf-8-sig")).encode("utf-8")
    page = _post_trace(reviewer, "retyped.csv", clean)
    assert page.status_code == 200 and "无匹配" in page.text
    assert "内容相同的其他交付" in page.text  # the same rows, listed but not named


def test_a_forged_upload_without_the_forms_token_is_refused(
    served: Served, reviewer: httpx.Client, download: httpx.Response
) -> None:
    before = len(_lookups(served))
    forged = reviewer.post(
        "/reviewer/trace", files={"file": ("leak.csv", download.content, "text/csv")}
    )
    assert forged.status_code == 403 and "CSRF" in forged.text
    assert len(_lookups(served)) == before


def test_an_oversize_upload_is_refused_clearly_and_the_next_request_answers(
    reviewer: httpx.Client,
) -> None:
    big = b"a," * (ServiceSettings().max_body_bytes // 2 + 1)
    answer = _post_trace(reviewer, "big.csv", big)
    assert answer.status_code == 413 and "text/html" in answer.headers["content-type"]
    assert "超过 1 MB 上限" in answer.text and "<h1>" in answer.text
    assert reviewer.get("/reviewer/trace").status_code == 200


def test_garbage_uploads_are_refused_clearly_and_the_next_request_answers(
    reviewer: httpx.Client,
) -> None:
    broken = _post_trace(reviewer, "名单.xlsx", b"PK\x03\x04 not really a workbook" * 50)
    assert broken.status_code == 422 and "无法读取该文件" in broken.text
    unknown = _post_trace(reviewer, "leak.pdf", b"%PDF-1.4")
    assert unknown.status_code == 422 and "不支持 .pdf 文件" in unknown.text
    old = _post_trace(reviewer, "leak.xls", b"\xd0\xcf\x11\xe0")
    assert old.status_code == 422 and ".xlsx" in old.text
    assert reviewer.get("/reviewer/trace").status_code == 200


# --- what people typed is shown as text -------------------------------------------------

HOSTILE = "<script>alert(1)</script>“引号”"


def test_a_hostile_purpose_in_the_log_is_shown_escaped(
    served: Served, reviewer: httpx.Client
) -> None:
    with served.client(served.sign_in("donghu_viewer")) as client:
        refused = client.post(
            "/api/v1/query", json={"sql": "SELECT * FROM street_case_stats", "purpose": HOSTILE}
        )
    assert refused.status_code in (403, 422)
    page = reviewer.get("/reviewer/search", params={"purpose": "引号"})
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;“引号”" in page.text


# --- a tampered log: the dashboard says where -------------------------------------------


@pytest.fixture
def one_line_rewritten(served: Served) -> Iterator[int]:
    """An api event's status changed in place (its hash left alone); put back afterwards."""
    path = served.hub.audit.path
    lines = path.read_bytes().split(b"\n")
    number = next(i for i, line in enumerate(lines) if b'"status":200' in line)
    original = lines[number]
    lines[number] = original.replace(b'"status":200', b'"status":204', 1)
    path.write_bytes(b"\n".join(lines))
    try:
        yield number + 1
    finally:
        now = path.read_bytes().split(b"\n")  # page views appended meanwhile stay
        now[number] = original
        path.write_bytes(b"\n".join(now))


def test_the_dashboard_locates_a_rewritten_line_once_verified(
    reviewer: httpx.Client, one_line_rewritten: int
) -> None:
    token = csrf_token_in(reviewer.get("/reviewer").text)
    reviewer.post("/reviewer/verify", data={"csrf_token": token})
    page = reviewer.get("/reviewer")
    assert "发现篡改" in page.text and f"位于日志第 {one_line_rewritten} 行" in page.text
    assert f"line {one_line_rewritten}" in page.text  # verify's own words, as the CLI prints
