"""The part of the home that every server of a district shares, kept in PostgreSQL.

With ``SHUZHI_HOME_DATABASE`` set (a libpq connection string; the password from
libpq's own PGPASSWORD or ~/.pgpass, never from this string), the files every
process must agree on live in that database instead of the home folder, so API
servers and Dagster workers on several machines need no shared disk:

- ``state/``: users, sessions, client systems, SSO sign-ins, access requests;
- ``keys/``: the wrapped key store (with the delivery register's key in it) and the
  audit signing keys' public halves;
- ``audit/``: the hash-chained audit log, its signed checkpoints, the delivery register.

What stays in each machine's own home is its own: rooms, spill files, locks of
local work, the master key file or the signing key file if keys are provided
that way (a district provides both through the environment or a key service).

The database holds one home. Documents (JSON files) are replaced whole and carry a
version, which is what readers compare instead of a file's ``stat``; line files
(the log, the checkpoints) are rows numbered from 1, appended only. A file's lock
is a PostgreSQL advisory lock on its name, held by the locking thread's own
connection, so it is released if that process dies, as a flock is.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

HOME_DATABASE_ENV = "SHUZHI_HOME_DATABASE"

# folder → the files of it that are shared; every other file stays on the machine.
SHARED_FILES: dict[str, frozenset[str]] = {
    "state": frozenset(
        {"users.json", "sessions.json", "clients.json", "sso_flows.json", "access_requests.json"}
    ),
    "keys": frozenset({"keystore.json", "audit-signing-public.json"}),
    "audit": frozenset({"audit.log", "audit.checkpoints", "deliveries.jsonl"}),
}

_PAGE = 5_000  # lines read per round trip
MAX_CONNECTIONS = 8  # per process: a server's 40 request threads share them
_BORROW_WAIT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shuzhi_home_files (
    name text PRIMARY KEY,
    version bigint NOT NULL,
    body bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS shuzhi_home_lines (
    name text NOT NULL,
    seq bigint NOT NULL,
    line bytea NOT NULL,
    PRIMARY KEY (name, seq)
);
"""


class HomeDatabaseDown(RuntimeError):
    """The shared home database does not answer (the message never holds its address)."""


class HomeFileMoved(RuntimeError):
    """A line file gained lines that its appender did not see (its lock was lost)."""


def shared_home_configured() -> bool:
    return bool(os.environ.get(HOME_DATABASE_ENV, "").strip())


def shared_name(path: Path) -> str | None:
    """``folder/file`` when ``path`` is a shared file and the home database is set, else None."""
    if not shared_home_configured():
        return None
    path = Path(path)
    if path.name in SHARED_FILES.get(path.parent.name, ()):
        return f"{path.parent.name}/{path.name}"
    return None


def locked_name(lock_path: Path) -> str | None:
    """The shared file a lock file guards (``x.lock`` or ``.x.lock`` guards ``x``)."""
    name = Path(lock_path).name.removesuffix(".lock").removeprefix(".")
    return shared_name(Path(lock_path).with_name(name))


def home_database() -> HomeDatabase:
    """The shared home database of this process (one per connection string)."""
    conninfo = os.environ.get(HOME_DATABASE_ENV, "").strip()
    if not conninfo:
        raise RuntimeError(f"{HOME_DATABASE_ENV} is not set")
    with _databases_lock:
        found = _databases.get(conninfo)
        if found is None:
            found = _databases[conninfo] = HomeDatabase(conninfo)
        return found


