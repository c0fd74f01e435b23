"""After the demo: a list downloaded, queried and revealed is three deliveries of that
person; who-saw finds them all, and a leaked part of the download is traced to it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from demo_run import DemoRun

from audit.watermark import strip_marks

LIST = "SELECT * FROM proactive_elderly_alone"
PURPOSE = "proactive_elderly_visits"


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_who_saw_and_trace_after_the_demo(demo: DemoRun, tmp_path: Path) -> None:
    download = tmp_path / "list.csv"
    done = demo.shuzhi(
        "query", "--as", "street_donghu", "--purpose", PURPOSE, "--out", str(download), LIST
    )
    assert done.returncode == 0, done.stderr
    rows = _csv(download)
    assert rows, "the demo's list of elderly living alone in Donghu is empty"
    token = rows[0]["person_token"]
    queried = demo.query_json("street_donghu", LIST)
    revealed = demo.shuzhi(
        "reveal",
        "--as",
        "dept_civil_affairs",
        "--purpose",
        "救助对象核查",
        "--json",
        "population",
        token,
    )
    assert revealed.returncode == 0, revealed.stderr

    seen = demo.shuzhi("audit", "who-saw", "--json", token)
    assert seen.returncode == 0, seen.stderr
    deliveries = json.loads(seen.stdout)["deliveries"]
    kinds = [(d["kind"], d["principal"]) for d in deliveries[-3:]]
    assert kinds == [
        ("download", "street_donghu"),
        ("list", "street_donghu"),
        ("reveal", "dept_civil_affairs"),
    ]
    assert deliveries[-3]["grants"] == ["g-donghu-elderly-alone-visits"]
    assert deliveries[-2]["id"] == queried["delivery"]
    assert all(d["by"].startswith("operator ") for d in deliveries[-3:])
    events = [json.loads(line) for line in (demo.home / "audit" / "audit.log").open()]
    referenced = {e["details"].get("delivery") for e in events}
    assert {d["id"] for d in deliveries[-3:]} <= referenced

    # Leak: a few rows, without the token column, re-saved; then the same rows unmarked.
    leaked = tmp_path / "leak.csv"
    kept = [{k: v for k, v in r.items() if k != "person_token"} for r in rows[:3]]
    with open(leaked, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(kept[0]))
        writer.writeheader()
        writer.writerows(kept)
    traced = demo.shuzhi("audit", "trace", "--json", str(leaked))
    assert traced.returncode == 0, traced.stderr
    answer = json.loads(traced.stdout)
    assert answer["verdict"] == "traced"
    assert [d["id"] for d in answer["deliveries"]] == [deliveries[-3]["id"]]

    clean = tmp_path / "clean.csv"
    with open(clean, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(kept[0]))
        writer.writeheader()
        writer.writerows([{k: strip_marks(v) for k, v in r.items()} for r in kept])
    untraced = demo.shuzhi("audit", "trace", str(clean))
    assert untraced.returncode == 0, untraced.stderr
    assert "no delivery matches" in untraced.stdout
