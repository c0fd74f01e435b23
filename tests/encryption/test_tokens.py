"""Deterministic join tokens: one person, one token, across spellings and datasets."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pytest

from encryption.keystore import KEYSTORE_FILE, KeyStore
from encryption.master_key import FileMasterKey, create_key_file
from encryption.normalisers import NormalisationError
from encryption.tokens import TOKEN_PATTERN, token_version, tokenise_column, tokenise_value
from identifiers import resident_id

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
LEGACY_15 = "110105491231002"
SAME_PERSON = resident_id.upgrade_15_to_18(LEGACY_15)
OTHER_PERSON = resident_id.make("110105", dt.date(1949, 12, 31), 4)


def _id_ending_in_x() -> str:
    for sequence in range(1000):
        value = resident_id.make("440305", dt.date(1985, 6, 1), sequence)
        if value.endswith("X"):
            return value
    raise AssertionError("no sequence gives check character X")


ID_X = _id_ending_in_x()


def _store(folder: Path) -> KeyStore:
    folder.mkdir(parents=True, exist_ok=True)
    create_key_file(folder / "master.key")
    return KeyStore(folder / KEYSTORE_FILE, FileMasterKey(folder / "master.key"))


@pytest.fixture
def keystore(tmp_path: Path) -> KeyStore:
    return _store(tmp_path)


def _tokens(
    values: Sequence[str | None], store: KeyStore, domain: str = "resident_id"
) -> list[str | None]:
    return tokenise_column(pa.array(values, pa.string()), domain=domain, keystore=store).to_pylist()


def test_all_spellings_of_one_person_share_a_token(keystore: KeyStore) -> None:
    spellings = [
        SAME_PERSON,
        LEGACY_15,
        LEGACY_15.translate(FULLWIDTH),
        SAME_PERSON.translate(FULLWIDTH),
        f"{SAME_PERSON[:6]} {SAME_PERSON[6:14]} {SAME_PERSON[14:]}",
        f" {SAME_PERSON}\u3000",
    ]
    tokens = _tokens(spellings, keystore)
    assert len(set(tokens)) == 1
    assert tokens[0] == tokenise_value(LEGACY_15, domain="resident_id", keystore=keystore)


def test_lower_case_x_shares_the_token(keystore: KeyStore) -> None:
    tokens = _tokens(
        [ID_X, ID_X.lower(), ID_X.lower().translate(FULLWIDTH), "ｘ".join(ID_X.rsplit("X", 1))],
        keystore,
    )
    assert len(set(tokens)) == 1


def test_different_people_get_different_tokens(keystore: KeyStore) -> None:
    people = [SAME_PERSON, OTHER_PERSON, ID_X]
    people += [resident_id.make("440305", dt.date(1990, 1, 1), n) for n in range(200)]
    tokens = _tokens(people, keystore)
    assert len(set(tokens)) == len(set(people))


def test_token_format_and_reference_hmac(keystore: KeyStore) -> None:
    token = tokenise_value(SAME_PERSON, domain="resident_id", keystore=keystore)
    assert TOKEN_PATTERN.match(token)
    assert token.startswith("t1_")
    assert len(token) == 3 + 26
    assert token_version(token) == 1
    # Independent computation with the standard library's HMAC and base32.
    digest = hmac.new(
        keystore.token_key("resident_id"), SAME_PERSON.encode(), hashlib.sha256
    ).digest()
    expected = "t1_" + base64.b32encode(digest[:16]).decode()[:26].lower()
    assert token == expected


def test_bulk_and_careful_paths_agree_on_many_values(keystore: KeyStore) -> None:
    canonical = [resident_id.make("440305", dt.date(1990, 1, 1), n) for n in range(300)]
    messy = [f"{v[:6]} {v[6:]}".lower() for v in canonical]
    reference = [tokenise_value(v, domain="resident_id", keystore=keystore) for v in canonical]
    assert _tokens(canonical, keystore) == reference
    assert _tokens(messy, keystore) == reference
    assert _tokens(canonical + messy, keystore) == reference + reference


def test_nulls_stay_null_and_repeats_repeat(keystore: KeyStore) -> None:
    tokens = _tokens([SAME_PERSON, None, SAME_PERSON, None, OTHER_PERSON], keystore)
    assert tokens[1] is None and tokens[3] is None
    assert tokens[0] == tokens[2] != tokens[4]


def test_chunked_large_and_empty_inputs(keystore: KeyStore) -> None:
    expected = _tokens([SAME_PERSON, None, OTHER_PERSON], keystore)
    chunked = pa.chunked_array([pa.array([SAME_PERSON]), pa.array([None, OTHER_PERSON])])
    large = pa.array([SAME_PERSON, None, OTHER_PERSON], pa.large_string())
    for values in (chunked, large):
        result = tokenise_column(values, domain="resident_id", keystore=keystore)
        assert result.type == pa.string()
        assert result.to_pylist() == expected
    assert _tokens([], keystore) == []
    assert tokenise_column(pa.nulls(2), domain="phone", keystore=keystore).to_pylist() == [
        None,
        None,
    ]


def test_tokens_differ_under_a_different_token_key(tmp_path: Path) -> None:
    first = _store(tmp_path / "one")
    second = _store(tmp_path / "two")
    assert _tokens([SAME_PERSON, OTHER_PERSON], first) != _tokens(
        [SAME_PERSON, OTHER_PERSON], second
    )
    assert tokenise_value(SAME_PERSON, domain="resident_id", keystore=first) != tokenise_value(
        SAME_PERSON, domain="resident_id", keystore=second
    )


def test_tokens_are_stable_across_reopening(tmp_path: Path) -> None:
    store = _store(tmp_path)
    before = _tokens([SAME_PERSON], store)
    reopened = KeyStore(tmp_path / KEYSTORE_FILE, FileMasterKey(tmp_path / "master.key"))
    assert _tokens([SAME_PERSON], reopened) == before


def test_domains_have_separate_keys(keystore: KeyStore) -> None:
    value = "13800138000"
    assert tokenise_value(value, domain="phone", keystore=keystore) != tokenise_value(
        value, domain="name", keystore=keystore
    )


def test_phone_and_credit_code_spellings(keystore: KeyStore) -> None:
    phones = _tokens(
        ["13800138000", "+86 138-0013-8000", "１３８００１３８０００"], keystore, "phone"
    )
    assert len(set(phones)) == 1
    codes = _tokens(["91440300MA5FXXXX1X", "91440300ma5fxxxx1x"], keystore, "credit_code")
    assert len(set(codes)) == 1
    names = _tokens(["张三", " 张三\u3000", "李四"], keystore, "name")
    assert names[0] == names[1] != names[2]


def test_unknown_domain_is_a_value_error(keystore: KeyStore) -> None:
    with pytest.raises(ValueError, match="unknown identifier domain"):
        _tokens([], keystore, "passport")
    with pytest.raises(ValueError, match="unknown identifier domain"):
        tokenise_value("E12345678", domain="passport", keystore=keystore)


def test_excel_damaged_id_names_the_row_not_the_value(keystore: KeyStore) -> None:
    with pytest.raises(NormalisationError, match="row 2") as caught:
        _tokens([SAME_PERSON, None, "1.10105E+17", "1.10105E+17"], keystore)
    assert "1.10105E+17" not in str(caught.value)
    assert "Excel" in str(caught.value)


def test_invalid_values_can_become_null(keystore: KeyStore) -> None:
    values = pa.array([SAME_PERSON, "1.10105E+17", None, "12345"])
    tokens = tokenise_column(values, domain="resident_id", keystore=keystore, on_invalid="null")
    assert tokens.to_pylist()[1:] == [None, None, None]
    assert tokens[0].as_py() == tokenise_value(SAME_PERSON, domain="resident_id", keystore=keystore)


def test_token_version_rejects_non_tokens() -> None:
    with pytest.raises(ValueError, match="not a token"):
        token_version(SAME_PERSON)


def test_wrong_column_type_is_refused(keystore: KeyStore) -> None:
    with pytest.raises(TypeError, match="string column"):
        tokenise_column(pa.array([1, 2]), domain="phone", keystore=keystore)
