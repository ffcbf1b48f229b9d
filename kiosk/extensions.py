"""Flask extensions, created here and bound to the app in ``create_app``."""

import logging
from pathlib import Path

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Alembic's environment and revisions (``flask db …``).
MIGRATIONS = Path(__file__).parent / "migrations"


class MigrationsOnDemand:
    """``app.extensions["migrate"]`` until something reads it (``flask db …``, ``flask_migrate.upgrade()``,
    ``flask check-deploy``): then Flask-Migrate is set up on the app (``init_migrations``) and answers."""

    def __init__(self, app):
        self.app = app

    def __getattr__(self, name: str):
        return getattr(init_migrations(self.app), name)


def init_migrations(app):
    """Flask-Migrate on ``app`` the first time it is needed; returns ``app.extensions["migrate"]``.

    Flask-Migrate imports Alembic: 37 MB in each process, which a web worker (it never migrates) does not
    hold (tests/web/test_lazy_imports.py)."""
    config = app.extensions["migrate"]
    if isinstance(config, MigrationsOnDemand):
        # Alembic names each of its plugins at INFO as it is imported, now after logging is configured.
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)
        config = app.extensions["migrate"]
    return config
