"""The department pages on a hub with no syncs yet: who sees which sources, who may sync,
CSRF, and a new source's YAML checked in place (tests/service/service_home.py's hub).

Policy tests come in pairs: the hotline sees its sources, civil affairs sees its own and
not the hotline's; a requester may sync, a viewer may not; a street office gets a 403 page.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "service"))
from page_client import browser_like, csrf_token_in, sign_in
from service_home import PASSWORD, Served, make_hub, serve

from identity.people import add_user

HOTLINE_SOURCES = ("hl_cases", "mb_cases", "wx_cases", "gd_cases", "wb_cases", "dp_transfers")
CIVIL_SOURCES = ("ca_assistance", "ca_social_organisations")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    hub = make_hub(tmp_path_factory.mktemp("web-department"))
    add_user(
        hub, login="hotline_viewer", name="测试用户", principal="dept_hotline_12345",
        role="viewer", password=PASSWORD, actor="operator test",
    )  # fmt: skip
    with serve(hub) as running:
        yield running


def _page(served: Served, login: str, path: str) -> tuple[int, str]:
    with browser_like(served.url) as client:
        sign_in(client, login, PASSWORD)
        answer = client.get(path)
    return answer.status_code, answer.text


def test_the_hotline_sees_its_own_sources_and_not_civil_affairs(served: Served) -> None:
    status, html = _page(served, "hotline_requester", "/department")
    assert status == 200
    assert all(f'href="/department/sources/{name}"' in html for name in HOTLINE_SOURCES)
    assert not any(name in html for name in CIVIL_SOURCES)
    assert 'data-state="never"' in html  # nothing synced in this hub yet


def test_civil_affairs_sees_its_own_sources_and_not_the_hotlines(served: Served) -> None:
    status, html = _page(served, "civil_requester", "/department")
    assert status == 200
    assert all(f'href="/department/sources/{name}"' in html for name in CIVIL_SOURCES)
    assert not any(f"/department/sources/{name}" in html for name in HOTLINE_SOURCES)


def test_a_source_page_is_its_departments_own(served: Served) -> None:
    mine, html = _page(served, "hotline_requester", "/department/sources/hl_cases")
    assert (
        mine == 200 and "hl_cases" in html and 'action="/department/sources/hl_cases/sync"' in html
    )
    theirs, refused = _page(served, "civil_requester", "/department/sources/hl_cases")
    assert theirs == 404 and "hl_cases does not exist" in refused
    chart, _ = _page(served, "civil_requester", "/department/data/sources/hl_cases/quarantine.json")
    assert chart == 404


def test_a_street_office_gets_the_403_page(served: Served) -> None:
    for path in ("/department", "/department/sources/hl_cases", "/department/new-source"):
        status, html = _page(served, "donghu_requester", path)
        assert status == 403 and "only a department principal may do this" in html
    status, _ = _page(served, "hotline_requester", "/department/new-source")
    assert status == 200


def test_a_department_viewer_sees_but_may_not_sync(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "hotline_viewer", PASSWORD)
        page = client.get("/department/sources/hl_cases")
        assert page.status_code == 200 and "/sync" not in page.text  # no button to press
        forced = client.post(
            "/department/sources/hl_cases/sync", data={"csrf_token": csrf_token_in(page.text)}
        )
    assert forced.status_code == 403 and "rule 5: no role of this person allows it" in forced.text
    assert not [
        e for e in served.audit_events("sync_request") if e["details"]["source"] == "hl_cases"
    ]


def test_sync_now_without_the_forms_token_is_refused(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "hotline_requester", PASSWORD)
        forged = client.post("/department/sources/hl_cases/sync", data={})
        assert forged.status_code == 403 and "text/html" in forged.headers["content-type"]
        checked = client.post("/department/new-source", data={"source_yaml": "kind: sql\n"})
        assert checked.status_code == 403
    assert not served.audit_events("sync_request")


def test_another_departments_source_cannot_be_synced(served: Served) -> None:
    with browser_like(served.url) as client:
        sign_in(client, "civil_requester", PASSWORD)
        page = client.get("/department")
        refused = client.post(
            "/department/sources/hl_cases/sync", data={"csrf_token": csrf_token_in(page.text)}
        )
    assert refused.status_code == 404
    assert not served.audit_events("sync_request")


def _check(served: Served, login: str, text: str) -> tuple[int, str]:
    with browser_like(served.url) as client:
        sign_in(client, login, PASSWORD)
        form = client.get("/department/new-source")
        answer = client.post(
            "/department/new-source",
            data={"csrf_token": csrf_token_in(form.text), "source_yaml": text},
        )
    return answer.status_code, answer.text


def _example(served: Served) -> str:
    _, html = _page(served, "hotline_requester", "/department/new-source")
    start = html.index('spellcheck="false">') + len('spellcheck="false">')
    return html[start : html.index("</textarea>")].replace("&#34;", '"')


def test_the_forms_example_is_a_valid_source_shown_with_the_next_step(served: Served) -> None:
    config = served.hub.config / "departments" / "hotline_12345.yaml"
    before = config.read_bytes()
    status, html = _check(served, "hotline_requester", _example(served))
    assert status == 200 and 'data-check="valid"' in html
    assert "config/departments/hotline_12345.yaml" in html and "shuzhi sources sync" in html
    assert (
        config.read_bytes() == before and "hotline_12345_export_1" not in served.hub.catalog.sources
    )


def test_a_bad_key_is_shown_at_its_line_and_nothing_is_registered(served: Served) -> None:
    config = served.hub.config / "departments" / "hotline_12345.yaml"
    before = config.read_bytes()
    text = _example(served).replace("encoding: auto", "encodng: auto")
    line = text.splitlines().index("encodng: auto") + 1
    status, html = _check(served, "hotline_requester", text)
    assert status == 422 and 'data-check="invalid"' in html
    assert "<code>config/departments/hotline_12345.yaml</code>" in html
    assert f'<td><code>encodng</code></td><td class="number">{line}</td>' in html
    assert "Extra inputs are not permitted" in html
    assert f'data-line="{line}">↑ encodng: Extra inputs are not permitted' in html
    assert config.read_bytes() == before


def test_the_catalogues_cross_checks_name_the_key(served: Served) -> None:
    duplicate = _example(served).replace("name: hotline_12345_export_1", "name: hl_cases")
    status, html = _check(served, "hotline_requester", duplicate)
    assert status == 422 and "<td><code>name</code></td>" in html
    assert "duplicate source &#39;hl_cases&#39;" in html
    unknown = _example(served).replace("dataset: case_transfers", "dataset: no_such_data")
    status, html = _check(served, "hotline_requester", unknown)
    assert status == 422 and "no dataset contract named &#39;no_such_data&#39;" in html
    secret = "kind: sql\nname: x1\ndataset: cases\ndialect: sqlite\ntable: t\nprimary_key: [a]\n"
    status, html = _check(served, "hotline_requester", secret + "connection: {password: s3cret}\n")
    assert status == 422 and "password_env" in html


def test_broken_yaml_is_placed_at_its_line(served: Served) -> None:
    status, html = _check(served, "hotline_requester", "kind: file_drop\nname: [unclosed\n")
    assert status == 422 and "<td><code>(YAML)</code></td>" in html and "not valid YAML" in html


def test_what_a_department_types_is_shown_as_text(served: Served) -> None:
    hostile = "<script>alert(1)</script>“引号”"
    text = _example(served) + f"title: '{hostile}'\ndescription: \"{hostile}\"\n"
    status, html = _check(served, "hotline_requester", text)
    assert status == 422
    assert "<script>alert(1)" not in html
    assert "title: &#39;&lt;script&gt;alert(1)&lt;/script&gt;“引号”&#39;" in html
    assert "description: &#34;&lt;script&gt;alert(1)&lt;/script&gt;“引号”&#34;" in html
    assert "<td><code>title</code></td>" in html and "<td><code>description</code></td>" in html
