"""The step line: ✓ only for a step that passed; a failed blocking check prints ✗ and
names what failed (regression: a failed check used to print ✓)."""

from __future__ import annotations

import pytest

from pipelines.progress import step


class _Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, line: str) -> None:
        self.lines.append(("info", line))

    def error(self, line: str) -> None:
        self.lines.append(("error", line))


class _Context:
    def __init__(self) -> None:
        self.log = _Log()


def test_a_passing_step_prints_a_tick(capsys: pytest.CaptureFixture[str]) -> None:
    context = _Context()
    with step(context, True, "check_staged_population") as summary:  # type: ignore[arg-type]
        summary.append("10/10 passed")
    err = capsys.readouterr().err
    assert "✓ check_staged_population: 10/10 passed" in err and "✗" not in err
    assert context.log.lines[0][0] == "info"


def test_a_failed_check_prints_a_cross_naming_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    context = _Context()
    with step(context, True, "check_staged_population") as summary:  # type: ignore[arg-type]
        summary.append("9/10 passed")
        summary.fail("birth_date_range")
    err = capsys.readouterr().err
    assert "✗ check_staged_population: FAILED: birth_date_range; 9/10 passed" in err
    assert "✓" not in err
    assert context.log.lines == [("error", err.strip().removeprefix("✗ "))]


def test_a_warning_marks_the_line_but_passes(capsys: pytest.CaptureFixture[str]) -> None:
    context = _Context()
    with step(context, True, "check_staged_assistance") as summary:  # type: ignore[arg-type]
        summary.append("5/6 passed")
        summary.warn("resident_in_registry")
    err = capsys.readouterr().err
    assert "! check_staged_assistance: 5/6 passed; warnings: resident_in_registry" in err
    assert "✓" not in err and "✗" not in err
    assert context.log.lines[0][0] == "info"
