"""Steward actions on the catalogue, in pairs: the contract's steward may (the contract
changes, shown as a diff), a street office may not (refused, contract untouched); each
attempt is a ``steward_action`` audit event with actor, operator and reason, and the log
verifies. Runs ``shuzhi`` on a copy of the demo configuration and a fresh home."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_home import Shuzhi, demo_config, shuzhi_in

STEWARD = "steward_district"
STREET = "street_donghu"
Setup = tuple[Path, Path, Shuzhi]  # the configuration copy, the home, shuzhi on both


@pytest.fixture()
def setup(tmp_path: Path) -> Setup:
    config = demo_config(tmp_path / "config")
    return config, tmp_path / "home", shuzhi_in(tmp_path / "home", config, timeout=120)


def _events(home: Path) -> list[dict[str, Any]]:
    log = home / "audit" / "audit.log"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _column(config: Path, dataset: str, column: str) -> dict[str, Any]:
    data = yaml.safe_load((config / "datasets" / f"{dataset}.yaml").read_text(encoding="utf-8"))
    return next(c for c in data["columns"] if c["name"] == column)


def test_set_level_steward_may_street_office_may_not(setup: Setup) -> None:
    config, home, shuzhi = setup
    path = config / "datasets" / "assistance.yaml"
    before = path.read_text(encoding="utf-8")
    refused = shuzhi("catalog", "set-level", "assistance", "sex", "L1", "--as", STREET,
                     "--reason", "想看")  # fmt: skip
    assert refused.returncode != 0
    assert "only a data steward" in refused.stdout + refused.stderr
    assert path.read_text(encoding="utf-8") == before

    done = shuzhi("catalog", "set-level", "assistance", "sex", "L3", "--as", STEWARD,
                  "--reason", "性别与救助类别合看可识别个人")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "-  - {name: sex, source: 性别, title: 性别, type: sex, level: L2}" in done.stdout
    assert "+  - {name: sex, source: 性别, title: 性别, type: sex, level: L3}" in done.stdout
    after = path.read_text(encoding="utf-8")
    assert _column(config, "assistance", "sex")["level"] == "L3"
    # only that line changed: comments and the rest stay as written
    assert [a for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b] == [
        "  - {name: sex, source: 性别, title: 性别, type: sex, level: L2}"
    ]
    events = [e for e in _events(home) if e["kind"] == "steward_action"]
    assert [(e["actor"], e["details"]["outcome"]) for e in events] == [
        (STREET, "refused"),
        (STEWARD, "allowed"),
    ]
    assert events[1]["details"]["reason"] == "性别与救助类别合看可识别个人"
    assert events[1]["details"]["by"].startswith("operator ")
    assert shuzhi("audit", "verify").returncode == 0
    again = shuzhi("catalog", "set-level", "assistance", "sex", "L3", "--as", STEWARD,
                   "--reason", "再确认", "--json")  # fmt: skip
    assert again.returncode == 0, again.stderr
    unchanged = json.loads(again.stdout)
    assert (unchanged["changed"], unchanged["diff"]) == (False, "")
    assert Path(unchanged["path"]).resolve() == path.resolve()


def test_classify_override_and_confirm(setup: Setup) -> None:
    config, home, shuzhi = setup
    refused = shuzhi("catalog", "classify", "enterprises", "industry", "ADDRESS", "--override",
                     "--as", STREET, "--reason", "x")  # fmt: skip
    assert refused.returncode != 0
    done = shuzhi("catalog", "classify", "enterprises", "industry", "ADDRESS", "--override",
                  "--as", STEWARD, "--reason", "行业名称含地名，不是个人地址")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _column(config, "enterprises", "industry")["reviewed"] == {
        "ADDRESS": "行业名称含地名，不是个人地址"
    }
    confirmed = shuzhi("catalog", "classify", "enterprises", "industry", "ADDRESS", "--confirm",
                       "--as", STEWARD, "--reason", "复核确认含经营者住址")  # fmt: skip
    assert confirmed.returncode == 0, confirmed.stderr
    column = _column(config, "enterprises", "industry")
    assert column["protection"] == "seal" and column["level"] in ("L3", "L4")
    assert "reviewed" not in column
    # the reason is cleaned of personal data before the log keeps it
    leaked = shuzhi("catalog", "classify", "enterprises", "industry", "ADDRESS", "--override",
                    "--as", STEWARD, "--reason", "联系人电话13812345678说明")  # fmt: skip
    assert leaked.returncode == 0, leaked.stderr
    assert "13812345678" not in (home / "audit" / "audit.log").read_text(encoding="utf-8")
    assert "13812345678" not in (config / "datasets" / "enterprises.yaml").read_text()
    assert shuzhi("audit", "verify").returncode == 0


def test_set_sharing_none_needs_a_refusal_reason(setup: Setup) -> None:
    config, _home, shuzhi = setup
    path = config / "datasets" / "visits.yaml"
    no_reason = shuzhi("catalog", "set-sharing", "visits", "none", "--as", STEWARD,
                       "--reason", "暂停共享")  # fmt: skip
    assert no_reason.returncode != 0 and "--refusal-reason" in no_reason.stdout + no_reason.stderr
    refused = shuzhi("catalog", "set-sharing", "visits", "unconditional", "--as", STREET,
                     "--reason", "都给我")  # fmt: skip
    assert refused.returncode != 0
    done = shuzhi("catalog", "set-sharing", "visits", "none", "--as", STEWARD, "--reason",
                  "暂停共享", "--refusal-reason", "走访记录涉及隐私，评估后再共享")  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["sharing"] == "none"
    assert data["refusal_reason"] == "走访记录涉及隐私，评估后再共享"
    back = shuzhi("catalog", "set-sharing", "visits", "conditional", "--as", STEWARD,
                  "--reason", "评估完成")  # fmt: skip
    assert back.returncode == 0, back.stderr
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["sharing"] == "conditional" and "refusal_reason" not in data
    assert shuzhi("audit", "verify").returncode == 0


def test_record_downgrade(setup: Setup) -> None:
    config, home, shuzhi = setup
    refused = shuzhi("catalog", "downgrade", "street_case_channels", "L1", "--as", STREET,
                     "--reason", "x")  # fmt: skip
    assert refused.returncode != 0
    done = shuzhi("catalog", "downgrade", "street_case_channels", "L1", "--as", STEWARD,
                  "--reason", "聚合计数并抑制小单元")  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = (config / "products" / "street_case_channels.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["downgrade"] == {"to": "L1", "by": STEWARD, "reason": "聚合计数并抑制小单元"}
    assert "# How its users read it" in text  # the comment after the block stays
    # a change the catalogue would not load is refused before anything is written
    path = config / "products" / "proactive_elderly_alone.yaml"
    before = path.read_text(encoding="utf-8")
    bad = shuzhi("catalog", "set-sharing", "proactive_elderly_alone", "unconditional",
                 "--as", STEWARD, "--reason", "试试")  # fmt: skip
    assert bad.returncode != 0 and "person_level" in bad.stdout + bad.stderr
    assert path.read_text(encoding="utf-8") == before
    outcomes = [e["details"]["outcome"] for e in _events(home) if e["kind"] == "steward_action"]
    assert outcomes == ["refused", "allowed"]
    assert shuzhi("audit", "verify").returncode == 0
