"""``shuzhi serve``: the hub's authenticated HTTP API (FastAPI on uvicorn)."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8300, "--port", help="Port to listen on."),
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
