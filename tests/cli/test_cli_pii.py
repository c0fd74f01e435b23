"""``shuzhi pii scan`` and ``shuzhi pii classify``: the command-line contract, in a real process."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from identifiers.resident_id import make

SHUZHI = Path(sys.executable).with_name("shuzhi")
ID = make("440305", dt.date(1990, 3, 7), 123)


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SHUZHI_DEBUG"}
    return subprocess.run(
        [str(SHUZHI), "pii", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
        check=False,
    )


def test_scan_reads_json_lines_and_writes_findings_with_character_offsets() -> None:
    text = f"😀工单已受理，电话１３８１２３４５６７８，身份证{ID.lower()}"
    lines = [{"id": 1, "text": text}, {"id": "b", "text": "拨打12345咨询，金额3500.00元"}]
    done = _run("scan", stdin="".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["id"] == 1 and second == {"id": "b", "findings": []}
    spans = [(f["entity"], f["start"], f["end"]) for f in first["findings"]]
    mobile = text.index("１３８")
    id_start = text.index(ID.lower())
    assert spans == [
        ("CN_MOBILE", mobile, mobile + 11),
        ("CN_RESIDENT_ID", id_start, id_start + 18),
    ]
    assert all(0.5 <= f["score"] <= 1.0 for f in first["findings"])
    assert "redacted" not in first


def test_scan_redact_adds_the_redacted_text() -> None:
    done = _run("scan", "--redact", stdin='{"id": 7, "text": "电话13812345678。"}\n')
    assert json.loads(done.stdout)["redacted"] == "电话[CN_MOBILE]。"


def test_bad_lines_get_an_error_line_in_place_and_exit_status_1() -> None:
    stdin = '{"id": 1, "text": "无"}\nnot json\n{"id": 3}\n{"id": 4, "text": 5}\n\n[1]\n'
    done = _run("scan", stdin=stdin)
    assert done.returncode == 1
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert out[0] == {"id": 1, "findings": []}
    assert [o.get("line") for o in out[1:]] == [2, 3, 4, 6]
    assert "line 3: field 'text' is missing" in out[2]["error"]
    assert "line 4: field 'text' is a int, not a string" in out[3]["error"]
    assert (
        done.stderr.strip()
        == "error: 4 of 5 input lines could not be scanned (see their error lines)"
    )


def test_classify_prints_json_per_column(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["编号", "备注", "金额"])
        for n in range(60):
            writer.writerow([make("110101", dt.date(1980, 1, 1) + dt.timedelta(days=n), n + 1),
                             f"联系电话1391234{n:04d}" if n % 3 == 0 else "无", f"{n}.50"])  # fmt: skip
    done = _run("classify", str(path), "--json")
    assert done.returncode == 0, done.stderr
    columns = json.loads(done.stdout)["columns"]
    assert list(columns) == ["编号", "备注", "金额"]
    assert columns["编号"]["entity"] == "CN_RESIDENT_ID" and columns["编号"]["score"] == 1.0
    assert columns["备注"]["entity"] == "CN_MOBILE" and columns["备注"]["score"] > 0.9
    assert columns["金额"]["entity"] is None


def test_classify_table_output_and_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("电话\n13812345678\n13912345678\n", encoding="utf-8")
    done = _run("classify", str(path))
    assert done.returncode == 0 and "CN_MOBILE" in done.stdout
    missing = _run("classify", str(tmp_path / "none.xlsx"))
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: {tmp_path / 'none.xlsx'}: no such file"


def test_evaluate_prints_precision_and_recall_for_every_entity() -> None:
    from pii.entities import ENTITIES

    done = _run("evaluate", "--generated", "40")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for entity in ENTITIES:
        assert any(line.startswith(entity) for line in lines), entity
    assert any(line.startswith("overall") for line in lines)


def test_evaluate_json_gives_counts_precision_and_recall_for_every_entity() -> None:
    from pii.entities import ENTITIES

    done = _run("evaluate", "--generated", "40", "--errors", "2", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(ENTITIES) <= set(report["entities"]) and report["texts"] > 40
    overall = report["overall"]
    assert overall["labelled"] == overall["true_positives"] + overall["false_negatives"]
    assert 0.0 <= overall["precision"] <= 1.0 and 0.0 <= overall["recall"] <= 1.0
    assert len(report["errors"]) <= 2
