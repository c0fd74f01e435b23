"""Key store: wrapped keys, key-check value, atomic writes, concurrent creation."""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
import stat
from pathlib import Path

import pyarrow as pa
import pytest

from encryption.field_cipher import seal_column
from encryption.keystore import (
    KEYSTORE_FILE,
    KeyStore,
    KeyStoreError,
    UnknownKeyVersionError,
    open_keystore,
)
from encryption.master_key import (
    MASTER_KEY_ENV,
    EnvMasterKey,
    FileMasterKey,
    MasterKeyError,
    create_key_file,
)
from encryption.tokens import tokenise_column

RESIDENT_ID = "11010519491231002X"


def _master(folder: Path) -> FileMasterKey:
    create_key_file(folder / "master.key")
    return FileMasterKey(folder / "master.key")


@pytest.fixture
def master(tmp_path: Path) -> FileMasterKey:
    return _master(tmp_path)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / KEYSTORE_FILE


def test_data_key_is_created_once_and_survives_reopening(
    store_path: Path, master: FileMasterKey
) -> None:
    store = KeyStore(store_path, master)
    version, key = store.data_key("population", "id_number")
    assert version == 1
    assert len(key) == 32
    assert store.data_key("population", "id_number") == (1, key)
    assert store.data_key_at("population", "id_number", 1) == key
    reopened = KeyStore(store_path, master)
    assert reopened.data_key("population", "id_number") == (1, key)
    assert reopened.data_key_at("population", "id_number", 1) == key


def test_keys_differ_per_column_and_dataset(store_path: Path, master: FileMasterKey) -> None:
    store = KeyStore(store_path, master)
    keys = {
        store.data_key("population", "id_number")[1],
        store.data_key("population", "phone")[1],
        store.data_key("cases", "id_number")[1],
        store.token_key("resident_id"),
        store.token_key("phone"),
    }
    assert len(keys) == 5


def test_token_key_is_per_domain_and_stable(store_path: Path, master: FileMasterKey) -> None:
    store = KeyStore(store_path, master)
    key = store.token_key("resident_id")
    assert store.current_token_key("resident_id") == (1, key)
    assert store.token_key_at("resident_id", 1) == key
    assert KeyStore(store_path, master).token_key("resident_id") == key


def test_unknown_version_is_an_error(store_path: Path, master: FileMasterKey) -> None:
    store = KeyStore(store_path, master)
    store.data_key("population", "id_number")
    with pytest.raises(UnknownKeyVersionError, match="no version 2"):
        store.data_key_at("population", "id_number", 2)
    with pytest.raises(KeyStoreError, match="no version 1"):
        store.data_key_at("population", "never_sealed", 1)
    with pytest.raises(KeyStoreError, match="no version 1"):
        store.token_key_at("phone", 1)


def test_empty_names_are_refused(store_path: Path, master: FileMasterKey) -> None:
    store = KeyStore(store_path, master)
    with pytest.raises(ValueError, match="dataset"):
        store.data_key("", "id_number")
    with pytest.raises(ValueError, match="domain"):
        store.token_key("")


def test_wrong_master_key_is_detected_at_open(tmp_path: Path, store_path: Path) -> None:
    (tmp_path / "right").mkdir()
    (tmp_path / "wrong").mkdir()
    KeyStore(store_path, _master(tmp_path / "right")).data_key("population", "id_number")
    before = store_path.read_bytes()
    with pytest.raises(MasterKeyError, match="wrong master key") as caught:
        KeyStore(store_path, _master(tmp_path / "wrong"))
    assert str(store_path) in str(caught.value)
    assert store_path.read_bytes() == before


def test_missing_master_key_file_is_refused(tmp_path: Path, store_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="does not exist"):
        KeyStore(store_path, FileMasterKey(tmp_path / "absent.key"))
    assert not store_path.exists()


def test_missing_environment_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, store_path: Path
) -> None:
    monkeypatch.delenv(MASTER_KEY_ENV, raising=False)
    with pytest.raises(MasterKeyError, match="not set"):
        KeyStore(store_path, EnvMasterKey())


def test_environment_key_opens_store(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(os.urandom(32)).decode())
    store = open_keystore(tmp_path / "keys")
    key = store.token_key("phone")
    assert store.path == tmp_path / "keys" / KEYSTORE_FILE
    assert open_keystore(tmp_path / "keys").token_key("phone") == key
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_store_file_is_private_and_leaves_no_temp_files(
    store_path: Path, master: FileMasterKey
) -> None:
    store = KeyStore(store_path, master)
    for column in ("id_number", "phone", "name"):
        store.data_key("population", column)
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in store_path.parent.iterdir()) == sorted(
        ["master.key", KEYSTORE_FILE, KEYSTORE_FILE + ".lock"]
    )


