"""Department source configuration: how each department offers its data.

A department IT contact writes one YAML file per department. Secrets are
never written there: only the *name* of the environment variable that holds
them. ``${SHUZHI_HOME}`` in paths is expanded when the source is opened.
"""

from __future__ import annotations

import os
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog.source_mapping import SourceMapping
from catalog.time_zones import check_time_zone
from connectors.cron import is_cron_expression
from connectors.watermark import WatermarkKind

SourceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
# Keys a department might write a secret under; the file names the variable instead.
SECRET_KEYS = {
    "password": "password_env",
    "token": "bearer_token_env",
    "bearer_token": "bearer_token_env",
    "api_key": "api_key_env",
}


def _refuse_inline_secrets(data: object) -> object:
    if isinstance(data, dict):
        for key, instead in SECRET_KEYS.items():
            if key in data:
                raise ValueError(
                    f"{key!r} would put a secret in the file; name the environment "
                    f"variable that holds it with {instead!r} instead"
                )
    return data


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cron: str
    timezone: str = "Asia/Shanghai"
    # A department that sets a schedule expects it to run: Dagster starts it RUNNING
    # unless the department writes ``enabled: false`` (then a steward starts it by hand).
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        # Dagster runs the schedule; connectors.cron accepts only what Dagster accepts,
        # without importing Dagster to read a contract.
        if not is_cron_expression(value):
            raise ValueError(f"{value!r} is not a cron expression (minute hour day month weekday)")
        return value

    _timezone = field_validator("timezone")(check_time_zone)


class Sensor(BaseModel):
    """The file-drop sensor of a drop folder; on unless ``enabled: false``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True


class Incremental(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str  # an updated-at column or a monotonic key
    # How the column's values are compared; by default from the column's declared type
    # (integer types: integer; DATE, TIMESTAMP and text: timestamp).
    kind: WatermarkKind | None = None


class HttpIncremental(BaseModel):
    """An API that can send only what changed: the last watermark goes in ``param``
    (``?updated_after=2026-11-30T08:15:00``) and is taken from each record's ``field``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    param: str = Field(min_length=1)  # the query parameter the last watermark is sent in
    field: str = Field(min_length=1)  # the record field the watermark is taken from
    kind: WatermarkKind = "timestamp"


class SqlConnection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    _no_secrets = model_validator(mode="before")(_refuse_inline_secrets)
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
    name: SourceName
    dataset: str
    dialect: Literal["sqlite", "postgres", "mysql"]
    connection: SqlConnection
    table: str
    primary_key: list[str]
    incremental: Incremental | None = None
    batch_rows: int = Field(default=50_000, ge=100)
    schedule: Schedule | None = None
    mapping: SourceMapping | None = None


class Pagination(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    style: Literal["page", "offset", "cursor"] = "page"
    page_param: str = "page"
    size_param: str = "page_size"
    size: int = Field(default=100, ge=1)
    records_field: str = "data"
    total_pages_field: str | None = "total_pages"
    # The number of records the API says it holds; None when it sends none.
    total_field: str | None = "total"
    # Requests per read when the API declares neither total nor total_pages.
    max_pages: int = Field(default=100_000, ge=1)
    next_cursor_field: str | None = None
    cursor_param: str = "cursor"
    offset_param: str = "offset"


class HttpAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    _no_secrets = model_validator(mode="before")(_refuse_inline_secrets)
    bearer_token_env: str | None = None
    api_key_env: str | None = None
    api_key_header: str = "X-API-Key"


class HttpJsonSource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["http_json"]
    name: SourceName
    dataset: str
    base_url: str | None = None
    base_url_env: str | None = None
    endpoint: str
    pagination: Pagination = Pagination()
    auth: HttpAuth = HttpAuth()
    primary_key: list[str]
    timeout_s: float = 30.0
    max_retries: int = 5
    incremental: HttpIncremental | None = None
    schedule: Schedule | None = None
    mapping: SourceMapping | None = None

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
    name: SourceName
    dataset: str
    folder: str
    patterns: list[str] = Field(default_factory=lambda: ["*.csv", "*.xlsx"])
    # CSV: auto-detected unless a codec is named (gbk, gb18030, utf-8-sig…); JSON Lines
    # are UTF-8 by definition (auto reads them so, with or without a BOM).
    encoding: str = "auto"
    sheet: str | None = None  # Excel: one sheet, or all sheets when None
    renames: dict[str, str] = Field(default_factory=dict)  # drifted header → expected header
    schedule: Schedule | None = None
    sensor: Sensor = Sensor()
    mapping: SourceMapping | None = None

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        import codecs

        if value != "auto":
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"{value!r} is not an encoding Python knows (gbk, gb18030, utf-8-sig…)"
                ) from None
        return value


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
