"""The one Dagster resource: a handle on the hub's home, catalogue and keys.

Nothing here reads the environment at import time: the home folder and the
master key are resolved when a step runs (the master key from
SHUZHI_MASTER_KEY or the 0600 key file in the home, never from config).
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from home.layout import Home, config_dir
from pipelines.hub import Hub


class HubResource(dg.ConfigurableResource):
    """Where the hub keeps its data (empty: $SHUZHI_HOME, else ./.shuzhi)."""

    home: str = ""
    config_dir: str = ""
    show_progress: bool = False

    def hub(self) -> Hub:
        home = Home(Path(self.home).resolve()) if self.home else Home.from_env()
        config = Path(self.config_dir).resolve() if self.config_dir else config_dir()
        return Hub(home.ensure(), config)
