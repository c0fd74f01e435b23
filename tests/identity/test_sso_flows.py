"""Single sign-on attempts in progress: used once, expired after FLOW_MINUTES, bounded."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from identity import sso_flows
from identity.sso_flows import FLOW_MINUTES, SsoFlowStore, code_challenge

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def test_a_flow_is_taken_once(tmp_path: Path) -> None:
    store = SsoFlowStore.in_folder(tmp_path)
    started = store.start("district", NOW, next_path="/me")
    taken = store.take(started.flow_id, NOW + dt.timedelta(minutes=1))
    assert taken is not None and taken.state == started.flow.state and taken.next_path == "/me"
    assert store.take(started.flow_id, NOW + dt.timedelta(minutes=1)) is None


def test_a_flow_expires(tmp_path: Path) -> None:
    store = SsoFlowStore.in_folder(tmp_path)
    started = store.start("district", NOW)
    assert store.take(started.flow_id, NOW + dt.timedelta(minutes=FLOW_MINUTES)) is None


def test_an_unknown_flow_id_finds_nothing(tmp_path: Path) -> None:
    store = SsoFlowStore.in_folder(tmp_path)
    store.start("district", NOW)
    assert store.take("not-a-flow-id", NOW) is None


def test_the_hub_keeps_only_the_hash_of_the_flow_id(tmp_path: Path) -> None:
    started = SsoFlowStore.in_folder(tmp_path).start("district", NOW)
    assert started.flow_id not in (tmp_path / sso_flows.FLOWS_FILE).read_text()


def test_the_oldest_flows_go_when_too_many_are_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sso_flows, "MAX_FLOWS", 3)
    store = SsoFlowStore.in_folder(tmp_path)
    started = [store.start("district", NOW) for _ in range(4)]
    assert store.take(started[0].flow_id, NOW) is None
    assert all(store.take(s.flow_id, NOW) is not None for s in started[1:])


def test_the_code_challenge_is_unpadded_base64url_of_sha256(tmp_path: Path) -> None:
    started = SsoFlowStore.in_folder(tmp_path).start("district", NOW)
    assert 43 <= len(started.flow.verifier) <= 128  # RFC 7636 4.1
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", started.code_challenge)  # 32 bytes, no "="
    assert code_challenge("a" * 43) != code_challenge("a" * 44)
