"""The departments' HTTP APIs, served on loopback while the demo (or a test) syncs them.

``serve_department_apis`` starts the market-regulation register's API and the WeChat
mini-program's, and yields the environment the hub's source configs read their URLs
and credentials from (``config/departments/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from demo.enterprise_api import EnterpriseApiServer
from demo.wechat_api import KEY_FILE, STORE_FILE, WechatApiServer
from home.layout import Home

ENTERPRISE_TOKEN_FILE = "market_regulation/api_token"
ENTERPRISE_STORE_FILE = "market_regulation/enterprises.jsonl"
# The variables the department configs name (never the secrets themselves).
MARKET_URL, MARKET_TOKEN = "SHUZHI_MARKET_API_URL", "SHUZHI_MARKET_API_TOKEN"
WECHAT_URL, WECHAT_KEY = "SHUZHI_WECHAT_API_URL", "SHUZHI_WECHAT_API_KEY"


def _secret(home: Home, relative: str) -> str:
    return (home.departments / relative).read_text(encoding="utf-8").strip()


@contextmanager
def serve_department_apis(home: Home) -> Iterator[dict[str, str]]:
    """Both APIs of a generated district; yields {variable: value} for the hub's sources."""
    token = _secret(home, ENTERPRISE_TOKEN_FILE)
    key = _secret(home, KEY_FILE)
    with (
        EnterpriseApiServer(home.departments / ENTERPRISE_STORE_FILE, token) as market,
        WechatApiServer(home.departments / STORE_FILE, key) as wechat,
    ):
        yield {MARKET_URL: market.url, MARKET_TOKEN: token, WECHAT_URL: wechat.url, WECHAT_KEY: key}
