"""Pages' answers from the lakehouse are kept until the lake or the contracts change."""

from __future__ import annotations

import shutil
from pathlib import Path

from encryption.master_key import create_key_file
from home.layout import DEFAULT_CONFIG_DIR, Home
from lakehouse.read_cache import read_cached
from pipelines.hub import Hub


def hub_with_a_lake(root: Path) -> Hub:
    home = Home(root / "home").ensure()
    create_key_file(home.keys / "master.key")
    config = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    hub = Hub(home, config)
    with hub.lake() as con:
        con.execute("CREATE TABLE lake.main.counted AS SELECT 1 AS n")
    return hub


def test_an_answer_is_read_once_while_nothing_changes_then_again_after_a_commit(
    tmp_path: Path,
) -> None:
    hub = hub_with_a_lake(tmp_path)
    reads: list[int] = []

    def count_rows() -> int:
        with hub.lake() as con:
            found = con.execute("SELECT count(*) FROM lake.main.counted").fetchone()
        reads.append(1)
        return int(found[0]) if found else 0

    assert read_cached(hub, ("rows",), count_rows) == 1
    assert read_cached(hub, ("rows",), count_rows) == 1
    assert len(reads) == 1  # kept
    with hub.lake() as con:
        con.execute("INSERT INTO lake.main.counted VALUES (2)")
    assert read_cached(hub, ("rows",), count_rows) == 2  # the commit is seen
    assert len(reads) == 2


def test_a_changed_contract_or_another_key_reads_again(tmp_path: Path) -> None:
    hub = hub_with_a_lake(tmp_path)
    reads: list[str] = []

    def read(label: str) -> str:
        reads.append(label)
        return label

    read_cached(hub, ("a",), lambda: read("a"))
    read_cached(hub, ("b",), lambda: read("b"))
    contract = next((hub.config / "datasets").glob("*.yaml"))
    contract.write_text(contract.read_text("utf-8") + "\n# edited\n", encoding="utf-8")
    read_cached(hub, ("a",), lambda: read("a"))
    assert reads == ["a", "b", "a"]
