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
from lakehouse.connection import open_lake
from policies.access_requests import AccessRequestStore
from policies.loader import load_policies
from policies.models import PolicySet


@dataclass
class Hub:
    home: Home
    config: Path = field(default_factory=config_dir)

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
        if not store.exists() and any(self.home.lakehouse.rglob("*.parquet")):
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
    def lake(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with open_lake(self.home) as con:
            yield con
