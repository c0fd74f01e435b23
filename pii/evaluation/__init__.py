"""Labelled texts and scoring for personal-data detection.

- ``pii.evaluation.labelled_set``: the data model (a text and the exact spans of
  personal data in it) and the loader of the hand-written hard cases,
  ``hard_cases.jsonl``.
- ``pii.evaluation.generated``: a seeded generator of labelled hotline texts with
  valid identifiers in varied spellings and look-alike distractors.
- ``pii.evaluation.scoring``: precision and recall per entity of any detector
  (``pii.text_scan.find`` in the quality gate), with the errors listed for debugging.
"""
