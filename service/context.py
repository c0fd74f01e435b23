"""What every request handler shares: the hub, its gateway and the service's limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from gateway.room_worker import RoomLimits
from gateway.service import QueryGateway
from pipelines.hub import Hub
from service.metrics import ApiMetrics
from service.rate_limits import RateLimiter, RoomSlots


@dataclass
class ServiceSettings:
    max_body_bytes: int = 1024 * 1024  # a query or a request form, never a file upload
    requests_per_minute: int = 600  # per person or client
    queries_per_room: int = 4  # statements running at once in one principal's room
    page_rows_max: int = 1000
    limits: RoomLimits = field(default_factory=RoomLimits)


@dataclass
class ServiceContext:
    hub: Hub
    settings: ServiceSettings
    limiter: RateLimiter
    rooms: RoomSlots
    metrics: ApiMetrics

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
