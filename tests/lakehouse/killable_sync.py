"""A sync run in its own process, so a test can SIGKILL it midway.

Usage: python killable_sync.py HOME CONFIG_DIR MARKER [--full]
Writes MARKER once a few batches are inside the open transaction, then keeps
going slowly so the killer has time to strike.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from catalog.registry import load_catalog
from encryption.keystore import open_keystore
from home.layout import Home
from lakehouse.connection import open_lake
from lakehouse.raw_landing import land


def main() -> None:
    home, config, marker = Home(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])
    catalog = load_catalog(config)
    source = catalog.sources["ps_population"]
    seen = 0

    def slow_progress(rows: int) -> None:
        nonlocal seen
        seen += rows
        if seen >= 3 * 1000:
            marker.write_text(str(seen))
        time.sleep(0.2)

    with open_lake(home) as con:
        land(
            con,
            source,
            catalog.datasets["population"],
            open_keystore(home.keys),
            full="--full" in sys.argv,
            progress=slow_progress,
        )


if __name__ == "__main__":
    main()
