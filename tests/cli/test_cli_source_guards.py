"""A department's worst day at the command line: a shrunk register, a second sync at once.

Each refusal is one line naming the source and what to do; a steward's acceptance is
decided by the policy engine (allowed for the dataset's steward, refused for others).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_home import Shuzhi, demo_config, shuzhi_in

from demo.enterprise_api import EnterpriseApiServer
from demo.generate import api_token_path, generate_district
from demo.sizes import DistrictSize
from encryption.master_key import create_key_file
from home.layout import Home
from pipelines.hub import Hub


class District:
    def __init__(self, home: Home, config: Path) -> None:
        self.home = home
        self.config = config
        self.enterprises = home.departments / "market_regulation" / "enterprises.jsonl"
        self.token = api_token_path(home).read_text(encoding="utf-8").strip()

    def shuzhi(self, api: EnterpriseApiServer | None = None) -> Shuzhi:
        """``shuzhi`` for this district, pointed at the market-regulation API if it runs."""
        env = {}
        if api is not None:
            env = {"SHUZHI_MARKET_API_URL": api.url, "SHUZHI_MARKET_API_TOKEN": self.token}
        return shuzhi_in(self.home.root, self.config, timeout=300, extra_env=env)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Iterator[District]:
    root = tmp_path_factory.mktemp("guards")
    home = Home(root / "home").ensure()
    create_key_file(home.keys / "master.key")
    config = demo_config(root / "config")
    generate_district(
        home, seed=5, size=DistrictSize.demo(0.02), district=Hub(home, config).catalog.district
    )
    yield District(home, config)


def _error_lines(stderr: str) -> int:
    """The refusal is one line; the progress bar above it is the only other output."""
    lines = stderr.splitlines()
    assert all(line.startswith(("error:", "sync ")) for line in lines), stderr
    return sum(line.startswith("error:") for line in lines)


def _enterprise_count(district: District) -> int:
    with district.enterprises.open(encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip())


def test_a_full_sync_that_shrinks_is_refused_until_the_steward_accepts_it(
    district: District,
) -> None:
    with EnterpriseApiServer(district.enterprises, district.token) as api:
        first = district.shuzhi(api)("sources", "sync", "mr_enterprises")
    assert first.returncode == 0, first.stderr
    whole = _enterprise_count(district)

    lines = district.enterprises.read_text(encoding="utf-8").splitlines()
    district.enterprises.write_text("\n".join(lines[: whole // 4]) + "\n", encoding="utf-8")
    with EnterpriseApiServer(district.enterprises, district.token) as api:
        shrunk = district.shuzhi(api)("sources", "sync", "mr_enterprises")
        assert shrunk.returncode == 1
        assert _error_lines(shrunk.stderr) == 1 and "unexpected" not in shrunk.stderr
        assert "where the last full batch" in shrunk.stderr and f"read {whole:,}" in shrunk.stderr
        assert "shuzhi sources accept mr_enterprises --change shrink" in shrunk.stderr

        run = district.shuzhi()
        refused = run(
            "sources", "accept", "mr_enterprises", "--change", "shrink",
            "--as", "street_donghu", "--reason", "企业注销",
        )  # fmt: skip
        assert refused.returncode == 2 and "only a data steward" in refused.stderr
        accepted = run(
            "sources", "accept", "mr_enterprises", "--change", "shrink",
            "--as", "steward_district", "--reason", "批量注销吊销企业，经办人张建国核实",
        )  # fmt: skip
        assert accepted.returncode == 0, accepted.stderr
        assert "批量注销吊销企业，经办人[PERSON]核实" in accepted.stdout  # as recorded

        synced = district.shuzhi(api)("sources", "sync", "mr_enterprises")
        assert synced.returncode == 0, synced.stderr
        assert "note: shrink accepted by steward_district" in synced.stdout
        again = district.shuzhi(api)("sources", "sync", "mr_enterprises")
        assert again.returncode == 0, again.stderr  # the smaller register is now the baseline

    history = json.loads(run("sources", "batches", "mr_enterprises", "--json").stdout)
    assert [b["rows_read"] for b in history] == [whole // 4, whole // 4, whole]
    assert history[1]["declared_rows"] == whole // 4
    events = [
        json.loads(line)
        for line in (district.home.audit / "audit.log").read_text(encoding="utf-8").splitlines()
    ]
    actions = [e for e in events if e["kind"] == "steward_action"]
    assert [(e["actor"], e["details"]["outcome"]) for e in actions] == [
        ("street_donghu", "refused"),
        ("steward_district", "allowed"),
    ]
    assert actions[1]["details"]["reason"] == "批量注销吊销企业，经办人[PERSON]核实"
    assert "张建国" not in (district.home.audit / "audit.log").read_text(encoding="utf-8")


HOLDER = """
import sys
from pathlib import Path
from lakehouse.sync_lock import sync_lock
with sync_lock(Path(sys.argv[1]), "ps_population"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_a_second_sync_of_a_running_source_is_one_line_and_changes_nothing(
    district: District,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(district.home.state)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        done = district.shuzhi()("sources", "sync", "ps_population")
    finally:
        holder.communicate("\n", timeout=10)
    assert done.returncode == 1
    assert _error_lines(done.stderr) == 1 and "Traceback" not in done.stderr
    assert "another sync of it is running" in done.stderr and "rollback" not in done.stderr
    after = district.shuzhi()("sources", "sync", "ps_population")
    assert after.returncode == 0, after.stderr


def test_lake_vacuum_lists_then_deletes_orphaned_files_and_is_audited(district: District) -> None:
    orphan = district.home.lakehouse / "data" / "raw" / "ducklake-orphan-left-by-a-kill.parquet"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"PAR1")
    run = district.shuzhi()
    listed = run("lake", "vacuum", "--dry-run", "--older-than-minutes", "0")
    assert listed.returncode == 0, listed.stderr
    assert "would delete" in listed.stdout and orphan.name in listed.stdout and orphan.exists()
    done = run("lake", "vacuum", "--older-than-minutes", "0")
    assert done.returncode == 0, done.stderr
    assert not orphan.exists()
    log = (district.home.audit / "audit.log").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["kind"] for line in log].count("lake_vacuum") == 2
