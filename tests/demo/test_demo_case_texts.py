from __future__ import annotations

import random
import re
import string

from catalog.district import District
from demo.addresses import AddressBook, lay_out
from demo.case_texts import (
    CATEGORIES,
    TEMPLATES,
    CaseWriter,
    bank_card,
    licence_plate,
    luhn_complete,
)
from demo.people import HOUSEHOLD_BIRTHS, IdNumberAllocator, PersonMaker
from identifiers import resident_id
from identifiers.bank_card import is_luhn_valid


def test_enough_templates_and_every_category_has_some() -> None:
    assert sum(len(texts) for texts in TEMPLATES.values()) >= 15
    assert set(TEMPLATES) == set(CATEGORIES)
    assert all(len(texts) >= 2 for texts in TEMPLATES.values())


def test_templates_only_use_known_placeholders() -> None:
    known = {
        "name", "phone", "id_number", "neighbour", "neighbour_surname", "community", "road",
        "road2", "no", "building", "unit", "compound", "shop", "company", "amount", "card", "plate",
    }  # fmt: skip
    for texts in TEMPLATES.values():
        for text in texts:
            fields = {field for _, field, _, _ in string.Formatter().parse(text) if field}
            assert fields <= known, text


def test_bank_cards_pass_luhn_and_plates_look_guangdong() -> None:
    assert luhn_complete("7992739871") == "79927398713"
    rng = random.Random(4)
    for _ in range(100):
        assert is_luhn_valid(bank_card(rng))
        assert re.fullmatch(r"粤B([0-9A-HJ-NP-Z]{5}|[DF]\d{5})", licence_plate(rng))


def test_stories_carry_personal_data_and_encode_as_gbk(district: District) -> None:
    rng = random.Random(9)
    maker = PersonMaker(rng, IdNumberAllocator(rng))
    writer = CaseWriter(rng, maker.names)
    places = AddressBook(district, lay_out(district, rng), rng).places
    texts = []
    for _ in range(2_000):
        person = maker.make(("440305",), HOUSEHOLD_BIRTHS)
        story = writer.story(person, rng.choice(places))
        assert story.department in CATEGORIES[story.category][1]
        story.text.encode("gbk")
        texts.append((person, story.text))
    assert len({text for _, text in texts}) > 0.9 * len(texts)
    assert sum(person.name in text for person, text in texts) > 0.7 * len(texts)
    # The reporter's own ID, whole (sometimes with a lower-case x), never a broken one.
    with_id = [(person, text) for person, text in texts if person.id_number[:17] in text]
    assert with_id
    for person, text in with_id:
        assert person.id_number in text or person.id_number[:17] + "x" in text
        assert resident_id.is_valid(person.id_number)
    assert any(re.search(r"\d{17}x", text) for _, text in texts)
    assert any("１" in text or "３" in text for _, text in texts)  # full-width digits
    assert any(re.search(r"1\d{2}-\d{4}-\d{4}", text) for _, text in texts)
