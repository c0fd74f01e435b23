"""The street office's page routers, in menu order."""

from __future__ import annotations

from web.street.routes_home import router as home
from web.street.routes_products import router as products
from web.street.routes_requests import router as requests
from web.street.routes_sql import router as sql

ROUTERS = (home, products, sql, requests)
