"""Verify a log with its signed checkpoints, and against an exported copy of them.

Each kind of tampering shows in its own place:

- a changed, inserted, removed or reordered line, hashes left alone: the chain
  breaks on that line (``audit.verify``);
- the same with every later hash recomputed: the chain holds, but at the next
  checkpoint's seq the hash is not the one that was signed; the change lies
  between the last checkpoint that matched and that one;
- the tail cut off: the log ends before the seq the last checkpoint signed;
- a checkpoint altered, forged with another key, removed or reordered: its
  signature, key id, number or link to the one before it;
- the checkpoint file cut back or replaced together with the log: the exported
  copy holds checkpoints the file lacks, or different ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audit.checkpoints import (
    Checkpoint,
    CheckpointProblem,
    checkpoint_lines,
    checkpoints_path,
    read_checkpoints,
    read_export,
)
from audit.verify import Anchor, verify


@dataclass(frozen=True)
class SealedResult:
    events: int
    head_hash: str | None
    checkpoints: int
    unsealed: int  # events after the last checkpoint, not yet under a signature
    problems: list[str] = field(default_factory=list)
    line: int | None = None  # the log's line where the chain or a checkpoint broke

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_sealed(
    log_path: Path,
    trusted_keys: dict[str, str],
    *,
    against: Path | None = None,
    require_checkpoints: bool = True,
) -> SealedResult:
    """Every problem found, each naming a line, seq or checkpoint number."""
    problems: list[str] = []
    cp_path = checkpoints_path(log_path)
    keys = dict(trusted_keys)
    exported: list[Checkpoint] = []
    if against is not None:
        try:
            export_lines, export_keys = read_export(against)
        except CheckpointProblem as unreadable:
            problems.append(str(unreadable))
            export_lines, export_keys = [], {}
        # The exported copy is kept apart from the hub: its public keys are trusted too.
        keys.update(export_keys)
        exported, problem = read_checkpoints(export_lines, keys, where=f"exported copy {against}")
        if problem:
            problems.append(problem)
    local, problem = read_checkpoints(checkpoint_lines(cp_path), keys, where=str(cp_path))
    if problem:
        problems.append(problem)
    problems += _compare(local, exported, cp_path)

    anchors: dict[int, Anchor] = {}
    for checkpoint in local:
        anchors[checkpoint.seq] = Anchor(
            checkpoint.seq,
            checkpoint.hash,
            f"checkpoint #{checkpoint.n} ({cp_path.name} line {checkpoint.line}, "
            f"signed {checkpoint.at})",
        )
    for checkpoint in exported:  # the kept-apart copy wins where the two disagree
        anchors[checkpoint.seq] = Anchor(
            checkpoint.seq,
            checkpoint.hash,
            f"checkpoint #{checkpoint.n} of the exported copy (signed {checkpoint.at})",
        )
    chain = verify(log_path, anchors)
    if not chain.ok:
        problems.append(f"{log_path}: {chain.problem}")
    if require_checkpoints and chain.events and not local and not exported:
        problems.append(
            f"the log has {chain.events} events but {cp_path} holds no signed checkpoint: "
            "the checkpoint file was removed or emptied"
        )
    last_signed = max(anchors) if anchors else 0
    return SealedResult(
        events=chain.events,
        head_hash=chain.head_hash,
        checkpoints=len(local),
        unsealed=max(0, chain.events - last_signed),
        problems=problems,
        line=chain.line,
    )


def _compare(local: list[Checkpoint], exported: list[Checkpoint], cp_path: Path) -> list[str]:
    """The first checkpoint of the exported copy that the file lacks or signs otherwise.

    One naming another seq or hash is reported before one that differs only in its time
    or signature: that is where the log's content moved.
    """
    by_number = {checkpoint.n: checkpoint for checkpoint in local}
    reworded: str | None = None
    for checkpoint in exported:
        mine = by_number.get(checkpoint.n)
        if mine is None:
            return [
                f"checkpoint #{checkpoint.n} (seq {checkpoint.seq}) is in the exported copy "
                f"but not in {cp_path}: the checkpoint file was cut back or replaced"
            ]
        if (mine.seq, mine.hash) != (checkpoint.seq, checkpoint.hash):
            return [
                f"checkpoint #{checkpoint.n} in {cp_path} line {mine.line} signs seq {mine.seq} "
                f"hash {mine.hash[:12]}… but differs from the exported copy (seq "
                f"{checkpoint.seq} hash {checkpoint.hash[:12]}…): the checkpoint file was rewritten"
            ]
        if reworded is None and mine.text != checkpoint.text:
            reworded = (
                f"checkpoint #{checkpoint.n} in {cp_path} line {mine.line} differs from the "
                "exported copy (same seq and hash, other time or signature): it was re-signed"
            )
    return [reworded] if reworded else []
