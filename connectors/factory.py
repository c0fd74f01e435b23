"""Pick the connector for a configured source."""

from __future__ import annotations

from connectors.config import AnySource, HttpJsonSource, SqlSource
from connectors.files import FileDropConnector
from connectors.http_json import HttpJsonConnector
from connectors.sql import SqlConnector


def connector_for(
    source: AnySource,
) -> SqlConnector | HttpJsonConnector | FileDropConnector:
    if isinstance(source, SqlSource):
        return SqlConnector(source)
    if isinstance(source, HttpJsonSource):
        return HttpJsonConnector(source)
    return FileDropConnector(source)
