"""The values a product's named parameters take in one build."""

from __future__ import annotations

import datetime as dt

from catalog.contracts import ProductContract


def parameter_values(product: ProductContract, today: dt.date) -> dict[str, object]:
    """``{name: value}`` for every parameter the contract declares.

    ``today`` is the build date, ``threshold`` the suppression threshold; any
    other parameter is the constant the contract gives (a date as ISO text).
    """
    values: dict[str, object] = {}
    for name, parameter in product.parameters.items():
        if name == "today":
            values[name] = today
        elif name == "threshold":
            assert product.suppression is not None  # the contract checks it
            values[name] = product.suppression.threshold
        elif parameter.type == "date" and isinstance(parameter.value, str):
            values[name] = dt.date.fromisoformat(parameter.value)
        else:
            values[name] = parameter.value
    return values


def shown(values: dict[str, object]) -> dict[str, object]:
    """The values as an audit event or Dagster metadata keeps them (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
