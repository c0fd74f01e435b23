"""Everything one step needs, opened once: home, catalogue, policies, keys, audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb

from audit.log import AuditLog
from catalog.registry import Catalog, load_catalog
from encryption.keystore import KEYSTORE_FILE, KeyStore, KeyStoreError, open_keystore
from home.layout import Home, config_dir
from home.permissions import keep_new_files_private
from lakehouse.catalogue import CATALOGUE_FILE
from lakehouse.connection import open_lake
from policies.access_requests import AccessRequestStore
from policies.loader import load_policies
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

    @cached_property
    def catalog(self) -> Catalog:
        return load_catalog(self.config)

    @cached_property
    def config_policies(self) -> PolicySet:
        """Principals, grants and deny rules as configured in ``config/``."""
        return load_policies(self.config)

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
        return AuditLog(self.home.audit / "audit.log")

    @contextmanager
    def lake(self, *, wait_s: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """The lakehouse, opened with this hub's key store (see ``open_lake``)."""
        with open_lake(self.home, keystore=lambda: self.keystore, wait_s=wait_s) as con:
            yield con
