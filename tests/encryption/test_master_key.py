"""Master key providers: key file rules, environment variable, resolution."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from encryption.master_key import (
    MASTER_KEY_ENV,
    EnvMasterKey,
    FileMasterKey,
    MasterKeyError,
    MasterKeyProvider,
    create_key_file,
    resolve_master_key,
)


def _write_key_text(path: Path, text: str, mode: int = 0o600) -> None:
    path.write_text(text, encoding="ascii")
    path.chmod(mode)


def test_created_key_file_is_private_and_loads_32_bytes(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = FileMasterKey(path).load()
    assert len(key) == 32
    assert path.read_text().strip() == base64.b64encode(key).decode()


def test_two_created_keys_differ(tmp_path: Path) -> None:
    create_key_file(tmp_path / "a.key")
    create_key_file(tmp_path / "b.key")
    assert FileMasterKey(tmp_path / "a.key").load() != FileMasterKey(tmp_path / "b.key").load()


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    create_key_file(path)
    before = path.read_bytes()
    with pytest.raises(MasterKeyError, match="already exists"):
        create_key_file(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "master.key"
    create_key_file(path)
    path.chmod(mode)
    with pytest.raises(MasterKeyError) as caught:
        FileMasterKey(path).load()
    message = str(caught.value)
    assert str(path) in message
    assert f"{mode:04o}" in message
    assert "0600" in message
    assert path.read_text().strip() not in message


def test_stricter_mode_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    create_key_file(path)
    path.chmod(0o400)
    assert len(FileMasterKey(path).load()) == 32


def test_missing_key_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "master.key"
    with pytest.raises(MasterKeyError, match="does not exist") as caught:
        FileMasterKey(path).load()
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "Zm9v!!garbage-%%\n",
        base64.b64encode(os.urandom(16)).decode() + "\n",  # too short
        base64.b64encode(os.urandom(32)).decode()
        + "\n"
        + base64.b64encode(os.urandom(32)).decode(),
        "\n",
    ],
    ids=["not-base64", "16-bytes", "two-lines", "empty"],
)
def test_malformed_key_file_is_refused_without_echoing_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "master.key"
    _write_key_text(path, text)
    with pytest.raises(MasterKeyError, match="malformed") as caught:
        FileMasterKey(path).load()
    message = str(caught.value)
    assert "\n" not in message
    for line in text.split():
        assert line not in message  # the key text itself is never repeated


def test_env_key_is_read_when_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = EnvMasterKey()
    key = os.urandom(32)
    monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(key).decode())
    assert provider.load() == key
    other = os.urandom(32)
    monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(other).decode())
    assert provider.load() == other


def test_env_key_missing_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHUZHI_TEST_KEY", raising=False)
    with pytest.raises(MasterKeyError, match="SHUZHI_TEST_KEY is not set"):
        EnvMasterKey("SHUZHI_TEST_KEY").load()


def test_env_key_malformed_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = base64.b64encode(os.urandom(31)).decode()
    monkeypatch.setenv(MASTER_KEY_ENV, bad)
    with pytest.raises(MasterKeyError, match="malformed") as caught:
        EnvMasterKey().load()
    assert bad not in str(caught.value)


def test_resolve_prefers_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(os.urandom(32)).decode())
    provider = resolve_master_key(tmp_path)
    assert isinstance(provider, EnvMasterKey)
    assert isinstance(provider, MasterKeyProvider)


def test_resolve_falls_back_to_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(MASTER_KEY_ENV, raising=False)
    create_key_file(tmp_path / "master.key")
    provider = resolve_master_key(tmp_path)
    assert isinstance(provider, FileMasterKey)
    assert provider.path == tmp_path / "master.key"
    assert provider.load() == FileMasterKey(tmp_path / "master.key").load()


def test_provider_names_say_where_not_what(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    create_key_file(tmp_path / "master.key")
    file_provider = FileMasterKey(tmp_path / "master.key")
    text = (tmp_path / "master.key").read_text().strip()
    assert str(tmp_path / "master.key") in file_provider.name
    assert text not in file_provider.name + repr(file_provider)
    monkeypatch.setenv(MASTER_KEY_ENV, text)
    env_provider = EnvMasterKey()
    assert MASTER_KEY_ENV in env_provider.name
    assert text not in env_provider.name + repr(env_provider)
