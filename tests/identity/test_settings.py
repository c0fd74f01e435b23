"""config/identity.yaml: the repository's file loads, and unsafe choices are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.errors import ConfigError
from home.layout import DEFAULT_CONFIG_DIR
from identity.settings import load_identity_settings

PROVIDER = "oidc: [{name: d, issuer: i, audience: a, jwks_url: 'http://x/j', algorithms: [%s]}]"


def test_repository_settings_load() -> None:
    settings = load_identity_settings(DEFAULT_CONFIG_DIR)
    assert settings.lockout.failures == 5 and settings.sessions.bearer_minutes == 60


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    assert load_identity_settings(tmp_path).sessions.page_idle_minutes == 480


def test_asymmetric_algorithm_allowed(tmp_path: Path) -> None:
    (tmp_path / "identity.yaml").write_text(PROVIDER % "ES256")
    assert load_identity_settings(tmp_path).oidc[0].algorithms == ["ES256"]


@pytest.mark.parametrize("alg", ["HS256", "none"])
def test_symmetric_or_no_algorithm_refused(tmp_path: Path, alg: str) -> None:
    (tmp_path / "identity.yaml").write_text(PROVIDER % alg)
    with pytest.raises(ConfigError, match=r"identity\.yaml"):
        load_identity_settings(tmp_path)
