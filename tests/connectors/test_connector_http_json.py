"""HTTP JSON sources against a real local server that fails, throttles and stalls on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fake_department_api import FakeApi, Misbehaviour, Style, enterprises, serve

from connectors.batch import PagingError, SourceDataError, SourceUnavailable
from connectors.config import HttpAuth, HttpJsonSource, Pagination, SourceConfigError
from connectors.http_json import HttpJsonConnector

ENDPOINT = "/api/v1/enterprises"


def source(api: FakeApi, **extra: Any) -> HttpJsonSource:
    return HttpJsonSource(
        kind="http_json",
        name="mr_test",
        dataset="enterprises",
        base_url=extra.pop("base_url", api.base_url),
        endpoint=ENDPOINT,
        primary_key=["uscc"],
        pagination=extra.pop("pagination", Pagination(style=api.style, size=5)),
        max_retries=extra.pop("max_retries", 3),
        **extra,
    )


class Sleeps:
    """Records the delays the connector asks for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with serve(FakeApi(enterprises(23))) as running:
        yield running


def read_all(connector: HttpJsonConnector) -> list[dict[str, Any]]:
    return [row for batch in connector.read() for row in batch.records.to_pylist()]


# --- pagination --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("style", "count"),
    [("page", 23), ("offset", 23), ("offset", 20), ("cursor", 23), ("cursor", 20), ("page", 20)],
)
def test_every_record_exactly_once(style: Style, count: int, sleeps: Sleeps) -> None:
    pagination = Pagination(style=style, size=5, next_cursor_field="next_cursor")
    with serve(FakeApi(enterprises(count), style=style)) as api:
        rows = read_all(HttpJsonConnector(source(api, pagination=pagination), sleep=sleeps))
    ids = [r["uscc"] for r in rows]
    assert ids == [f"U{i:04d}" for i in range(1, count + 1)]
    assert sleeps.delays == []


@pytest.mark.parametrize("style", ["page", "offset", "cursor"])
def test_a_server_capping_the_page_size_loses_nothing(style: Style, sleeps: Sleeps) -> None:
    pagination = Pagination(style=style, size=5, next_cursor_field="next_cursor")
    served = FakeApi(enterprises(23), style=style, max_page_size=3)
    with serve(served) as api:
        rows = read_all(HttpJsonConnector(source(api, pagination=pagination), sleep=sleeps))
    assert [r["uscc"] for r in rows] == [f"U{i:04d}" for i in range(1, 24)]


@pytest.mark.parametrize("count", [20, 23, 0])
def test_offset_without_a_total_stops_at_the_first_short_page(count: int, sleeps: Sleeps) -> None:
    served = FakeApi(enterprises(count), style="offset", send_total=False)
    with serve(served) as api:
        rows = read_all(HttpJsonConnector(source(api), sleep=sleeps))
    assert len(rows) == count
    assert [r.params["offset"] for r in api.seen] == [str(o) for o in range(0, count + 1, 5)]


def test_offset_with_a_total_asks_no_more_than_needed(sleeps: Sleeps) -> None:
    with serve(FakeApi(enterprises(20), style="offset")) as api:
        read_all(HttpJsonConnector(source(api), sleep=sleeps))
    assert [r.params["offset"] for r in api.seen] == ["0", "5", "10", "15"]


def test_page_style_stops_at_total_pages(api: FakeApi, sleeps: Sleeps) -> None:
    read_all(HttpJsonConnector(source(api), sleep=sleeps))
    assert [r.params["page"] for r in api.seen] == ["1", "2", "3", "4", "5"]
    assert {r.params["page_size"] for r in api.seen} == {"5"}
    assert {r.path for r in api.seen} == {ENDPOINT}


def test_cursor_is_passed_back_as_given(sleeps: Sleeps) -> None:
    pagination = Pagination(style="cursor", size=10, next_cursor_field="next_cursor")
    with serve(FakeApi(enterprises(23), style="cursor")) as api:
        read_all(HttpJsonConnector(source(api, pagination=pagination), sleep=sleeps))
    assert [r.params.get("cursor") for r in api.seen] == [None, "after-10", "after-20"]


