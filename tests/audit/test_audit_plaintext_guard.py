import datetime as dt
from pathlib import Path

import pytest

from audit.log import AuditLog
from audit.plaintext_guard import assert_no_plaintext_identifiers
from identifiers import resident_id


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "audit.jsonl"


VALID_ID = resident_id.make("110101", dt.date(1990, 3, 7), 123)
VALID_ID_X = next(
    rid
    for seq in range(1, 999)
    if (rid := resident_id.make("440305", dt.date(1985, 12, 1), seq)).endswith("X")
)
WRONG_CHECK_ID = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
MOBILE = "13912345678"


@pytest.mark.parametrize(
    "details",
    [
        {"note": VALID_ID},
        {"note": VALID_ID_X.lower()},
        {"statement": f"SELECT * FROM people WHERE resident_id = '{VALID_ID}'"},
        {"nested": {"rows": [{"id": VALID_ID}]}},
        {"note": VALID_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))},
        {"note": f"电话{MOBILE}"},
        {"statement": f"SELECT * FROM people WHERE phone='{MOBILE}'"},
        {"phone": "+86 " + MOBILE},
        {"phone": "+86" + MOBILE},
        {"phone": int(MOBILE)},
        {MOBILE: "key holds it"},
    ],
)
def test_plaintext_identifiers_are_refused(details: dict) -> None:
    with pytest.raises(ValueError, match="plaintext"):
        assert_no_plaintext_identifiers(details)


@pytest.mark.parametrize(
    "details",
    [
        {"field": "resident_id", "kind": "phone", "note": "身份证号已脱敏"},
        {"token": "tok_" + "a1" * 16, "hash": "0" * 64},
        {"note": WRONG_CHECK_ID},  # 18 digits but not a valid ID
        {"note": "1" + VALID_ID},  # embedded in a longer digit run
        {"note": MOBILE + "9"},  # 12 digits: not a mobile
        {"note": "9" + MOBILE},
        {"note": "12345678901"},  # 11 digits but not 1[3-9]
        {"rows": 13912345, "ok": True, "ratio": 0.5, "missing": None},
        {"statement": "SELECT count(*) FROM people WHERE resident_id = ?"},
    ],
)
def test_safe_details_pass(details: dict) -> None:
    assert_no_plaintext_identifiers(details)


def test_error_names_the_field_not_the_value() -> None:
    with pytest.raises(ValueError) as caught:
        assert_no_plaintext_identifiers({"statement": f"... '{VALID_ID}' ..."})
    message = str(caught.value)
    assert "statement" in message
    assert VALID_ID not in message and VALID_ID[:6] not in message


def test_append_refuses_and_writes_nothing(log_path: Path) -> None:
    log = AuditLog(log_path)
    log.append("query", "street:a", {"statement": "SELECT 1"})
    before = log_path.read_bytes()
    with pytest.raises(ValueError, match="resident ID"):
        log.append("query", "street:a", {"statement": f"SELECT * FROM p WHERE id='{VALID_ID}'"})
    assert log_path.read_bytes() == before
