"""Settings shared by the demo's Excel workbooks."""

from __future__ import annotations

import datetime as dt

# A fixed creation time keeps workbooks byte-identical between runs of one seed.
FIXED_PROPERTIES = {
    "author": "示范区",
    "created": dt.datetime(2026, 11, 20, 18, 0, 0),
}
