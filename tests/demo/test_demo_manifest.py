from __future__ import annotations

from pathlib import Path

from demo.manifest import DemoManifest, DirtKindInfo, MergeTruth, SourceManifest
from demo.sizes import DistrictSize


def _manifest() -> DemoManifest:
    source = SourceManifest(
        department="civil_affairs",
        dataset="assistance",
        source="ca_assistance",
        files=["civil_affairs/assistance_roll.xlsx"],
        rows_written=100,
        rows_per_file={"civil_affairs/assistance_roll.xlsx": 100},
        fixable={"id_lower_x": 3},
        unfixable={"id_excel_float": 2, "community_unknown": 1},
        duplicates=4,
        dirt_kinds=[DirtKindInfo(name="id_lower_x", dirt_class="fixable", column="身份证号",
                                 description="x")],
    )  # fmt: skip
    return DemoManifest(
        seed=3,
        size=DistrictSize.demo(0.05),
        export_day="2026-11-20",
        ledger="dirt_ledger.csv",
        sources={"assistance": source},
        merges=MergeTruth(
            file="case_merge_truth.csv", cases=2, records=5, by_link={"same_place": 3}
        ),
    )


def test_reconciliation_arithmetic() -> None:
    source = _manifest().sources["assistance"]
    assert source.unfixable_total == 3
    assert source.fixable_total == 3
    assert source.expected_quarantined == 7
    assert source.expected_loaded == 93


def test_json_round_trip(tmp_path: Path) -> None:
    manifest = _manifest()
    assert DemoManifest.from_json(manifest.to_json()) == manifest
    path = manifest.save(tmp_path)
    assert path == tmp_path / "manifest.json"
    assert DemoManifest.load(tmp_path) == manifest
    assert '"身份证号"' in path.read_text(encoding="utf-8")  # readable, not escaped
