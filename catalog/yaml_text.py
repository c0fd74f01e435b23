"""Read the configuration's YAML with libyaml's parser when PyYAML has it.

Every command reads the contracts; the pure-Python parser took most of a second on the
category trees alone. The C parser builds the same Python values with the same safe
constructor (plain data, no tags run).
"""

from __future__ import annotations

from typing import Any

import yaml

_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load(text)``, through the C parser when it is there."""
    return yaml.load(text, Loader=_SAFE_LOADER)
