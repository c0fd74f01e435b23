"""Time zone names in configuration: checked when the file loads."""

from __future__ import annotations

import zoneinfo


def check_time_zone(value: str) -> str:
    """``value`` when it names a time zone (Asia/Shanghai, UTC); ValueError otherwise."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name such as Asia/Shanghai") from None
    return value
