from __future__ import annotations

import pytest

from policies.masks import apply_mask


@pytest.mark.parametrize(
    ("mask", "value", "shown"),
    [
        ("keep_first3_last4", "13812345678", "138****5678"),
        ("keep_first3_last4", "1234567", "*******"),
        ("surname_only", "张伟", "张*"),
        ("surname_only", "欧阳娜娜", "欧阳**"),
        ("surname_only", "王", "王*"),
        ("year_only", "1985-03-07", "1985"),
        ("keep_first6", "440305199003071236", "440305************"),
        (None, "secret", "******"),
    ],
)
def test_masks(mask: str | None, value: str, shown: str) -> None:
    assert apply_mask(mask, value) == shown


def test_mask_keeps_null() -> None:
    assert apply_mask("surname_only", None) is None
