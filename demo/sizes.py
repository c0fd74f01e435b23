"""How big a generated district is."""

from __future__ import annotations

from dataclasses import dataclass

MINIMUM_ROWS = 50


def _scaled(base: int, scale: float) -> int:
    return max(MINIMUM_ROWS, round(base * scale))


@dataclass(frozen=True)
class DistrictSize:
    """Rows written per source (dirty and duplicate rows included)."""

    residents: int
    enterprises: int
    cases: int
    assistance: int
    visits: int = MINIMUM_ROWS  # the street offices' home-visit records
    social_organisations: int = MINIMUM_ROWS

    @classmethod
    def demo(cls, scale: float = 1.0) -> DistrictSize:
        """A district small enough to explore on a laptop."""
        return cls(
            residents=_scaled(20_000, scale),
            enterprises=_scaled(2_000, scale),
            cases=_scaled(6_000, scale),
            assistance=_scaled(1_500, scale),
            visits=_scaled(2_000, scale),
            social_organisations=_scaled(300, scale),
        )

    @classmethod
    def bench(cls, scale: float = 1.0) -> DistrictSize:
        """A district the size of a real one, for throughput benchmarks."""
        return cls(
            residents=_scaled(1_000_000, scale),
            enterprises=_scaled(100_000, scale),
            cases=_scaled(1_000_000, scale),
            assistance=_scaled(50_000, scale),
            visits=_scaled(40_000, scale),
            social_organisations=_scaled(5_000, scale),
        )
