import datetime as dt

import pytest

from audit.free_text import clean_details, clean_free_text
from audit.plaintext_guard import assert_no_plaintext_identifiers
from identifiers import resident_id

VALID_ID = resident_id.make("110105", dt.date(1990, 3, 7), 123)
LEGACY_ID = VALID_ID[:6] + VALID_ID[8:17]


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        (f"核实张伟的身份证{VALID_ID}", "核实[PERSON]的身份证[CN_RESIDENT_ID]"),
        ("联系人：李娜 138-0013-8000", "联系人：[PERSON] [CN_MOBILE]"),
        ("回访 +86 138 0013 8000", "回访 [CN_MOBILE]"),
        (
            f"证号 {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]} 已核",
            "证号 [CN_RESIDENT_ID] 已核",
        ),
        # the recognizers leave these to context; the guard's patterns do not
        (f"老证号{LEGACY_ID}", "老证号[CN_RESIDENT_ID]"),
        (f"{VALID_ID[:6]}.{VALID_ID[6:14]}.{VALID_ID[14:]}", "[CN_RESIDENT_ID]"),
        (
            "SELECT name FROM p WHERE name = '欧阳娜娜'",
            "SELECT name FROM p WHERE name = '[PERSON]'",
        ),
        ("复核低保对象王秀英家庭情况", "复核低保对象[PERSON]家庭情况"),
    ],
)
def test_personal_data_becomes_its_tag(typed: str, cleaned: str) -> None:
    assert clean_free_text(typed) == cleaned
    assert_no_plaintext_identifiers(cleaned)


@pytest.mark.parametrize(
    "text",
    [
        "入户走访核实联系方式",
        "救助对象核查",
        "valid until 2027-03-01",
        "access request req-0001 approved by steward_district",
        "SELECT count(*) FROM people WHERE resident_id = ?",
        "hl_cases-20261202T003047-0f0322",
        "",
    ],
)
def test_text_without_personal_data_is_unchanged(text: str) -> None:
    assert clean_free_text(text) == text


def test_overlapping_findings_merge_and_leave_no_piece_in_clear() -> None:
    from audit.free_text import _replace

    text = "电话+86 138 0013 8000 完"
    # e.g. a recognizer's span without the prefix, and a shorter one reaching past it
    spans = [(2, 19, "CN_MOBILE"), (0, 6, "CN_LANDLINE")]
    assert _replace(text, spans) == "[CN_MOBILE] 完"


def test_full_width_mobile_with_country_code() -> None:
    assert clean_free_text("电话＋８６ １３８ ００１３ ８０００") == "电话[CN_MOBILE]"


def test_details_are_cleaned_recursively_keys_and_numbers_too() -> None:
    details = {
        "purpose": "核实张伟住址",
        "rows": 3,
        "allowed": True,
        "nested": {"reasons": ["反映人李娜", f"证件{VALID_ID}"], "phone": 13800138000},
        "13800138000": "a key typed as a phone",
    }
    cleaned = clean_details(details)
    assert cleaned == {
        "purpose": "核实[PERSON]住址",
        "rows": 3,
        "allowed": True,
        "nested": {"reasons": ["反映人[PERSON]", "证件[CN_RESIDENT_ID]"], "phone": "[CN_MOBILE]"},
        "[CN_MOBILE]": "a key typed as a phone",
    }
    assert_no_plaintext_identifiers(cleaned)
    assert details["purpose"] == "核实张伟住址"  # a copy: the caller's dict is untouched


def test_text_that_cannot_hold_personal_data_skips_presidio(monkeypatch) -> None:
    import audit.free_text as free_text

    def no_presidio(text: str) -> list:
        raise AssertionError("Presidio was asked")

    monkeypatch.setattr(free_text, "_recognizer_spans", no_presidio)
    text = "SELECT count(*) FROM people -- approved after review"
    assert clean_free_text(text) == text
    with pytest.raises(AssertionError, match="Presidio was asked"):
        clean_free_text("核实张伟")
