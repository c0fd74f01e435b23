"""Group commit on its own: batching, order, and failure of a whole batch."""

import threading
from collections.abc import Sequence

from audit.group_commit import GroupCommit


class _Recorder:
    """A batch writer that records its batches; the first one waits until released."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.writing = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, batch: Sequence[int]) -> list[str]:
        self.writing.set()
        self.release.wait()
        self.batches.append(list(batch))
        return [f"written {n}" for n in batch]


def _commit_all(committer: GroupCommit[int, str], entries: range) -> dict[int, str]:
    results: dict[int, str] = {}
    threads = [
        threading.Thread(target=lambda n=n: results.__setitem__(n, committer.commit(n)))
        for n in entries
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_lone_entry_is_written_at_once_and_gets_its_own_result() -> None:
    recorder = _Recorder()
    committer: GroupCommit[int, str] = GroupCommit(recorder)
    assert committer.commit(7) == "written 7"
    assert committer.commit(8) == "written 8"
    assert recorder.batches == [[7], [8]]


def test_entries_that_arrive_during_a_write_share_the_next_write() -> None:
    recorder = _Recorder(hold_first=True)
    committer: GroupCommit[int, str] = GroupCommit(recorder)
    first = threading.Thread(target=committer.commit, args=(0,))
    first.start()
    recorder.writing.wait()  # entry 0 is being written; the rest queue behind it
    results: dict[int, str] = {}
    others = [
        threading.Thread(target=lambda n=n: results.__setitem__(n, committer.commit(n)))
        for n in range(1, 9)
    ]
    for thread in others:
        thread.start()
    while len(committer._queue) < 8:  # all eight wait for the write in progress
        threading.Event().wait(0.01)
    recorder.release.set()
    first.join()
    for thread in others:
        thread.join()

    assert len(recorder.batches) == 2  # one write for the first, one for the eight behind it
    assert recorder.batches[0] == [0]
    assert sorted(recorder.batches[1]) == list(range(1, 9))
    assert results == {n: f"written {n}" for n in range(1, 9)}


def test_every_entry_is_written_exactly_once_under_many_threads() -> None:
    recorder = _Recorder()
    committer: GroupCommit[int, str] = GroupCommit(recorder)
    results = _commit_all(committer, range(200))
    written = [n for batch in recorder.batches for n in batch]
    assert sorted(written) == list(range(200))
    assert results == {n: f"written {n}" for n in range(200)}


def test_a_failed_write_fails_every_entry_of_its_batch_and_the_next_write_goes_on() -> None:
    release = threading.Event()
    calls: list[list[int]] = []

    def failing_second(batch: Sequence[int]) -> list[str]:
        calls.append(list(batch))
        if len(calls) == 1:
            release.wait()  # hold the first write while the others queue
        if len(calls) == 2:
            raise OSError("disk full")
        return [f"written {n}" for n in batch]

    committer: GroupCommit[int, str] = GroupCommit(failing_second)
    first = threading.Thread(target=committer.commit, args=(0,))
    first.start()
    while not calls:
        threading.Event().wait(0.01)
    outcomes: dict[int, str] = {}

    def commit(n: int) -> None:
        try:
            outcomes[n] = committer.commit(n)
        except OSError as error:
            outcomes[n] = f"failed: {error}"

    queued = [threading.Thread(target=commit, args=(n,)) for n in range(1, 5)]
    for thread in queued:
        thread.start()
    while len(committer._queue) < 4:
        threading.Event().wait(0.01)
    release.set()
    first.join()
    for thread in queued:
        thread.join()

    assert sorted(calls[1]) == [1, 2, 3, 4]
    assert outcomes == {n: "failed: disk full" for n in range(1, 5)}  # none acknowledged
    assert committer.commit(5) == "written 5"
