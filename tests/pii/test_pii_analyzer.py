"""The analyzer is offline, Chinese-only and holds only our recognizers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml
from presidio_analyzer.nlp_engine import NoOpNlpEngine

import pii.recognizers
from pii.analyzer import ENTITIES, build_analyzer

REPO = Path(__file__).resolve().parents[2]


def test_analyzer_is_built_once_and_reused() -> None:
    assert build_analyzer() is build_analyzer()


def test_analyzer_is_chinese_only_with_our_recognizers() -> None:
    analyzer = build_analyzer()
    assert analyzer.supported_languages == ["zh"]
    assert isinstance(analyzer.nlp_engine, NoOpNlpEngine)
    loaded = list(analyzer.registry.recognizers)
    assert loaded
    assert all(type(r).__name__ in pii.recognizers.__all__ for r in loaded)
    assert sorted(analyzer.get_supported_entities("zh")) == sorted(ENTITIES)


def test_presidio_english_defaults_are_not_loaded() -> None:
    # The default registry would report CREDIT_CARD, IP_ADDRESS, URL, US_SSN here.
    text = "卡号 4111 1111 1111 1111，地址 192.168.1.1，网址 https://example.com，SSN 078-05-1120"
    found = {r.entity_type for r in build_analyzer().analyze(text, language="zh")}
    assert found <= {"BANK_CARD"}
    assert found <= set(ENTITIES)


def test_analyzer_from_another_yaml(tmp_path: Path) -> None:
    path = tmp_path / "recognizers.yaml"
    entry = {"name": "mobile", "class": "CnMobileRecognizer", "entity": "CN_MOBILE"}
    path.write_text(yaml.safe_dump({"recognizers": [entry]}))
    analyzer = build_analyzer(path)
    assert analyzer.get_supported_entities("zh") == ["CN_MOBILE"]
    assert analyzer is not build_analyzer()


OFFLINE_PROBE = textwrap.dedent(
    """
    import socket

    import spacy

    def refuse(*args, **kwargs):
        raise RuntimeError("network access attempted")

    def no_model(*args, **kwargs):
        raise RuntimeError("spaCy model load attempted")

    socket.socket.connect = refuse
    socket.create_connection = refuse
    spacy.load = no_model
    spacy.cli.download = no_model

    from pii.text_scan import find

    findings = find("电话13812345678")
    print([(f.entity, f.start, f.end) for f in findings])
    """
)


def test_building_the_analyzer_needs_no_network_and_no_spacy_model() -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[('CN_MOBILE', 2, 13)]"
