"""Which columns a shred empties: those that can lead back to a person, in pairs with
those kept for counting."""

from __future__ import annotations

import pytest

from catalog.contracts import DatasetContract
from catalog.registry import load_catalog
from home.layout import DEFAULT_CONFIG_DIR
from protection.unlink import emptied_columns, links_to_a_person


@pytest.fixture(scope="module")
def assistance() -> DatasetContract:
    return load_catalog(DEFAULT_CONFIG_DIR).datasets["assistance"]


@pytest.mark.parametrize(
    ("column", "links"),
    [
        ("id_number", True),  # token+seal: the join token to every other dataset
        ("name", True),  # sealed
        ("phone", True),
        ("birth_date", True),  # L3 quasi-identifier beside a community
        ("disability_grade", True),  # L4 free text
        ("category", False),  # L4 but a category: 最低生活保障 alone names no one
        ("sex", False),
        ("community_code", False),
        ("registered_on", False),  # L2
    ],
)
def test_a_column_links_to_a_person_or_is_kept(
    assistance: DatasetContract, column: str, links: bool
) -> None:
    assert links_to_a_person(assistance.column(column)) is links


def test_each_layer_empties_its_own_forms_of_the_linking_columns(
    assistance: DatasetContract,
) -> None:
    staged = ["name_sealed", "id_number_token", "id_number_sealed", "sex", "birth_date",
              "category", "phone_token", "phone_sealed", "_batch_id"]  # fmt: skip
    assert emptied_columns(assistance, staged) == [
        "name_sealed", "id_number_token", "id_number_sealed", "birth_date", "phone_token",
        "phone_sealed",
    ]  # fmt: skip
    raw = ["name", "id_number", "sex", "birth_date", "category", "_batch_id", "_source_pos"]
    assert emptied_columns(assistance, raw) == ["name", "id_number", "birth_date"]
