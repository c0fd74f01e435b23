"""The lakehouse catalogue's key: one version for the catalogue's life, out of reach of every
data and token key operation, re-wrapped (never changed) by a master key rotation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from encryption.keystore import KEYSTORE_FILE, KeyStore
from encryption.master_key import FileMasterKey, MasterKeyError, create_key_file


@pytest.fixture
def master(tmp_path: Path) -> FileMasterKey:
    create_key_file(tmp_path / "master.key")
    return FileMasterKey(tmp_path / "master.key")


@pytest.fixture
def store(tmp_path: Path, master: FileMasterKey) -> KeyStore:
    return KeyStore(tmp_path / KEYSTORE_FILE, master)


def test_the_key_is_made_once_when_asked_to_and_never_otherwise(
    store: KeyStore, master: FileMasterKey
) -> None:
    assert store.catalogue_key(create=False) is None
    key = store.catalogue_key(create=True)
    assert key is not None and len(key) == 32
    assert store.catalogue_key(create=True) == key
    again = KeyStore(store.path, master)  # another process sees the same key
    assert again.catalogue_key(create=False) == key
    assert key.hex() not in store.path.read_text() and "catalogue" in store.path.read_text()


def test_data_and_token_key_operations_leave_it_alone(store: KeyStore) -> None:
    key = store.catalogue_key(create=True)
    store.data_key("population", "name")
    store.token_key("resident_id")
    # A dataset or domain named like the catalogue's slot is still its own key.
    for dataset in ("population", "lake_keys", "catalogue"):
        store.data_key(dataset, "catalogue")
        store.begin_rotation(dataset, "catalogue")
        store.retire(dataset, "catalogue", 1)
        store.shred(dataset, "保存期限届满")
    store.stage_token_key("catalogue")
    store.promote_token_key("catalogue")
    assert store.catalogue_key(create=False) == key
    assert all(info.kind in ("data", "token") for info in store.slots())  # not listed to rotate
    document = json.loads(store.path.read_text())
    assert list(document["lake_keys"]["catalogue"]["versions"]) == ["1"]


def test_rewrap_moves_it_under_the_new_master_unchanged(store: KeyStore, tmp_path: Path) -> None:
    key = store.catalogue_key(create=True)
    create_key_file(tmp_path / "new.key")
    new_master = FileMasterKey(tmp_path / "new.key")
    store.rewrap(new_master.load())
    assert KeyStore(store.path, new_master).catalogue_key(create=False) == key
    with pytest.raises(MasterKeyError):
        KeyStore(store.path, FileMasterKey(tmp_path / "master.key"))
