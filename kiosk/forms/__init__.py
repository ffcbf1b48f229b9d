"""WTForms (Flask-WTF) classes, one module per feature. Messages are in Chinese via Flask-Babel."""
