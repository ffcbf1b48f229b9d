"""Configuration: defaults here, then instance/config.py, then the environment.

Environment variables: ``DATABASE_URL``, ``SECRET_KEY`` and any ``KIOSK_<NAME>`` setting
(``KIOSK_SESSION_IDLE_MINUTES=30`` sets ``SESSION_IDLE_MINUTES``). Values are parsed as JSON
when they look like JSON (numbers, true/false), otherwise kept as text.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

#: Werkzeug's default password hashing (scrypt with its default parameters).
DEFAULT_PASSWORD_HASH_METHOD = "scrypt"


class Defaults:
    # hide_parameters: a failed statement is logged without its values (visitors' phone numbers never
    # reach a log line). A connection the database dropped (restart, cut link) is replaced before use, so
    # the app serves again by itself: kiosk.database.ping_when_idle.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Staff sessions end after this much inactivity, and in any case this long after login.
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    # Login throttling (kiosk.domain.login_throttle): per account and address, the first failures are free,
    # then the wait doubles from the base to the cap; failures are remembered this many hours (since that
    # address last got in). An account takes at most ACCOUNT_MAX_FAILURES_PER_HOUR from addresses it never
    # signed in from. One address may fail ADDRESS_MAX_FAILURES times within the window (any usernames).
    # Admins are told once of a burst of this many failures within the window for one account / address.
    # purge-login-attempts deletes attempts older than the retention period.
    LOGIN_FREE_FAILURES = 3
    LOGIN_BACKOFF_BASE_SECONDS = 1
    LOGIN_BACKOFF_MAX_SECONDS = 15 * 60
    LOGIN_BACKOFF_MEMORY_HOURS = 24
    LOGIN_ACCOUNT_MAX_FAILURES_PER_HOUR = 100
    LOGIN_ADDRESS_MAX_FAILURES = 50
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    LOGIN_BURST_ACCOUNT_FAILURES = 10
    LOGIN_BURST_ADDRESS_FAILURES = 25
    LOGIN_ATTEMPT_RETENTION_DAYS = 30
    # How new passwords are hashed (Werkzeug's ``generate_password_hash`` method). Keep scrypt: only the test
    # configuration picks a cheap one, so that its thousands of logins do not each cost a tenth of a second.
    PASSWORD_HASH_METHOD = DEFAULT_PASSWORD_HASH_METHOD
    MAX_CONTENT_LENGTH = 1 * 1024 * 1024
    # A kiosk tablet stays open for hours: its CSRF token lives as long as the session cookie.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    TIMEZONE = "Asia/Shanghai"
    # Polling interval of live fragments (bell, boards), in seconds.
    POLL_SECONDS = 5
    # The console's ringing calls are polled faster (an unchanged answer is a 304): a call ringing at the
    # agent's extension shows within a second or two (three rings are 15 s).
    RINGING_POLL_SECONDS = 1
    # Rendered board panels each worker keeps by their version (kiosk/web/fragments.py); 0 keeps none.
    BOARD_CACHE_SIZE = 64  # 12 panels × wall or laptop × 2 languages live at once, with room for old versions
    BOARD_CACHE_SECONDS = 60  # at most, for a change a panel's version does not see (a renamed person)
    # Where the rate limits count: "memory://" counts per worker process, so production sets a shared
    # store (``redis://host:6379/0``); ``flask check-deploy`` and gunicorn's start insist on it.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # How many reverse proxies (nginx, a load balancer) stand in front of the app. Their X-Forwarded-For,
    # -Proto and -Host headers are believed for that many hops (Werkzeug's ProxyFix); 0 believes none, so
    # a client cannot forge its address into login throttling, rate limits or audit records.
    TRUSTED_PROXIES = 0
    HOTLINE_NUMBER = "400-800-1234"
    # Visitor kiosk: POSTs per paired tablet, the largest form it may send, the idle return to the start
    # screen, and how long visitors' personal data is kept before purge-visitors anonymises it.
    KIOSK_POST_RATE_LIMIT = "30 per minute"
    KIOSK_MAX_POST_BYTES = 16 * 1024
    KIOSK_IDLE_SECONDS = 90
    # Per tablet, looked up by the tablet's name, then its place (service_centre, sales_office …), then "*":
    # the language its visitors start in (the site's, never the browser's), and the lobby's label printer
    # the server sends each new badge to ({"售楼处前台": "escpos://10.0.8.21:9100"}; kiosk.services.badges).
    KIOSK_LANGUAGE: dict = {"*": "zh"}
    KIOSK_BADGE_PRINTER: dict = {}
    KIOSK_PRINTER_TIMEOUT_SECONDS = 3
    VISITOR_RETENTION_DAYS = 180
    # The timed-job worker (``flask --app kiosk worker``, kiosk/worker/): the longest sleep between two looks
    # for due jobs; per-job intervals in seconds replacing a job's own schedule ({"escalate-overdue": 60});
    # per-job leases in seconds, how long a run may hold its job before another worker takes it over
    # (default 600); how long after its slot a job not run counts as late (the admin page's alert and the
    # admins' notification); and how many days the record of runs is kept.
    WORKER_POLL_SECONDS = 5
    WORKER_INTERVALS: dict = {}
    WORKER_LEASE_SECONDS: dict = {}
    WORKER_LATE_AFTER_SECONDS = 600
    WORKER_RUN_RETENTION_DAYS = 30
    # Seed 003 §2(2)(1) "三声内接听": the ring-to-answer target in seconds (kiosk.domain.call_timer).
    THREE_RINGS_SECONDS = 15
    # A call the boards still show ringing (minutes) or answered (minutes) with no event from the
    # switchboard for this long is closed as lost by the worker's close-lost-calls job (the hangup never
    # came), so no board stays red for ever (kiosk.domain.hotline.lost_since).
    CALL_RINGING_LOST_MINUTES = 10
    CALL_ANSWERED_LOST_MINUTES = 120
    # The wallboard's "visitors on site" turns amber from this many people and red above the second
    # (kiosk.domain.wallboard: only the site knows how many its lobby and meeting rooms take).
    WALL_VISITORS_AMBER = 20
    WALL_VISITORS_RED = 40
    # Where the model homes' asset photos live (kiosk.services.photos): "database" (every host sees them) or
    # "directory" (ASSET_PHOTO_DIR, default instance/asset_photos: one host only, unless every host mounts
    # the same folder and ASSET_PHOTO_DIR_SHARED says so).
    ASSET_PHOTO_STORAGE = "database"
    ASSET_PHOTO_DIR: str | None = None
    ASSET_PHOTO_DIR_SHARED = False
    # A switchboard's event dated further than this from the server's clock is refused (400) and counted:
    # a live switchboard sends each event as it happens; one from 2001 or 2099 would leave a call ringing.
    CTI_MAX_CLOCK_SKEW_SECONDS = 300
    # The Asterisk connector (flask cti-asterisk): an agent's phone as the switch names it (Originate's
    # Channel, QueuePause's Interface), the dialplan context click-to-dial dials the number in, and the
    # caller id the agent's phone shows while it rings (empty: the agent's extension).
    CTI_AMI_INTERFACE = "PJSIP/{extension}"
    CTI_AMI_DIAL_CONTEXT = "from-internal"
    CTI_AMI_CALLER_ID = ""
    # The switch's queues (comma-separated) an agent is added to (QueueAdd) on signing in to the console
    # (or pausing or resuming while in no queue) and taken out of (QueueRemove) on 离线 or signing out;
    # empty: members are the switch's own configuration (signing in and out only pause and resume).
    CTI_AMI_QUEUES = ""
    # Where the switch's recordings are served (e.g. https://pbx.internal/recordings/); a call's recording
    # plays from here + its file name, to supervisors and the call's own agent. Empty: not offered.
    RECORDING_BASE_URL = ""
    # Messages away from the screen (kiosk/messaging/, kiosk.services.outbox and .delivery). A channel is used
    # once its settings are here: SMTP_URL (smtp://user:pass@host:port, smtps:// for TLS) and SMTP_FROM;
    # WECOM_API_URL with a department's group robot key (set by an admin), plus WECOM_CORP_ID, WECOM_AGENT_ID
    # and WECOM_SECRET for application messages to a person; SMS_API_URL with SMS_ACCESS_KEY_ID and
    # SMS_ACCESS_KEY_SECRET (Aliyun-style SendSms). MESSAGE_BASE_URL makes the record's link absolute.
    SMTP_URL: str | None = None
    SMTP_FROM = "kiosk@localhost"
    WECOM_API_URL = "https://qyapi.weixin.qq.com"
    WECOM_CORP_ID: str | None = None
    WECOM_AGENT_ID: str | None = None
    WECOM_SECRET: str | None = None
    SMS_API_URL = "https://dysmsapi.aliyuncs.com/"
    SMS_ACCESS_KEY_ID: str | None = None
    SMS_ACCESS_KEY_SECRET: str | None = None
    MESSAGE_BASE_URL: str | None = None
    # Delivery: a claimed message's lease (longer than a provider call may take), the tries before a message
    # goes to the dead-letter list, the backoff (doubling from the base up to the cap), how long one delivery
    # run may go on, the providers' rate limits per address ([count, seconds]: WeCom's group robot takes 20 a
    # minute, Aliyun one SMS a minute per number), a provider call's timeout, the minutes an urgent alert may
    # stay unacknowledged before it goes one step up, and how many days messages and their log are kept.
    MESSAGE_LEASE_SECONDS = 120
    MESSAGE_MAX_ATTEMPTS = 10
    MESSAGE_RETRY_BASE_SECONDS = 30
    MESSAGE_RETRY_MAX_SECONDS = 1800
    MESSAGE_RUN_SECONDS = 50
    MESSAGE_RATE_LIMITS: dict = {"wecom_group": [20, 60], "wecom_app": [30, 60], "sms": [1, 60]}
    MESSAGE_HTTP_TIMEOUT_SECONDS = 10
    MESSAGE_ESCALATE_AFTER_MINUTES = 10
    MESSAGE_RETENTION_DAYS = 180


def _coerce(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def settings_from_environment(environ: os._Environ | dict) -> dict:
    """The settings the environment overrides: DATABASE_URL, SECRET_KEY and KIOSK_* ones."""
    found: dict = {}
    if environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(environ["DATABASE_URL"])
    if environ.get("SECRET_KEY"):
        found["SECRET_KEY"] = environ["SECRET_KEY"]
    for key, value in environ.items():
        if key.startswith("KIOSK_") and len(key) > len("KIOSK_"):
            found[key.removeprefix("KIOSK_")] = _coerce(value)
    return found


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://`` and ``postgresql://`` forms and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def instance_secret_key(instance_path: str) -> str:
    """The deployment's secret key, generated once into ``instance/secret_key`` on first run."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        # Several workers may start at once: write aside, then link into place (atomic, first one wins).
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
