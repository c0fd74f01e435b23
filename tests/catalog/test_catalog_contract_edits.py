"""Contract edits touch only the lines they change; comments and the rest stay."""

from __future__ import annotations

import pytest
import yaml

from catalog.contract_edits import ContractEditError, edit_column, set_block, set_top_level

TEXT = """name: demo
title: 演示
# who answers for it
steward: steward_district
sharing: conditional
columns:
  - {name: a, title: 甲, type: text, level: L2}
  # the next one is sensitive
  - {name: b, title: 乙, type: text, level: L3, protection: seal}
  - name: c
    title: 丙
downgrade:
  to: L1
  by: steward_district
  reason: old
# the chart
chart: {kind: bars, by: a}
"""


def test_edit_column_changes_one_line() -> None:
    def change(spec: dict[str, object]) -> None:
        spec["level"] = "L4"

    after = edit_column(TEXT, "b", change)
    changed = [(x, y) for x, y in zip(TEXT.splitlines(), after.splitlines(), strict=True) if x != y]
    assert changed == [
        (
            "  - {name: b, title: 乙, type: text, level: L3, protection: seal}",
            "  - {name: b, title: 乙, type: text, level: L4, protection: seal}",
        )
    ]


def test_edit_column_refuses_a_block_entry_and_unknown_columns() -> None:
    with pytest.raises(ContractEditError, match="column c"):
        edit_column(TEXT, "c", lambda spec: None)
    with pytest.raises(ContractEditError, match="column z"):
        edit_column(TEXT, "z", lambda spec: None)


def test_top_level_replace_insert_remove() -> None:
    after = set_top_level(TEXT, "sharing", "none")
    after = set_top_level(after, "refusal_reason", "涉及隐私: 暂不共享", after="sharing")
    data = yaml.safe_load(after)
    assert data["sharing"] == "none" and data["refusal_reason"] == "涉及隐私: 暂不共享"
    assert after.index("refusal_reason") == after.index("sharing: none") + len("sharing: none\n")
    removed = set_top_level(set_top_level(after, "refusal_reason", None), "sharing", "conditional")
    assert removed == TEXT
    with pytest.raises(ContractEditError, match="downgrade"):
        set_top_level(TEXT, "downgrade", "x")


def test_block_replaced_keeping_the_comment_after_it() -> None:
    after = set_block(TEXT, "downgrade", {"to": "L2", "by": "steward_district", "reason": "新"})
    data = yaml.safe_load(after)
    assert data["downgrade"] == {"to": "L2", "by": "steward_district", "reason": "新"}
    assert "# the chart\nchart:" in after and "reason: old" not in after
    added = set_block(TEXT.replace("downgrade:\n  to: L1\n  by: steward_district\n  reason: old\n", ""),
                      "downgrade", {"to": "L1", "by": "s", "reason": "r"})  # fmt: skip
    assert yaml.safe_load(added)["downgrade"]["to"] == "L1"
