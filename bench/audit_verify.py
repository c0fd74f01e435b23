"""The audit stage: verify a log of a million events, with its signed checkpoints.

The log is made quickly by sealing lines straight into the file (no fsync per
event: that is the appender's cost, not verify's), with a checkpoint signed every
``DEFAULT_EVERY`` events as the appender would. Then ``verify_sealed`` reads it as
``shuzhi audit verify`` does. Target: under a minute for 1,000,000 events.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from audit.checkpoints import DEFAULT_EVERY, Checkpointing, CheckpointWriter, read_last_checkpoint
from audit.events import GENESIS_HASH, seal
from audit.sealed_verify import verify_sealed
from audit.signing_key import load_signing_key, trusted_public_keys
from bench.meter import Stage, measure

GROUP = "audit"
EVENTS = 1_000_000
_FLUSH_EVERY = 10_000


def write_sealed_log(folder: Path, events: int, every: int = DEFAULT_EVERY) -> Path:
    """A chained log of ``events`` query-like events in ``folder/audit``, checkpointed."""
    log_path = folder / "audit" / "audit.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.unlink(missing_ok=True)
    writer = CheckpointWriter(log_path, Checkpointing(folder / "keys", every=every))
    writer.path.unlink(missing_ok=True)
    key = load_signing_key(folder / "keys")
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    prev = GENESIS_HASH
    pending: list[str] = []
    with open(log_path, "w", encoding="utf-8") as out:
        for seq in range(1, events + 1):
            now = start + dt.timedelta(milliseconds=seq)
            event = seal(
                seq=seq,
                at=now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                kind="query",
                actor=f"street_{seq % 40:02d}",
                details={
                    "principal": f"street_{seq % 40:02d}",
                    "purpose": "monthly report",
                    "statement": "SELECT category, count(*) FROM street_case_stats GROUP BY ?",
                    "outcome": "answered",
                    "products": ["street_case_stats"],
                    "grants": ["g-0001"],
                    "rows": seq % 500,
                    "truncated": False,
                },
                prev_hash=prev,
            )
            prev = event.hash
            pending.append(event.to_line())
            if seq == 1 or seq % every == 0 or seq == events:
                out.write("".join(pending))
                pending.clear()
                out.flush()
                writer.write(read_last_checkpoint(writer.path), key, seq=seq, head=prev, now=now)
            elif len(pending) >= _FLUSH_EVERY:
                out.write("".join(pending))
                pending.clear()
    return log_path


def audit_verify(folder: Path, events: int = EVENTS) -> list[Stage]:
    """Two stages: making the log (for scale), and verifying it (the one with a target)."""
    made = Stage("write sealed log (no fsync)", GROUP, rows=events)
    with measure(made):  # time and peak memory, as every stage reports them
        log_path = write_sealed_log(folder, events)
    checked = Stage(f"verify {events:,} events + checkpoints", GROUP, rows=events)
    cpu = time.process_time()
    with measure(checked):
        result = verify_sealed(log_path, trusted_public_keys(folder / "keys"))
    # CPU time too: on a shared machine the wall time says more about the neighbours.
    checked.extra["cpu_seconds"] = time.process_time() - cpu
    if not result.ok:
        raise RuntimeError(f"the generated audit log did not verify: {result.problems}")
    checked.note = f"{result.checkpoints} checkpoints, {log_path.stat().st_size / 1e6:.0f} MB"
    return [made, checked]