def test_store_file_holds_no_key_bytes_or_plaintext(
    store_path: Path, master: FileMasterKey
) -> None:
    store = KeyStore(store_path, master)
    seal_column(pa.array([RESIDENT_ID]), dataset="population", column="id", keystore=store)
    tokenise_column(pa.array([RESIDENT_ID]), domain="resident_id", keystore=store)
    raw_keys = [
        master.load(),
        store.data_key("population", "id")[1],
        store.token_key("resident_id"),
    ]
    content = store_path.read_bytes()
    for key in raw_keys:
        assert base64.b64encode(key) not in content
        assert base64.urlsafe_b64encode(key) not in content
        assert key.hex().encode() not in content
        assert key not in content
    assert RESIDENT_ID.encode() not in content
    assert master.path.read_text().strip().encode() not in content


def test_repr_shows_no_key(store_path: Path, master: FileMasterKey) -> None:
    store = KeyStore(store_path, master)
    key = store.token_key("phone")
    text = repr(store)
    assert str(store_path) in text
    assert base64.b64encode(key).decode() not in text
    assert base64.b64encode(master.load()).decode() not in text


def test_altered_wrapped_key_is_refused(store_path: Path, master: FileMasterKey) -> None:
    KeyStore(store_path, master).data_key("population", "id_number")
    document = json.loads(store_path.read_text())
    entry = document["data_keys"]["population"]["id_number"]["versions"]["1"]
    blob = bytearray(base64.b64decode(entry["wrapped"]))
    blob[-1] ^= 0x01
    entry["wrapped"] = base64.b64encode(bytes(blob)).decode()
    store_path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreError, match="failed authentication"):
        KeyStore(store_path, master).data_key("population", "id_number")


def test_wrapped_key_moved_to_another_slot_is_refused(
    store_path: Path, master: FileMasterKey
) -> None:
    store = KeyStore(store_path, master)
    store.data_key("population", "id_number")
    store.data_key("population", "phone")
    document = json.loads(store_path.read_text())
    columns = document["data_keys"]["population"]
    columns["phone"] = columns["id_number"]
    store_path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreError, match="failed authentication"):
        KeyStore(store_path, master).data_key("population", "phone")


def test_corrupt_store_file_is_named(store_path: Path, master: FileMasterKey) -> None:
    store_path.write_text("{ not json")
    with pytest.raises(KeyStoreError, match="not valid JSON") as caught:
        KeyStore(store_path, master)
    assert str(store_path) in str(caught.value)


def test_key_created_by_another_process_is_picked_up(
    store_path: Path, master: FileMasterKey
) -> None:
    first = KeyStore(store_path, master)
    second = KeyStore(store_path, master)
    key = first.data_key("population", "id_number")
    assert second.data_key("population", "id_number") == key


def _create_key_in_child(
    store_path: str,
    master_path: str,
    barrier: multiprocessing.synchronize.Barrier,
    results: multiprocessing.Queue,
) -> None:
    barrier.wait()
    store = KeyStore(Path(store_path), FileMasterKey(Path(master_path)))
    version, key = store.data_key("population", "id_number")
    token_key = store.token_key("resident_id")
    results.put((version, key.hex(), token_key.hex()))


@pytest.mark.parametrize("store_exists", [False, True], ids=["new-store", "existing-store"])
def test_concurrent_processes_end_with_one_key(
    store_path: Path, master: FileMasterKey, store_exists: bool
) -> None:
    if store_exists:
        KeyStore(store_path, master)
    context = multiprocessing.get_context("fork")
    workers = 4
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(
            target=_create_key_in_child,
            args=(str(store_path), str(master.path), barrier, results),
        )
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert len(set(outcomes)) == 1
    version, key_hex, token_hex = outcomes[0]
    assert version == 1
    store = KeyStore(store_path, master)
    assert store.data_key("population", "id_number") == (1, bytes.fromhex(key_hex))
    assert store.token_key("resident_id") == bytes.fromhex(token_hex)
    document = json.loads(store_path.read_text())
    assert list(document["data_keys"]["population"]["id_number"]["versions"]) == ["1"]
