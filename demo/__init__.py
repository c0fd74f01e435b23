"""The demo district: simulated department systems for a district in config/district.yaml.

``generate_district`` writes, deterministically for a seed and a size, the four
department systems the hub pulls from (a population SQL database, an enterprise
HTTP API store, 12345 case file drops, a civil-affairs Excel roll), with
realistic, counted dirt so that the pipeline can be reconciled exactly.
"""
