"""How data leaves a department system. Connectors know nothing of policies.

Every connector yields :class:`connectors.batch.SourceBatch` objects: Arrow
record batches of the source's values as text (the raw layer is an exact copy)
plus each row's position in the source, so any row can be traced back.
"""