def test_values_become_text_and_positions_name_page_and_item(api: FakeApi, sleeps: Sleeps) -> None:
    batches = list(HttpJsonConnector(source(api), sleep=sleeps).read())
    first = batches[0].records.to_pylist()[0]
    assert first == {"uscc": "U0001", "name": "企业1", "capital": "10", "tags": '["a", 1]'}
    assert batches[1].positions.to_pylist()[2] == "page 2 item 3"
    assert all(b.origin == ENDPOINT for b in batches)


def test_a_field_appearing_mid_stream_stops_the_read(sleeps: Sleeps) -> None:
    # Schema drift mid-stream used to add a column silently; now the read refuses it
    # (tests/connectors/test_connector_http_paging.py covers the variants).
    records = enterprises(8)
    for record in records[5:]:
        record["new_field"] = "x"
    with (
        serve(FakeApi(records)) as api,
        pytest.raises(PagingError, match=r"page 2 item 1 .*adds 'new_field'"),
    ):
        list(HttpJsonConnector(source(api), sleep=sleeps).read())


def test_check_reports_fields_and_total(api: FakeApi, sleeps: Sleeps) -> None:
    info = HttpJsonConnector(source(api), sleep=sleeps).check()
    assert info == {
        "endpoint": ENDPOINT,
        "fields": ["capital", "name", "tags", "uscc"],
        "total": 23,
    }


# --- retries, rate limits, timeouts ------------------------------------------------------------


def test_server_errors_are_retried_with_backoff(api: FakeApi, sleeps: Sleeps) -> None:
    api.script = [Misbehaviour(500), Misbehaviour(503)]
    rows = read_all(HttpJsonConnector(source(api), sleep=sleeps))
    assert len(rows) == 23
    assert sleeps.delays == [0.2, 0.4]
    assert [r.params["page"] for r in api.seen[:3]] == ["1", "1", "1"]


def test_429_retry_after_is_honoured(api: FakeApi, sleeps: Sleeps) -> None:
    api.script = [Misbehaviour(429, headers={"Retry-After": "7"})]
    rows = read_all(HttpJsonConnector(source(api), sleep=sleeps))
    assert len(rows) == 23
    assert sleeps.delays == [7.0]


def test_429_without_a_usable_retry_after_waits_one_second(api: FakeApi, sleeps: Sleeps) -> None:
    api.script = [Misbehaviour(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})]
    read_all(HttpJsonConnector(source(api), sleep=sleeps))
    assert sleeps.delays == [1.0]


def test_server_errors_beyond_the_retry_budget_make_the_source_unavailable(
    api: FakeApi, sleeps: Sleeps
) -> None:
    api.always = Misbehaviour(502)
    with pytest.raises(SourceUnavailable, match=r"failed after 4 tries \(HTTP 502\)"):
        read_all(HttpJsonConnector(source(api, max_retries=3), sleep=sleeps))
    assert len(api.seen) == 4
    assert sleeps.delays == [0.2, 0.4, 0.8]


def test_a_slow_answer_times_out_and_is_retried(api: FakeApi, sleeps: Sleeps) -> None:
    # The retry must answer within the timeout: 2 s leaves a busy machine room.
    api.script = [Misbehaviour(delay_s=5.0)]
    rows = read_all(HttpJsonConnector(source(api, timeout_s=2.0), sleep=sleeps))
    assert len(rows) == 23
    assert sleeps.delays == [0.2]


def test_a_server_that_always_stalls_is_unavailable(api: FakeApi, sleeps: Sleeps) -> None:
    api.always = Misbehaviour(delay_s=0.5)
    connector = HttpJsonConnector(source(api, timeout_s=0.15, max_retries=2), sleep=sleeps)
    with pytest.raises(SourceUnavailable, match=r"failed after 3 tries \(ReadTimeout\)"):
        read_all(connector)
    assert len(sleeps.delays) == 2


def test_nothing_listening_is_unavailable(sleeps: Sleeps) -> None:
    with serve(FakeApi([])) as gone:
        url = gone.base_url  # the port is free again once the server stops
    connector = HttpJsonConnector(source(FakeApi([]), base_url=url, max_retries=1), sleep=sleeps)
    with pytest.raises(SourceUnavailable, match="ConnectError"):
        read_all(connector)


