"""Serve the hub's API for the benchmark: ``python -m bench.api_server --port P``.

A process of its own, as `shuzhi serve` runs, so the load generator and the
bench share no interpreter with it. The per-caller limits are lifted (one
bench client makes every call) and 16 statements may run in the room at once,
one per concurrent client; everything else — keys, decisions, the audit event
of every call — is the service as deployed.
"""

from __future__ import annotations

import argparse
import dataclasses

LIFTED_LIMITS = {"requests_per_minute": 10**9, "rows_per_day": 10**12}
BENCH_QUERIES_PER_ROOM = 16


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    import uvicorn

    from pipelines.hub import Hub
    from service.app import create_app
    from service.context import ServiceSettings
    from service.logs import log_config

    # Lift each per-caller limit this version of the service has (a daily row quota
    # arrives with issue 14's limits), so the load measures the work, not the refusals.
    known = {f.name for f in dataclasses.fields(ServiceSettings)}
    lifted = {k: v for k, v in LIFTED_LIMITS.items() if k in known}
    settings = ServiceSettings(queries_per_room=BENCH_QUERIES_PER_ROOM, **lifted)  # type: ignore[arg-type]
    app = create_app(Hub.from_env(), settings)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_config=log_config(),  # the access log line of every call, as `shuzhi serve` writes
        access_log=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
