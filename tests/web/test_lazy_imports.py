"""A web worker starts without the libraries only some requests or commands need, each tens of MB held by
every worker that imports it (bench/speed.py's last line: 4 workers' memory). They are imported where
they are used: pypinyin's dictionaries when a name is indexed or searched, openpyxl for a spreadsheet,
Alembic (Flask-Migrate) for ``flask db`` and ``flask check-deploy``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The modules ``import wsgi`` (what gunicorn loads) must leave out.
LAZY = ("pypinyin", "openpyxl", "alembic", "flask_migrate")


def _run(tmp_path: Path, code: str) -> list:
    """``code`` in a fresh interpreter (nothing imported by this test run) at the repository root; the
    JSON it prints last."""
    env = {"PATH": "/usr/bin:/bin", "SECRET_KEY": "lazy-imports",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'lazy.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_web_app_starts_without_the_heavy_libraries(tmp_path):
    loaded = _run(tmp_path, "import json, sys\nimport wsgi\n"
                            f"print(json.dumps([name for name in {LAZY!r} if name in sys.modules]))")
    assert loaded == []


def test_flask_db_still_migrates_and_brings_alembic_only_then(tmp_path):
    code = """
import json, sys
from sqlalchemy import inspect
from kiosk import create_app
from kiosk.extensions import db
app = create_app()
before = "alembic" in sys.modules
result = app.test_cli_runner().invoke(args=["db", "upgrade"])
with app.app_context():
    tables = inspect(db.engine).get_table_names()
print(json.dumps([before, result.exit_code, "alembic_version" in tables and "users" in tables,
                  "alembic" in sys.modules]))
"""
    assert _run(tmp_path, code) == [False, 0, True, True]
