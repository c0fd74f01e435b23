from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest
from demo_generated import SMALL, GeneratedDemo
from demo_readers import ledger

from catalog.district import District
from demo.generate import API_TOKEN_FILE, generate_district
from demo.manifest import DemoManifest
from demo.sizes import DistrictSize
from demo.wechat_api import KEY_FILE
from home.layout import Home

TINY = DistrictSize(residents=300, enterprises=60, cases=200, assistance=60)


def _hashes(departments: Path) -> dict[str, str]:
    """Every file the demo wrote, by content hash (the random API credentials excepted)."""
    return {
        path.relative_to(departments).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(departments.rglob("*"))
        if path.is_file()
        and path.relative_to(departments).as_posix() not in (API_TOKEN_FILE, KEY_FILE)
    }


def test_same_seed_gives_identical_bytes(
    small_demo: GeneratedDemo, tmp_path: Path, district: District
) -> None:
    again = Home(tmp_path / "again")
    manifest = generate_district(again, seed=7, size=SMALL, district=district)
    assert manifest == small_demo.manifest
    expected = _hashes(small_demo.departments)
    # 5 departments' 14 files (5 case channels, the dispatch log, three street workbooks
    # of home visits among them), the ledger, the manifest and the merge truth
    assert len(expected) == 17
    assert _hashes(again.departments) == expected


def test_another_seed_gives_other_data(
    small_demo: GeneratedDemo, tmp_path: Path, district: District
) -> None:
    other = Home(tmp_path / "other")
    generate_district(other, seed=8, size=SMALL, district=district)
    mine, theirs = _hashes(small_demo.departments), _hashes(other.departments)
    assert mine.keys() == theirs.keys()
    data_files = [name for name in mine if name != "manifest.json"]
    assert all(mine[name] != theirs[name] for name in data_files)


def test_rows_written_match_the_size(small_demo: GeneratedDemo) -> None:
    sources = small_demo.manifest.sources
    assert sources["population"].rows_written == SMALL.residents
    assert sources["enterprises"].rows_written == SMALL.enterprises
    cases = [m for m in sources.values() if m.dataset == "cases"]
    assert {m.source for m in cases} == {"hl_cases", "mb_cases", "wx_cases", "gd_cases", "wb_cases"}
    assert sum(m.rows_written for m in cases) == SMALL.cases
    assert sources["case_transfers"].rows_written > 0
    assert sources["assistance"].rows_written == SMALL.assistance
    assert sources["visits"].rows_written == SMALL.visits
    assert sources["social_organisations"].rows_written == SMALL.social_organisations
    for source in sources.values():
        assert sum(source.rows_per_file.values()) == source.rows_written
        assert all((small_demo.departments / file).is_file() for file in source.files)


def test_manifest_agrees_with_the_ledger_and_every_kind_occurs(small_demo: GeneratedDemo) -> None:
    entries = ledger(small_demo.departments / small_demo.manifest.ledger)
    assert DemoManifest.load(small_demo.departments) == small_demo.manifest
    for name, source in small_demo.manifest.sources.items():
        counted = Counter(entry["kind"] for entry in entries if entry["source"] == name)
        declared = {kind.name for kind in source.dirt_kinds}
        assert set(counted) == declared  # at least one row of every kind
        assert source.fixable == {k: counted[k] for k in source.fixable}
        assert source.unfixable == {k: counted[k] for k in source.unfixable}
        classes = Counter(entry["class"] for entry in entries if entry["source"] == name)
        assert source.duplicates == counted["duplicate"] == classes["duplicate"]
        assert source.conflicts == classes["conflict"]
        rows = Counter(
            (entry["file"], entry["row"]) for entry in entries if entry["source"] == name
        )
        assert max(rows.values()) == 1  # one kind of dirt per row at most
        quarantined = source.expected_quarantined
        assert source.expected_loaded == source.rows_written - quarantined
        assert 0 < quarantined < 0.15 * source.rows_written


def test_regeneration_clears_earlier_data_but_keeps_the_token(
    tmp_path: Path, district: District
) -> None:
    home = Home(tmp_path / "home")
    generate_district(home, seed=1, size=TINY, district=district)
    token = (home.departments / API_TOKEN_FILE).read_text()
    key = (home.departments / KEY_FILE).read_text()
    stray = home.departments / "hotline_12345" / "drop" / "cases_2026-08.csv"
    stray.write_text("left over", encoding="utf-8")
    generate_district(home, seed=1, size=TINY, district=district)
    assert not stray.exists()
    assert (home.departments / API_TOKEN_FILE).read_text() == token
    assert (home.departments / KEY_FILE).read_text() == key


@pytest.mark.slow
def test_a_million_residents_are_generated_whole(tmp_path: Path, district: District) -> None:
    # Benchmark size; how long it takes is the benchmark's business, not a test's.
    home = Home(tmp_path / "bench")
    size = DistrictSize(residents=1_000_000, enterprises=50, cases=50, assistance=50)
    manifest = generate_district(home, seed=7, size=size, district=district)
    assert manifest.sources["population"].rows_written == 1_000_000


def test_dropped_exports_are_complete_for_the_file_drop_connector(
    small_demo: GeneratedDemo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sync started right after generation must not mistake exports for half-written files."""
    from catalog.registry import load_catalog
    from connectors.files import FileDropConnector
    from home.layout import config_dir

    monkeypatch.setenv("SHUZHI_HOME", str(small_demo.home.root))
    catalog = load_catalog(config_dir())
    for name in ("hl_cases", "mb_cases", "wb_cases", "ca_assistance"):
        source = catalog.sources[name]
        states = FileDropConnector(source, settle_seconds=3600).survey()  # type: ignore[arg-type]
        [planted] = [m for m in small_demo.manifest.sources.values() if m.source == name]
        written = set(planted.files)
        assert {f.path.name for f in states["ready"]} == {Path(f).name for f in written}
        assert not states["arriving"]