def test_401_is_not_retried_and_names_the_credentials(
    api: FakeApi, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_TOKEN", "tok-wrong-secret")
    api.required_headers = {"Authorization": "Bearer tok-right"}
    connector = HttpJsonConnector(
        source(api, auth=HttpAuth(bearer_token_env="TEST_API_TOKEN")), sleep=sleeps
    )
    with pytest.raises(SourceUnavailable, match=r"credentials \(HTTP 401\)") as info:
        read_all(connector)
    assert "tok-wrong-secret" not in str(info.value)
    assert len(api.seen) == 1
    assert sleeps.delays == []


def test_other_client_errors_are_not_retried(api: FakeApi, sleeps: Sleeps) -> None:
    api.script = [Misbehaviour(404)]
    with pytest.raises(SourceUnavailable, match="HTTP 404"):
        read_all(HttpJsonConnector(source(api), sleep=sleeps))
    assert len(api.seen) == 1


def test_a_page_that_is_not_json_is_a_data_error(api: FakeApi, sleeps: Sleeps) -> None:
    api.script = [Misbehaviour(200, body=b"<html>maintenance</html>")]
    with pytest.raises(SourceDataError, match="not JSON"):
        read_all(HttpJsonConnector(source(api), sleep=sleeps))


def test_a_page_that_is_a_list_is_a_data_error(api: FakeApi, sleeps: Sleeps) -> None:
    api.script = [Misbehaviour(200, body=b"[1, 2]")]
    with pytest.raises(SourceDataError, match="not an object"):
        read_all(HttpJsonConnector(source(api), sleep=sleeps))


# --- credentials from the environment ----------------------------------------------------------


def test_bearer_token_is_read_from_the_environment(
    api: FakeApi, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_TOKEN", "tok-123")
    api.required_headers = {"Authorization": "Bearer tok-123"}
    connector = HttpJsonConnector(
        source(api, auth=HttpAuth(bearer_token_env="TEST_API_TOKEN")), sleep=sleeps
    )
    assert len(read_all(connector)) == 23
    assert api.seen[0].headers["accept"] == "application/json"


def test_api_key_is_read_from_the_environment_into_its_header(
    api: FakeApi, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_KEY", "key-456")
    api.required_headers = {"X-Dept-Key": "key-456"}
    auth = HttpAuth(api_key_env="TEST_API_KEY", api_key_header="X-Dept-Key")
    assert len(read_all(HttpJsonConnector(source(api, auth=auth), sleep=sleeps))) == 23


def test_token_is_read_when_the_connector_runs_not_when_it_is_built(
    api: FakeApi, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = HttpJsonConnector(
        source(api, auth=HttpAuth(bearer_token_env="TEST_API_TOKEN")), sleep=sleeps
    )
    monkeypatch.setenv("TEST_API_TOKEN", "tok-late")
    api.required_headers = {"Authorization": "Bearer tok-late"}
    assert len(read_all(connector)) == 23


@pytest.mark.parametrize(
    "auth",
    [HttpAuth(bearer_token_env="TEST_UNSET_TOKEN"), HttpAuth(api_key_env="TEST_UNSET_TOKEN")],
)
def test_missing_credential_variable_is_a_config_error(
    api: FakeApi, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch, auth: HttpAuth
) -> None:
    monkeypatch.delenv("TEST_UNSET_TOKEN", raising=False)
    with pytest.raises(SourceConfigError, match=r"\$TEST_UNSET_TOKEN is not set"):
        read_all(HttpJsonConnector(source(api, auth=auth), sleep=sleeps))
    assert api.seen == []


def test_base_url_from_the_environment(
    api: FakeApi, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_API_URL", api.base_url)
    connector = HttpJsonConnector(
        source(api, base_url=None, base_url_env="TEST_API_URL"), sleep=sleeps
    )
    assert len(read_all(connector)) == 23


def test_missing_base_url_variable_is_a_config_error(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_API_URL", raising=False)
    connector = HttpJsonConnector(source(api, base_url=None, base_url_env="TEST_API_URL"))
    with pytest.raises(SourceConfigError, match=r"\$TEST_API_URL is not set"):
        read_all(connector)
