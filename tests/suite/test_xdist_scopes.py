"""The suite's own scheduling: every file reading the demo district is one work unit."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any

from xdist_scopes import DEMO_SCOPE, DemoFilesTogether, files_reading_the_demo


def test_files_with_a_test_or_fixture_taking_demo_are_found(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "a").mkdir(parents=True)
    (tests / "a" / "test_reads.py").write_text("def test_x(demo):\n    pass\n", "utf-8")
    (tests / "a" / "test_fixture.py").write_text(
        "import pytest\n@pytest.fixture\ndef served(demo, tmp_path):\n    pass\n", "utf-8"
    )
    (tests / "a" / "test_other.py").write_text("def test_y(demo_home):\n    pass\n", "utf-8")
    found = files_reading_the_demo(tests, tmp_path)
    assert found == {"tests/a/test_reads.py", "tests/a/test_fixture.py"}


def test_files_using_a_conftest_fixture_that_reaches_demo_are_found(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    (tests / "web" / "pages").mkdir(parents=True)
    (tests / "other").mkdir()
    (tests / "web" / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.fixture\ndef web_home(demo, tmp_path_factory):\n    pass\n"
        "@pytest.fixture\ndef web_server(web_home):\n    pass\n"
        "@pytest.fixture\ndef browser():\n    pass\n",
        "utf-8",
    )
    pages = tests / "web" / "pages"
    (pages / "test_served.py").write_text("def test_a(web_server):\n    pass\n", "utf-8")
    (pages / "test_browser_only.py").write_text("def test_b(browser):\n    pass\n", "utf-8")
    # A file's own fixture of the same name wins, as in pytest: it does not read the demo.
    (pages / "test_own_server.py").write_text(
        "import pytest\n@pytest.fixture\ndef web_server(tmp_path):\n    pass\n"
        "def test_c(web_server):\n    pass\n",
        "utf-8",
    )
    # The conftest of another folder does not apply.
    (tests / "other" / "test_elsewhere.py").write_text(
        "def test_d(web_server):\n    pass\n", "utf-8"
    )
    found = files_reading_the_demo(tests, tmp_path)
    assert found == {"tests/web/pages/test_served.py"}


def test_demo_files_share_one_scope_and_others_keep_their_file() -> None:
    scheduling = DemoFilesTogether.__new__(DemoFilesTogether)
    scheduling.demo_files = frozenset({"tests/a/test_reads.py", "tests/b/test_more.py"})
    assert scheduling._split_scope("tests/a/test_reads.py::test_x") == DEMO_SCOPE
    assert scheduling._split_scope("tests/b/test_more.py::K::test_z") == DEMO_SCOPE
    assert scheduling._split_scope("tests/a/test_other.py::test_y") == "tests/a/test_other.py"


def test_the_demo_unit_is_handed_out_first(monkeypatch: Any) -> None:
    scheduling = DemoFilesTogether.__new__(DemoFilesTogether)
    scheduling.workqueue = OrderedDict(
        [("tests/a/test_big.py", {"x": False}), (DEMO_SCOPE, {"y": False})]
    )
    taken: list[str] = []
    monkeypatch.setattr(
        "xdist.scheduler.LoadFileScheduling._assign_work_unit",
        lambda self, node: taken.append(self.workqueue.popitem(last=False)[0]),
    )
    scheduling._assign_work_unit(object())
    scheduling._assign_work_unit(object())
    assert taken == [DEMO_SCOPE, "tests/a/test_big.py"]
