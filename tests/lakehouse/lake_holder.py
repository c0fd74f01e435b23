"""Another process that keeps the lakehouse open until told to let it go.

Usage: python lake_holder.py HOME [SECONDS] [--commit TEXT]
With --commit, first commits TEXT as a row of lake.meta.held_marks (so a kill
leaves it in the catalogue's write-ahead log). Prints "holding" once the lake is
attached, then holds it until a line arrives on stdin (or, with SECONDS, for that long).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from home.layout import Home
from lakehouse.connection import lake_transaction, open_lake


def main() -> None:
    args = sys.argv[1:]
    mark = None
    if "--commit" in args:
        at = args.index("--commit")
        mark, args = args[at + 1], args[:at] + args[at + 2 :]
    with open_lake(Home(Path(args[0]))) as con:
        if mark is not None:
            with lake_transaction(con):
                con.execute("CREATE TABLE IF NOT EXISTS lake.meta.held_marks (mark VARCHAR)")
                con.execute("INSERT INTO lake.meta.held_marks VALUES (?)", [mark])
        print("holding", flush=True)
        if len(args) > 1:
            time.sleep(float(args[1]))
        else:
            sys.stdin.readline()


if __name__ == "__main__":
    main()
