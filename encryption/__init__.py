"""Field-level protection applied before anything reaches the lakehouse.

- ``master_key``: where the master key comes from (key file, environment; pluggable).
- ``keystore``: data keys and token keys, wrapped by the master key, outside the lakehouse.
- ``field_cipher``: AES-GCM sealing of whole Arrow string columns, bound to dataset and column.
- ``normalisers``: the canonical spelling of each identifier domain.
- ``tokens``: deterministic keyed tokens, so datasets join on identifiers nobody can read.
"""
