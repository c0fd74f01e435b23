"""``catalog.search``: names, titles, glossary terms and their other names, columns and
descriptions, in Chinese (jieba) and English, ranked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.registry import Catalog, load_catalog
from catalog.search import search, words
from cli.main import app

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONFIG)


def test_words_cut_chinese_and_english() -> None:
    assert words("Street_Case_Stats") == ["street", "case", "stat"]
    assert "低保" in words("低保对象")


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("低保", "assistance"),  # a glossary term
        ("最低生活保障", "assistance"),  # its other name
        ("dibao", "assistance"),  # in English
        ("诉求统计", "street_case_stats"),  # the title
        ("enterprise", "enterprises"),
    ],
)
def test_search_ranks_the_right_contract_first(catalog: Catalog, text: str, first: str) -> None:
    hits = search(catalog, text)
    assert hits and hits[0].name == first, [(h.name, h.score) for h in hits]


def test_title_match_outranks_description_only(catalog: Catalog) -> None:
    hits = [h.name for h in search(catalog, "独居老人")]
    assert hits[0] == "proactive_elderly_alone"
    assert "assistance" in hits


def test_nothing_matches(catalog: Catalog) -> None:
    assert search(catalog, "区块链元宇宙") == []
    assert search(catalog, "   ") == []


def test_cli_search_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUZHI_CONFIG", str(CONFIG))
    done = CliRunner().invoke(app, ["catalog", "search", "低保", "--json"])
    assert done.exit_code == 0, done.output
    hits = json.loads(done.output)
    assert hits[0]["name"] == "assistance"
    assert "低保" in hits[0]["matched"]["glossary"]
