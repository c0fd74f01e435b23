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
LEGACY_ID = VALID_ID[:6] + VALID_ID[8:17]  # 15 digits: region, YYMMDD, sequence
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


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
        {"note": f"身份证{LEGACY_ID}"},
        {"note": f"{VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]}"},
        {"note": f"{VALID_ID[:6]}-{VALID_ID[6:10]}-{VALID_ID[10:14]}-{VALID_ID[14:]}"},
        {"note": f"{VALID_ID[:6]}.{VALID_ID[6:14]}.{VALID_ID[14:]}"},
        {"note": f"{VALID_ID[:6]}\u3000{VALID_ID[6:]}".translate(FULLWIDTH)},
        {"note": f"ID{VALID_ID}"},  # letters glued to it do not hide it
        {"note": f"{VALID_ID} {MOBILE}"},
        {"phone": "139-1234-5678"},
        {"phone": "139 1234 5678"},
        {"phone": "+86 139 1234 5678"},
        {"phone": "0086-13912345678"},
        {"phone": "86" + MOBILE},
        {"phone": "１３９－１２３４－５６７８"},
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
        {"hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
        {"hash": "a" + MOBILE + "b" * 52, "prev_hash": "0" * 64},
        {"run": "5c2f1e0a-1391-2345-6781-13912345678a"},  # a UUID
        {"batch_id": "hl_cases-20261202T003047-0f0322", "at": "2026-12-02T00:30:47.836Z"},
        {"token": "t1_smxtvlblycasstnefwvc4rl26q"},
        {"grid": "440399001002003"},  # a grid code: reads as a birth in 1900
        {"note": LEGACY_ID[:8] + "13" + LEGACY_ID[10:]},  # 15 digits, month 13
        {"ratio": "13.912345678", "dotted": "139.1234.5678"},  # nobody dots a mobile
        {"rows": [13, 912, 345, 678], "positions": "1, 2, 3, 13912345, 678"},
        {"note": f"{VALID_ID[:6]} {VALID_ID[6:14]} {WRONG_CHECK_ID[14:]}"},
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
    log.append(
        "query",
        "street:a",
        {"principal": "street:a", "purpose": "", "outcome": "answered", "statement": "SELECT 1"},
    )
    before = log_path.read_bytes()
    with pytest.raises(ValueError, match="resident ID"):
        log.append(
            "query",
            "street:a",
            {
                "principal": "street:a",
                "purpose": "",
                "outcome": "answered",
                "statement": f"SELECT * FROM p WHERE id='{VALID_ID}'",
            },
        )
    assert log_path.read_bytes() == before


def test_append_refuses_an_actor_that_is_an_identifier(log_path: Path) -> None:
    with pytest.raises(ValueError, match="actor holds what looks like a mobile number"):
        AuditLog(log_path).append(
            "grant", "138-0013-8000", {"action": "request", "outcome": "refused"}
        )
    assert not log_path.exists()
