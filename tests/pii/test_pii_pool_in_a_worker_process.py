"""A step worker (a process multiprocessing started, as Dagster's multiprocess executor
does) that used the PII workers ends when its work is done. It runs no atexit handler
and waits for its children at its end, so the pool's idle workers once kept it alive
for ever: a two-worker run hung after its case texts were protected."""

import multiprocessing

from pii.parallel import prestart


def _step_that_used_the_pool() -> None:
    ready = prestart(2)
    assert ready is not None and ready.result(timeout=120)


def test_a_worker_process_that_used_the_pii_pool_ends() -> None:
    step = multiprocessing.get_context("spawn").Process(target=_step_that_used_the_pool)
    step.start()
    step.join(timeout=120)
    alive = step.is_alive()
    if alive:
        step.kill()
    assert not alive and step.exitcode == 0
