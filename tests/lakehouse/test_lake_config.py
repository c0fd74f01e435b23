"""The scale-out lakehouse is chosen in one file; credentials only by reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from home.layout import Home
from lakehouse.catalogue import LakeSettings
from lakehouse.lake_config import LakeConfigError, load_lake_config

GOOD = """catalog:
  postgres: {host: 10.0.0.5, port: 5432, database: shuzhi_lake, user: shuzhi}
storage:
  s3: {bucket: lake, prefix: /district/, endpoint: "10.0.0.6:9000", url_style: path,
       use_ssl: false, key_id_env: S3_KEY, secret_env: S3_SECRET}
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lake.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_names_the_catalogue_database_and_the_bucket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHUZHI_LAKE_CONFIG", str(_file(tmp_path, GOOD)))
    settings = LakeSettings.for_home(Home(tmp_path / "home"))
    assert settings.catalog == "postgres:dbname=shuzhi_lake host=10.0.0.5 port=5432 user=shuzhi"
    assert settings.data_path == "s3://lake/district/"
    assert settings.catalogue_file is None and settings.s3 is not None
    monkeypatch.setenv("S3_KEY", "the-key-id")
    monkeypatch.setenv("S3_SECRET", "the-secret")
    sql = settings.s3.secret_sql()
    assert "KEY_ID 'the-key-id'" in sql and "SECRET 'the-secret'" in sql
    assert "ENDPOINT '10.0.0.6:9000'" in sql and "USE_SSL false" in sql and "TEMPORARY" in sql


def test_without_the_file_the_lake_stays_in_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SHUZHI_LAKE_CONFIG", "SHUZHI_LAKE_CATALOG", "SHUZHI_LAKE_DATA_PATH"):
        monkeypatch.delenv(name, raising=False)
    settings = LakeSettings.for_home(Home(tmp_path))
    assert settings.catalogue_file == tmp_path / "lakehouse" / "catalog.ducklake"
    assert settings.s3 is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("user: shuzhi}", "user: shuzhi, password: hunter2}"), "holds a credential"),
        (GOOD.replace("key_id_env: S3_KEY", "key_id: AKIA123"), "holds a credential"),
        (GOOD.replace("bucket: lake", "buckt: lake"), "unknown key storage.s3.buckt"),
        (GOOD.replace("url_style: path", "url_style: sideways"), "url_style must be"),
        ("catalog:\n  mysql: {}\nstorage:\n  s3: {bucket: b}\n", "catalog must be one of"),
        (GOOD.replace("database: shuzhi_lake, ", ""), "catalog.postgres.database is missing"),
    ],
)
def test_a_wrong_file_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LakeConfigError, match=message) as raised:
        load_lake_config(_file(tmp_path, text))
    assert "hunter2" not in str(raised.value) and "AKIA123" not in str(raised.value)


def test_a_credential_variable_that_is_not_set_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("S3_KEY", raising=False)
    s3 = load_lake_config(_file(tmp_path, GOOD)).s3
    assert s3 is not None
    with pytest.raises(LakeConfigError, match="S3_KEY, which is not set"):
        s3.secret_sql()


def test_a_wrong_file_is_one_clear_line_from_any_command(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    config = _file(tmp_path, GOOD.replace("bucket: lake", "buckt: lake"))
    done = subprocess.run(
        [str(Path(sys.executable).with_name("shuzhi")), "lake", "vacuum", "--dry-run"],
        env={
            **os.environ,
            "SHUZHI_HOME": str(tmp_path / "home"),
            "SHUZHI_LAKE_CONFIG": str(config),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and "unexpected" not in done.stderr
    assert "unknown key storage.s3.buckt" in done.stderr
