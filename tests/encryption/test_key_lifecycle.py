"""Key life cycle in the key store: rotation, retirement, crypto-shredding, token keys, re-wrap."""

from __future__ import annotations

import base64
import json
import multiprocessing
from pathlib import Path

import pyarrow as pa
import pytest

from encryption.field_cipher import (
    ShreddedValueError,
    TamperedValueError,
    key_versions,
    open_column,
    reseal_column,
    seal_column,
)
from encryption.keystore import (
    KEYSTORE_FILE,
    DestroyedKeyError,
    KeyStore,
    KeyStoreError,
)
from encryption.master_key import FileMasterKey, MasterKeyError, create_key_file
from encryption.tokens import token_version, tokenise_column, tokenise_value

NAMES = pa.array(["张伟", None, "李娜", "王芳"], pa.string())


@pytest.fixture
def master(tmp_path: Path) -> FileMasterKey:
    create_key_file(tmp_path / "master.key")
    return FileMasterKey(tmp_path / "master.key")


@pytest.fixture
def store(tmp_path: Path, master: FileMasterKey) -> KeyStore:
    return KeyStore(tmp_path / KEYSTORE_FILE, master)


def _seal(store: KeyStore, values: pa.Array = NAMES) -> pa.Array:
    return seal_column(values, dataset="population", column="name", keystore=store)


def _open(store: KeyStore, sealed: pa.Array) -> list[str | None]:
    return open_column(sealed, dataset="population", column="name", keystore=store).to_pylist()


def test_rotation_makes_a_new_current_version_and_old_values_stay_readable(
    store: KeyStore,
) -> None:
    old = _seal(store)
    target = store.begin_rotation("population", "name")
    assert target == 2
    assert store.data_key("population", "name")[0] == 2
    assert _open(store, old) == NAMES.to_pylist()
    new = _seal(store)
    assert set(key_versions(new).drop_null().to_pylist()) == {2}


def test_an_unfinished_rotation_resumes_with_the_same_version(
    store: KeyStore, tmp_path: Path, master: FileMasterKey
) -> None:
    _seal(store)
    assert store.begin_rotation("population", "name") == 2
    rerun = KeyStore(tmp_path / KEYSTORE_FILE, master)  # a new process after a kill
    assert rerun.rotation_target("population", "name") == 2
    written = (tmp_path / KEYSTORE_FILE).stat().st_ino  # a rewrite replaces the file
    assert rerun.begin_rotation("population", "name") == 2
    assert (tmp_path / KEYSTORE_FILE).stat().st_ino == written  # resuming writes nothing
    rerun.finish_rotation("population", "name")
    assert rerun.rotation_target("population", "name") is None
    assert rerun.begin_rotation("population", "name") == 3


def _begin(path: str, master: str, out: multiprocessing.Queue) -> None:
    out.put(KeyStore(Path(path), FileMasterKey(Path(master))).begin_rotation("population", "name"))


