"""Charts of data products, drawn from a principal's own data room.

``charts.data`` turns a product's ``chart:`` block into one read query (run by
the query gateway, so the policy engine decides and the access is audited) and
its answer into what is drawn; ``charts.draw`` draws it with matplotlib and a
Chinese font found by ``charts.fonts``; ``charts.files`` writes a PNG or a
self-contained HTML page.
"""
