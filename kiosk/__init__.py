"""The customer-service centre app: visitor kiosk, hotline console, task slips and supervisor board."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from kiosk.config import Defaults, instance_secret_key, settings_from_environment
from kiosk.json_input import GuardedJSONProvider
from kiosk.web.proxies import trust_proxies
from kiosk.web.sessions import CookieSessions


def create_app(test_config: dict | None = None) -> Flask:
    from kiosk.web.templating import Environment

    app = Flask(__name__, instance_relative_config=True)
    app.jinja_environment = Environment  # before anything builds app.jinja_env
    app.json = GuardedJSONProvider(app)  # request.get_json() with its nesting limited
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "kiosk.sqlite3")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(settings_from_environment(os.environ))
    else:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        # Fine on one machine; ``flask check-deploy`` and gunicorn's start refuse it in production, where
        # every host must sign sessions and tablet cookies with the same key.
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
        app.config["SECRET_KEY_GENERATED"] = True
    trust_proxies(app)
    app.session_interface = CookieSessions()

    _init_extensions(app)
    _register_blueprints(app)

    from kiosk import cli
    from kiosk.web import errors, photo_storage, security, static_files, templating

    photo_storage.init_app(app)
    errors.register(app)
    security.register(app)
    templating.register(app)
    static_files.register(app)
    cli.register(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    from kiosk import models  # noqa: F401  (registers the tables)
    from kiosk.database import configure_engine, end_session
    from kiosk.extensions import MigrationsOnDemand, babel, csrf, db, htmx, limiter, login_manager
    from kiosk.web.i18n import install_template_gettext, select_locale

    db.init_app(app)
    app.extensions["migrate"] = MigrationsOnDemand(app)  # Flask-Migrate when first asked (kiosk.extensions)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    install_template_gettext(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app, add_context_processor=False)  # ours is lazy (kiosk.web.templating)
    with app.app_context():
        configure_engine(db.engine)
    app.teardown_appcontext(end_session)  # registered after db.init_app's, so it runs first


def _register_blueprints(app: Flask) -> None:
    from kiosk.blueprints import (
        admin,
        auth,
        call_log,
        cti,
        hotline,
        kpi,
        main,
        messages,
        model_home_office,
        model_home_tablet,
        notifications,
        register,
        rotation,
        sales,
        supervisor,
        tasks,
        visitor_kiosk,
        visitors,
    )

    faces = (visitor_kiosk, visitors, hotline, cti, tasks, supervisor, rotation, sales, model_home_tablet,
             model_home_office, kpi, register, call_log)
    blueprints = (auth, main, admin, notifications, messages, *faces)
    for module in blueprints:
        app.register_blueprint(module.bp)
    from kiosk.web.access import public

    public(app.view_functions["static"])
