"""The Dagster graph. ``pipelines.definitions`` is what workspace.yaml loads.

``pipelines.steps`` holds the plain functions every asset calls (and the
command line too); importing it does not import Dagster.
"""
