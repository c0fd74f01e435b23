"""HTTP paging that never loses data silently: a real loopback API that misbehaves per page.

Sections: 1. well-behaved reads return every record; 2. what the read reports
(declared_rows, source_schema); 3. each misbehaviour stops the read with a PagingError
that names the source and the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_department_api import FakeApi, PageFault, Style, enterprises, serve

from connectors.batch import PagingError, SourceDataError
from connectors.config import HttpAuth, HttpJsonSource, Pagination
from connectors.http_json import HttpJsonConnector, json_type
from demo.enterprise_api import ENDPOINT, EnterpriseApiServer, write_enterprises_jsonl

STYLES: list[Style] = ["page", "offset", "cursor"]


def no_sleep(seconds: float) -> None:
    pass


def connector(api: FakeApi, **pagination: Any) -> HttpJsonConnector:
    pagination.setdefault("style", api.style)
    pagination.setdefault("size", 5)
    source = HttpJsonSource(
        kind="http_json",
        name="mr_enterprises",
        dataset="enterprises",
        base_url=api.base_url,
        endpoint=ENDPOINT,
        primary_key=["uscc"],
        pagination=Pagination(next_cursor_field="next_cursor", **pagination),
        max_retries=1,
    )
    return HttpJsonConnector(source, sleep=no_sleep)


def ids(reader: HttpJsonConnector) -> list[str]:
    return [row["uscc"] for batch in reader.read() for row in batch.records.to_pylist()]


def expected(count: int) -> list[str]:
    return [f"U{i:04d}" for i in range(1, count + 1)]


def refused(api: FakeApi, match: str, **pagination: Any) -> PagingError:
    with serve(api) as running, pytest.raises(PagingError, match=match) as info:
        ids(connector(running, **pagination))
    assert str(info.value).startswith("source mr_enterprises: ")
    return info.value


# --- 1. well-behaved reads ---------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("count", [0, 3, 20, 23])
def test_every_record_once_and_the_declared_total(style: Style, count: int) -> None:
    with serve(FakeApi(enterprises(count), style=style)) as api:
        reader = connector(api)
        assert ids(reader) == expected(count)
    assert reader.declared_rows == count


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("send_total", [True, False])
def test_a_server_serving_fewer_than_asked_loses_nothing(style: Style, send_total: bool) -> None:
    served = FakeApi(enterprises(23), style=style, max_page_size=3, send_total=send_total)
    with serve(served) as api:
        reader = connector(api)
        assert ids(reader) == expected(23)
    assert reader.declared_rows == (23 if send_total else None)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("count", [0, 3, 20, 23])
def test_without_any_count_every_record_is_read(style: Style, count: int) -> None:
    served = FakeApi(enterprises(count), style=style, send_total=False, send_total_pages=False)
    with serve(served) as api:
        reader = connector(api)
        assert ids(reader) == expected(count)
    assert reader.declared_rows is None


def test_page_style_with_only_a_total_stops_when_it_is_reached() -> None:
    with serve(FakeApi(enterprises(23), send_total_pages=False)) as api:
        assert ids(connector(api)) == expected(23)
    assert [r.params["page"] for r in api.seen] == ["1", "2", "3", "4", "5"]


def test_the_demo_api_reads_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "enterprises.jsonl"
    write_enterprises_jsonl(store, enterprises(23))
    monkeypatch.setenv("TEST_DEMO_TOKEN", "t0ken")
    with EnterpriseApiServer(store, "t0ken") as running:
        source = HttpJsonSource(
            kind="http_json",
            name="mr_enterprises",
            dataset="enterprises",
            base_url=running.url,
            endpoint=ENDPOINT,
            primary_key=["uscc"],
            pagination=Pagination(style="page", size=5),
            auth=HttpAuth(bearer_token_env="TEST_DEMO_TOKEN"),
        )
        reader = HttpJsonConnector(source, sleep=no_sleep)
        assert ids(reader) == expected(23)
    assert reader.declared_rows == 23


# --- 2. what the read reports ------------------------------------------------------------------


def test_nothing_is_reported_before_a_read() -> None:
    reader = connector(FakeApi([]))
    assert reader.declared_rows is None
    assert reader.source_schema == {}


def test_source_schema_names_the_first_records_json_types() -> None:
    records = [
        {"uscc": f"U{i:04d}", "capital": 1.5, "staff": i, "open": True, "tags": [], "x": None}
        | {"extra": {"a": 1}}
        for i in range(1, 8)
    ]
    with serve(FakeApi(records)) as api:
        reader = connector(api)
        ids(reader)
    assert reader.source_schema == {
        "uscc": "string",
        "capital": "number",
        "staff": "integer",
        "open": "boolean",
        "tags": "array",
        "x": "null",
        "extra": "object",
    }
    assert list(reader.source_schema) == list(records[0])


def test_an_empty_source_declares_zero_rows_and_no_schema() -> None:
    with serve(FakeApi([])) as api:
        reader = connector(api)
        assert ids(reader) == []
    assert (reader.declared_rows, reader.source_schema) == (0, {})


def test_json_type_names() -> None:
    values: list[Any] = ["a", 1, 1.0, True, {}, [], None]
    assert [json_type(v) for v in values] == [
        "string",
        "integer",
        "number",
        "boolean",
        "object",
        "array",
        "null",
    ]


def test_a_paging_error_is_a_source_data_error() -> None:
    assert issubclass(PagingError, SourceDataError)


# --- 3. misbehaviours ---------------------------------------------------------------------------
# 3.1 a page that repeats an earlier page


def test_a_repeated_page_is_refused() -> None:
    api = FakeApi(enterprises(23), faults={3: PageFault(records_of=2)})
    refused(api, r"^source mr_enterprises: page 3 repeats page 2 \(same 5 records\)$")


def test_a_repeated_offset_page_is_refused() -> None:
    api = FakeApi(enterprises(23), style="offset", faults={3: PageFault(records_of=1)})
    refused(api, r"page 3 \(offset 10\) repeats page 1 \(offset 0\) \(same 5 records\)")


def test_a_server_ignoring_the_offset_is_refused() -> None:
    faults = {n: PageFault(records_of=1) for n in range(2, 10)}
    api = FakeApi(enterprises(23), style="offset", faults=faults)
    refused(api, r"page 2 \(offset 5\) repeats page 1 \(offset 0\)")


def test_a_repeated_cursor_page_is_refused() -> None:
    api = FakeApi(enterprises(23), style="cursor", faults={3: PageFault(records_of=2)})
    refused(api, r"page 3 \(cursor 'after-10'\) repeats page 2 \(cursor 'after-5'\)")


# 3.2 a cursor that does not advance


def test_the_same_cursor_returned_again_is_refused() -> None:
    faults = {2: PageFault(envelope={"next_cursor": "after-5"})}
    api = FakeApi(enterprises(23), style="cursor", faults=faults)
    refused(api, r"page 2 \(cursor 'after-5'\) returns cursor 'after-5' again")


def test_a_cursor_seen_before_is_refused() -> None:
    faults = {3: PageFault(envelope={"next_cursor": "after-5"})}
    api = FakeApi(enterprises(23), style="cursor", faults=faults)
    refused(api, r"page 3 \(cursor 'after-10'\) returns cursor 'after-5', which page 1 returned")


def test_a_dropped_cursor_before_the_total_is_refused() -> None:
    api = FakeApi(enterprises(23), style="cursor", faults={2: PageFault(drop=("next_cursor",))})
    refused(api, r"ended at page 2 \(cursor 'after-5'\) after 10 records, but total says 23")


# 3.3 counts that disagree with the rows seen


def test_a_total_the_stream_does_not_reach_is_refused() -> None:
    api = FakeApi(enterprises(23), style="cursor", claimed_total=30)
    refused(api, r"ended at page 5 \(cursor 'after-20'\) after 23 records, but total says 30")


def test_a_total_too_small_for_the_records_is_refused() -> None:
    api = FakeApi(enterprises(23), style="cursor", claimed_total=12)
    refused(api, r"page 3 \(cursor 'after-10'\) brings the records read to 15, more than .* 12")


def test_total_pages_disagreeing_with_total_is_refused() -> None:
    api = FakeApi(enterprises(23), claimed_total=548)
    refused(api, r"page 1 says total_pages 5, but total 548 in pages of 5 makes 110")


def test_total_pages_disagreeing_with_the_rows_read_is_refused() -> None:
    faults = {3: PageFault(keep=1)}
    api = FakeApi(enterprises(23), send_total=False, faults=faults)
    refused(api, r"ended at page 5 after 19 records, but total_pages 5 in pages of 5 means 21–25")


def test_a_total_changing_mid_stream_is_refused() -> None:
    api = FakeApi(enterprises(23), style="offset", faults={3: PageFault(envelope={"total": 24})})
    refused(api, r"page 3 \(offset 10\) says total 24, page 1 \(offset 0\) said 23")


def test_total_pages_changing_mid_stream_is_refused() -> None:
    api = FakeApi(enterprises(23), faults={2: PageFault(envelope={"total_pages": 6})})
    refused(api, r"page 2 says total_pages 6, page 1 said 5")


def test_a_total_that_is_not_a_count_is_refused() -> None:
    api = FakeApi(enterprises(23), style="offset", claimed_total=-1)
    refused(api, r"page 1 \(offset 0\) has 'total' = -1, not a count")


# 3.4 an empty page before the end


@pytest.mark.parametrize(
    ("style", "page"),
    [("page", "page 3"), ("offset", r"page 3 \(offset 10\)"), ("cursor", r"page 3 \(cursor .*\)")],
)
def test_an_empty_page_before_the_total_is_refused(style: Style, page: str) -> None:
    api = FakeApi(enterprises(23), style=style, faults={3: PageFault(empty=True)})
    refused(api, rf"{page} is empty after 10 records, but total says 23")


def test_an_empty_page_before_total_pages_is_refused() -> None:
    api = FakeApi(enterprises(23), send_total=False, faults={3: PageFault(empty=True)})
    refused(api, r"page 3 is empty, but total_pages says 5")


def test_total_pages_promising_more_than_there_is_is_refused() -> None:
    api = FakeApi(enterprises(23), send_total=False, claimed_total_pages=7)
    refused(api, r"page 6 is empty, but total_pages says 7")


# 3.5 a changed envelope


def test_a_renamed_records_field_is_refused_naming_the_keys_it_has() -> None:
    api = FakeApi(enterprises(23), faults={3: PageFault(records_key="items")})
    refused(api, r"page 3 has no 'data' field \(its keys: 'total_pages', 'total', 'items'\)")


def test_a_records_field_that_is_not_a_list_is_refused() -> None:
    api = FakeApi(enterprises(23), style="offset", faults={2: PageFault(envelope={"data": {}})})
    refused(api, r"page 2 \(offset 5\) field 'data' is object, not a list of records")


def test_a_record_that_is_not_an_object_is_refused() -> None:
    api = FakeApi(enterprises(23), faults={2: PageFault(envelope={"data": [{"uscc": "x"}, 7]})})
    refused(api, r"page 2 item 2 is integer, not an object")


def test_a_total_vanishing_mid_stream_is_refused() -> None:
    api = FakeApi(enterprises(23), style="cursor", faults={3: PageFault(drop=("total",))})
    refused(api, r"page 3 \(cursor 'after-10'\) no longer has 'total' \(page 1 said 23\)")


# 3.6 a changed record schema


def test_a_record_with_a_new_field_is_refused() -> None:
    api = FakeApi(enterprises(23), faults={3: PageFault(record_fields={"branch": "x"})})
    refused(api, r"page 3 item 1 has other fields than the first record .*: adds 'branch'$")


def test_a_record_missing_a_field_is_refused() -> None:
    records = enterprises(23)
    del records[11]["tags"]  # page 3 item 2
    api = FakeApi(records, style="offset")
    refused(api, r"page 3 \(offset 10\) item 2 has other fields .*: lacks 'tags'$")


def test_a_record_with_a_renamed_field_is_refused() -> None:
    fault = PageFault(record_fields={"credit_code": "U0006"}, record_drop=("uscc",))
    api = FakeApi(enterprises(23), style="cursor", faults={2: fault})
    refused(api, r"page 2 .* item 1 .*: adds 'credit_code'; lacks 'uscc'$")


# 3.7 requests bounded by what the source declared


def test_requests_past_the_declared_count_are_refused() -> None:
    # every page after the first serves one record: the offsets advance, but slowly
    faults = {n: PageFault(keep=1) for n in range(2, 10)}
    api = FakeApi(enterprises(23), style="offset", faults=faults)
    error = refused(api, r"page 8 \(offset 11\) would be request 8, more than the 7 allowed")
    assert "total 23 in pages of 5 is 5 pages, plus 2 spare" in str(error)


def test_requests_past_max_pages_are_refused_when_nothing_is_declared() -> None:
    api = FakeApi(enterprises(23), send_total=False, send_total_pages=False)
    error = refused(api, r"page 4 would be request 4, more than the 3 allowed", max_pages=3)
    assert "max_pages 3 (the source declares no total or total_pages)" in str(error)
    assert len(api.seen) == 3
