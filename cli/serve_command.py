"""``shuzhi serve``: the hub's authenticated HTTP API (FastAPI on uvicorn)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8300, "--port", help="Port to listen on."),
    rooms_refresh: float = typer.Option(
        300.0,
        "--rooms-refresh",
        min=1.0,
        help="With rooms of this server's own (SHUZHI_ROOMS_DIR): seconds between looks "
        "for new data in the lakehouse.",
    ),
) -> None:
    """Serve the pages at http://HOST:PORT/ and the API at /api/v1 (OpenAPI at
    /api/v1/openapi.json)."""
    import uvicorn

    from audit.log import set_operator
    from pipelines.hub import Hub
    from service.app import create_app
    from service.context import ServiceSettings
    from service.logs import log_config

    set_operator(None)  # the service's events name the person or client, never the operator
    hub = Hub.from_env()
    if hub.home.own_rooms is not None:
        from service.own_rooms import build_own_rooms, keep_own_rooms_current

        reports = build_own_rooms(hub)
        rebuilt = sum(not r.reused for r in reports)
        typer.echo(
            f"rooms in {hub.home.rooms}: {len(reports)} ({rebuilt} built from the lakehouse, "
            f"{len(reports) - rebuilt} already current); looking again every {rooms_refresh:g} s",
            err=True,
        )
        keep_own_rooms_current(hub, rooms_refresh)
    app = create_app(hub, ServiceSettings.from_config(hub.config))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"Shuzhi 数治: open http://{shown}:{port}/ to sign in (API at /api/v1)", err=True)
    # Graceful shutdown: on SIGTERM uvicorn stops accepting and lets calls finish.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=log_config(),
        access_log=False,  # service.call_record writes the access log, without query strings
        timeout_graceful_shutdown=30,
        server_header=False,
    )
