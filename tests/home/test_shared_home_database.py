"""The home's shared part in PostgreSQL (SHUZHI_HOME_DATABASE): two servers with homes of
their own on different paths, and no folder in common, see the same people, client
systems, keys, access requests and one audit chain; their own folders hold none of it;
the database holds no identifier in clear; a database that does not answer lets nobody in."""

from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from audit.sealed_verify import verify_sealed
from audit.signing_key import trusted_public_keys
from audit.verify import verify
from encryption.master_key import MASTER_KEY_ENV, PROVIDER_ENV
from home import shared_home
from home.layout import DEFAULT_CONFIG_DIR, Home
from home.shared_home import HOME_DATABASE_ENV, HomeDatabaseDown
from identity.authenticate import authenticate_bearer
from identity.clients import approve_client, register_client, revoke_client
from identity.models import AuthenticationFailed, Identity
from identity.people import add_user, disable_user
from identity.sign_in import sign_in
from pipelines.access_steps import request_access
from pipelines.hub import Hub

pytestmark = pytest.mark.postgres
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
PASSWORD = "correct horse battery"
NAME = "欧阳测试"  # the stored-data scan knows it: it must never be found in clear
OP = "operator tester"
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
STEWARD = Identity("operator", "tester", "steward_district", "cli")


@pytest.fixture
def database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"shuzhi_home_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    conninfo = f"host=127.0.0.1 port=5432 user=postgres dbname={name}"
    monkeypatch.setenv(HOME_DATABASE_ENV, conninfo)
    monkeypatch.setenv(MASTER_KEY_ENV, base64.b64encode(os.urandom(32)).decode())
    monkeypatch.delenv(PROVIDER_ENV, raising=False)
    yield conninfo
    shared_home._databases.clear()  # close nothing by hand: the connections die with the threads
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def _server(root: Path) -> Hub:
    """One server's own home, on a path of its own, with the district's configuration."""
    home = Home(root / "home").ensure()
    config = root / "config"
    shutil.copytree(DEFAULT_CONFIG_DIR, config)
    (config / "identity.yaml").write_text("", encoding="utf-8")
    return Hub(home, config)


@pytest.fixture
def servers(tmp_path: Path, database: str) -> tuple[Hub, Hub]:
    return _server(tmp_path / "machine-a"), _server(tmp_path / "machine-b")


def _query(principal: str, n: int) -> dict[str, object]:
    return {"principal": principal, "purpose": "", "statement": "S", "outcome": "answered", "n": n}


def _files_in(home: Home) -> set[str]:
    folders = (home.state, home.keys, home.audit)
    return {p.name for folder in folders for p in folder.rglob("*") if p.is_file()}


def _all_cells(conninfo: str) -> bytes:
    with psycopg.connect(conninfo) as con:
        files = con.execute("SELECT name, body FROM shuzhi_home_files").fetchall()
        lines = con.execute("SELECT name, line FROM shuzhi_home_lines").fetchall()
    return b"\n".join(name.encode() + b" " + bytes(body) for name, body in files + lines)


def test_a_person_added_on_one_server_signs_in_on_the_other_and_is_disabled_everywhere(
    servers: tuple[Hub, Hub],
) -> None:
    a, b = servers
    add_user(a, login="zhangsan", name=NAME, principal="street_donghu", role="requester",
             password=PASSWORD, actor=OP)  # fmt: skip
    token = sign_in(b, "zhangsan", PASSWORD, kind="bearer", now=T0).token
    assert authenticate_bearer(a, token, now=T0).principal == "street_donghu"
    disable_user(b, "zhangsan", actor=OP)
    with pytest.raises(AuthenticationFailed):
        authenticate_bearer(a, token, now=T0)


def test_a_client_approved_on_one_server_is_let_in_by_the_other_and_revocation_reaches_it(
    servers: tuple[Hub, Hub],
) -> None:
    a, b = servers
    client_id = register_client(a, principal="street_donghu", name="东湖网格系统",
                                scopes=["query"], requested_by=OP).id  # fmt: skip
    issued = approve_client(b, client_id, approver=STEWARD, reason="网格系统回流")
    assert authenticate_bearer(a, issued.key).principal == "street_donghu"
    revoke_client(a, client_id, actor=OP, reason="项目结束")
    with pytest.raises(AuthenticationFailed):
        authenticate_bearer(b, issued.key)


