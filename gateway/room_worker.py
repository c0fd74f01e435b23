"""Run one statement on a data room in a worker process the gateway can kill.

DuckDB checks for interruption only between chunks, so a scalar function on
one huge value runs on past any timer; and one huge value can outgrow the
room's memory limit several times. Statements therefore run in a worker
process with an address-space limit, and the gateway kills it at the
deadline. The worker first sends the tables DuckDB's plan will read; it runs
the statement only once the gateway has decided on exactly those tables.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from gateway.query_outcomes import QueryFailed, QueryResult, QueryStopped, QueryTimeout
from gateway.statement import StatementRefused

if TYPE_CHECKING:
    from gateway.warm_room import WarmRoom

_MAX_BATCH_ROWS = 8192


@dataclass(frozen=True)
class RoomLimits:
    """What one statement may take. Every one of them binds."""

    row_limit: int = 10_000
    timeout_s: float = 30.0
    # DuckDB's own limit for its buffers, and the worker's whole address space:
    # values DuckDB does not count against the first still meet the second.
    duckdb_memory: str = "512MB"
    worker_memory_bytes: int = 2 * 1024**3
    max_result_bytes: int = 64 * 1024**2

    def __post_init__(self) -> None:
        if self.row_limit < 0:
            raise ValueError("row_limit must not be negative")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")


def run_in_worker(
    room: Path, sql: str, limits: RoomLimits, approve: Callable[[list[str]], None]
) -> QueryResult:
    """Plan in a worker, let ``approve`` see the tables (it raises to refuse), run.

    Raises StatementRefused, QueryFailed, or QueryStopped / QueryTimeout for a limit.
    """
    deadline = time.monotonic() + limits.timeout_s
    worker = _POOL.take(limits.worker_memory_bytes, room)
    reusable = False
    try:
        worker.conn.send(("query", str(room), sql, limits))
        tables = _expect(worker, "plan", deadline, limits)
        try:
            approve(tables)
        except BaseException:
            worker.conn.send(("stop",))
            reusable = True
            raise
        worker.conn.send(("run",))
        ipc, truncated = _expect(worker, "rows", deadline, limits)
        reusable = True
        with pa.ipc.open_stream(ipc) as reader:
            table = reader.read_all()
        return QueryResult(table, truncated, tables)
    except QueryStopped as stopped:
        reusable = stopped.limit == "size"
        raise
    except (StatementRefused, QueryFailed):
        reusable = True  # the worker answered; it is ready for the next statement
        raise
    finally:
        _POOL.give_back(worker) if reusable else worker.end()


class _Worker:
    """One worker process and the socket the gateway speaks to it over."""

    def __init__(self, memory_bytes: int) -> None:
        ours, theirs = socket.socketpair()
        self.memory_bytes = memory_bytes
        self.room: Path | None = None  # the room it last opened, and keeps open
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gateway.room_worker", str(theirs.fileno()), str(memory_bytes)],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            env=_worker_environment(),
        )
        theirs.close()
        self.conn = Connection(ours.detach())

    def end(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        self.conn.close()


def _worker_environment() -> dict[str, str]:
    """What a worker needs to start Python, and nothing else: no master key, no
    credentials, no home path reach a process that runs a user's statement."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "VIRTUAL_ENV", "PYTHONPATH")
    return {name: os.environ[name] for name in keep if name in os.environ}


class _Pool:
    """Idle workers, reused from one statement to the next; a stopped one is never reused.

    A fresh worker costs an interpreter start and DuckDB's import (a few tenths
    of a second), so a worker serves statement after statement, keeping its last
    room open while the file is unchanged (gateway.warm_room), until a limit
    kills it.
    """

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self.idle: list[_Worker] = []
        self.lock = threading.Lock()
        atexit.register(self.close)

    def take(self, memory_bytes: int, room: Path) -> _Worker:
        """An idle worker, one that has ``room`` open already if there is one."""
        with self.lock:
            fitting = [w for w in self.idle if w.memory_bytes == memory_bytes]
            # The room's own workers first; only the one chosen is asked whether it lives.
            for worker in sorted(fitting, key=lambda w: w.room != room):
                self.idle.remove(worker)
                if worker.process.poll() is None:
                    worker.room = room
                    return worker
                worker.end()  # died idle: reap it
        worker = _Worker(memory_bytes)
        worker.room = room
        return worker

    def give_back(self, worker: _Worker) -> None:
        with self.lock:
            if len(self.idle) < self.keep and worker.process.poll() is None:
                self.idle.append(worker)
                return
        worker.end()

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.end()


