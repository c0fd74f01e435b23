"""Master key rotation (resumable), pluggable providers, and a missing key store."""

from __future__ import annotations

import base64
import os
import stat
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from encryption.field_cipher import open_column, seal_column
from encryption.keystore import KEYSTORE_FILE, KeyStore, KeyStoreError, open_keystore
from encryption.master_key import (
    MASTER_KEY_FILE,
    PROVIDER_ENV,
    EnvMasterKey,
    FileMasterKey,
    MasterKeyError,
    create_key_file,
    resolve_master_key,
)
from encryption.master_rotation import next_key_path, rotate_master_key

VALUES = pa.array(["张伟", "13800138000"], pa.string())


@pytest.fixture
def keys_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SHUZHI_MASTER_KEY", raising=False)
    monkeypatch.delenv(PROVIDER_ENV, raising=False)
    create_key_file(tmp_path / MASTER_KEY_FILE)
    return tmp_path


def _sealed(keys_dir: Path) -> pa.Array:
    return seal_column(VALUES, dataset="d", column="c", keystore=open_keystore(keys_dir))


def _opens(keys_dir: Path, sealed: pa.Array) -> bool:
    clear = open_column(sealed, dataset="d", column="c", keystore=open_keystore(keys_dir))
    return bool(clear.equals(VALUES))


def test_rotation_replaces_the_key_file_and_keeps_every_value(keys_dir: Path) -> None:
    sealed = _sealed(keys_dir)
    old = (keys_dir / MASTER_KEY_FILE).read_text()
    assert rotate_master_key(keys_dir, FileMasterKey(keys_dir / MASTER_KEY_FILE)) == 1
    assert (keys_dir / MASTER_KEY_FILE).read_text() != old
    assert stat.S_IMODE((keys_dir / MASTER_KEY_FILE).stat().st_mode) == 0o600
    assert not next_key_path(keys_dir / MASTER_KEY_FILE).exists()
    assert _opens(keys_dir, sealed)


def test_a_rotation_stopped_after_rewrapping_is_completed_on_next_open(keys_dir: Path) -> None:
    sealed = _sealed(keys_dir)
    key_file = keys_dir / MASTER_KEY_FILE
    # Steps 1 and 2 only: the next key exists and the store is wrapped under it.
    create_key_file(next_key_path(key_file))
    KeyStore(keys_dir / KEYSTORE_FILE, FileMasterKey(key_file)).rewrap(
        FileMasterKey(next_key_path(key_file)).load()
    )
    with pytest.raises(MasterKeyError, match="wrong master key"):
        KeyStore(keys_dir / KEYSTORE_FILE, FileMasterKey(key_file))
    assert _opens(keys_dir, sealed)  # open_keystore finished the swap
    assert not next_key_path(key_file).exists()
    assert rotate_master_key(keys_dir, FileMasterKey(key_file)) == 1  # and it rotates again


def test_a_rerun_after_a_stop_before_rewrapping_uses_the_key_already_made(keys_dir: Path) -> None:
    sealed = _sealed(keys_dir)
    key_file = keys_dir / MASTER_KEY_FILE
    create_key_file(next_key_path(key_file))  # step 1 only
    waiting = next_key_path(key_file).read_text()
    assert _opens(keys_dir, sealed)  # the old key still opens the store meanwhile
    rotate_master_key(keys_dir, FileMasterKey(key_file))
    assert key_file.read_text() == waiting
    assert _opens(keys_dir, sealed)


def test_an_environment_key_is_rotated_where_it_lives(
    keys_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHUZHI_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(MasterKeyError, match=r"environment variable .* rotate it there"):
        rotate_master_key(keys_dir, EnvMasterKey())


def test_a_provider_plugin_named_in_the_environment_supplies_the_key(
    keys_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = tmp_path / "plugin_dir"
    plugin.mkdir()
    key = base64.b64encode(os.urandom(32)).decode()
    (plugin / "fake_kms.py").write_text(
        textwrap.dedent(
            f"""
            class KmsKey:
                name = "kms key shuzhi-test"
                def load(self):
                    import base64
                    return base64.b64decode({key!r})

            def provider():
                return KmsKey()

            def not_a_provider():
                return object()
            """
        )
    )
    monkeypatch.syspath_prepend(str(plugin))
    monkeypatch.setenv(PROVIDER_ENV, "fake_kms:provider")
    provider = resolve_master_key(keys_dir)
    assert provider.name == "kms key shuzhi-test"
    store = KeyStore(tmp_path / "kms_store.json", provider)
    assert store.data_key("d", "c")[0] == 1

    for spec, message in (
        ("fake_kms", "expected 'package.module:factory'"),
        ("no_such_module:provider", "cannot be loaded"),
        ("fake_kms:not_a_provider", "did not return a master key provider"),
    ):
        monkeypatch.setenv(PROVIDER_ENV, spec)
        with pytest.raises(MasterKeyError, match=message):
            resolve_master_key(keys_dir)
    sys.modules.pop("fake_kms", None)


def test_a_missing_key_store_beside_sealed_data_is_an_error(tmp_path: Path) -> None:
    from home.layout import Home
    from pipelines.hub import Hub

    home = Home(tmp_path / "home").ensure()
    create_key_file(home.keys / MASTER_KEY_FILE)
    data = home.lakehouse / "data" / "raw" / "population"
    data.mkdir(parents=True)
    (data / "ducklake-x.parquet").write_bytes(b"PAR1")
    with pytest.raises(KeyStoreError, match="missing but the lakehouse holds data"):
        Hub(home).keystore  # noqa: B018
