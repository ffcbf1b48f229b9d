"""The web edge: what turns requests into service calls and answers into pages.

Access rules, sessions and security headers, rendering (page or htmx fragment), display labels, navigation,
error pages, the proxies in front, and the page-shaped outputs (charts, exports, reports). The blueprints in
``kiosk/blueprints/`` use these; services, the domain, the models and the worker never import them
(tests/web/test_layout_db_guard.py).
"""
