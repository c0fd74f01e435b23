"""Checks every recognizer's test table goes through, shared by the recognizer tests."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from pii.recognizers.cn_pattern_recognizer import CnPatternRecognizer


def assert_precheck_admits(recognizer: type[CnPatternRecognizer], texts: Sequence[str]) -> None:
    """Every text passes the recognizer's PRECHECK, in Python's ``re`` and in Arrow's RE2."""
    assert recognizer.PRECHECK is not None
    precheck = re.compile(recognizer.PRECHECK)
    assert all(precheck.search(text) for text in texts)
    in_arrow = pc.match_substring_regex(pa.array(list(texts)), recognizer.PRECHECK)
    assert all(in_arrow.to_pylist())
