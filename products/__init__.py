"""Shared data products: each one's SQL (``config/products/<name>.sql``) and contract
(``<name>.yaml``) are data; this package builds them.

``build`` runs a product's SQL with its named parameters over ``lake.protected.*``
and the reference tables (``reference_tables``), applies the contract's
small-cell protection (``suppression``) and writes ``lake.products.<name>``;
``product_check`` is what the Dagster asset check of each product verifies.
"""
