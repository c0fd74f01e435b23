"""Shared data products built from the protected layer, one module per product.

Each module exposes ``SQL``: a query over ``lake.protected.*`` and the
``communities`` reference table that yields exactly the columns its contract
in ``config/products/`` lists.
"""
