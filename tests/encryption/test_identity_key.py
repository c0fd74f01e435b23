"""The front door's identity key: made once, kept apart from data and token keys,
re-wrapped (never changed) by a master key rotation."""

from __future__ import annotations

import os
from pathlib import Path

from encryption.keystore import KEYSTORE_FILE, KeyStore
from encryption.master_key import FileMasterKey, create_key_file


def _store(tmp_path: Path) -> tuple[KeyStore, FileMasterKey]:
    create_key_file(tmp_path / "master.key")
    master = FileMasterKey(tmp_path / "master.key")
    return KeyStore(tmp_path / KEYSTORE_FILE, master), master


def test_made_once_and_the_same_for_another_process(tmp_path: Path) -> None:
    store, master = _store(tmp_path)
    key = store.identity_key()
    assert len(key) == 32 and KeyStore(store.path, master).identity_key() == key
    assert key.hex() not in store.path.read_text()


def test_not_a_data_or_token_key_slot(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    store.identity_key()
    assert store.slots() == []


def test_master_rotation_rewraps_it_unchanged(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    key = store.identity_key()
    new_master = os.urandom(32)
    assert store.rewrap(new_master) == 1
    store._unwrapped.clear()
    store._current.clear()
    assert store.identity_key() == key
