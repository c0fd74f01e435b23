"""staged → protected: free text redacted, sealed originals kept, every row carried."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "quality"))
from staging_fixtures import StagingHub, case, staging_hub

from identifiers.resident_id import make
from protection.protect_dataset import protect


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingHub]:
    with staging_hub(tmp_path / "home", monkeypatch) as opened:
        yield opened


def test_case_text_is_redacted_and_the_original_stays_sealed(hub: StagingHub) -> None:
    resident = make("110101", dt.date(1990, 3, 7), 451)
    text = f"我叫欧阳测试，电话13912345678，身份证{resident}，楼下夜间施工"
    hub.drop_file("a.csv", [case(1, 诉求内容=text), case(2)])
    hub.stage(hub.land())
    result = protect(hub.con, hub.catalog.datasets["cases"], hub.keystore)
    assert result.rows == 2 and result.rows_redacted == 1
    [(redacted,)] = hub.rows("SELECT description FROM lake.protected.cases WHERE case_no = 'C0001'")
    assert "13912345678" not in redacted and resident not in redacted
    assert "[CN_MOBILE]" in redacted and "[CN_RESIDENT_ID]" in redacted
    columns = {r[0] for r in hub.rows("DESCRIBE lake.protected.cases")}
    assert "description_sealed" in columns and "reporter_phone_token" in columns
    assert "reporter_phone" not in columns


def test_a_table_larger_than_one_read_is_protected_whole(
    hub: StagingHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: writes between reads once closed the staged reader after its first block."""
    import protection.protect_dataset

    monkeypatch.setattr(protection.protect_dataset, "READ_ROWS", 100)
    hub.drop_file("big.csv", [case(n) for n in range(1, 351)])
    hub.stage(hub.land())
    result = protect(hub.con, hub.catalog.datasets["cases"], hub.keystore)
    assert result.rows == 350
    assert hub.rows("SELECT count(*) FROM lake.protected.cases") == [(350,)]
