"""Schemathesis against the served API: as a street office viewer and with no credential.

The API runs on loopback (tests/service/service_home.serve) and schemathesis reads
its own OpenAPI document from it. For every operation in the document, cases come
from schemathesis (positive and negative data) and each answer is checked:

* safety: no 5xx; every 4xx is ``{"error", "message"}`` JSON; no answer holds
  another street's code (for the donghu viewer, rows are its own street's only;
  with no credential, no street code at all);
* conformance: where the document declares a response, the response matches it
  (schema and content type).

Schemathesis alone sends only random product names and SQL, so the cases are
mixed with schemathesis cases built around the district's real product names, a
few real read queries and the rows endpoint's page parameters (which the document
omits). The document is used as the service serves it.

The cases are drawn with ``APIOperation.as_strategy`` under ``hypothesis.given``,
one test per operation: ``schemathesis.pytest.from_fixture`` (needed for a schema
that only exists once the fixture serves it) fails under pytest 9
(``'Function' object has no attribute '_nodeid'``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from service_home import STREET_OFFICES, Served, make_hub, serve

from service.context import ServiceSettings

OWN = STREET_OFFICES["street_donghu"]
# Every street code in the district's lake: the three offices' and one no office owns.
ALL_CODES = {*STREET_OFFICES.values(), "440399009"}
PRODUCTS = ("street_case_stats", "street_population_profile", "street_enterprise_roster")
QUERIES = (
    *(f"SELECT * FROM {name}" for name in PRODUCTS),
    "SELECT street_code, community_code, count(*) AS n FROM street_case_stats GROUP BY ALL",
    f"SELECT * FROM street_population_profile WHERE street_code <> '{OWN}'",
    "SELECT DISTINCT street_code FROM street_enterprise_roster",
)
ROWS_PATH = "/api/v1/products/{name}/rows"
ROW_PATHS = {ROWS_PATH, "/api/v1/query"}  # the operations that answer with rows
OPERATIONS = (
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "POST /api/v1/auth/sign-in",
    "POST /api/v1/auth/sign-out",
    "GET /api/v1/me",
    "GET /api/v1/products",
    "GET /api/v1/products/{name}",
    f"GET {ROWS_PATH}",
    "POST /api/v1/query",
    "GET /api/v1/access-requests",
    "POST /api/v1/access-requests",
    "POST /api/v1/access-requests/{request_id}/{action}",
    "GET /api/v1/audit/events",
    "GET /api/v1/audit/verify",
    "GET /api/v1/sources",
)
WHO = ("viewer", "anonymous")

EXAMPLES = 25  # per operation, identity and test
EXAMPLES_WITH_ROWS = 80  # for ROW_PATHS
SCHEMA_SETTINGS = settings(
    max_examples=EXAMPLES,
    # The same cases on every run: a random draw once gave the viewer 160 row calls and
    # not one with rows, which fails the last test's proof that the checks saw real rows.
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# What the generated calls saw, for the last test (proof the checks were not vacuous).
SEEN = {"viewer_row_calls": 0, "viewer_rows": 0}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    hub = make_hub(tmp_path_factory.mktemp("schema"))
    with serve(hub, ServiceSettings(requests_per_minute=100_000)) as running:
        yield running


@pytest.fixture(scope="module")
def viewer_token(served: Served) -> str:
    return served.sign_in("donghu_viewer")


@pytest.fixture(scope="module")
def api_schema(served: Served) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(f"{served.url}/api/v1/openapi.json", timeout=30)
    schema.config.update(base_url=served.url)
    return schema


def _cases(schema: schemathesis.BaseSchema, label: str) -> st.SearchStrategy[schemathesis.Case]:
    """Schemathesis's own cases for the operation, positive and negative, and ones
    around real names: half each."""
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the served document"
    own = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )
    names = st.sampled_from(PRODUCTS)
    real: st.SearchStrategy[schemathesis.Case] | None = None
    if operation.path == ROWS_PATH:
        real = st.tuples(names, _page_parameters()).flatmap(
            lambda pair: operation.as_strategy(path_parameters={"name": pair[0]}, query=pair[1])
        )
    elif "{name}" in operation.path:
        real = names.flatmap(lambda name: operation.as_strategy(path_parameters={"name": name}))
    elif operation.path == "/api/v1/query":
        bodies = st.fixed_dictionaries(
            {"sql": st.sampled_from(QUERIES)},
            optional={"purpose": st.one_of(st.just("street_governance"), st.text(max_size=20))},
        )
        real = bodies.flatmap(lambda body: operation.as_strategy(body=body))
    return own if real is None else st.one_of(own, real)


def _page_parameters() -> st.SearchStrategy[dict[str, str]]:
    """The rows endpoint's parameters (service/row_requests.py), which the document omits."""
    column = st.sampled_from(["street_code", "community_code", "month", "name", "nope", ""])
    number = st.one_of(st.integers(-5, 1500).map(str), st.text(max_size=4))
    return st.fixed_dictionaries(
        {},
        optional={
            "format": st.sampled_from(["json", "csv", "xlsx", "parquet", "arrow", "xml"]),
            "limit": number,
            "offset": number,
            "columns": st.lists(column, max_size=3).map(",".join),
            "sort": st.lists(column.map(lambda c: "-" + c), max_size=2).map(",".join),
            "street_code": st.sampled_from(sorted(ALL_CODES)),
            "community_code": st.sampled_from([f"{code}001" for code in sorted(ALL_CODES)]),
            "purpose": st.one_of(st.just("street_governance"), st.text(max_size=10)),
        },
    )


