"""The query gateway: one checked read statement against a principal's locked data room."""
