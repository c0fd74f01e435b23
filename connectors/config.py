"""Department source configuration: how each department offers its data.

A department IT contact writes one YAML file per department. Secrets are
never written there: only the *name* of the environment variable that holds
them. ``${SHUZHI_HOME}`` in paths is expanded when the source is opened.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cron: str
    timezone: str = "Asia/Shanghai"


class Incremental(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str  # an updated-at column or a monotonic key


class SqlConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str | None = None  # sqlite
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password_env: str | None = None  # name of the variable, never the value
    database: str | None = None
    db_schema: str | None = Field(default=None, alias="schema")


class SqlSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["sql"]
    name: str
    dataset: str
    dialect: Literal["sqlite", "postgres", "mysql"]
    connection: SqlConnection
    table: str
    primary_key: list[str]
    incremental: Incremental | None = None
    batch_rows: int = Field(default=50_000, ge=100)
    schedule: Schedule | None = None


class Pagination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    style: Literal["page", "offset", "cursor"] = "page"
    page_param: str = "page"
    size_param: str = "page_size"
    size: int = Field(default=100, ge=1)
    records_field: str = "data"
    total_pages_field: str | None = "total_pages"
    next_cursor_field: str | None = None
    cursor_param: str = "cursor"
    offset_param: str = "offset"


class HttpAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    bearer_token_env: str | None = None
    api_key_env: str | None = None
    api_key_header: str = "X-API-Key"


class HttpJsonSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["http_json"]
    name: str
    dataset: str
    base_url: str | None = None
    base_url_env: str | None = None
    endpoint: str
    pagination: Pagination = Pagination()
    auth: HttpAuth = HttpAuth()
    primary_key: list[str]
    timeout_s: float = 30.0
    max_retries: int = 5
    schedule: Schedule | None = None

    def resolved_base_url(self) -> str:
        if self.base_url:
            return self.base_url
        if self.base_url_env and os.environ.get(self.base_url_env):
            return os.environ[self.base_url_env]
        raise SourceConfigError(
            f"source {self.name}: no base_url, and ${self.base_url_env or '(base_url_env unset)'} "
            "is not set"
        )


class FileDropSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["file_drop"]
    name: str
    dataset: str
    folder: str
    patterns: list[str] = Field(default_factory=lambda: ["*.csv", "*.xlsx"])
    encoding: str = "auto"  # auto-detected unless a codec is named (gbk, gb18030, utf-8-sig…)
    sheet: str | None = None  # Excel: one sheet, or all sheets when None
    renames: dict[str, str] = Field(default_factory=dict)  # drifted header → expected header
    schedule: Schedule | None = None


AnySource = SqlSource | HttpJsonSource | FileDropSource
Source = Annotated[AnySource, Field(discriminator="kind")]


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    contact: str = ""
    steward: str
    sources: list[Source]


class SourceConfigError(ValueError):
    """A source cannot be opened as configured; the message names the source."""


def expand_home(value: str) -> str:
    """Expand ${SHUZHI_HOME} (and other ${VARS}) in a configured path, at use time."""
    from home.layout import Home

    env = dict(os.environ)
    env.setdefault("SHUZHI_HOME", str(Home.from_env().root))
    for key, val in env.items():
        value = value.replace("${" + key + "}", val)
    return value
