"""The hub's pages: each user's daily work in a browser, on the API's sign-in, engine and audit.

Server-rendered (Jinja2), Chinese first with an English switch; charts are drawn
in the browser by ECharts from the same JSON API the pages use. Every script,
style and font is served by Shuzhi itself (web/static), nothing from the internet.
"""
