"""gunicorn's settings for production: ``gunicorn --config python:kiosk.gunicorn_conf wsgi:app``.

Before any worker starts, the master refuses a start that would run but silently misbehave
(``kiosk.deploy_checks``: no shared SECRET_KEY; SQLite or in-memory rate limits with more than one
worker) and exits with status 78 (EX_CONFIG: the systemd unit does not restart it), naming each problem.
``flask --app kiosk check-deploy`` names the others too.
"""

from __future__ import annotations

import sys

#: Exit status of a refused start (sysexits.h EX_CONFIG); deploy/kiosk-web.service does not restart on it.
REFUSED = 78

# Behind nginx on the same host: answer on loopback; nginx holds slow clients, so sync workers suffice.
bind = "127.0.0.1:8000"
# A request stuck longer than this (a lock, a dead connection) is cut and its worker replaced.
timeout = 60
graceful_timeout = 30


def on_starting(server) -> None:
    from kiosk import create_app
    from kiosk.deploy_checks import configuration_problems, describe, fatal

    problems = fatal(configuration_problems(create_app().config, workers=server.cfg.workers))
    if problems:
        print("gunicorn: refusing to start / 拒绝启动:\n" + describe(problems), file=sys.stderr, flush=True)
        sys.exit(REFUSED)
