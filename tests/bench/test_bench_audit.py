"""The audit stage: it builds a checkpointed log, verifies it, and reports a target
(never its timings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.audit_verify import write_sealed_log
from bench.report import print_report, write_chart
from bench.run import plan, run_bench


@pytest.fixture(autouse=True)
def _no_signing_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHUZHI_AUDIT_SIGNING_KEY", raising=False)


def test_the_generated_log_is_chained_and_checkpointed_like_the_appenders(tmp_path: Path) -> None:
    from audit.sealed_verify import verify_sealed
    from audit.signing_key import trusted_public_keys

    log = write_sealed_log(tmp_path, 250, every=100)
    result = verify_sealed(log, trusted_public_keys(tmp_path / "keys"))
    assert result.ok, result.problems
    assert (result.events, result.checkpoints, result.unsealed) == (250, 4, 0)


def test_audit_alone_needs_no_district_and_reports_its_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plan(["audit"]) == ({"audit"}, {"audit"})
    lines: list[str] = []
    report = run_bench(
        tmp_path, scale=0.1, seed=7, asked=["audit"], say=lines.append, audit_events=300
    )
    assert {s.group for s in report.stages} == {"audit"}
    assert not (tmp_path / "home").exists()
    [verified] = [s for s in report.stages if s.name.startswith("verify")]
    assert verified.rows == 300 and "checkpoints" in verified.note
    targets = [t for t in report.targets() if "audit verify" in str(t["target"])]
    assert len(targets) == 1 and targets[0]["limit"] == "≤ 60.0s"
    print_report(report)
    assert "audit" in capsys.readouterr().out
    write_chart(report, tmp_path / "bench.png")
    report.write_json(tmp_path / "bench.json")
    assert json.loads((tmp_path / "bench.json").read_text("utf-8"))["stages"]


def test_a_log_that_does_not_verify_stops_the_stage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import audit_verify

    real = audit_verify.write_sealed_log

    def damaged(folder: Path, events: int, every: int = 1000) -> Path:
        path = real(folder, events, every)
        lines = path.read_text("utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:-1]), "utf-8")  # the tail cut off
        return path

    monkeypatch.setattr(audit_verify, "write_sealed_log", damaged)
    with pytest.raises(RuntimeError, match="did not verify"):
        audit_verify.audit_verify(tmp_path, 20)
