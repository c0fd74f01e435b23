"""Where the lakehouse lives when it is not in the home: one YAML file, named by
``SHUZHI_LAKE_CONFIG`` (``deploy/lake.example.yaml``)::

    catalog:
      postgres: {host: 10.0.0.5, port: 5432, database: shuzhi_lake, user: shuzhi}
    storage:
      s3:
        bucket: shuzhi-lake
        prefix: lake/
        endpoint: 10.0.0.6:9000      # host:port of any S3-speaking server; omit for AWS
        region: us-east-1
        url_style: path              # or vhost
        use_ssl: true
        key_id_env: SHUZHI_S3_KEY_ID # the names of the variables holding the credentials
        secret_env: SHUZHI_S3_SECRET

Credentials never go in the file: the S3 keys come from the variables it names, and
PostgreSQL's password from libpq's own ``PGPASSWORD`` or ``PGPASSFILE``. A file that
holds a password or key itself is refused. The data files are encrypted Parquet (each
with its own key, kept in the catalogue), so the bucket holds no value in clear.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_ENV = "SHUZHI_LAKE_CONFIG"
SECRET_NAME = "shuzhi_lake_s3"
_POSTGRES_KEYS = {"host", "port", "database", "user"}
_S3_KEYS = {
    "bucket",
    "prefix",
    "endpoint",
    "region",
    "url_style",
    "use_ssl",
    "key_id_env",
    "secret_env",
}
_CREDENTIALS = {"password", "secret", "key_id", "secret_access_key", "access_key_id", "token"}


class LakeConfigError(ValueError):
    """The lake configuration file is wrong; names the file and the key."""


@dataclass(frozen=True)
class S3Storage:
    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str = "us-east-1"
    url_style: str = "vhost"
    use_ssl: bool = True
    key_id_env: str | None = None
    secret_env: str | None = None

    @property
    def data_path(self) -> str:
        prefix = self.prefix.strip("/")
        return f"s3://{self.bucket}/" + (f"{prefix}/" if prefix else "")

    def secret_sql(self) -> str:
        """The DuckDB statement that gives the S3 credentials to this session only."""
        options = {
            "TYPE": "s3",
            "SCOPE": f"s3://{self.bucket}",
            "REGION": self.region,
            "URL_STYLE": self.url_style,
            "USE_SSL": self.use_ssl,
        }
        if self.endpoint:
            options["ENDPOINT"] = self.endpoint
        for option, variable in (("KEY_ID", self.key_id_env), ("SECRET", self.secret_env)):
            if variable:
                value = os.environ.get(variable, "")
                if not value:
                    raise LakeConfigError(
                        f"the S3 credentials come from {variable}, which is not set"
                    )
                options[option] = value
        listed = ", ".join(f"{k} {_sql_value(v)}" for k, v in options.items())
        return f"CREATE OR REPLACE TEMPORARY SECRET {SECRET_NAME} ({listed})"


@dataclass(frozen=True)
class LakeConfig:
    catalog: str  # as DuckLake's ATTACH takes it after "ducklake:"
    data_path: str
    s3: S3Storage | None


def config_path() -> Path | None:
    text = os.environ.get(CONFIG_ENV, "").strip()
    return Path(text) if text else None


def load_lake_config(path: Path) -> LakeConfig:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LakeConfigError(f"{CONFIG_ENV}={path}: no such file") from None
    except yaml.YAMLError as error:
        raise LakeConfigError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise LakeConfigError(f"{path}: expected a mapping with catalog and storage")
    _only(data, {"catalog", "storage"}, path, "")
    catalog = _section(data, "catalog", {"postgres"}, path)
    storage = _section(data, "storage", {"s3"}, path)
    postgres = _fields(catalog["postgres"], _POSTGRES_KEYS, path, "catalog.postgres")
    if "database" not in postgres:
        raise LakeConfigError(f"{path}: catalog.postgres.database is missing")
    libpq = " ".join(
        f"{'dbname' if k == 'database' else k}={v}" for k, v in sorted(postgres.items())
    )
    s3_fields = _fields(storage["s3"], _S3_KEYS, path, "storage.s3")
    if not s3_fields.get("bucket"):
        raise LakeConfigError(f"{path}: storage.s3.bucket is missing")
    if s3_fields.get("url_style", "vhost") not in ("vhost", "path"):
        raise LakeConfigError(f"{path}: storage.s3.url_style must be vhost or path")
    s3 = S3Storage(**s3_fields)
    return LakeConfig(catalog=f"postgres:{libpq}", data_path=s3.data_path, s3=s3)


def _section(data: dict[str, Any], name: str, kinds: set[str], path: Path) -> dict[str, Any]:
    section = data.get(name)
    if not isinstance(section, dict) or len(section) != 1 or next(iter(section)) not in kinds:
        raise LakeConfigError(f"{path}: {name} must be one of: {', '.join(sorted(kinds))}")
    return section


def _fields(section: Any, allowed: set[str], path: Path, where: str) -> dict[str, Any]:
    if not isinstance(section, dict):
        raise LakeConfigError(f"{path}: {where} must be a mapping")
    _only(section, allowed, path, where + ".")
    return section


def _only(section: dict[str, Any], allowed: set[str], path: Path, where: str) -> None:
    for key in section:
        if str(key).lower() in _CREDENTIALS:
            raise LakeConfigError(
                f"{path}: {where}{key} holds a credential; credentials go in environment "
                "variables (key_id_env and secret_env name them; PostgreSQL reads PGPASSWORD)"
            )
        if key not in allowed:
            raise LakeConfigError(
                f"{path}: unknown key {where}{key} (known: {', '.join(sorted(allowed))})"
            )


def _sql_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "'" + str(value).replace("'", "''") + "'"
