"""Great Expectations Data Docs for stewards: a static HTML site of every dataset's suite
and its latest validation, built by GX's own site builder into a folder.

The results are counts only (no samples: ``partial_unexpected_count: 0``; checksums and
references are true/false columns). GX's page templates load Bootstrap, jQuery, Vega and
Font Awesome from public CDNs; on the hub's closed network those fetches fail or leak that
a page was opened, so every external <script>/<link>/<img> is taken out of the written
pages: they stay readable as plain HTML tables.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from pipelines.hub import Hub

SITE = "stewards"
_EXTERNAL = re.compile(
    r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>|<link[^>]*\bhref=[\"']https?://[^>]*>"
    r"|<img[^>]*\bsrc=[\"']https?://[^>]*>",
    re.IGNORECASE,
)

_REMOTE_URL = re.compile(r"url\([\"']?https?://[^)]*\)", re.IGNORECASE)


def strip_external(html: str) -> str:
    """The page without anything fetched from another host."""
    return _EXTERNAL.sub("", html)


def build_data_docs(hub: Hub, out: Path) -> Path:
    """Validate every staged dataset into a throwaway GX project and build its docs into
    ``out``; returns the index page."""
    from lakehouse.connection import table_exists
    from quality.expectations import DOCS_RESULT_FORMAT, _quiet, build_suite, suite_name
    from quality.rule_suite import load_frame, suite_items

    gx = _quiet()
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as project:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="file", project_root_dir=project)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.add_data_docs_site(
            site_name=SITE,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(out),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        source = context.data_sources.add_pandas("staged")
        for name, contract in hub.catalog.datasets.items():
            items = suite_items(contract, hub.catalog.district)
            with hub.lake() as con:
                if not table_exists(con, "staged", name):
                    continue
                frame = load_frame(con, contract, items, hub.keystore)
            batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(
                "whole"
            )
            suite = context.suites.add(build_suite(suite_name(contract), items))
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(data=batch, suite=suite, name=f"{name}_latest")
            )
            definition.run(batch_parameters={"dataframe": frame}, result_format=DOCS_RESULT_FORMAT)
        context.build_data_docs(site_names=[SITE])
    for page in out.rglob("*.html"):
        page.write_text(strip_external(page.read_text(encoding="utf-8")), encoding="utf-8")
    for sheet in out.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        sheet.write_text(_REMOTE_URL.sub("none", text), encoding="utf-8")
    return out / "index.html"