_POOL = _Pool()


def set_pool_size(idle_workers: int) -> None:
    """How many idle workers to keep warm (a service answering many callers keeps more)."""
    _POOL.keep = max(1, idle_workers)


def _expect(worker: _Worker, kind: str, deadline: float, limits: RoomLimits) -> Any:
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not worker.conn.poll(remaining):
        raise QueryTimeout(f"The query ran longer than {limits.timeout_s:g} s and was stopped.")
    try:
        message = worker.conn.recv()
    except (EOFError, OSError):
        # The worker died without a word: the kernel refused it memory.
        raise QueryStopped("memory", _MEMORY_MESSAGE) from None
    tag, *rest = message
    if tag == kind:
        return rest[0] if len(rest) == 1 else tuple(rest)
    if tag == "refused":
        raise StatementRefused(rest[0])
    if tag == "stopped":
        raise QueryStopped(rest[0], rest[1])
    raise QueryFailed(rest[0] if rest else "the query failed")


# --- inside the worker ---------------------------------------------------------------


def _serve_forever(conn: Connection) -> None:
    """Answer statements until the gateway goes away."""
    from gateway.warm_room import WarmRoom

    warm = WarmRoom()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request[0] == "query":
            _, room, sql, limits = request
            _serve(conn, warm, Path(room), sql, limits)


def _serve(conn: Connection, warm: WarmRoom, room: Path, sql: str, limits: RoomLimits) -> None:
    import duckdb

    from gateway.plan_reads import tables_read
    from gateway.room_connection import single_select

    try:
        try:
            opened = warm.connection(room, limits.duckdb_memory)
            single_select(opened.con, sql)
            conn.send(("plan", tables_read(opened.con, sql, opened.tables)))
            if conn.recv() != ("run",):
                return
            conn.send(("rows", *_rows(opened.con, sql, limits)))
        except BaseException:
            warm.close()  # a connection a statement failed on is not reused
            raise
    except StatementRefused as refusal:
        conn.send(("refused", refusal.reason))
    except MemoryError:
        conn.send(("stopped", "memory", _MEMORY_MESSAGE))
    except _TooLarge as too_large:
        conn.send(("stopped", "size", str(too_large)))
    except (duckdb.Error, pa.ArrowException, FileNotFoundError) as error:
        if isinstance(error, duckdb.OutOfMemoryException):
            conn.send(("stopped", "memory", _MEMORY_MESSAGE))
        else:
            conn.send(("failed", _first_line(error)))


_MEMORY_MESSAGE = "The query needed more memory than a query may use and was stopped."


class _TooLarge(Exception):
    pass


def _rows(con: Any, sql: str, limits: RoomLimits) -> tuple[bytes, bool]:
    """At most row_limit rows as Arrow IPC bytes, never more than max_result_bytes."""
    con.execute(sql)
    reader = con.to_arrow_reader(min(limits.row_limit + 1, _MAX_BATCH_ROWS))
    batches: list[pa.RecordBatch] = []
    seen = 0
    size = 0
    for batch in reader:
        batches.append(batch)
        seen += batch.num_rows
        size += batch.nbytes
        if size > limits.max_result_bytes:
            raise _TooLarge(
                f"The answer is larger than {limits.max_result_bytes // 1024**2} MB; "
                "select fewer rows or columns."
            )
        if seen > limits.row_limit:
            break
    table = pa.Table.from_batches(batches, schema=reader.schema).slice(0, limits.row_limit)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes(), seen > limits.row_limit


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


if __name__ == "__main__":
    # python -m gateway.room_worker FD MEMORY_BYTES: started by _Worker, never by hand.
    _fd, _memory = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (_memory, _memory))
    _serve_forever(Connection(_fd))
