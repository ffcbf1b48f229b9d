"""The web edge: what turns requests into service calls and answers into pages.

Access rules, sessions and security headers, rendering (page or htmx fragment), display labels, navigation,
error pages, request parsing helpers (JSON, proxies), and the page-shaped outputs (charts, exports, reports).
The blueprints in ``kiosk/blueprints/`` use these; services and the domain never import them.
"""
