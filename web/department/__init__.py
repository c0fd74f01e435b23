"""The department pages: a department's own sources, their syncs and reconciliation, and a
new source's YAML checked as the catalogue loader checks it."""

# As GET /api/v1/sources: a sync holds the lakehouse while it writes; a page waits this long
# for it, then says the figures come when the sync has finished.
LAKE_WAIT_S = 5.0
