"""Standardise, validate and quarantine: raw → staged."""
