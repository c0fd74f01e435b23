"""Personal-data detection in Chinese government text (Presidio, offline).

- ``pii.recognizers``: one recognizer class per file; ``recognizers.yaml`` turns them on.
- ``pii.registry``: the Presidio registry built from that YAML.
- ``pii.analyzer``: the cached, offline AnalyzerEngine for language ``zh``.
- ``pii.text_scan``: find and redact personal data in free text and string columns.
"""
