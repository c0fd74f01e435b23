"""``shuzhi users`` and ``shuzhi api clients`` as an operator runs them, each step audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_home import Shuzhi, demo_config, shuzhi_in

from encryption.master_key import MASTER_KEY_FILE, create_key_file

NAME = "欧阳测一"  # known to the stored-data scan: it must never be stored in clear
PASSWORD = "a long enough password\n"


@pytest.fixture
def cli(tmp_path: Path) -> tuple[Path, Shuzhi]:
    home = tmp_path / "home"
    create_key_file(home / "keys" / MASTER_KEY_FILE)
    return home, shuzhi_in(home, demo_config(tmp_path / "config"), timeout=120)


def _run(shuzhi: Shuzhi, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    done = shuzhi(*args, stdin=stdin)
    return done.returncode, done.stdout, done.stderr


def _audit(home: Path) -> list[dict[str, object]]:
    lines = (home / "audit" / "audit.log").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_users_add_list_disable_reset(cli: tuple[Path, Shuzhi]) -> None:
    home, shuzhi = cli
    add = (
        "users",
        "add",
        "--principal",
        "street_donghu",
        "--login",
        "zhangsan",
        "--name",
        NAME,
        "--role",
        "requester",
        "--password-stdin",
    )
    code, out, err = _run(shuzhi, *add, stdin=PASSWORD)
    assert code == 0, err
    assert out.startswith("u-0001: zhangsan acts for street_donghu as requester")
    code, out, err = _run(shuzhi, *add, stdin=PASSWORD)
    assert code == 2 and "already taken" in err
    code, out, _ = _run(shuzhi, "users", "list")
    assert "u-0001" in out and "requester" in out and NAME in out
    assert _run(shuzhi, "users", "disable", "zhangsan")[0] == 0
    assert "yes" in _run(shuzhi, "users", "list")[1]
    code, out, err = _run(shuzhi, "users", "list", "--json")
    assert code == 0, err
    [listed] = json.loads(out)
    assert (listed["id"], listed["login"], listed["disabled"]) == ("u-0001", "zhangsan", True)
    code, out, err = _run(shuzhi, "users", "reset", "zhangsan", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least" in err
    code, out, err = _run(shuzhi, "users", "reset", "zhangsan", "--password-stdin", stdin=PASSWORD)
    assert code == 0, err
    events = _audit(home)
    assert [e["details"]["outcome"] for e in events] == [  # type: ignore[index]
        "added",
        "refused",
        "disabled",
        "refused",
        "reset",
    ]
    assert all(str(e["actor"]).startswith("operator ") for e in events)
    text = (home / "audit" / "audit.log").read_text(encoding="utf-8")
    assert NAME not in text and PASSWORD.strip() not in text


def test_password_is_never_an_argument(cli: tuple[Path, Shuzhi]) -> None:
    _, shuzhi = cli
    code, _, err = _run(
        shuzhi,
        "users",
        "add",
        "--principal",
        "street_donghu",
        "--login",
        "li",
        "--name",
        NAME,
        "--password",
        "secret",
    )
    assert code != 0 and "No such option" in err


def test_api_clients_register_approve_rotate_revoke(cli: tuple[Path, Shuzhi]) -> None:
    home, shuzhi = cli
    code, out, err = _run(
        shuzhi,
        "api",
        "clients",
        "register",
        "--principal",
        "street_donghu",
        "--name",
        "东湖网格系统",
        "--scopes",
        "products:read,query",
    )
    assert code == 0 and out.startswith("c-0001: pending"), err
    code, _, err = _run(
        shuzhi, "api", "clients", "approve", "c-0001", "--as", "street_xiling", "--reason", "r"
    )
    assert code == 2 and "only a data steward" in err
    code, out, err = _run(
        shuzhi,
        "api",
        "clients",
        "approve",
        "c-0001",
        "--as",
        "steward_district",
        "--reason",
        "网格回流",
        "--expires-days",
        "30",
    )
    assert code == 0, err
    key = out.splitlines()[-1]
    assert key.startswith("szk_c-0001_") and "shown once" in err
    code, out, _ = _run(shuzhi, "api", "clients", "list")
    assert "c-0001" in out and "active" in out and key not in out
    code, out, err = _run(shuzhi, "api", "clients", "list", "--json")
    assert code == 0, err
    assert key not in out
    [client] = json.loads(out)
    assert (client["id"], client["state"], client["live_keys"]) == ("c-0001", "active", 1)
    assert client["expires_at"].endswith("+00:00")
    code, out, _ = _run(shuzhi, "api", "clients", "rotate", "c-0001", "--overlap-hours", "1")
    new_key = out.splitlines()[-1]
    assert code == 0 and new_key.startswith("szk_c-0001_") and new_key != key
    assert _run(shuzhi, "api", "clients", "revoke", "c-0001", "--reason", "下线")[0] == 0
    code, _, err = _run(
        shuzhi,
        "api",
        "clients",
        "register",
        "--principal",
        "street_donghu",
        "--name",
        "x",
        "--scopes",
        "everything",
    )
    assert code == 2 and "not allowed" in err
    events = [e for e in _audit(home) if e["kind"] == "api_client"]
    assert [e["details"]["outcome"] for e in events] == [  # type: ignore[index]
        "registered",
        "refused",
        "approved",
        "rotated",
        "revoked",
        "refused",
    ]
    text = (home / "audit" / "audit.log").read_text(encoding="utf-8")
    state = (home / "state" / "clients.json").read_text(encoding="utf-8")
    assert key not in text + state and new_key not in text + state