def test_concurrent_rotations_agree_on_one_version(store: KeyStore, tmp_path: Path) -> None:
    _seal(store)
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue = context.Queue()
    args = (str(tmp_path / KEYSTORE_FILE), str(tmp_path / "master.key"), results)
    workers = [context.Process(target=_begin, args=args) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert {results.get(timeout=60) for _ in workers} == {2}  # a bound, not a timing


def test_reseal_moves_only_stale_values_and_is_idempotent(store: KeyStore) -> None:
    old = _seal(store)
    store.begin_rotation("population", "name")
    mixed = pa.concat_arrays([old, _seal(store, pa.array(["赵强"]))])
    once = reseal_column(mixed, dataset="population", column="name", keystore=store)
    assert key_versions(once).to_pylist() == [2, None, 2, 2, 2]
    assert once[4] == mixed[4]  # already current: untouched
    assert _open(store, once) == [*NAMES.to_pylist(), "赵强"]
    twice = reseal_column(once, dataset="population", column="name", keystore=store)
    assert twice.equals(once)


def test_reseal_names_the_tampered_row_of_the_whole_column(store: KeyStore) -> None:
    sealed = _seal(store).to_pylist()
    store.begin_rotation("population", "name")
    damaged = bytearray(sealed[3])
    damaged[-1] ^= 0x01
    sealed[3] = bytes(damaged)
    with pytest.raises(TamperedValueError, match=r"row 3 of population\.name"):
        reseal_column(
            pa.array(sealed, pa.binary()), dataset="population", column="name", keystore=store
        )


def test_key_versions_reads_headers_and_nulls_malformed_values(store: KeyStore) -> None:
    sealed = _seal(store).to_pylist()
    values = pa.array([*sealed, b"short", b"\x09" + sealed[0][1:]], pa.binary())
    assert key_versions(values).to_pylist() == [1, None, 1, 1, None, None]
    assert key_versions(values.slice(2)).to_pylist() == [1, 1, None, None]


def test_retire_refuses_the_current_version_and_destroys_an_old_one(store: KeyStore) -> None:
    old = _seal(store)
    store.begin_rotation("population", "name")
    with pytest.raises(KeyStoreError, match="in use"):
        store.retire("population", "name", 2)
    store.retire("population", "name", 1)
    with pytest.raises(DestroyedKeyError, match=r"version 1 was destroyed .*retired"):
        store.data_key_at("population", "name", 1)
    with pytest.raises(ShreddedValueError, match=r"row 0 of population\.name"):
        _open(store, old)


def test_crypto_shredding_makes_the_values_unrecoverable(
    store: KeyStore, tmp_path: Path, master: FileMasterKey
) -> None:
    sealed = _seal(store)
    store.begin_rotation("population", "name")
    sealed_v2 = _seal(store)
    wrapped_before = (tmp_path / KEYSTORE_FILE).read_text()
    destroyed = store.shred("population", reason="retention period ended")
    assert destroyed == {"name": [1, 2]}

    # The wrapped keys are gone from the file, and a fresh process cannot open the values.
    document = json.loads((tmp_path / KEYSTORE_FILE).read_text())
    slot = document["data_keys"]["population"]["name"]
    assert slot["versions"] == {} and slot["current"] is None
    for version in ("1", "2"):
        old_wrapped = json.loads(wrapped_before)["data_keys"]["population"]["name"]["versions"]
        assert old_wrapped[version]["wrapped"] not in (tmp_path / KEYSTORE_FILE).read_text()
    fresh = KeyStore(tmp_path / KEYSTORE_FILE, master)
    for values in (sealed, sealed_v2):
        with pytest.raises(ShreddedValueError, match="shredded: retention period ended"):
            _open(fresh, values)
        assert open_column(
            values, dataset="population", column="name", keystore=fresh, shredded="null"
        ).null_count == len(values)

    # New data gets a key whose number was never used before.
    assert fresh.data_key("population", "name")[0] == 3
    assert _open(fresh, _seal(fresh)) == NAMES.to_pylist()


def test_shredding_needs_a_reason_and_a_dataset_with_keys(store: KeyStore) -> None:
    _seal(store)
    with pytest.raises(ValueError, match="reason"):
        store.shred("population", reason="  ")
    with pytest.raises(KeyStoreError, match="no data keys"):
        store.shred("enterprises", reason="expired")


def test_a_staged_token_key_is_used_only_when_asked_until_promoted(store: KeyStore) -> None:
    ids = pa.array(["11010519491231002X"])
    before = tokenise_column(ids, domain="resident_id", keystore=store)
    pending = store.stage_token_key("resident_id")
    assert pending == 2 and store.stage_token_key("resident_id") == 2  # staged once
    assert tokenise_column(ids, domain="resident_id", keystore=store).equals(before)
    upcoming = tokenise_column(ids, domain="resident_id", keystore=store, version=2)
    assert token_version(upcoming[0].as_py()) == 2 and upcoming != before
    assert store.promote_token_key("resident_id") == 2
    assert store.pending_token_version("resident_id") is None
    assert tokenise_value("11010519491231002x", domain="resident_id", keystore=store) == (
        upcoming[0].as_py()
    )
    with pytest.raises(KeyStoreError, match="in use"):
        store.retire_token_key("resident_id", 2)
    store.retire_token_key("resident_id", 1)
    with pytest.raises(DestroyedKeyError):
        store.token_key_at("resident_id", 1)


def test_rewrap_moves_every_key_under_the_new_master(
    store: KeyStore, tmp_path: Path, master: FileMasterKey
) -> None:
    sealed = _seal(store)
    token = tokenise_value("13800138000", domain="phone", keystore=store)
    create_key_file(tmp_path / "next.key")
    new_master = FileMasterKey(tmp_path / "next.key")
    assert store.rewrap(new_master.load()) == 2
    with pytest.raises(MasterKeyError, match="wrong master key"):
        KeyStore(tmp_path / KEYSTORE_FILE, master)
    reopened = KeyStore(tmp_path / KEYSTORE_FILE, new_master)
    assert _open(reopened, sealed) == NAMES.to_pylist()
    assert tokenise_value("13800138000", domain="phone", keystore=reopened) == token
    assert base64.b64encode(master.load()).decode() not in (tmp_path / KEYSTORE_FILE).read_text()
