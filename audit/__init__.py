"""Append-only, hash-chained audit log: who did what, provably unaltered.

Import from the modules themselves (``audit.log``, ``audit.verify``, ``audit.events``):
the package imports nothing, so a light module of it (``audit.operator``, which the
CLI sets at start-up) does not load the event schemas, the log and its crypto.
"""