# --- what every answer must be --------------------------------------------------------


def _sent(case: schemathesis.Case) -> str:
    """Everything the case itself carried, so a value it sent may be echoed back."""
    parts = [case.path_parameters, case.query, case.body, case.headers, case.cookies]
    return json.dumps(parts, ensure_ascii=False, default=str)


def _error_shape(response: schemathesis.Response) -> None:
    if not 400 <= response.status_code < 500:
        return
    kind = response.headers.get("content-type", [""])[0]
    assert kind.startswith("application/json"), f"{response.status_code} is not JSON: {kind}"
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("message"), str) and body["message"], body


def _rows(response: schemathesis.Response) -> list[dict[str, Any]] | None:
    """The rows an answer carries, whatever its format; None when it carries none."""
    if response.status_code != 200:
        return None
    kind = response.headers.get("content-type", [""])[0]
    body = response.content
    if kind.startswith("application/json"):
        payload = json.loads(body)
        rows = payload.get("rows") if isinstance(payload, dict) else None
        return rows if isinstance(rows, list) else None
    if kind.startswith("text/csv"):
        table = pacsv.read_csv(
            io.BytesIO(body), convert_options=pacsv.ConvertOptions(strings_can_be_null=False)
        )
        return _as_text(table)
    if kind.startswith("application/vnd.apache.parquet"):
        return _as_text(pq.read_table(io.BytesIO(body)))
    if kind.startswith("application/vnd.apache.arrow"):
        return _as_text(pa.ipc.open_stream(body).read_all())
    if kind.startswith("application/vnd.openxmlformats"):
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
        assert sheet is not None
        header, *lines = list(sheet.iter_rows(values_only=True)) or [()]
        return [{str(h): "" if v is None else str(v) for h, v in zip(header, line, strict=True)}
                for line in lines]  # fmt: skip
    return None


def _as_text(table: pa.Table) -> list[dict[str, Any]]:
    return [{k: "" if v is None else str(v) for k, v in row.items()} for row in table.to_pylist()]


