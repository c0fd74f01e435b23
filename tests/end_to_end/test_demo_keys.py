"""Issue 6's acceptance over a whole demo district: rotation round trip, a killed rotation
rerun, token rotation, a wrong or missing master key, a tampered value, crypto-shredding.

The tests share one copy of the session's demo home (tests/conftest.py) and run in file
order: each leaves the lake as the next expects (shredding comes last).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from demo_run import DemoRun

from encryption.field_cipher import ShreddedValueError, open_column
from home.layout import Home
from pipelines.hub import Hub
from protection.key_rotation import version_counts
from protection.sealed_columns import sealed_columns, unlisted_binary_columns

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def demo(demo: DemoRun, tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """A copy of the session's demo home, standing in for it in this file: these tests
    rotate its keys and shred it, which no other test may see."""
    return demo.copy(tmp_path_factory.mktemp("keys_home") / "home")


@pytest.fixture(scope="module")
def clear_before(demo: DemoRun) -> dict[str, Counter[str | None]]:
    """Every sealed value of the lake, opened, before any rotation."""
    return _clear_values(Hub(Home(demo.home)))


def _clear_values(hub: Hub) -> dict[str, Counter[str | None]]:
    values: dict[str, Counter[str | None]] = {}
    with hub.lake() as con:
        for column in sealed_columns(con, hub.catalog):
            sealed = con.execute(
                f'SELECT "{column.column}" FROM lake.{column.schema}.{column.table}'
            ).fetch_arrow_table()
            clear = open_column(
                sealed.column(0),
                dataset=column.dataset,
                column=column.key_column,
                keystore=hub.keystore,
            )
            values[column.where] = Counter(clear.to_pylist())
    return values


def _versions(hub: Hub) -> dict[tuple[str, str], set[int | None]]:
    with hub.lake() as con:
        return {slot: set(c) for slot, c in version_counts(con, hub.keystore, hub.catalog).items()}


def _reveal_population(demo: DemoRun, token: str) -> list[dict]:
    """The rows civil affairs re-identifies in the population behind ``token``."""
    done = demo.shuzhi(
        "reveal",
        "--as",
        "dept_civil_affairs",
        "--purpose",
        "救助对象核查",
        "--json",
        "population",
        token,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout)["rows"])


def _lake_fingerprint(home: Path) -> dict[str, str]:
    files = sorted(p for p in (home / "lakehouse").rglob("*") if p.is_file())
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_every_binary_column_in_the_lake_is_known_to_rotation(demo: DemoRun) -> None:
    hub = Hub(Home(demo.home))
    with hub.lake() as con:
        assert unlisted_binary_columns(con, hub.catalog) == []
        assert len(sealed_columns(con, hub.catalog)) >= 40


def test_rotate_then_retire_keeps_every_value_of_the_whole_lake(
    demo: DemoRun, clear_before: dict[str, Counter[str | None]]
) -> None:
    assert sum(sum(c.values()) for c in clear_before.values()) > 10_000
    done = demo.shuzhi("keys", "rotate")
    assert done.returncode == 0, done.stderr
    hub = Hub(Home(demo.home))
    assert all(v == {2} for v in _versions(hub).values()), _versions(hub)
    assert _clear_values(hub) == clear_before

    retired = demo.shuzhi("keys", "retire", "--json")
    assert retired.returncode == 0, retired.stderr
    outcomes = json.loads(retired.stdout)
    assert outcomes and all(o["retired"] and o["version"] == 1 for o in outcomes)
    status = json.loads(demo.shuzhi("keys", "status", "--json").stdout)
    data_keys = [row for row in status if row["kind"] == "data"]
    assert data_keys and all(row["held"] == [2] and row["destroyed"] == [1] for row in data_keys)
    assert _clear_values(Hub(Home(demo.home))) == clear_before


def test_a_rotation_killed_midway_completes_when_run_again(
    demo: DemoRun, clear_before: dict[str, Counter[str | None]]
) -> None:
    env = {**os.environ, "SHUZHI_HOME": str(demo.home)}
    killed = subprocess.run(
        [sys.executable, str(HERE / "killable_rotation.py"), str(demo.home), "9"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    hub = Hub(Home(demo.home))
    versions = _versions(hub)
    assert any(v == {2} for v in versions.values()), "some tables kept the old version"
    assert any(3 in v for v in versions.values()), "some tables committed the new version"
    status = demo.shuzhi("keys", "status").stdout
    assert "unfinished" in status
    assert _clear_values(hub) == clear_before  # mid-rotation, every value still opens

    rerun = demo.shuzhi("keys", "rotate", "--json")
    assert rerun.returncode == 0, rerun.stderr
    rotated = json.loads(rerun.stdout)  # progress went to stderr
    assert rotated["keys"] and all(k["current"] == 3 for k in rotated["keys"])
    hub = Hub(Home(demo.home))
    assert all(v == {3} for v in _versions(hub).values())
    assert "unfinished" not in demo.shuzhi("keys", "status").stdout
    assert _clear_values(hub) == clear_before


def test_token_rotation_moves_every_token_together_and_joins_still_hold(demo: DemoRun) -> None:
    join = (
        "SELECT count(*) FROM lake.protected.assistance a "
        "JOIN lake.protected.population p ON p.id_number_token = a.id_number_token"
    )
    hub = Hub(Home(demo.home))
    with hub.lake() as con:
        before = con.execute(join).fetchone()
        old = con.execute(
            "SELECT id_number_token FROM lake.protected.population LIMIT 1"
        ).fetchone()
    assert before and before[0] > 0 and old

    plan = demo.shuzhi("keys", "rotate-tokens", "--domain", "resident_id")
    assert plan.returncode == 0, plan.stderr
    assert "protected.population.id_number_token" in plan.stdout
    with hub.lake() as con:  # a plan changes nothing
        assert con.execute(join).fetchone() == before

    applied = demo.shuzhi("keys", "rotate-tokens", "--domain", "resident_id", "--apply")
    assert applied.returncode == 0, applied.stderr
    hub = Hub(Home(demo.home))
    with hub.lake() as con:
        assert con.execute(join).fetchone() == before
        prefixes = con.execute(
            "SELECT DISTINCT left(t, 3) FROM ("
            "SELECT id_number_token t FROM lake.staged.population UNION ALL "
            "SELECT id_number_token FROM lake.protected.assistance UNION ALL "
            "SELECT legal_rep_id_token FROM lake.protected.enterprises UNION ALL "
            "SELECT legal_rep_token FROM lake.products.street_enterprise_roster) WHERE t IS NOT NULL"
        ).fetchall()
        mapped = con.execute(
            "SELECT new_token FROM lake.meta.token_maps WHERE old_token = ?", [old[0]]
        ).fetchone()
    assert prefixes == [("t2_",)]
    assert mapped and mapped[0].startswith("t2_")

    # A token kept from before the rotation still re-identifies, through the map, audited.
    assert _reveal_population(demo, old[0])
    events = [json.loads(line) for line in (demo.home / "audit" / "audit.log").open()]
    last = next(e for e in reversed(events) if e["kind"] == "reveal")
    assert last["details"]["token"] == old[0]
    assert last["details"]["translated_to"] == mapped[0]


def test_a_token_rotation_killed_midway_changes_nothing_and_completes_when_run_again(
    demo: DemoRun,
) -> None:
    join = (
        "SELECT count(*) FROM lake.protected.assistance a "
        "JOIN lake.protected.population p ON p.phone_token = a.phone_token"
    )
    prefixes = (
        "SELECT DISTINCT left(t, 3) FROM (SELECT phone_token t FROM lake.staged.population "
        "UNION ALL SELECT reporter_phone_token FROM lake.protected.cases) WHERE t IS NOT NULL"
    )
    with Hub(Home(demo.home)).lake() as con:
        before = con.execute(join).fetchone()
    assert before and before[0] > 0
    planned = demo.shuzhi("keys", "rotate-tokens", "--domain", "phone", "--json")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    assert plan["applied"] is False and (plan["current"], plan["to_version"]) == (1, 2)
    assert "protected.cases.reporter_phone_token" in [c["column"] for c in plan["columns"]]
    killed = subprocess.run(
        [sys.executable, str(HERE / "killable_rotation.py"), str(demo.home), "2", "phone"],
        env={**os.environ, "SHUZHI_HOME": str(demo.home)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    with Hub(Home(demo.home)).lake() as con:
        assert con.execute(prefixes).fetchall() == [("t1_",)]  # nothing moved
        assert con.execute(join).fetchone() == before
    assert "token rotation to v2 planned" in demo.shuzhi("keys", "status").stdout

    rerun = demo.shuzhi("keys", "rotate-tokens", "--domain", "phone", "--apply")
    assert rerun.returncode == 0, rerun.stderr
    with Hub(Home(demo.home)).lake() as con:
        assert con.execute(prefixes).fetchall() == [("t2_",)]
        assert con.execute(join).fetchone() == before


def test_retiring_old_token_keys_keeps_old_tokens_translatable(demo: DemoRun) -> None:
    with Hub(Home(demo.home)).lake() as con:
        old = con.execute(
            "SELECT old_token FROM lake.meta.token_maps WHERE domain = 'resident_id' "
            "AND old_token IN (SELECT old_token FROM lake.meta.token_maps m JOIN "
            "lake.protected.population p ON p.id_number_token = m.new_token) LIMIT 1"
        ).fetchone()
    assert old
    done = demo.shuzhi("keys", "retire")
    assert done.returncode == 0, done.stderr
    status = {
        row["name"]: row for row in json.loads(demo.shuzhi("keys", "status", "--json").stdout)
    }
    assert status["resident_id"]["held"] == [2] and status["resident_id"]["destroyed"] == [1]
    assert status["phone"]["held"] == [2] and status["phone"]["destroyed"] == [1]
    assert _reveal_population(demo, old[0])


def test_a_wrong_or_missing_master_key_stops_before_any_data_is_touched(demo: DemoRun) -> None:
    before = _lake_fingerprint(demo.home)
    wrong = base64.b64encode(os.urandom(32)).decode()
    env = {**os.environ, "SHUZHI_HOME": str(demo.home), "SHUZHI_MASTER_KEY": wrong}
    token = "t1_" + "a" * 26
    for args in (
        ["keys", "rotate"],
        ["keys", "retire"],
        ["run", "--job", "sync_ps_population"],
        ["reveal", "--as", "dept_civil_affairs", "--purpose", "救助对象核查", "assistance", token],
    ):
        done = subprocess.run(
            [str(Path(sys.executable).with_name("shuzhi")), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 1, (args, done.stdout, done.stderr)
        assert "wrong master key" in done.stderr, (args, done.stderr)
        assert _lake_fingerprint(demo.home) == before, args
    # The reveal attempt is in the audit log all the same.
    events = [json.loads(line) for line in (demo.home / "audit" / "audit.log").open()]
    last = next(e for e in reversed(events) if e["kind"] == "reveal")
    assert last["details"]["outcome"] == "failed" and last["details"]["token"] == token
    assert "wrong master key" in last["details"]["reasons"][0]

    key_file = demo.home / "keys" / "master.key"
    hidden = key_file.with_name("master.key.away")
    key_file.rename(hidden)
    try:
        done = demo.shuzhi("keys", "rotate")
        assert done.returncode == 1
        assert "master key file" in done.stderr and "does not exist" in done.stderr
        assert _lake_fingerprint(demo.home) == before
    finally:
        hidden.rename(key_file)


def test_master_key_rotation_rewraps_without_rewriting_data(
    demo: DemoRun, clear_before: dict[str, Counter[str | None]]
) -> None:
    before = _lake_fingerprint(demo.home)
    old_key = (demo.home / "keys" / "master.key").read_text()
    done = demo.shuzhi("keys", "rotate", "--master")
    assert done.returncode == 0, done.stderr
    assert (demo.home / "keys" / "master.key").read_text() != old_key
    assert _lake_fingerprint(demo.home) == before
    assert _clear_values(Hub(Home(demo.home))) == clear_before


def test_a_tampered_value_stops_rotation_and_is_never_returned(demo: DemoRun) -> None:
    hub = Hub(Home(demo.home))
    with hub.lake() as con:
        con.execute(
            "UPDATE lake.staged.cases SET reporter_name_sealed = "
            "reporter_name_sealed[:-2] || '\\x00'::BLOB "
            "WHERE _source_pos = (SELECT min(_source_pos) FROM lake.staged.cases)"
        )
    done = demo.shuzhi("keys", "rotate", "--dataset", "cases")
    assert done.returncode == 1
    assert "cases.reporter_name" in done.stderr and "failed authentication" in done.stderr
    assert "Traceback" not in done.stderr


def test_crypto_shredding_leaves_the_values_unrecoverable(demo: DemoRun) -> None:
    refused = demo.shuzhi("keys", "shred", "--dataset", "assistance", "--reason", "retention")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    hub = Hub(Home(demo.home))
    with hub.lake() as con:
        # A copy of the ciphertext taken before the shred (a backup, an export).
        copied = con.execute(
            "SELECT name_sealed FROM lake.protected.assistance"
        ).fetch_arrow_table()
    done = demo.shuzhi(
        "keys", "shred", "--dataset", "assistance", "--reason", "保存期限届满，申请人李娜", "--yes"
    )
    assert done.returncode == 0, done.stderr
    hub = Hub(Home(demo.home))
    with hub.lake() as con:
        left = con.execute(
            "SELECT count(*), count(name_sealed) FROM lake.protected.assistance"
        ).fetchone()
    assert left is not None and left[0] > 0 and left[1] == 0  # the rows stay, unlinked
    with pytest.raises(ShreddedValueError, match="保存期限届满"):  # ...a copy can never be opened
        open_column(copied.column(0), dataset="assistance", column="name", keystore=hub.keystore)
    store = json.loads((demo.home / "keys" / "keystore.json").read_text())
    assert all(not entry["versions"] for entry in store["data_keys"]["assistance"].values())
    events = [json.loads(line) for line in (demo.home / "audit" / "audit.log").open()]
    [shred] = [e for e in events if e["kind"] == "key_shred"]
    assert shred["details"]["dataset"] == "assistance"
    assert shred["details"]["reason"] == "保存期限届满，申请人[PERSON]"  # a typed name is cleaned
    assert "李娜" not in (demo.home / "keys" / "keystore.json").read_text(encoding="utf-8")
