"""HTTP JSON APIs with paging, a token from the environment, retries and rate limits."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pyarrow as pa

from connectors.batch import SourceBatch, SourceDataError, SourceUnavailable, strings_batch
from connectors.config import HttpJsonSource, SourceConfigError

RETRYABLE_STATUS = {500, 502, 503, 504}


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class HttpJsonConnector:
    def __init__(self, source: HttpJsonSource, *, sleep: Any = time.sleep) -> None:
        self.source = source
        self._sleep = sleep

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

    def _pages(self, client: httpx.Client) -> Iterator[tuple[str, list[dict[str, Any]]]]:
        pg = self.source.pagination
        field = pg.records_field
        if pg.style == "page":
            page = 1
            while True:
                body = self._get(client, {pg.page_param: page, pg.size_param: pg.size})
                records = body.get(field) or []
                yield f"page {page}", records
                total = body.get(pg.total_pages_field) if pg.total_pages_field else None
                if not records or (isinstance(total, int) and page >= total):
                    return
                page += 1
        elif pg.style == "offset":
            offset = 0
            while True:
                body = self._get(client, {pg.offset_param: offset, pg.size_param: pg.size})
                records = body.get(field) or []
                yield f"offset {offset}", records
                if not records:
                    return
                offset += len(records)
                total = body.get("total")
                # Many APIs serve fewer records than asked for: a short page ends the stream
                # only when the API does not say how many records there are.
                if isinstance(total, int):
                    if offset >= total:
                        return
                elif len(records) < pg.size:
                    return
        else:
            cursor: str | None = None
            page = 1
            while True:
                params: dict[str, Any] = {pg.size_param: pg.size}
                if cursor:
                    params[pg.cursor_param] = cursor
                body = self._get(client, params)
                records = body.get(field) or []
                yield f"cursor page {page}", records
                cursor = body.get(pg.next_cursor_field or "next_cursor")
                if not cursor or not records:
                    return
                page += 1

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
            "total": body.get("total"),
        }

    def read(self, *, since: str | None = None) -> Iterator[SourceBatch]:
        columns: list[str] | None = None
        with self._client() as client:
            for where, records in self._pages(client):
                if not records:
                    continue
                if columns is None:
                    columns = list(records[0])
                extra = sorted({k for r in records for k in r} - set(columns))
                if extra:
                    # New fields mid-stream are schema drift: keep them, the raw
                    # layer decides whether they are mapped or refused.
                    columns.extend(extra)
                rows = [[_as_text(r.get(c)) for c in columns] for r in records]
                positions = pa.array([f"{where} item {i + 1}" for i in range(len(rows))])
                yield SourceBatch(
                    records=strings_batch(columns, rows),
                    positions=positions,
                    origin=self.source.endpoint,
                )
