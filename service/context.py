"""What every request handler shares: the hub, its gateway and the service's limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from fastapi import Request

from gateway.room_worker import RoomLimits
from gateway.service import QueryGateway
from pipelines.hub import Hub
from service.metrics import ApiMetrics
from service.rate_limits import DailyRows, RateLimiter, RoomSlots
from service.redis_limits import RedisDailyRows, RedisRateLimiter


@dataclass
class ServiceSettings:
    max_body_bytes: int = 1024 * 1024  # a query or a request form, never a file upload
    requests_per_minute: int = 600  # per person or client
    queries_per_room: int = 4  # statements running at once in one principal's room
    page_rows_max: int = 1000
    rows_per_day: int = 1_000_000  # per person or client
    limits: RoomLimits = field(default_factory=RoomLimits)

    @classmethod
    def from_config(cls, config: Path) -> ServiceSettings:
        """The limits in ``config/api.yaml`` (missing keys keep their defaults)."""
        path = config / "api.yaml"
        raw = yaml.safe_load(path.read_text("utf-8")) if path.exists() else {}
        raw = raw or {}
        known = {"max_body_bytes", "requests_per_minute", "rows_per_day", "queries_per_room",
                 "page_rows_max"}  # fmt: skip
        unknown = set(raw) - known - {"query_timeout_s"}
        if unknown:
            raise ValueError(f"{path.name}: unknown settings {sorted(unknown)}")
        settings = cls()
        for key in known & set(raw):
            setattr(settings, key, int(raw[key]))
        if "query_timeout_s" in raw:
            settings.limits = RoomLimits(timeout_s=float(raw["query_timeout_s"]))
        return settings


@dataclass
class ServiceContext:
    hub: Hub
    settings: ServiceSettings
    limiter: RateLimiter | RedisRateLimiter
    rooms: RoomSlots
    metrics: ApiMetrics
    quota: DailyRows | RedisDailyRows

    @property
    def gateway(self) -> QueryGateway:
        # Made per call: policies and the catalogue are read as they are now.
        return QueryGateway(
            self.hub.catalog,
            self.hub.policies,
            self.hub.home.rooms,
            self.hub.audit,
            limits=self.settings.limits,
        )


def context_of(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context
