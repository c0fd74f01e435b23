"""Everything one step needs, opened once: home, catalogue, policies, keys, audit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb

from audit.checkpoints import checkpointing_from_env
from audit.log import AuditLog
from catalog.registry import Catalog, load_catalog
from encryption.keystore import KEYSTORE_FILE, KeyStore, KeyStoreError, open_keystore
from home.file_versions import Reloading
from home.layout import Home, config_dir
from home.permissions import keep_new_files_private
from lakehouse.catalogue import CATALOGUE_FILE
from lakehouse.connection import open_lake
from policies.access_requests import AccessRequestStore
from policies.loader import load_policies, policy_files
from policies.models import PolicySet


@dataclass
class Hub:
    home: Home
    config: Path = field(default_factory=config_dir)

    def __post_init__(self) -> None:
        keep_new_files_private()  # a hub made in code, not by the CLI, writes privately too

    @classmethod
    def from_env(cls) -> Hub:
        return cls(Home.from_env().ensure())

    @property
    def catalog(self) -> Catalog:
        """The catalogue as configured in ``config/`` now (loaded again when a file changes)."""
        return self._catalog.get()

    @property
    def config_policies(self) -> PolicySet:
        """Principals, grants and deny rules as configured in ``config/`` now (loaded again
        when a file changes, so a grant taken out of ``grants.yaml`` counts at once)."""
        return self._config_policies.get()

    @cached_property
    def _catalog(self) -> Reloading[Catalog]:
        return Reloading(lambda: config_files(self.config), lambda: load_catalog(self.config))

    @cached_property
    def _config_policies(self) -> Reloading[PolicySet]:
        return Reloading(lambda: policy_files(self.config), lambda: load_policies(self.config))

    @cached_property
    def access_requests(self) -> AccessRequestStore:
        return AccessRequestStore.in_folder(self.home.state)

    @property
    def policies(self) -> PolicySet:
        """The configured policies plus the grants of approved access requests, read fresh
        each time so an approval or revocation counts at once (a lapsed grant stays, for the
        engine to refuse by its date and name in its reasons)."""
        return self.access_requests.policies(self.config_policies)

    @cached_property
    def keystore(self) -> KeyStore:
        store = self.home.keys / KEYSTORE_FILE
        lakehouse = self.home.lakehouse
        made = (lakehouse / CATALOGUE_FILE).exists() or any(lakehouse.rglob("*.parquet"))
        if not store.exists() and made:
            # A new, empty store would seal new data while every old value stayed unreadable.
            raise KeyStoreError(
                f"key store {store} is missing but the lakehouse holds data sealed under it; "
                "restore it from its backup"
            )
        return open_keystore(self.home.keys)

    @cached_property
    def audit(self) -> AuditLog:
        # Checkpoints are signed with a key from keys/ (or the environment), never audit/.
        return AuditLog(self.home.audit / "audit.log", checkpointing_from_env(self.home.keys))

    @contextmanager
    def lake(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The lakehouse, opened with this hub's key store (see ``open_lake``)."""
        with open_lake(self.home, keystore=lambda: self.keystore, wait_s=wait_s) as con:
            yield con


def config_files(folder: Path) -> list[Path]:
    """The configuration's YAML files and the folders that hold them (a file added to or
    removed from one changes the folder)."""
    found: list[Path] = []
    for parent, folders, files in os.walk(folder):
        folders.sort()
        found.append(Path(parent))
        found += [Path(parent) / name for name in sorted(files) if name.endswith(".yaml")]
    return found
