"""WSGI entry point: ``gunicorn wsgi:app``."""

from kiosk import create_app

app = create_app()
