"""``shuzhi products chart`` on the demo district: drawn from the principal's own room
through the query gateway, so the engine decides, the access is audited and blank cells
stay blank. Uses the session's demo home (the ``demo`` fixture of tests/conftest.py)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from audit.watermark import strip_marks

LIST = "proactive_elderly_alone"
LIST_GRANT = "g-donghu-elderly-alone-visits"
WITHHELD = "不显示"


def _events(demo: Any) -> list[dict[str, Any]]:
    log: Path = demo.home / "audit" / "audit.log"
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def _table(page: str) -> list[list[str]]:
    """The rows of the page's number table, header first, as text."""
    table = page[page.index("<table>") :]
    return [
        [html.unescape(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table)
    ]


def _chart(demo: Any, product: str, principal: str, out: Path) -> Any:
    purpose = "proactive_elderly_visits" if product.startswith("proactive") else "street_governance"
    return demo.shuzhi(
        "products", "chart", product, "--as", principal, "--out", str(out), "--purpose", purpose
    )


def _communities(demo: Any) -> dict[str, set[str]]:
    """Each street's communities, read district-wide by the steward."""
    rows = demo.query_json(
        "steward_district", "select distinct street_code, community_name from street_case_stats"
    )["rows"]
    streets: dict[str, set[str]] = {}
    for row in rows:
        streets.setdefault(row["street_code"], set()).add(row["community_name"])
    return streets


def test_a_street_office_charts_its_own_communities_only(demo: Any, tmp_path: Path) -> None:
    streets = _communities(demo)
    assert len(streets) == 3
    for principal, street in (("street_donghu", "440399001"), ("street_xiling", "440399002")):
        out = tmp_path / f"{principal}.html"
        done = _chart(demo, "street_case_stats", principal, out)
        assert done.returncode == 0, done.stderr
        labels = {row[0] for row in _table(out.read_text(encoding="utf-8"))[1:]}
        assert labels == streets[street], principal
        others = set().union(*(c for s, c in streets.items() if s != street))
        assert not labels & others
        assert principal in out.read_text(encoding="utf-8")  # whose room, said on the chart


def test_a_chart_is_one_audited_query_in_the_room(demo: Any, tmp_path: Path) -> None:
    out = tmp_path / "cases.png"
    before = len(_events(demo))
    done = demo.shuzhi(
        "products",
        "chart",
        "street_case_stats",
        "--as",
        "street_donghu",
        "--out",
        str(out),
        "--purpose",
        "street_governance",
    )
    assert done.returncode == 0, done.stderr
    events = _events(demo)[before:]
    assert [e["kind"] for e in events] == ["query"]
    details = events[0]["details"]
    assert events[0]["actor"] == "street_donghu"
    assert details["outcome"] == "answered" and details["products"] == ["street_case_stats"]
    assert details["grants"] == ["g-street-returned-products"]
    assert details["purpose"] == "street_governance" and details["by"].startswith("operator ")
    assert "street_case_stats" in details["statement"]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_a_list_chart_is_refused_to_an_office_its_grant_does_not_name(
    demo: Any, tmp_path: Path
) -> None:
    out = tmp_path / "list.png"
    before = len(_events(demo))
    done = _chart(demo, LIST, "street_xiling", out)
    assert done.returncode == 2
    assert done.stderr.startswith("refused: ") and LIST in done.stderr
    assert "a list of people needs one that names" in done.stderr
    assert not out.exists()
    events = _events(demo)[before:]
    assert len(events) == 1 and events[0]["actor"] == "street_xiling"
    assert events[0]["details"]["outcome"] == "refused"


def test_a_list_chart_counts_per_community_for_the_office_it_names(
    demo: Any, tmp_path: Path
) -> None:
    out = tmp_path / "list.html"
    before = len(_events(demo))
    done = _chart(demo, LIST, "street_donghu", out)
    assert done.returncode == 0, done.stderr
    events = _events(demo)[before:]
    assert len(events) == 1 and events[0]["details"]["outcome"] == "answered"
    assert events[0]["details"]["grants"] == [LIST_GRANT]
    page = out.read_text(encoding="utf-8")
    people = demo.query_json("street_donghu", f"select community_name, name, phone from {LIST}")
    rows = people["rows"]
    assert rows
    # How many per community, as the list has them; never who.
    counted = {row[0]: int(row[1]) for row in _table(page)[1:]}
    expected: dict[str, int] = {}
    for row in rows:
        expected[row["community_name"]] = expected.get(row["community_name"], 0) + 1
    assert counted == expected
    for row in rows:  # the values without the delivery's invisible mark (audit.watermark)
        assert strip_marks(row["name"]) not in page
        assert row["phone"] is None or strip_marks(row["phone"]) not in page


def test_blank_cells_are_drawn_as_gaps_never_as_zero(demo: Any, tmp_path: Path) -> None:
    out = tmp_path / "population.html"
    done = _chart(demo, "street_population_profile", "street_donghu", out)
    assert done.returncode == 0, done.stderr
    header, *rows = _table(out.read_text(encoding="utf-8"))
    bands = header[1:-1]
    drawn = {
        (row[0], band): cell for row in rows for band, cell in zip(bands, row[1:], strict=False)
    }
    room = demo.query_json(
        "street_donghu",
        "select grid_code, age_band, sum(residents) as shown, "
        "count(*) filter (where residents is null) as blank "
        "from street_population_profile group by all",
    )["rows"]
    assert any(r["blank"] for r in room), "the demo should have blank cells to draw"
    gaps = 0
    for r in room:
        cell = drawn[(r["grid_code"], r["age_band"])]
        shown = int(r["shown"] or 0)
        if r["blank"] and shown == 0:
            assert cell == WITHHELD, r
            gaps += 1
        elif r["blank"]:
            assert cell == f"≥{shown:,}", r
        else:
            assert cell == f"{shown:,}", r
    assert gaps > 0


def test_a_file_that_is_neither_png_nor_html_is_refused_before_the_room_is_read(
    demo: Any, tmp_path: Path
) -> None:
    out = tmp_path / "cases.jpg"
    before = len(_events(demo))
    done = _chart(demo, "street_case_stats", "street_donghu", out)
    assert done.returncode == 1
    assert done.stderr.startswith("error: --out") and ".png" in done.stderr
    assert ".html" in done.stderr
    assert not out.exists() and len(_events(demo)) == before


def test_an_unknown_product_is_a_clear_error(demo: Any, tmp_path: Path) -> None:
    done = _chart(demo, "street_weather", "street_donghu", tmp_path / "x.png")
    assert done.returncode == 1
    assert "no product named 'street_weather'" in done.stderr
