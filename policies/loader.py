"""Load principals, grants, deny rules and reveal grants from the configuration folder.

Each file is validated on its own, so an error names the file it is in.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from catalog import yaml_text
from catalog.errors import ConfigError, load_model
from policies.models import Deny, Grant, PolicySet, Principal, RevealGrant
from policies.purposes import PURPOSES_FILE, Purpose, PurposesFile


class PrincipalsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    principals: list[Principal]


class GrantsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grants: list[Grant] = Field(default_factory=list)
    denies: list[Deny] = Field(default_factory=list)
    reveals: list[RevealGrant] = Field(default_factory=list)


def _read(path: Path) -> object:
    if not path.exists():
        raise ConfigError(f"{path}: missing")
    try:
        return yaml_text.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


PRINCIPALS_FILE = "principals.yaml"
GRANTS_FILE = "grants.yaml"


def policy_files(config_dir: Path) -> list[Path]:
    """The files load_policies reads (and nothing else); the purpose catalogue when there is one."""
    files = [config_dir / PRINCIPALS_FILE, config_dir / GRANTS_FILE]
    purposes = config_dir / PURPOSES_FILE
    return [*files, purposes] if purposes.exists() else files


def load_policies(config_dir: Path) -> PolicySet:
    principals_path, grants_path = policy_files(config_dir)[:2]
    principals = load_model(PrincipalsFile, principals_path, _read(principals_path)).principals
    rules = load_model(GrantsFile, grants_path, _read(grants_path))
    ids = [p.id for p in principals]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"{principals_path}: principals: ids must be unique")
    for key, items in (("grants", rules.grants), ("reveals", rules.reveals)):
        rule_ids = [item.id for item in items]
        if len(rule_ids) != len(set(rule_ids)):
            raise ConfigError(f"{grants_path}: {key}: ids must be unique")
    catalogue = _load_purposes(config_dir / PURPOSES_FILE)
    _check_purposes(grants_path, rules, catalogue)
    return PolicySet(
        principals=principals,
        grants=rules.grants,
        denies=rules.denies,
        reveals=rules.reveals,
        purposes=catalogue or [],
    )


def _load_purposes(path: Path) -> list[Purpose] | None:
    """The purpose catalogue, or None when the configuration has none."""
    if not path.exists():
        return None
    purposes = load_model(PurposesFile, path, _read(path)).purposes
    codes = [p.code for p in purposes]
    if len(codes) != len(set(codes)):
        raise ConfigError(f"{path}: purposes: codes must be unique")
    return purposes


def _check_purposes(path: Path, rules: GrantsFile, catalogue: list[Purpose] | None) -> None:
    """Every grant and reveal grant names the purposes it accepts, each in the catalogue."""
    known = {p.code for p in catalogue} if catalogue is not None else None
    for key, items in (("grants", rules.grants), ("reveals", rules.reveals)):
        for item in items:
            if not item.purposes:
                raise ConfigError(
                    f"{path}: {key}: {item.id}: purposes: list the purpose codes it accepts "
                    f"(from {PURPOSES_FILE}); a caller must state one of them"
                )
            unknown = [code for code in item.purposes if known is not None and code not in known]
            if unknown:
                raise ConfigError(
                    f"{path}: {key}: {item.id}: purposes: {', '.join(unknown)} not in "
                    f"{PURPOSES_FILE} (known: {', '.join(sorted(known or ()))})"
                )
