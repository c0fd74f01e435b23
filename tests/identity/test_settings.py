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


BROWSER = (
    "oidc: [{name: d, issuer: i, audience: a, jwks_url: 'http://x/j', client_id: shuzhi, "
    "authorization_endpoint: 'https://x/auth'%s}]"
)


def test_a_provider_for_the_pages_has_its_endpoints_and_client(tmp_path: Path) -> None:
    (tmp_path / "identity.yaml").write_text(BROWSER % ", token_endpoint: 'https://x/token'")
    settings = load_identity_settings(tmp_path)
    assert [p.name for p in settings.browser_providers] == ["d"]


def test_a_provider_for_the_pages_without_a_token_endpoint_is_refused(tmp_path: Path) -> None:
    (tmp_path / "identity.yaml").write_text(BROWSER % "")
    with pytest.raises(ConfigError, match=r"(?s)identity\.yaml.*add token_endpoint"):
        load_identity_settings(tmp_path)


def test_a_client_secret_in_the_file_is_refused(tmp_path: Path) -> None:
    secret = ", token_endpoint: 'https://x/token', client_secret: hunter2"
    (tmp_path / "identity.yaml").write_text(BROWSER % secret)
    with pytest.raises(ConfigError, match="client_secret"):
        load_identity_settings(tmp_path)


def test_a_provider_for_tokens_only_gets_no_button(tmp_path: Path) -> None:
    (tmp_path / "identity.yaml").write_text(PROVIDER % "RS256")
    assert load_identity_settings(tmp_path).browser_providers == []