def test_both_servers_open_the_same_keys_and_a_rotation_on_one_reaches_the_other(
    servers: tuple[Hub, Hub],
) -> None:
    a, b = servers
    assert a.keystore.token_key("id_card") == b.keystore.token_key("id_card")
    version, key = a.keystore.data_key("population", "name")
    assert b.keystore.data_key_at("population", "name", version) == key
    rotated = a.keystore.begin_rotation("population", "name")
    assert rotated == version + 1
    assert b.keystore.data_key_at("population", "name", rotated) != key
    assert b.keystore.rotation_target("population", "name") == rotated


def test_an_access_request_filed_on_one_server_is_seen_on_the_other(
    servers: tuple[Hub, Hub],
) -> None:
    a, b = servers
    until = dt.date.today() + dt.timedelta(days=30)
    asked = request_access(a, principal="dept_hotline_12345", product="street_enterprise_roster",
                           purpose="企业类诉求核实", until=until)  # fmt: skip
    assert [r.id for r in b.access_requests.all()] == [asked.id]


def test_appends_from_both_servers_at_once_make_one_chain_that_verifies_with_checkpoints(
    servers: tuple[Hub, Hub],
) -> None:
    a, b = servers

    def append(hub: Hub, who: str) -> None:
        for n in range(60):
            hub.audit.append("query", who, _query(who, n))

    threads = [threading.Thread(target=append, args=(hub, who))
               for hub, who in ((a, "street_donghu"), (b, "street_xihu"), (a, "steward_district"))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = list(b.audit.events())
    assert [e.seq for e in events] == list(range(1, 181))
    assert {e.actor for e in events} == {"street_donghu", "street_xihu", "steward_district"}
    for hub in servers:
        assert verify(hub.audit.path).ok
        sealed = verify_sealed(hub.audit.path, trusted_public_keys(hub.home.keys))
        assert sealed.ok, sealed.problems
        assert sealed.checkpoints >= 1


def test_neither_servers_folders_hold_what_is_shared(servers: tuple[Hub, Hub]) -> None:
    a, b = servers
    add_user(a, login="lisi", name=NAME, principal="street_donghu", role="requester",
             password=PASSWORD, actor=OP)  # fmt: skip
    a.keystore.token_key("id_card")
    b.audit.append("query", "street_donghu", _query("street_donghu", 0))
    for hub in servers:
        shared = _files_in(hub.home) & {"users.json", "keystore.json", "audit.log"}
        assert shared == set()


def test_the_database_holds_no_name_password_or_key_in_clear(
    servers: tuple[Hub, Hub], database: str
) -> None:
    a, b = servers
    add_user(a, login="wangwu", name=NAME, principal="street_donghu", role="requester",
             password=PASSWORD, actor=OP)  # fmt: skip
    token = sign_in(b, "wangwu", PASSWORD, kind="bearer", now=T0).token
    key = a.keystore.token_key("id_card")
    cells = _all_cells(database)
    assert b"users.json" in cells.replace(b"state/", b"")  # the scan saw the stored users
    for secret in (NAME.encode(), PASSWORD.encode(), token.encode(), base64.b64encode(key), key):
        assert secret not in cells


def test_a_database_that_does_not_answer_lets_nobody_in_and_does_not_say_where(
    servers: tuple[Hub, Hub], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = servers
    add_user(a, login="zhaoliu", name=NAME, principal="street_donghu", role="requester",
             password=PASSWORD, actor=OP)  # fmt: skip
    token = sign_in(a, "zhaoliu", PASSWORD, kind="bearer", now=T0).token
    monkeypatch.setenv(HOME_DATABASE_ENV, "host=127.0.0.1 port=9 user=postgres dbname=nowhere")
    with pytest.raises(HomeDatabaseDown) as down:
        authenticate_bearer(a, token, now=T0)
    assert HOME_DATABASE_ENV in str(down.value) and "port=9" not in str(down.value)


def test_a_backup_of_a_home_kept_in_the_database_is_refused_with_what_to_do_instead(
    servers: tuple[Hub, Hub], tmp_path: Path
) -> None:
    from home.backup import BackupError, make_backup

    a, _ = servers
    with pytest.raises(BackupError) as refused:
        make_backup(a.home, tmp_path / "home.tar")
    assert HOME_DATABASE_ENV in str(refused.value) and "pg_dump" in str(refused.value)
    assert not (tmp_path / "home.tar").exists()


def test_a_delivery_made_through_one_server_is_traced_from_the_other_with_one_key(
    servers: tuple[Hub, Hub],
) -> None:
    from audit.deliveries import Delivery, register_beside

    a, b = servers
    on_a, on_b = register_beside(a.audit.path), register_beside(b.audit.path)
    assert on_a.key() == on_b.key() and len(on_a.key()) == 32
    mark = on_a.new_mark()
    on_a.append(Delivery(id="d-1", at="2026-06-01T09:00:00Z", kind="query",
                         principal="street_donghu", by="person u-0001", grants=["g-1"],
                         products=["street_case_stats"], statement="S", purpose="",
                         mark=mark))  # fmt: skip
    assert [(d.id, d.mark) for d in on_b.deliveries()] == [("d-1", mark)]
    for hub in servers:
        assert not _files_in(hub.home) & {"deliveries.jsonl", "delivery_trace.key"}


def test_an_append_onto_an_end_that_moved_writes_nothing(database: str) -> None:
    from home.shared_home import HomeFileMoved, home_database

    db = home_database()
    with db.lock("audit/audit.log"):
        db.append("audit/audit.log", [b"one\n"], after=0)
        with pytest.raises(HomeFileMoved):
            db.append("audit/audit.log", [b"sealed onto a stale end\n"], after=0)
    assert [line for _, line in db.lines("audit/audit.log")] == [b"one\n"]


def test_a_servers_many_threads_share_a_few_connections(database: str) -> None:
    from home.shared_home import MAX_CONNECTIONS, home_database

    db = home_database()
    db.write("state/users.json", b"{}")
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(20):
                assert db.read("state/users.json") == b"{}"
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    dbname = database.split("dbname=")[1]
    with psycopg.connect(ADMIN) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (dbname,)
        ).fetchone()
    assert row is not None and 1 <= row[0] <= MAX_CONNECTIONS


def test_a_process_killed_while_holding_a_lock_lets_it_go(database: str) -> None:
    import signal
    import subprocess
    import sys
    import time

    from home.shared_home import home_database

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from home.shared_home import home_database\n"
         "with home_database().lock('keys/keystore.json'):\n"
         "    print('held', flush=True)\n"
         "    time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        got: list[float] = []

        def take() -> None:
            with home_database().lock("keys/keystore.json"):
                got.append(time.monotonic())

        waiter = threading.Thread(target=take)
        waiter.start()
        time.sleep(1.0)
        assert not got  # the other process holds it
        killed_at = time.monotonic()
        holder.send_signal(signal.SIGKILL)
        waiter.join(timeout=30)
        assert got and got[0] >= killed_at
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_a_master_key_rotation_stopped_after_rewrapping_the_shared_store_is_completed(
    servers: tuple[Hub, Hub], monkeypatch: pytest.MonkeyPatch
) -> None:
    from encryption.keystore import KeyStore, open_keystore
    from encryption.master_key import MASTER_KEY_FILE, FileMasterKey, create_key_file
    from encryption.master_rotation import next_key_path

    a, _ = servers
    monkeypatch.delenv(MASTER_KEY_ENV)  # this machine keeps its master key in a file
    key_file = a.home.keys / MASTER_KEY_FILE
    create_key_file(key_file)
    token_key = open_keystore(a.home.keys).token_key("id_card")
    following = next_key_path(key_file)
    create_key_file(following)
    store = a.home.keys / "keystore.json"
    KeyStore(store, FileMasterKey(key_file)).rewrap(FileMasterKey(following).load())  # step 2
    assert open_keystore(a.home.keys).token_key("id_card") == token_key  # step 3 completed
    assert not following.exists() and not store.exists()
