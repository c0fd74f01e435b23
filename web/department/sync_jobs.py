"""A sync a person starts on a source's page: ``shuzhi sources sync NAME`` itself, in a
subprocess, so the page answers at once and the sync runs exactly as the command line's.

One at a time per source: a second request while this process runs one, or while the
source's sync lock (lakehouse.sync_lock) is held by another process (a schedule, the
CLI), is refused. Each request is a ``sync_request`` audit event naming the person,
principal and source (started or refused), and another when the sync ends (ok or failed);
the sync's own ``sync`` and ``stage`` events follow as from the command line.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Literal

from identity.models import Identity
from lakehouse.sync_lock import busy_sources
from pipelines.hub import Hub

AUDIT_KIND = "sync_request"
_SUMMARY_LINES = 6  # the command's last lines, shown on the page as the outcome

State = Literal["running", "ok", "failed"]


class SyncBusy(RuntimeError):
    """A sync of this source is running already; no second one was started."""


@dataclass
class SyncJob:
    source: str
    by: str  # the person behind it, as the audit log names them
    principal: str
    started_at: dt.datetime
    state: State = "running"
    finished_at: dt.datetime | None = None
    summary: list[str] = field(default_factory=list)


class SyncJobs:
    """The syncs started from the pages of this service, newest per source."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[tuple[str, str], SyncJob] = {}

    def latest(self, hub: Hub, source: str) -> SyncJob | None:
        with self._lock:
            return self._jobs.get((str(hub.home.root), source))

    def start(self, hub: Hub, source: str, identity: Identity) -> SyncJob:
        """Start the source's sync in the background, or raise ``SyncBusy``."""
        key = (str(hub.home.root), source)
        who = {"source": source, "principal": identity.principal, "by": identity.audit_name}
        with self._lock:
            held = self._jobs.get(key)
            if (held is not None and held.state == "running") or source in busy_sources(
                hub.home.state
            ):
                reason = "a sync of this source is running already"
                hub.audit.append(
                    AUDIT_KIND, identity.principal, {**who, "outcome": "refused", "reason": reason}
                )
                raise SyncBusy(f"{source}: {reason}; its outcome shows here when it ends")
            job = SyncJob(source, identity.audit_name, identity.principal, _now())
            process = subprocess.Popen(
                [sys.executable, "-m", "cli.main", "sources", "sync", source],
                env={**os.environ, "SHUZHI_HOME": str(hub.home.root),
                     "SHUZHI_CONFIG": str(hub.config), "COLUMNS": "200"},
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            self._jobs[key] = job
            hub.audit.append(AUDIT_KIND, identity.principal, {**who, "outcome": "started"})
        threading.Thread(
            target=self._watch, args=(hub, job, process, who), daemon=True, name=f"sync-{source}"
        ).start()
        return job

    def _watch(
        self, hub: Hub, job: SyncJob, process: subprocess.Popen[str], who: dict[str, str]
    ) -> None:
        out, err = process.communicate()
        ok = process.returncode == 0
        # Success: the command's result lines (batches, read = loaded + quarantined).
        # Failure: its one-line error, the last on stderr (the progress bar is there too).
        lines = [line.strip() for line in (out if ok else err).splitlines() if line.strip()]
        with self._lock:
            job.summary = lines[-_SUMMARY_LINES:] if ok else lines[-1:]
            job.finished_at = _now()
            job.state = "ok" if ok else "failed"
        hub.audit.append(
            AUDIT_KIND,
            job.principal,
            {**who, "outcome": job.state, "exit_code": process.returncode},
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


SYNC_JOBS = SyncJobs()
