"""HTTP JSON APIs with paging, a token from the environment, retries and rate limits,
read in full or, with ``incremental:``, from the last watermark on.

Paging never loses data silently: every page is audited (``PageAudit``) and a page
that repeats an earlier one, a cursor that does not advance, counts that disagree
with the rows seen, an empty page before the end, a changed envelope or a record
with different fields stops the read with ``PagingError`` naming the page.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterator
from typing import Any, NoReturn

import httpx
import pyarrow as pa

from connectors.batch import (
    PagingError,
    SourceBatch,
    SourceDataError,
    SourceUnavailable,
    strings_batch,
)
from connectors.config import HttpJsonSource, SourceConfigError
from connectors.http_changes import check_field, check_since, query_value, split_page
from connectors.watermark import Watermark

RETRYABLE_STATUS = {500, 502, 503, 504}
# Requests allowed beyond what the source's own counts imply (an empty last page…).
SPARE_PAGES = 2


def json_text(value: Any) -> str | None:
    """A decoded JSON value as raw text: strings as they are, objects and lists as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value ("string", "integer", "object"…)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def _digest(records: list[dict[str, Any]]) -> str:
    text = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PageAudit:
    """What one read has seen so far, and the checks every new page must pass."""

    def __init__(self, source: HttpJsonSource) -> None:
        self.name = source.name
        self.pg = source.pagination
        self.rows = 0
        self.total: int | None = None  # records the API declares (page 1)
        self.total_pages: int | None = None  # pages the API declares (page 1)
        self.page_size: int | None = None  # records on page 1: the size the server serves
        self.largest = 0  # the longest page so far
        self.first_label = "page 1"
        self.fields: list[str] | None = None  # the first record's fields, in order
        self.schema: dict[str, str] = {}
        self._pages: dict[str, str] = {}  # digest of a page's records -> its label
        self._cursors: dict[str, str] = {}  # cursor -> label of the page that returned it

    def fail(self, message: str) -> NoReturn:
        raise PagingError(f"source {self.name}: {message}")

    # --- before a request -----------------------------------------------------------------

    def before_request(self, number: int, label: str) -> None:
        """Refuse a request the source's own counts (or ``max_pages``) do not allow."""
        limit, why = self.pg.max_pages, f"max_pages {self.pg.max_pages}"
        if self.total_pages is not None:
            declared, how = self.total_pages, f"total_pages {self.total_pages}"
        elif self.total is not None:
            size = self.page_size or self.pg.size
            declared = math.ceil(self.total / size)
            how = f"total {self.total} in pages of {size} is {declared} pages"
        else:
            declared, how = None, ""
        if declared is not None and declared + SPARE_PAGES < limit:
            limit, why = declared + SPARE_PAGES, f"{how}, plus {SPARE_PAGES} spare"
        elif declared is None:
            why += " (the source declares no total or total_pages)"
        if number > limit:
            self.fail(
                f"{label} would be request {number}, more than the {limit} allowed by {why}; "
                "stopping rather than paging on"
            )

    # --- one page -------------------------------------------------------------------------

    def page(self, number: int, label: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """The page's records once envelope, counts, fields and repeats are checked."""
        if number == 1:
            self.first_label = label
        records = self._records(label, body)
        self._counts(number, label, body)
        if not records:
            self._empty(number, label)
            return records
        self._fields(label, records)
        digest = _digest(records)
        if digest in self._pages:
            self.fail(f"{label} repeats {self._pages[digest]} (same {len(records)} records)")
        self._pages[digest] = label
        self.rows += len(records)
        if self.page_size is None:
            self.page_size = len(records)
            self._counts_agree(label)
        if self.total is not None and self.rows > self.total:
            self.fail(
                f"{label} brings the records read to {self.rows}, "
                f"more than the total of {self.total} the source declared"
            )
        return records

    def _records(self, label: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        field = self.pg.records_field
        if field not in body:
            keys = ", ".join(repr(k) for k in body) or "none"
            self.fail(f"{label} has no {field!r} field (its keys: {keys}): the envelope changed")
        records = body[field]
        if not isinstance(records, list):
            self.fail(f"{label} field {field!r} is {json_type(records)}, not a list of records")
        for index, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                self.fail(f"{label} item {index} is {json_type(record)}, not an object")
        return records

    def _count(self, label: str, body: dict[str, Any], key: str) -> int | None:
        if key not in body:
            return None
        value = body[key]
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(f"{label} has {key!r} = {value!r}, not a count")
        return value

    def _counts(self, number: int, label: str, body: dict[str, Any]) -> None:
        for key, attr in (
            (self.pg.total_field, "total"),
            (self.pg.total_pages_field, "total_pages"),
        ):
            if key is None:
                continue
            value = self._count(label, body, key)
            if number == 1:
                setattr(self, attr, value)
                continue
            before = getattr(self, attr)
            if before is None:
                continue
            if value is None:
                self.fail(
                    f"{label} no longer has {key!r} ({self.first_label} said {before}): "
                    "the envelope changed mid-stream"
                )
            if value != before:
                self.fail(
                    f"{label} says {key} {value}, {self.first_label} said {before}: "
                    "the source changed while it was paged"
                )

    def _counts_agree(self, label: str) -> None:
        """total_pages must be what total makes in pages of the size actually served."""
        if self.total is None or self.total_pages is None or not self.page_size:
            return
        expected = math.ceil(self.total / self.page_size)
        if self.total_pages != expected:
            self.fail(
                f"{label} says total_pages {self.total_pages}, but total {self.total} in "
                f"pages of {self.page_size} makes {expected}"
            )

    def _empty(self, number: int, label: str) -> None:
        """An empty page ends the stream, unless the source said more remains."""
        if self.total is not None and self.rows < self.total:
            self.fail(
                f"{label} is empty after {self.rows} records, but total says {self.total}: "
                "an empty page before the end"
            )
        if self.total_pages is not None and number <= self.total_pages:
            self.fail(
                f"{label} is empty, but total_pages says {self.total_pages}: "
                "an empty page before the end"
            )

    def _fields(self, label: str, records: list[dict[str, Any]]) -> None:
        if self.fields is None:
            self.fields = list(records[0])
            self.schema = {k: json_type(v) for k, v in records[0].items()}
        expected = set(self.fields)
        for index, record in enumerate(records, start=1):
            if set(record) != expected:
                added = sorted(set(record) - expected)
                lost = [f for f in self.fields if f not in record]
                detail = "; ".join(
                    part
                    for part in (
                        "adds " + ", ".join(map(repr, added)) if added else "",
                        "lacks " + ", ".join(map(repr, lost)) if lost else "",
                    )
                    if part
                )
                self.fail(
                    f"{label} item {index} has other fields than the first record "
                    f"({self.first_label} item 1): {detail}"
                )

    def cursor(self, label: str, asked: Any, value: Any) -> None:
        """A returned cursor must be new: not the one asked with, nor any seen before."""
        key = json.dumps(value, sort_keys=True)
        if asked is not None and key == json.dumps(asked, sort_keys=True):
            self.fail(f"{label} returns cursor {value!r} again, the one it was asked with")
        if key in self._cursors:
            self.fail(
                f"{label} returns cursor {value!r}, which {self._cursors[key]} returned already"
            )
        self._cursors[key] = label

    def ends_short(self, records: list[dict[str, Any]]) -> bool:
        """Without counts, a page ends the stream when shorter than asked and than an
        earlier page (servers that cap the page size serve fewer than asked throughout)."""
        short = len(records) < self.pg.size and len(records) < self.largest
        self.largest = max(self.largest, len(records))
        return short

    def at_declared_end(
        self, number: int, records: list[dict[str, Any]], *, pages_first: bool
    ) -> bool:
        """Whether page ``number`` reached what the source declared (pages or rows; each
        style trusts its own count first), or, when it declared neither, ended short."""
        declared = [(self.total_pages, number), (self.total, self.rows)]
        for count, reached in declared if pages_first else reversed(declared):
            if count is not None:
                return reached >= count
        return self.ends_short(records)

    # --- at the end -----------------------------------------------------------------------

    def finish(self, label: str) -> None:
        """The rows read must be what the source declared."""
        if self.total is not None and self.rows != self.total:
            self.fail(
                f"the stream ended at {label} after {self.rows} records, "
                f"but total says {self.total}"
            )
        pages, size = self.total_pages, self.page_size or 0
        if pages is not None and not (
            (pages == 0 and self.rows == 0) or (pages - 1) * size < self.rows <= pages * size
        ):
            self.fail(
                f"the stream ended at {label} after {self.rows} records, "
                f"but total_pages {pages} in pages of {size} means "
                f"{(pages - 1) * size + 1}–{pages * size}"
            )


class HttpJsonConnector:
    def __init__(self, source: HttpJsonSource, *, sleep: Any = time.sleep) -> None:
        self.source = source
        self._sleep = sleep
        # Set by ``read``: the record count the API declares, and its first record's fields.
        self.declared_rows: int | None = None
        self.source_schema: dict[str, str] = {}
        # Sent with every page of an incremental read: the last watermark.
        self._since_params: dict[str, str] = {}

    def _headers(self) -> dict[str, str]:
        auth = self.source.auth
        headers = {"Accept": "application/json"}
        for var, header, prefix in (
            (auth.bearer_token_env, "Authorization", "Bearer "),
            (auth.api_key_env, auth.api_key_header, ""),
        ):
            if var:
                value = os.environ.get(var)
                if not value:
                    raise SourceConfigError(
                        f"source {self.source.name}: credential variable ${var} is not set"
                    )
                headers[header] = prefix + value
        return headers

    def _get(self, client: httpx.Client, params: dict[str, Any]) -> dict[str, Any]:
        """One page, retrying 5xx and timeouts with backoff and honouring 429 Retry-After."""
        src = self.source
        last_problem = ""
        for attempt in range(src.max_retries + 1):
            try:
                response = client.get(src.endpoint, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_problem = type(exc).__name__
            else:
                if response.status_code == 429:
                    retry_after = response.headers.get("Retry-After", "1")
                    delay = float(retry_after) if retry_after.replace(".", "", 1).isdigit() else 1.0
                    last_problem = "429 Too Many Requests"
                    self._sleep(min(delay, 60.0))
                    continue
                if response.status_code in RETRYABLE_STATUS:
                    last_problem = f"HTTP {response.status_code}"
                elif response.status_code in (401, 403):
                    raise SourceUnavailable(
                        f"source {src.name}: the API refused our credentials "
                        f"(HTTP {response.status_code})"
                    )
                elif response.status_code >= 400:
                    raise SourceUnavailable(f"source {src.name}: HTTP {response.status_code}")
                else:
                    try:
                        body = response.json()
                    except ValueError:
                        raise SourceDataError(
                            f"source {src.name}: page {params} is not JSON"
                        ) from None
                    if not isinstance(body, dict):
                        raise SourceDataError(f"source {src.name}: page {params} is not an object")
                    return body
            if attempt < src.max_retries:
                self._sleep(min(0.2 * 2**attempt, 10.0))
        raise SourceUnavailable(
            f"source {src.name}: {src.endpoint} failed after {src.max_retries + 1} tries "
            f"({last_problem})"
        )

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.source.resolved_base_url(),
            headers=self._headers(),
            timeout=self.source.timeout_s,
        )

    def _pages(
        self, client: httpx.Client, audit: PageAudit
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        """(position prefix, records) per page; every page passes ``audit`` first."""
        pg = self.source.pagination
        if pg.style == "page":
            yield from self._by_page(client, audit)
        elif pg.style == "offset":
            yield from self._by_offset(client, audit)
        else:
            yield from self._by_cursor(client, audit)

    def _fetch(
        self,
        client: httpx.Client,
        audit: PageAudit,
        number: int,
        label: str,
        params: dict[str, Any],
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        audit.before_request(number, label)
        body = self._get(client, {**params, **self._since_params})
        return body, audit.page(number, label, body)

    def _by_page(
        self, client: httpx.Client, audit: PageAudit
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        pg = self.source.pagination
        page = 0
        while True:
            page += 1
            label = f"page {page}"
            params = {pg.page_param: page, pg.size_param: pg.size}
            _, records = self._fetch(client, audit, page, label, params)
            if not records:
                break
            yield label, records
            if audit.at_declared_end(page, records, pages_first=True):
                break
        audit.finish(label)

    def _by_offset(
        self, client: httpx.Client, audit: PageAudit
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        pg = self.source.pagination
        offset, number = 0, 0
        while True:
            number += 1
            label = f"page {number} (offset {offset})"
            params = {pg.offset_param: offset, pg.size_param: pg.size}
            _, records = self._fetch(client, audit, number, label, params)
            if not records:
                break
            yield f"offset {offset}", records
            offset += len(records)
            # Many APIs serve fewer records than asked for: a short page ends the stream
            # only when the API does not say how many records there are.
            if audit.at_declared_end(number, records, pages_first=False):
                break
        audit.finish(label)

    def _by_cursor(
        self, client: httpx.Client, audit: PageAudit
    ) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        pg = self.source.pagination
        cursor_field = pg.next_cursor_field or "next_cursor"
        cursor: Any = None
        number = 0
        while True:
            number += 1
            label = f"page {number}" if cursor is None else f"page {number} (cursor {cursor!r})"
            params: dict[str, Any] = {pg.size_param: pg.size}
            if cursor is not None:
                params[pg.cursor_param] = cursor
            body, records = self._fetch(client, audit, number, label, params)
            if not records:
                break
            yield f"cursor page {number}", records
            following = body.get(cursor_field)
            if following is None or following == "":
                break
            audit.cursor(label, cursor, following)
            cursor = following
        audit.finish(label)

    def check(self) -> dict[str, object]:
        with self._client() as client:
            pg = self.source.pagination
            body = self._get(
                client,
                {pg.page_param: 1, pg.size_param: 1} if pg.style == "page" else {pg.size_param: 1},
            )
        sample = (body.get(pg.records_field) or [{}])[0]
        return {
            "endpoint": self.source.endpoint,
            "fields": sorted(sample),
            "total": body.get(pg.total_field) if pg.total_field else None,
        }

    def read(self, *, since: Watermark | None = None) -> Iterator[SourceBatch]:
        """Every page in order. An incremental source (``incremental: {param, field}``) is
        asked with ``since`` in its parameter, so the API sends only what changed after
        it; each batch carries the highest change value it holds (``connectors.http_changes``).
        Without ``since`` (a first or ``--full`` sync) everything is read."""
        self.declared_rows = None
        self.source_schema = {}
        incremental = self.source.incremental
        self._since_params = {}
        if incremental is not None and since is not None:
            check_since(self.source.name, incremental, since)
            self._since_params = {incremental.param: query_value(since)}
        audit = PageAudit(self.source)
        columns: list[str] | None = None
        with self._client() as client:
            for where, records in self._pages(client, audit):
                self.declared_rows = audit.total
                self.source_schema = dict(audit.schema)
                if columns is None:
                    columns = list(records[0])
                    if incremental is not None:
                        check_field(self.source.name, incremental, columns)
                rows = [[json_text(r.get(c)) for c in columns] for r in records]
                positions = [f"{where} item {i + 1}" for i in range(len(rows))]
                if incremental is None:
                    yield SourceBatch(
                        records=strings_batch(columns, rows),
                        positions=pa.array(positions, pa.string()),
                        origin=self.source.endpoint,
                    )
                    continue
                changes = split_page(
                    incremental, rows, [r.get(incremental.field) for r in records], positions
                )
                yield SourceBatch(
                    records=strings_batch(columns, [rows[i] for i in changes.kept]),
                    positions=pa.array([positions[i] for i in changes.kept], pa.string()),
                    origin=self.source.endpoint,
                    watermark=changes.watermark,
                    rejected=changes.rejected,
                )
        self.declared_rows = audit.total
        self.source_schema = dict(audit.schema)
