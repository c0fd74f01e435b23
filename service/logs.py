"""Logging for ``shuzhi serve``: uvicorn's own lines and our access log, to stderr."""

from __future__ import annotations

from typing import Any


def log_config() -> dict[str, Any]:
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            # uvicorn's own access log carries the raw path and query string: off.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "shuzhi.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }
