"""Master key rotation for a key-file master key: re-wrap every key, then swap the file.

Steps, each safe to interrupt:

1. a new key is written to ``master.key.next`` (0600), unless one is there;
2. the key store is rewritten with every key wrapped under the new key (one
   atomic replace);
3. ``master.key.next`` is renamed over ``master.key`` (atomic).

If a run stops between 2 and 3, the store opens only with the next key:
:func:`finish_interrupted_rotation` (called whenever the key store is opened)
sees that and completes step 3, so nothing is lost and nobody is locked out.
No data is rewritten: values stay sealed under the same data keys.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from encryption.keystore import KEYSTORE_FILE, KeyStore
from encryption.master_key import (
    FileMasterKey,
    MasterKeyError,
    MasterKeyProvider,
    create_key_file,
)
from home.private_files import fsync_directory, private_file_exists

NEXT_SUFFIX = ".next"
log = logging.getLogger(__name__)


def next_key_path(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + NEXT_SUFFIX)


def rotate_master_key(keys_dir: Path, provider: MasterKeyProvider) -> int:
    """Replace the key-file master key; returns how many keys were re-wrapped."""
    if not isinstance(provider, FileMasterKey):
        raise MasterKeyError(
            f"the master key comes from {provider.name}; rotate it there, then re-wrap with "
            "`shuzhi keys rewrap --new-key-file PATH`"
        )
    store_path = Path(keys_dir) / KEYSTORE_FILE
    following = next_key_path(provider.path)
    if not following.exists():
        create_key_file(following)
    new_key = FileMasterKey(following)
    try:
        count = KeyStore(store_path, provider).rewrap(new_key.load())
    except MasterKeyError:
        # An earlier run re-wrapped the store and stopped before the swap.
        KeyStore(store_path, new_key)  # raises if the next key does not open it either
        count = 0
    _swap(following, provider.path)
    return count


def rewrap_under(keys_dir: Path, provider: MasterKeyProvider, new_key_file: Path) -> int:
    """Re-wrap every key under the key in ``new_key_file`` (for env or KMS providers)."""
    store = KeyStore(Path(keys_dir) / KEYSTORE_FILE, provider)
    return store.rewrap(FileMasterKey(new_key_file).load())


def finish_interrupted_rotation(keys_dir: Path, provider: MasterKeyProvider) -> bool:
    """Complete a rotation stopped after re-wrapping; True when one was completed."""
    if not isinstance(provider, FileMasterKey):
        return False
    following = next_key_path(provider.path)
    store_path = Path(keys_dir) / KEYSTORE_FILE
    if not following.exists() or not private_file_exists(store_path):  # maybe in the database
        return False
    try:
        KeyStore(store_path, provider)
        return False  # the current key still opens the store: step 2 never happened
    except MasterKeyError:
        pass
    KeyStore(store_path, FileMasterKey(following))  # raises when neither key opens it
    _swap(following, provider.path)
    log.warning("completed an interrupted master key rotation in %s", keys_dir)
    return True


def _swap(following: Path, key_file: Path) -> None:
    os.replace(following, key_file)
    fsync_directory(key_file.parent)
