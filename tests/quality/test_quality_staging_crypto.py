"""raw → staged seals and tokenises each identifier once: a value standardisation left
as it was read keeps its raw ciphertext; only changed values are sealed again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from staging_fixtures import StagingHub, case, staging_hub

import protection.fields
import quality.chunk_prepare
from encryption.field_cipher import key_versions, open_column
from encryption.tokens import tokenise_value

PROTECTED = ("location", "reporter_name", "reporter_phone", "description")


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StagingHub]:
    with staging_hub(tmp_path / "home", monkeypatch) as opened:
        yield opened


def count_crypto(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, str]]:
    """Values sealed, opened and tokenised from now on, by (operation, column or domain)."""
    counts: Counter[tuple[str, str]] = Counter()

    def counting(module: Any, name: str, label: str) -> None:
        real: Callable[..., pa.Array] = getattr(module, name)

        def wrapper(values: pa.Array, **kwargs: Any) -> pa.Array:
            where = kwargs.get("column") or kwargs.get("domain")
            counts[(label, str(where))] += len(values) - values.null_count
            return real(values, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    counting(protection.fields, "seal_column", "seal")
    counting(protection.fields, "open_column", "open")
    counting(protection.fields, "tokenise_column", "token")
    counting(quality.chunk_prepare, "tokenise_column", "token")
    return counts


def staged(hub: StagingHub, column: str) -> list[str]:
    sealed = hub.con.execute(
        f"SELECT {column}_sealed FROM lake.staged.cases ORDER BY case_no"
    ).fetch_arrow_table()
    opened = open_column(sealed.column(0), dataset="cases", column=column, keystore=hub.keystore)
    return opened.to_pylist()


def test_each_identifier_is_opened_tokenised_and_sealed_at_most_once(
    hub: StagingHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.drop_file(
        "a.csv",
        [
            case(1),  # every value as it is kept
            case(2, 联系电话="139-1234-5678", 事发地址=" 东湖路2号 "),  # two spelled otherwise
        ],
    )
    batch = hub.land()
    counts = count_crypto(monkeypatch)
    result = hub.stage(batch)
    assert (result.rows_loaded, result.rows_quarantined) == (2, 0)
    for column in PROTECTED:
        assert counts[("open", column)] == 2, column
    assert counts[("token", "phone")] == 2
    assert counts[("token", "address")] == 2
    # Only the two values standardisation changed are sealed again.
    assert counts[("seal", "reporter_phone")] == 1
    assert counts[("seal", "location")] == 1
    assert counts[("seal", "reporter_name")] == counts[("seal", "description")] == 0
    assert sum(n for (op, _), n in counts.items() if op == "seal") == 2


def test_kept_and_resealed_values_open_to_the_canonical_value(hub: StagingHub) -> None:
    hub.drop_file("a.csv", [case(1), case(2, 联系电话="139-1234-5678", 事发地址=" 东湖路2号 ")])
    hub.stage(hub.land())
    assert staged(hub, "reporter_phone") == ["13912345678", "13912345678"]
    assert staged(hub, "location") == ["东湖路1号", "东湖路2号"]
    tokens = [r[0] for r in hub.rows("SELECT reporter_phone_token FROM lake.staged.cases")]
    assert tokens == [tokenise_value("13912345678", domain="phone", keystore=hub.keystore)] * 2


def test_a_raw_value_under_a_rotated_key_is_sealed_again_under_the_current_one(
    hub: StagingHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub.drop_file("a.csv", [case(1)])
    batch = hub.land()
    current = hub.keystore.begin_rotation("cases", "reporter_name")
    counts = count_crypto(monkeypatch)
    hub.stage(batch)
    assert counts[("seal", "reporter_name")] == 1
    sealed = hub.con.execute(
        "SELECT reporter_name_sealed FROM lake.staged.cases"
    ).fetch_arrow_table()
    assert key_versions(sealed.column(0)).to_pylist() == [current]
