"""recognizers.yaml and the code agree; load_registry builds only what is enabled."""

from __future__ import annotations

import inspect
import pkgutil
from pathlib import Path

import pytest
import yaml
from presidio_analyzer import EntityRecognizer, RecognizerRegistry

import pii.recognizers
from pii.analyzer import ENTITIES
from pii.recognizers.cn_pattern_recognizer import CnPatternRecognizer
from pii.registry import (
    DEFAULT_RECOGNIZERS_YAML,
    RecognizerConfigError,
    load_registry,
    read_recognizers_yaml,
)

BASE_MODULE = "cn_pattern_recognizer"


def _recognizer_classes_in_package() -> dict[str, type[EntityRecognizer]]:
    """Every concrete recognizer class defined in a module of pii/recognizers/."""
    found: dict[str, type[EntityRecognizer]] = {}
    for module_info in pkgutil.iter_modules(pii.recognizers.__path__):
        if module_info.name == BASE_MODULE:
            continue
        module = __import__(f"pii.recognizers.{module_info.name}", fromlist=["_"])
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, EntityRecognizer) and cls.__module__ == module.__name__:
                found[name] = cls
    return found


def test_every_recognizer_module_is_exported() -> None:
    assert sorted(_recognizer_classes_in_package()) == sorted(pii.recognizers.__all__)


def test_every_exported_recognizer_is_listed_in_the_yaml_and_back() -> None:
    listed = {entry.class_name for entry in read_recognizers_yaml()}
    assert listed == set(pii.recognizers.__all__)


def test_yaml_entities_match_the_classes_and_the_entities_tuple() -> None:
    classes = _recognizer_classes_in_package()
    for entry in read_recognizers_yaml():
        assert entry.entity == getattr(classes[entry.class_name], "ENTITY", None)
    assert sorted(ENTITIES) == sorted(getattr(cls, "ENTITY", "") for cls in classes.values())


def test_every_pattern_recognizer_has_patterns_context_and_a_precheck() -> None:
    # A recognizer without PRECHECK (a future name finder, say) is allowed but turns
    # the scanner's cheap skip off; the pattern recognizers must keep it on.
    for cls in _recognizer_classes_in_package().values():
        if issubclass(cls, CnPatternRecognizer):
            recognizer = cls()
            assert recognizer.patterns and recognizer.context
            assert cls.PRECHECK, f"{cls.__name__} has no PRECHECK"


@pytest.mark.parametrize("class_name", sorted(_recognizer_classes_in_package()))
def test_recognizer_defaults_follow_presidio_conventions(class_name: str) -> None:
    cls = _recognizer_classes_in_package()[class_name]
    recognizer = cls()  # type: ignore[call-arg]
    assert recognizer.supported_entities == [cls.ENTITY]  # type: ignore[attr-defined]
    assert cls.ENTITY in ENTITIES  # type: ignore[attr-defined]
    assert recognizer.supported_language == "zh"
    assert _name(recognizer) == class_name


def test_default_registry_holds_the_enabled_recognizers_for_chinese() -> None:
    registry = load_registry()
    enabled = [e for e in read_recognizers_yaml() if e.enabled]
    ours = _ours(registry)
    assert registry.supported_languages == ["zh"]
    assert sorted(_name(r) for r in ours) == sorted(e.name for e in enabled)
    assert all(r.supported_language == "zh" for r in ours)


def _name(recognizer: EntityRecognizer) -> str:
    # Read through to_dict: the attribute's type is not declared by Presidio.
    return str(recognizer.to_dict()["name"])


def _ours(registry: RecognizerRegistry) -> list[EntityRecognizer]:
    loaded = list(registry.recognizers)
    ours = [r for r in loaded if type(r).__name__ in pii.recognizers.__all__]
    assert len(ours) == len(loaded), "a recognizer that is not ours was loaded"
    return ours


def _write(tmp_path: Path, recognizers: object) -> Path:
    path = tmp_path / "recognizers.yaml"
    path.write_text(yaml.safe_dump({"recognizers": recognizers}, allow_unicode=True))
    return path


def test_disabled_entries_are_left_out(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            {"name": "id", "class": "CnResidentIdRecognizer", "entity": "CN_RESIDENT_ID"},
            {
                "name": "mobile",
                "class": "CnMobileRecognizer",
                "entity": "CN_MOBILE",
                "enabled": False,
            },
        ],
    )
    registry = load_registry(path)
    assert [(_name(r), r.supported_entities) for r in _ours(registry)] == [
        ("id", ["CN_RESIDENT_ID"])
    ]


@pytest.mark.parametrize(
    ("recognizers", "key", "reason"),
    [
        (
            [{"name": "x", "class": "NoSuchRecognizer", "entity": "CN_MOBILE"}],
            "recognizers.0.class",
            "not exported",
        ),
        (
            [{"name": "x", "class": "CnMobileRecognizer", "entity": "CN_RESIDENT_ID"}],
            "recognizers.0.entity",
            "reports CN_MOBILE",
        ),
        (
            [{"name": "x", "class": "CnPatternRecognizer", "entity": "CN_MOBILE"}],
            "recognizers.0.class",
            "not exported",
        ),
        (
            [{"name": "x", "entity": "CN_MOBILE"}],
            "recognizers.0.class",
            "required",
        ),
        (
            [{"name": "x", "class": "CnMobileRecognizer", "entity": "CN_MOBILE", "colour": 1}],
            "recognizers.0.colour",
            "not permitted",
        ),
        (
            [
                {"name": "x", "class": "CnMobileRecognizer", "entity": "CN_MOBILE"},
                {"name": "x", "class": "CnResidentIdRecognizer", "entity": "CN_RESIDENT_ID"},
            ],
            "recognizers.1.name",
            "duplicate",
        ),
        (
            [{"name": "x", "class": "CnMobileRecognizer", "entity": "CN_MOBILE", "enabled": False}],
            "",
            "no recognizer enabled",
        ),
    ],
)
def test_bad_configuration_names_the_file_and_key(
    tmp_path: Path, recognizers: object, key: str, reason: str
) -> None:
    path = _write(tmp_path, recognizers)
    with pytest.raises(RecognizerConfigError) as caught:
        load_registry(path)
    message = str(caught.value)
    assert str(path) in message
    assert key in message
    assert reason in message


def test_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(RecognizerConfigError, match="cannot read"):
        load_registry(tmp_path / "absent.yaml")


def test_default_yaml_ships_inside_the_package() -> None:
    assert DEFAULT_RECOGNIZERS_YAML.parent == Path(pii.__file__).parent
    assert DEFAULT_RECOGNIZERS_YAML.is_file()
