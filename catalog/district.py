"""The district's geography: streets, communities and grid cells.

Reference data that products group by and that street-office jurisdictions
are drawn from; loaded from ``district.yaml`` in the configuration folder.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog import yaml_text
from catalog.errors import load_model
from catalog.time_zones import check_time_zone


class Community(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^\d{12}$")
    name: str
    grids: int = Field(ge=1, le=99)
    # Place names inside the community, to locate a text that names no community
    # (a Weibo post): roads may run through several communities, compounds lie in one.
    roads: list[str] = Field(default_factory=list)
    compounds: list[str] = Field(default_factory=list)

    @property
    def grid_codes(self) -> list[str]:
        return [f"{self.code}{n:03d}" for n in range(1, self.grids + 1)]


class Street(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^\d{9}$")
    name: str
    communities: list[Community]


class DistrictInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^\d{6}$")
    name: str
    # The zone the hub's times are kept in (naive, local); channels writing another
    # zone or UTC are converted to it at staging.
    timezone: str = "Asia/Shanghai"

    _zone = field_validator("timezone")(check_time_zone)


class District(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))
    district: DistrictInfo
    streets: list[Street]

    @cached_property
    def communities(self) -> list[tuple[Street, Community]]:
        return [(s, c) for s in self.streets for c in s.communities]

    @cached_property
    def community_by_name(self) -> dict[str, tuple[Street, Community]]:
        return {c.name: (s, c) for s, c in self.communities}

    @cached_property
    def community_by_code(self) -> dict[str, tuple[Street, Community]]:
        return {c.code: (s, c) for s, c in self.communities}

    @model_validator(mode="after")
    def _compounds_in_one_community(self) -> District:
        seen: dict[str, str] = {}
        for street in self.streets:
            for community in street.communities:
                for compound in community.compounds:
                    if compound in seen:
                        raise ValueError(
                            f"compound {compound!r} is listed under {seen[compound]} and "
                            f"{community.name}; a compound lies in one community"
                        )
                    seen[compound] = community.name
        return self

    def street(self, code: str) -> Street:
        for street in self.streets:
            if street.code == code:
                return street
        raise KeyError(code)


def load_district(config_dir: Path) -> District:
    path = config_dir / "district.yaml"
    return load_model(District, path, yaml_text.safe_load(path.read_text(encoding="utf-8")))
