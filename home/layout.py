"""The layout of the Shuzhi home folder (``SHUZHI_HOME``, default ``./.shuzhi``).

Everything the hub owns lives under one folder so that a deployment is one
path to back up, and the simulated department systems of the demo sit apart
from the hub's own data::

    $SHUZHI_HOME/
      departments/   the demo's simulated department systems (not the hub's)
      lakehouse/     DuckLake catalogue (an encrypted DuckDB file) + encrypted Parquet
      keys/          master key file and the wrapped data-key store
      rooms/         one read-only DuckDB database per principal
      audit/         the hash-chained audit log
      dagster/       DAGSTER_HOME: run history, schedules, sensors
      state/         connector state: processed-file ledger

With ``SHUZHI_HOME_DATABASE`` set, what every server must share of ``state/``, ``keys/``
and ``audit/`` is kept in PostgreSQL instead (``home.shared_home``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from home.permissions import keep_new_files_private, tighten_tree

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_DIR = REPO_ROOT / "config"


# An API server with rooms of its own (several servers on one lakehouse) names them here.
ROOMS_DIR_ENV = "SHUZHI_ROOMS_DIR"


@dataclass(frozen=True)
class Home:
    root: Path
    # Rooms elsewhere than in the home: a server's own, built from the shared lakehouse.
    own_rooms: Path | None = None

    @classmethod
    def from_env(cls) -> Home:
        """The home named by SHUZHI_HOME (and the rooms by SHUZHI_ROOMS_DIR), read when
        called (never at import)."""
        rooms = os.environ.get(ROOMS_DIR_ENV, "").strip()
        return cls(
            Path(os.environ.get("SHUZHI_HOME", ".shuzhi")).resolve(),
            Path(rooms).resolve() if rooms else None,
        )

    @property
    def departments(self) -> Path:
        return self.root / "departments"

    @property
    def lakehouse(self) -> Path:
        return self.root / "lakehouse"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def rooms(self) -> Path:
        return self.own_rooms or self.root / "rooms"

    @property
    def audit(self) -> Path:
        return self.root / "audit"

    @property
    def dagster(self) -> Path:
        return self.root / "dagster"

    @property
    def state(self) -> Path:
        return self.root / "state"

    def ensure(self) -> Home:
        """Create the folders, and keep everything the hub holds its owner's alone (files
        0600, folders 0700), what it writes from now on included.

        The departments folder is spared: it is the demo's stand-in for the departments'
        own systems, whose files are theirs to set (the home's 0700 shields it all the same).
        """
        keep_new_files_private()
        for path in (
            self.departments,
            self.lakehouse,
            self.keys,
            self.rooms,
            self.audit,
            self.dagster,
            self.state,
        ):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        tighten_tree(self.root, spare=(self.departments,))
        return self


def config_dir() -> Path:
    """The configuration folder: SHUZHI_CONFIG, else the repository's ``config/``."""
    return Path(os.environ.get("SHUZHI_CONFIG", str(DEFAULT_CONFIG_DIR))).resolve()