def _no_foreign_street(
    case: schemathesis.Case, response: schemathesis.Response, own: str | None
) -> None:
    """No row of another street, and no other street's code anywhere it was not sent."""
    never = ALL_CODES - {own} if own else ALL_CODES
    rows = _rows(response) or []
    for row in rows:
        cells = json.dumps(row, ensure_ascii=False, default=str)
        shown = sorted(code for code in never if code in cells)
        assert not shown, (
            f"a row of street {shown} reached the caller of {own or 'no street'}: {row}"
        )
    if own and case.operation.path in ROW_PATHS:
        SEEN["viewer_row_calls"] += 1
        SEEN["viewer_rows"] += len(rows)
    text = response.content.decode("utf-8", errors="replace")
    sent = _sent(case)
    echoed = sorted(code for code in never if code in text and code not in sent)
    assert not echoed, (
        f"street code {echoed} in the answer to {own or 'no credential'}: {text[:300]}"
    )


def _call(case: schemathesis.Case, served: Served, token: str | None) -> schemathesis.Response:
    if token and case.operation.path == "/api/v1/auth/sign-out":
        token = served.sign_in("donghu_viewer")  # signing out must not end the run's token
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return case.call(headers=headers, timeout=60)


def _safe(case: schemathesis.Case, served: Served, token: str | None, own: str | None) -> None:
    response = _call(case, served, token)
    case.validate_response(response, checks=[not_a_server_error])
    _error_shape(response)
    _no_foreign_street(case, response, own)


def _conforms(case: schemathesis.Case, served: Served, token: str | None) -> None:
    response = _call(case, served, token)
    case.validate_response(
        response, checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
    )


# --- the runs -----------------------------------------------------------------------------


def test_document_lists_the_operations_tested(api_schema: schemathesis.BaseSchema) -> None:
    """A route added to the service must be added here too, or it goes untested."""
    paths = api_schema.raw_schema["paths"]
    served_labels = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    assert served_labels == set(OPERATIONS)
    broken = [r for r in api_schema.get_all_operations() if not isinstance(r, Ok)]
    assert not broken, broken  # every operation is one schemathesis can generate cases for


def _settings_for(label: str) -> settings:
    with_rows = label.split(" ", 1)[1] in ROW_PATHS
    return settings(SCHEMA_SETTINGS, max_examples=EXAMPLES_WITH_ROWS if with_rows else EXAMPLES)


def _token(who: str, request: pytest.FixtureRequest) -> str | None:
    return request.getfixturevalue("viewer_token") if who == "viewer" else None


@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.parametrize("who", WHO)
def test_answers_are_safe(
    who: str,
    label: str,
    served: Served,
    api_schema: schemathesis.BaseSchema,
    request: pytest.FixtureRequest,
) -> None:
    """No 5xx, 4xx as {error, message}, and no other street's code in any answer."""
    token = _token(who, request)
    own = OWN if who == "viewer" else None

    @_settings_for(label)
    @given(case=_cases(api_schema, label))
    def run(case: schemathesis.Case) -> None:
        _safe(case, served, token, own)

    run()


@pytest.mark.parametrize("label", OPERATIONS)
@pytest.mark.parametrize("who", WHO)
def test_answers_conform_to_the_document(
    who: str,
    label: str,
    served: Served,
    api_schema: schemathesis.BaseSchema,
    request: pytest.FixtureRequest,
) -> None:
    """Where the document declares the answer's status, its body and content type match."""
    token = _token(who, request)

    @_settings_for(label)
    @given(case=_cases(api_schema, label))
    def run(case: schemathesis.Case) -> None:
        _conforms(case, served, token)

    run()


def test_service_still_answers_after_the_run(served: Served, viewer_token: str) -> None:
    with served.client() as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["status"] == "ready"
    with served.client(viewer_token) as client:
        page = client.get(
            "/api/v1/products/street_case_stats/rows", params={"purpose": "street_governance"}
        ).json()
    assert page["rows"] and {row["street_code"] for row in page["rows"]} == {OWN}
    if SEEN["viewer_row_calls"]:  # the viewer's runs above ran here: they saw real rows
        assert SEEN["viewer_rows"] > 0, SEEN
