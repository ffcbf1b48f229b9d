"""The production preflight: what would make several workers on several hosts not behave as one.

``flask --app kiosk check-deploy`` prints every problem found here and exits 1 (README "Production");
gunicorn's start (``kiosk/gunicorn_conf.py``) refuses the fatal ones. The rules are plain functions of the
settings and of facts gathered elsewhere (``kiosk.services.deployment``), so each is tested alone.

A problem is *fatal* when the app would run but silently misbehave under the given number of workers:
sessions and paired tablets that one worker signs and the next rejects, a database file of each host's
own, rate limits that each worker counts alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

#: The calendar must know the make-up workdays of every year the next two months reach into: deadlines
#: and reminders run weeks ahead, and the State Council publishes the coming year's days in November.
CALENDAR_LOOKAHEAD = timedelta(days=60)


@dataclass(frozen=True)
class Problem:
    code: str
    zh: str
    en: str
    fatal: bool = False


@dataclass(frozen=True)
class Facts:
    """What only the running environment can tell: the database, the rate-limit store, the calendar."""

    database_error: str | None = None
    limiter_storage_error: str | None = None
    forwarded_header_seen: bool = False
    years_without_make_up_days: tuple[int, ...] = ()
    database_revisions: frozenset[str] = field(default_factory=frozenset)
    head_revisions: frozenset[str] = field(default_factory=frozenset)


def calendar_years(today: date) -> tuple[int, ...]:
    """The years whose make-up workdays the calendar must know on ``today`` (this one, and from November
    the coming one)."""
    return tuple(sorted({today.year, (today + CALENDAR_LOOKAHEAD).year}))


def is_sqlite(database_uri: str) -> bool:
    return database_uri.startswith("sqlite")


def is_memory_storage(storage_uri: str) -> bool:
    return storage_uri.startswith("memory://")


def configuration_problems(config: Mapping, workers: int = 2) -> list[Problem]:
    """Problems visible in the settings alone (``workers``: processes serving the app on this host)."""
    problems = []
    if config.get("SECRET_KEY_GENERATED"):
        problems.append(Problem(
            "secret-key",
            "SECRET_KEY 没有在环境变量中设置：每台主机会各自生成密钥，"
            "在一台主机上登录或配对的平板，到另一台主机就失效。请在每台主机设置同一个 SECRET_KEY。",
            "SECRET_KEY is not set in the environment: each host generates its own key, so a login or a "
            "tablet paired through one host is not recognised by the next. Set the same SECRET_KEY on "
            "every host.",
            fatal=True,
        ))
    if is_sqlite(config.get("SQLALCHEMY_DATABASE_URI", "")):
        problems.append(Problem(
            "database-sqlite",
            "数据库是 SQLite（没有设置 DATABASE_URL）：每台主机会使用自己的数据库文件。"
            "请设置 DATABASE_URL 指向 PostgreSQL。",
            "The database is SQLite (DATABASE_URL is not set): each host would use a database file of its "
            "own. Set DATABASE_URL to the PostgreSQL server.",
            fatal=workers > 1,
        ))
    if is_memory_storage(config.get("RATELIMIT_STORAGE_URI", "")):
        problems.append(Problem(
            "ratelimit-memory",
            "限流计数保存在进程内存（memory://）：每个进程各数各的，限额形同虚设。"
            "请设置 KIOSK_RATELIMIT_STORAGE_URI=redis://主机:6379/0。",
            "Rate limits are counted in process memory (memory://): each worker counts alone, so the "
            "limits do not hold. Set KIOSK_RATELIMIT_STORAGE_URI=redis://HOST:6379/0.",
            fatal=workers > 1,
        ))
    photos_in_directory = config.get("ASSET_PHOTO_STORAGE", "database") == "directory"
    if photos_in_directory and not config.get("ASSET_PHOTO_DIR_SHARED"):
        problems.append(Problem(
            "photos-not-shared",
            "资产照片保存在本机目录，且没有声明该目录为各主机共享：在一台主机上传的照片，另一台主机看不到。"
            "请改用 ASSET_PHOTO_STORAGE=database，"
            "或把 ASSET_PHOTO_DIR 放在共享存储上并设置 ASSET_PHOTO_DIR_SHARED=true。",
            "Asset photos are stored in a local directory not declared shared: a photo uploaded through one "
            "host is missing on the others. Use ASSET_PHOTO_STORAGE=database, or put ASSET_PHOTO_DIR on "
            "shared storage and set ASSET_PHOTO_DIR_SHARED=true.",
        ))
    method = config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method.split(":")[0] != "scrypt":
        problems.append(Problem(
            "password-hash-weak",
            f"新密码的哈希方式是 {method}（测试用的快速方式）：密码库一旦泄露容易被破解。"
            "请去掉 KIOSK_PASSWORD_HASH_METHOD，使用默认的 scrypt。",
            f"New passwords are hashed with {method} (the tests' fast method): a leaked password table "
            "would be easy to crack. Remove KIOSK_PASSWORD_HASH_METHOD to use the default, scrypt.",
        ))
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append(Problem(
            "cookie-not-secure",
            "SESSION_COOKIE_SECURE 未开启：登录 Cookie 也会经未加密的 HTTP 发送。"
            "请设置 KIOSK_SESSION_COOKIE_SECURE=true（网站须经 HTTPS 访问）。",
            "SESSION_COOKIE_SECURE is off: the login cookie is also sent over plain HTTP. Set "
            "KIOSK_SESSION_COOKIE_SECURE=true (the site must be served over HTTPS).",
        ))
    return problems


def environment_problems(config: Mapping, facts: Facts) -> list[Problem]:
    """Problems in the running environment: reachability, the proxy in front, the calendar, migrations."""
    problems = []
    if facts.database_error:
        problems.append(Problem(
            "database-unreachable",
            f"无法连接数据库：{facts.database_error}",
            f"The database cannot be reached: {facts.database_error}",
            fatal=True,
        ))
    if facts.limiter_storage_error:
        problems.append(Problem(
            "ratelimit-unreachable",
            f"无法连接限流存储 {config.get('RATELIMIT_STORAGE_URI')}：{facts.limiter_storage_error}",
            f"The rate-limit store {config.get('RATELIMIT_STORAGE_URI')} cannot be used: "
            f"{facts.limiter_storage_error}",
            fatal=True,
        ))
    if facts.forwarded_header_seen and not int(config.get("TRUSTED_PROXIES", 0)):
        problems.append(Problem(
            "proxy-not-trusted",
            "请求带有 X-Forwarded-For 头（前面有反向代理），但 KIOSK_TRUSTED_PROXIES 为 0："
            "登录限制、限流和审计记录看到的都是代理的地址；平板若用不发送 Sec-Fetch-Site 的浏览器，"
            "其提交会因来源与代理后的地址不符而被拒绝。"
            "请设置 KIOSK_TRUSTED_PROXIES 为前面代理的层数（通常为 1）。",
            "Requests arrive with X-Forwarded-For (a reverse proxy is in front) but KIOSK_TRUSTED_PROXIES "
            "is 0: login throttling, rate limits and audit records all see the proxy's address, and a "
            "tablet whose browser sends no Sec-Fetch-Site has its forms refused (their origin is not the "
            "address behind the proxy). Set KIOSK_TRUSTED_PROXIES to the number of proxies in front "
            "(usually 1).",
        ))
    if facts.years_without_make_up_days:
        years = "、".join(str(y) for y in facts.years_without_make_up_days)
        problems.append(Problem(
            "calendar-make-up-days",
            f"工作日历缺少 {years} 年的调休上班日：请升级 holidays 库，"
            "或由管理员在工作日历中录入国务院公布的调休日期。",
            f"The working-day calendar lacks the make-up workdays of {years.replace('、', ', ')}: upgrade "
            "the holidays library, or have an admin enter the State Council's make-up days in the "
            "working-day calendar.",
        ))
    if not facts.database_error and facts.database_revisions != facts.head_revisions:
        current = ", ".join(sorted(facts.database_revisions))
        head = ", ".join(sorted(facts.head_revisions))
        problems.append(Problem(
            "pending-migrations",
            f"数据库结构不是最新（当前 {current or '无'}，最新 {head}）："
            "请运行 flask --app kiosk db upgrade。",
            f"The database schema is not up to date (at {current or 'none'}, head {head}): run "
            "flask --app kiosk db upgrade.",
        ))
    return problems


def fatal(problems: Iterable[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.fatal]


def describe(problems: Iterable[Problem]) -> str:
    """The problems as an operator reads them: the code, then the Chinese and the English sentence."""
    return "\n".join(
        f"✗ [{p.code}]{' 致命 / fatal' if p.fatal else ''}\n  {p.zh}\n  {p.en}" for p in problems
    )
