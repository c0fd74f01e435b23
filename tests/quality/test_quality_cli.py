"""``shuzhi quality``: the trend per rule (table, JSON, chart), scores, and Data Docs that
hold counts only and fetch nothing from another host."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from quality_hub import load_population, make_hub, resident
from typer.testing import CliRunner

from cli.main import app
from pipelines import steps


def test_report_scores_and_docs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub = make_hub(tmp_path, monkeypatch)
    monkeypatch.setenv("SHUZHI_CONFIG", str(hub.config))
    people = [resident(i) for i in range(1, 11)] + [resident(30, born=dt.date(1895, 3, 1))]
    load_population(hub, people)
    steps.validate_staged(hub, "population")
    runner = CliRunner()

    shown = runner.invoke(app, ["quality", "report", "population", "--json"])
    assert shown.exit_code == 0, shown.output
    rows = {r["rule"]: r for r in json.loads(shown.stdout)}
    assert rows["birth_date_range"]["failing_rows"] == 1
    assert rows["birth_date_range"]["title"] == "出生日期不早于1900年"
    assert rows["id_number_checksum"]["success"] is True

    chart = tmp_path / "trend.png"
    drawn = runner.invoke(app, ["quality", "report", "population", "--chart", str(chart)])
    assert drawn.exit_code == 0, drawn.output
    assert "birth_date_range" in drawn.stdout and chart.read_bytes()[:4] == b"\x89PNG"
    later = runner.invoke(
        app, ["quality", "report", "population", "--since", "2999-01-01", "--json"]
    )
    assert json.loads(later.stdout) == []

    scored = runner.invoke(app, ["quality", "scores", "--by", "dataset", "--json"])
    assert scored.exit_code == 0, scored.output
    population = next(s for s in json.loads(scored.stdout) if s["name"] == "population")
    assert population["quarantine_share"] == pytest.approx(1 / 11, abs=1e-4)
    assert population["fresh"] == 1.0 and 0 < population["score"] < 100
    by_community = runner.invoke(app, ["quality", "scores", "--by", "community", "--json"])
    assert [s["name"] for s in json.loads(by_community.stdout)] == ["440399001001"]
    refused = runner.invoke(app, ["quality", "scores", "--by", "street"])
    assert refused.exit_code != 0

    out = tmp_path / "docs"
    built = runner.invoke(app, ["quality", "docs", "--out", str(out)])
    assert built.exit_code == 0, built.output
    pages = " ".join(p.read_text(encoding="utf-8") for p in out.rglob("*.html"))
    assert "check_staged_population" in pages
    assert not re.search(r"<(script|link|img)[^>]*(src|href)=[\"']https?://", pages)
    for person in people:
        assert person[2] not in pages  # no ID number