class HomeDatabase:
    """Documents and line files by name, over at most MAX_CONNECTIONS per process."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._local = threading.local()  # .held: the connection of a lock this thread holds
        self._schema_ready = False
        self._idle: list[psycopg.Connection[tuple[Any, ...]]] = []
        self._idle_lock = threading.Lock()
        self._slots = _slots()
        self._pid = os.getpid()

    def ping(self) -> None:
        """Raise HomeDatabaseDown unless the database answers."""
        self._one("SELECT 1", ())

    # -- documents ------------------------------------------------------------

    def read(self, name: str) -> bytes | None:
        row = self._one("SELECT body FROM shuzhi_home_files WHERE name = %s", (name,))
        return None if row is None else bytes(row[0])

    def version(self, name: str) -> int | None:
        """Bumped by every write: what a reader compares to know its copy is current."""
        row = self._one("SELECT version FROM shuzhi_home_files WHERE name = %s", (name,))
        return None if row is None else int(row[0])

    def write(self, name: str, body: bytes) -> None:
        """Replace the document whole (readers see the old one or the new one)."""
        self._run(
            "INSERT INTO shuzhi_home_files (name, version, body) VALUES (%s, 1, %s) "
            "ON CONFLICT (name) DO UPDATE "
            "SET version = shuzhi_home_files.version + 1, body = EXCLUDED.body",
            (name, body),
        )

    # -- line files -----------------------------------------------------------

    def append(self, name: str, lines: list[bytes], *, after: int | None = None) -> None:
        """Add lines after the last one, all or none (call under the file's lock).

        ``after``: the number of the last line the caller read under that lock; if any
        line was added since (the lock was lost with its connection), nothing is written
        and the caller is told, so a chain sealed onto a stale end never lands."""
        with self._connection() as con, con.transaction():
            row = con.execute(
                "SELECT coalesce(max(seq), 0) FROM shuzhi_home_lines WHERE name = %s", (name,)
            ).fetchone()
            last = int(row[0]) if row else 0
            if after is not None and last != after:
                raise HomeFileMoved(
                    f"{name} gained lines while this batch was sealed; nothing was written"
                )
            with con.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO shuzhi_home_lines (name, seq, line) VALUES (%s, %s, %s)",
                    [(name, last + number, line) for number, line in enumerate(lines, 1)],
                )

    def last_line(self, name: str) -> bytes | None:
        row = self._one(
            "SELECT line FROM shuzhi_home_lines WHERE name = %s ORDER BY seq DESC LIMIT 1",
            (name,),
        )
        return None if row is None else bytes(row[0])

    def line_count(self, name: str) -> int:
        row = self._one("SELECT count(*) FROM shuzhi_home_lines WHERE name = %s", (name,))
        return int(row[0]) if row else 0

    def size(self, name: str) -> int:
        """Bytes in the line file, as its file's size would say."""
        row = self._one(
            "SELECT coalesce(sum(octet_length(line)), 0) FROM shuzhi_home_lines WHERE name = %s",
            (name,),
        )
        return int(row[0]) if row else 0

    def lines(self, name: str) -> Iterator[tuple[int, bytes]]:
        """(number, line) up to the last line there when called: later appends are not seen."""
        end = self.line_count(name)
        after = 0
        while after < end:
            rows = self._all(
                "SELECT seq, line FROM shuzhi_home_lines WHERE name = %s AND seq > %s "
                "AND seq <= %s ORDER BY seq LIMIT %s",
                (name, after, end, _PAGE),
            )
            if not rows:
                return
            for seq, line in rows:
                yield int(seq), bytes(line)
            after = int(rows[-1][0])

    # -- locks ----------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold the file's exclusive lock for the block (waits for other holders). The lock
        keeps one connection for the block, and this thread's reads and writes in it use
        that connection; if the connection is lost, so is the lock, and the block fails."""
        key = _lock_key(name)
        with self._connection() as con:
            outer = getattr(self._local, "held", None) is None
            self._local.held = con
            try:
                con.execute("SELECT pg_advisory_lock(%s)", (key,))
                try:
                    yield
                finally:
                    with contextlib.suppress(psycopg.Error):
                        con.execute("SELECT pg_advisory_unlock(%s)", (key,))
            finally:
                if outer:
                    self._local.held = None

    # -- connections ----------------------------------------------------------

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._connection() as con:
            return con.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._connection() as con:
            return con.execute(sql, params).fetchall()

    def _run(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._connection() as con:
            con.execute(sql, params)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """A connection for one operation: the one this thread's lock holds, else one
        borrowed from the process's few. The error names the variable to look at, never
        the address or the password."""
        held = getattr(self._local, "held", None)
        if held is not None:
            try:
                yield held
            except psycopg.OperationalError as error:
                raise _down(error) from None
            return
        con = self._borrow()
        try:
            yield con
        except psycopg.OperationalError as error:
            self._give_back(con, broken=True)
            raise _down(error) from None
        except BaseException:
            self._give_back(con, broken=False)
            raise
        self._give_back(con, broken=False)

    def _borrow(self) -> psycopg.Connection[tuple[Any, ...]]:
        """An idle connection, or a new one while fewer than MAX_CONNECTIONS are out: a
        server's many threads share a few, and a database that is down fails at once
        (connect_timeout) instead of making each caller wait for a pool's retries."""
        if self._pid != os.getpid():  # a forked child never uses its parent's connections
            self._idle, self._slots, self._pid = [], _slots(), os.getpid()
        if not self._slots.acquire(timeout=_BORROW_WAIT_S):
            raise HomeDatabaseDown(
                f"the shared home database ({HOME_DATABASE_ENV}) is busy: no connection "
                f"came free within {_BORROW_WAIT_S:.0f} s"
            )
        with self._idle_lock:
            con = self._idle.pop() if self._idle else None
        if con is not None:
            return con
        try:
            con = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
            if not self._schema_ready:
                _create_tables(con)
                self._schema_ready = True
        except psycopg.Error as error:
            self._slots.release()
            raise _down(error) from None
        return con

    def _give_back(self, con: psycopg.Connection[tuple[Any, ...]], *, broken: bool) -> None:
        idle = con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        if broken or con.closed or not idle:
            with contextlib.suppress(psycopg.Error):
                con.close()
            if broken:  # the others were opened before the same outage: drop them too
                with self._idle_lock:
                    stale, self._idle = self._idle, []
                for other in stale:
                    with contextlib.suppress(psycopg.Error):
                        other.close()
        elif self._pid == os.getpid():
            with self._idle_lock:
                self._idle.append(con)
        self._slots.release()


def _down(error: Exception) -> HomeDatabaseDown:
    return HomeDatabaseDown(
        f"the shared home database ({HOME_DATABASE_ENV}) does not answer: {type(error).__name__}"
    )


def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(MAX_CONNECTIONS)


def _create_tables(con: psycopg.Connection[tuple[Any, ...]]) -> None:
    """Create the tables if missing; two processes starting at once take turns (CREATE
    TABLE IF NOT EXISTS alone can still collide on PostgreSQL's own catalogue)."""
    with con.transaction():
        con.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key("schema"),))
        con.execute(_SCHEMA)


def _lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key of its own for each shared file."""
    digest = hashlib.sha256(f"shuzhi-home:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


_databases: dict[str, HomeDatabase] = {}
_databases_lock = threading.Lock()
