"""Prometheus metrics of the API: calls, latency, rows and bytes delivered."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class ApiMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        # Labels are route templates and principals, never raw paths or values.
        self.calls = Counter(
            "shuzhi_api_calls", "API calls", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "shuzhi_api_latency_seconds",
            "API call latency",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.rows = Counter(
            "shuzhi_api_rows", "Rows delivered", ["principal"], registry=self.registry
        )
        self.bytes = Counter(
            "shuzhi_api_bytes", "Response bytes delivered", ["principal"], registry=self.registry
        )

    def text(self) -> bytes:
        return generate_latest(self.registry)
