"""The board, the KPI page and the kiosk's sign-in under ``wrk``, each as a share of a bare hello route.

Run from the repository root:  .venv/bin/python bench/speed.py [--database-url postgresql://…/NAME]
(``make bench`` installs Debian's ``wrk`` and runs it on SQLite and on PostgreSQL.)

For each data size (a tenth of a year, then a year: 100k calls, 50k slips with their events, 100k visits,
callbacks, owners and the sales office, from ``bench/yeardata.py``) it takes a copy of a cached database,
starts gunicorn (2 sync workers) on 127.0.0.1, signs the supervisor in, pairs a tablet, and asks ``wrk
-t2 -c16`` (a C client: the client does not eat the server's two cores) for every line of the table,
``--rounds`` times each, keeping the best round. The machine is shared, so what counts is each line's
share of the hello route measured in the same run; the p50 is absolute. The board's rendered panels are
kept per worker by their version (``kiosk/web/fragments.py``), so the fragment and board page lines are what
the boards mostly get; the same lines marked "(cold)" come from a second server that keeps none
(``KIOSK_BOARD_CACHE_SIZE=0``): every answer a fresh render, what one change costs. Then it serves a year's
data with 4 workers, runs every line once more and prints the workers' memory (RSS).

``--only 'poll 304,kiosk'`` measures only the lines whose names contain one of those pieces (and hello);
``--no-rss`` skips the memory step, ``--rss-only`` runs nothing else.

The generated data is cached, keyed by the loader, the migrations, the sizes and the day (the year ends
today): SQLite files under ``/tmp/kiosk-bench-cache/``, PostgreSQL databases ``<NAME>_cache_<size>``
cloned into ``<NAME>_<size>`` for each run (``CREATE DATABASE … TEMPLATE``). Harness: ``bench/common.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, kpi  # noqa: E402  (the repository root is on the path only from here)
from kiosk.clock import local, utcnow  # noqa: E402
from kiosk.services.board import PANELS  # noqa: E402
from tests.html_support import read_page  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "kiosk-bench-cache"
#: Cached data of another key is removed once it is this old (a day: the key changes daily anyway).
STALE_CACHE_SECONDS = 24 * 3600
FULL_CALLS = 100_000
#: The board panels the table shows (every panel is measured; these are the ones with slips behind them).
PANEL_ROWS = PANELS
KIOSK_PURPOSE = "owner_business"
#: Pages measured one request after another (p50 of ``--slow-requests``), not under wrk's 16 connections.
SLOW = "~ "
#: How many times the memory step asks for each of those pages (4 workers: most of them serve one).
RSS_SLOW_REQUESTS = 8
#: The lines of unchanged polls: each must be answered 304 (``_unchanged_poll``).
POLL = "poll 304 "
#: How many times a poll's round is run again when its panel changed meanwhile.
POLL_ATTEMPTS = 5


@dataclass
class Line:
    name: str
    rate: float
    p50: float
    cpu_ms: float  # the server's CPU time per request (all workers), the figure a busy machine disturbs least


# --- the data, cached ---------------------------------------------------------------------------------


def cache_key(calls: int) -> str:
    """What the generated data depends on: the loaders, the migrations, the size and today's date."""
    digest = hashlib.sha256()
    for path in [ROOT / "bench" / "yeardata.py", ROOT / "bench" / "kpi.py",
                 *sorted((ROOT / "kiosk" / "migrations" / "versions").glob("*.py"))]:
        digest.update(path.read_bytes())
    digest.update(f"{calls}|{local(utcnow()).date()}".encode())
    return digest.hexdigest()[:16]


ROOT = common.ROOT


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def _psql(url: str, sql: str) -> str:
    """One statement through ``psql`` on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    done = subprocess.run(["psql", "-XAtq", _admin_url(url), "-c", sql], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr)
    return done.stdout.strip()


def _database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def prepared_database(base_url: str | None, calls: int, workdir: Path) -> tuple[str, float]:
    """A working copy of the cached data for ``calls`` calls (built when missing). Returns its URL and how
    long building the data took (0 when it came from the cache)."""
    key = cache_key(calls)
    built = 0.0
    if base_url is None:
        CACHE.mkdir(exist_ok=True)
        cached = CACHE / f"year-{calls}-{key}.sqlite3"
        if not cached.exists():
            for stale in CACHE.glob(f"year-{calls}-*"):
                # Another checkout's data (other migrations) may be in use or being built: only old files go.
                if time.time() - stale.stat().st_mtime > STALE_CACHE_SECONDS:
                    stale.unlink(missing_ok=True)
            started = time.perf_counter()
            building = cached.with_suffix(".building")
            kpi.build_database(f"sqlite:///{building}", calls, utcnow())
            built = time.perf_counter() - started
            building.rename(cached)
        work = workdir / f"year-{calls}.sqlite3"
        shutil.copyfile(cached, work)
        return f"sqlite:///{work}", built
    base = urlsplit(base_url).path.lstrip("/")
    cached_name, work_name = f"{base}_cache_{calls}", f"{base}_{calls}"
    comment = _psql(base_url, f"SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                              f"WHERE datname = '{cached_name}'")
    if comment != key:
        _psql(base_url, f"DROP DATABASE IF EXISTS {cached_name} WITH (FORCE)")
        _psql(base_url, f"CREATE DATABASE {cached_name}")
        started = time.perf_counter()
        kpi.build_database(_database_url(base_url, cached_name), calls, utcnow())
        built = time.perf_counter() - started
        _psql(base_url, f"COMMENT ON DATABASE {cached_name} IS '{key}'")
    _psql(base_url, f"DROP DATABASE IF EXISTS {work_name} WITH (FORCE)")
    _psql(base_url, f"CREATE DATABASE {work_name} TEMPLATE {cached_name}")
    return _database_url(base_url, work_name), built


def pair_tablet(url: str) -> str:
    """A tablet at the service centre, open round the clock, paired: its credential cookie."""
    os.environ.update(common.env(url))
    from datetime import time as clock_time

    from kiosk import create_app
    from kiosk.extensions import db
    from kiosk.services import devices

    app = create_app()
    with app.app_context():
        now = utcnow()
        device = devices.register_device(name=f"bench-{secrets.token_hex(3)}", place="service_centre",
                                         opens_at=clock_time(0), closes_at=clock_time(23, 59, 59), now=now)
        paired, credential = devices.pair(devices.issue_pairing_code(device, now), now)
        cookie = devices.credential_cookie(app.secret_key, paired, credential)
        db.engine.dispose()
    return f"{devices.COOKIE_NAME}={cookie}"


# --- wrk ----------------------------------------------------------------------------------------------


def _ms(text: str) -> float:
    """wrk's latency (``812.00us``, ``4.51ms``, ``1.20s``, ``1.00m``) in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise RuntimeError(f"wrk's latency {text!r} not understood")
    number, unit = found.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(port: int, path: str, headers: dict, seconds: int,
        script: Path | None = None) -> tuple[float, float, float]:
    """(requests/s, p50 ms, server CPU ms per request) of ``wrk -t2 -c16`` asking for ``path``; non-2xx/3xx
    answers are an error."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", "--timeout", "30s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(script)]
    cpu_before = common.cpu_seconds(common.SERVERS[port])
    out = subprocess.run([*command, f"http://{common.HOST}:{port}{path}"], capture_output=True, text=True,
                         check=True).stdout
    cpu = common.cpu_seconds(common.SERVERS[port]) - cpu_before
    if "Non-2xx or 3xx responses" in out:
        raise RuntimeError(f"{path}: {out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50_text = re.search(r"^\s*50%\s+(\S+)\s*$", out, re.MULTILINE)  # in the latency distribution
    if p50_text is None:
        raise RuntimeError(f"{path}: no latency in wrk's answer: {out}")
    p50 = _ms(p50_text.group(1))
    answered = int(re.search(r"(\d+) requests in", out).group(1))
    return rate, p50, cpu * 1000 / max(answered, 1)


def post_script(workdir: Path, path: str, headers: dict, body: str) -> Path:
    """A wrk Lua script POSTing ``body`` with a fresh one-time key and mobile number each time.

    Each of wrk's threads runs the script in a Lua state of its own, whose random numbers all start from
    the same seed: unseeded, every thread sent the same keys and mobiles in the same order, so half the
    "sign-ins" of two threads were a repeat of the other thread's (answered with its visit, not signed in).
    ``setup`` numbers the threads, and each seeds its numbers and marks its keys with its own."""
    script = workdir / "post.lua"
    lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    script.write_text("\n".join([
        'wrk.method = "POST"',
        *lines,
        "local threads = 0",
        "setup = function(thread)",
        "  threads = threads + 1",
        "  thread:set('id', threads)",
        "end",
        "init = function(args)",
        "  math.randomseed(id * 7919 + os.time())",
        "end",
        "local n = 0",
        "request = function()",
        "  n = n + 1",
        "  local key = string.format('bench%d-%08d%08d', id, math.random(0, 99999999), n)",
        "  local mobile = string.format('13%d%08d', id % 10, math.random(0, 99999999))",
        f'  local body = string.gsub(string.gsub("{body}", "KEYKEY", key), "MOBILEMOBILE", mobile)',
        f'  return wrk.format(nil, "{path}", nil, body)',
        "end",
    ]) + "\n")
    return script


# --- one size -----------------------------------------------------------------------------------------


def kiosk_form_pairs(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The sign-in form's action and what a visitor sends (CSRF token and all), with KEYKEY and
    MOBILEMOBILE where a fresh one-time key and mobile number go."""
    form = next(f for f in read_page(html).forms if f.action.startswith("/kiosk/visit/"))
    typed = {"name": "王小明", "mobile": "MOBILEMOBILE", "party_size": "1"}
    pairs = []
    for field in form.fields.values():
        if field.kind in ("submit", "button"):
            continue
        if field.name in typed:
            pairs.append((field.name, typed[field.name]))
        elif field.name.endswith("submission_key") or field.name == "key":
            pairs.append((field.name, "KEYKEY"))
        elif field.kind in ("radio", "checkbox"):  # the first choice; consent given
            pairs.append((field.name, field.values[0]))
        else:
            pairs += [(field.name, value) for value in field.chosen]
    return form.action, pairs


def _kiosk_form(port: int, tablet: str) -> tuple[str, dict, str]:
    """The sign-in form's action, headers (cookies, CSRF) and body with KEYKEY/MOBILEMOBILE placeholders."""
    response, html = common.request(port, "GET", f"/kiosk/visit/{KIOSK_PURPOSE}", {"Cookie": tablet})
    session = response.getheader("Set-Cookie").split(";")[0]
    action, pairs = kiosk_form_pairs(html.decode())
    headers = {"Cookie": f"{tablet}; {session}", "Content-Type": "application/x-www-form-urlencoded",
               "Origin": f"http://{common.HOST}:{port}", "Referer": f"http://{common.HOST}:{port}/kiosk/"}
    return action, headers, urlencode(pairs)


def _get_targets(port: int, cookie: str) -> list[tuple[str, str, dict]]:
    polling = {"Cookie": cookie, "HX-Request": "true"}
    from datetime import timedelta

    from kiosk.domain.kpi import supervision_report_period
    month = supervision_report_period(local(utcnow()).date() - timedelta(days=1)).label
    targets = [("hello", "/bench/hello", {})]
    for name in PANEL_ROWS:
        path = f"/supervisor/panels/{name}"
        targets += [(f"{POLL}{name}", path, {**polling, "If-None-Match": _current_etag(port, path, polling)}),
                    (f"fragment {name}", path, polling)]
    return targets + [
        ("board page", "/supervisor/", {"Cookie": cookie}),
        ("login page", "/auth/login", {}),
        (f"{SLOW}KPI page, month", f"/kpi/?period={month}", {"Cookie": cookie}),
        (f"{SLOW}monthly report XLSX", f"/kpi/reports/{month}.xlsx", {"Cookie": cookie}),
        (f"{SLOW}monthly report CSV", f"/kpi/reports/{month}.csv", {"Cookie": cookie}),
    ]


def _fragment_sizes(port: int, cookie: str) -> dict[str, int]:
    polling = {"Cookie": cookie, "HX-Request": "true"}
    return {f"fragment {name}": len(common.request(port, "GET", f"/supervisor/panels/{name}", polling)[1])
            for name in PANEL_ROWS}


#: The board's rendered panels are kept per worker by their version (kiosk/web/fragments.py), so the
#: fragment and board page lines measure what N boards asking for a changed panel mostly get. These lines
#: ask a second server that keeps none: every answer is a fresh render, what one change costs.
COLD = " (cold)"


def _cold_targets(cookie: str) -> list[tuple[str, str, dict]]:
    polling = {"Cookie": cookie, "HX-Request": "true"}
    return [*[(f"fragment {name}{COLD}", f"/supervisor/panels/{name}", polling) for name in PANEL_ROWS],
            (f"board page{COLD}", "/supervisor/", {"Cookie": cookie})]


def _measured(port: int, targets: list, only: list[str] | None, *, rounds: int, seconds: int,
              slow_requests: int, script: Path | None = None) -> list[Line]:
    """The best of ``rounds`` of each target ``_wanted``, printed as it comes."""
    lines = []
    for name, path, extra in targets:
        if not _wanted(name, only):
            continue
        if name.startswith(SLOW):  # the best p50 of the rounds, as the best wrk run of the others
            p50 = min(common.latency(port, path, extra, slow_requests)[0] for _ in range(rounds))
            line = Line(name, 1000 / p50, p50, p50)
        else:
            if name.startswith(POLL):
                runs = [_unchanged_poll(port, path, extra, seconds) for _ in range(rounds)]
            else:
                runs = [wrk(port, path, extra, seconds, script if name.startswith("kiosk") else None)
                        for _ in range(rounds)]
            fastest = max(runs)
            line = Line(name, fastest[0], fastest[1], min(run[2] for run in runs))
        lines.append(line)
        print(f"    {name:<34} {line.rate:>8.0f}/s  p50 {line.p50:>7.1f} ms  CPU {line.cpu_ms:>6.2f} ms",
              flush=True)
    return lines


def _current_etag(port: int, path: str, headers: dict) -> str:
    polling = {key: value for key, value in headers.items() if key != "If-None-Match"}
    return common.request(port, "GET", path, polling)[0].getheader("ETag")


def _unchanged_poll(port: int, path: str, headers: dict, seconds: int) -> tuple[float, float, float]:
    """``wrk`` of a poll holding its panel's current ETag, taken just before the round, and the panel
    unchanged at its end: else the round measured 200s (the whole panel) and is run again. Time changes
    some versions by itself (a call passing three minutes moves the headlines' count, a slip turning near
    due the slips'): an ETag taken once for the whole run went stale before the later lines ran."""
    for _ in range(POLL_ATTEMPTS):
        etag = _current_etag(port, path, headers)
        run = wrk(port, path, {**headers, "If-None-Match": etag}, seconds)
        if _current_etag(port, path, headers) == etag:
            return run
        print(f"    ({path} changed during the round: measured again)", flush=True)
    raise RuntimeError(f"{path}: its version changed in each of {POLL_ATTEMPTS} rounds")


def _wanted(name: str, only: list[str] | None) -> bool:
    """Is the line ``name`` measured: every line without ``--only``, else hello (the yardstick) and the lines
    whose names contain one of its pieces."""
    return only is None or name == "hello" or any(piece in name for piece in only)


def measure_size(url: str, *, rounds: int, seconds: int, slow_requests: int, workdir: Path,
                 only: list[str] | None = None, rss: bool = True,
                 lines_too: bool = True) -> tuple[list[Line], dict, int | None]:
    """The lines' best of ``rounds`` with 2 workers (those ``only`` names, see ``_wanted``; none unless
    ``lines_too``), the fragments' sizes, and the RSS (KiB) of 4 workers after each line has run once on
    them (every line whatever ``only`` says; None without ``rss``)."""
    lines, sizes, memory = [], {}, None
    measure = {"rounds": rounds, "seconds": seconds, "slow_requests": slow_requests}
    if lines_too:
        tablet = pair_tablet(url)
        with common.gunicorn(url) as port:
            cookie = common.sign_in(port)
            targets = _get_targets(port, cookie)
            sizes = _fragment_sizes(port, cookie)
            action, headers, body = _kiosk_form(port, tablet)
            script = post_script(workdir, action, headers, body)
            everything = [*targets, ("kiosk sign-in POST", action, {})]
            lines += _measured(port, everything, only, script=script, **measure)
        if any(_wanted(name, only) for name, _path, _extra in _cold_targets("")):
            with common.gunicorn(url, settings={"KIOSK_BOARD_CACHE_SIZE": "0"}) as port:
                lines += _measured(port, _cold_targets(common.sign_in(port)), only, **measure)
    if rss:
        tablet = pair_tablet(url)
        with common.gunicorn(url, workers=4) as port:
            cookie = common.sign_in(port)
            for name, path, extra in _get_targets(port, cookie):
                if name.startswith(SLOW):  # the KPI page and reports: on most workers
                    common.latency(port, path, extra, RSS_SLOW_REQUESTS)
                else:
                    wrk(port, path, extra, 2)
            action, headers, body = _kiosk_form(port, tablet)
            wrk(port, action, {}, 2, post_script(workdir, action, headers, body))
            memory = sum(common.rss_kib(pid) for pid in common.workers_of(common.SERVERS[port]))
        print(f"    RSS of 4 workers             {memory / 1024:>8.0f} MiB", flush=True)
    return lines, sizes, memory


def table(label: str, full: list[Line], tenth: list[Line], sizes: dict, rss: int | None) -> str:
    """The issue's table. Shares of hello two ways: by requests per second (as wrk saw them) and by the
    server's CPU time per request (hello's / the line's), which other load on a shared machine disturbs
    far less. Growth: the CPU per request at a year over that at a tenth (the p50 for one-client lines)."""
    hello, hello_tenth = full[0], tenth[0]
    memory = "not measured" if rss is None else f"{rss / 1024:.0f} MiB"
    rows = [f"\n{label}: a year (100k calls) and a tenth; RSS of 4 workers at a year {memory}",
            "| request | req/s | p50 | CPU/req | share of hello (req/s · CPU) | at 1/10 (req/s · CPU) "
            "| growth 1/10 → year | size |",
            "|---|---|---|---|---|---|---|---|"]
    for line, small in zip(full, tenth, strict=True):
        if line.name.startswith(SLOW):  # one client: the p50 counts, and its growth
            rows.append(f"| {line.name[len(SLOW):]} (one client) | | {line.p50:.0f} ms | | | "
                        f"| {line.p50 / small.p50:.2f}× | |")
            continue
        size = f"{sizes[line.name] / 1024:.1f} KB" if line.name in sizes else ""
        rows.append(f"| {line.name} | {line.rate:,.0f} | {line.p50:.1f} ms | {line.cpu_ms:.2f} ms "
                    f"| {line.rate / hello.rate:.2f} · {hello.cpu_ms / line.cpu_ms:.2f} "
                    f"| {small.rate / hello_tenth.rate:.2f} · {hello_tenth.cpu_ms / small.cpu_ms:.2f} "
                    f"| {(line.cpu_ms / hello.cpu_ms) / (small.cpu_ms / hello_tenth.cpu_ms):.2f}× | {size} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL database whose name prefixes the bench's own "
                                               "databases (<name>_cache_<size>, <name>_<size>); "
                                               "default: SQLite files")
    parser.add_argument("--calls", type=int, default=FULL_CALLS)
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs per line (the best wrk run, the best p50 of the one-client lines)")
    parser.add_argument("--seconds", type=int, default=4, help="length of one wrk run")
    parser.add_argument("--slow-requests", type=int, default=20,
                        help="requests one after another for the KPI page and the reports")
    parser.add_argument("--only", type=lambda text: [piece for piece in text.split(",") if piece],
                        help="measure only the lines whose names contain one of these comma-separated "
                             "pieces (and hello, the yardstick), e.g. --only 'poll 304,kiosk'")
    memory = parser.add_mutually_exclusive_group()
    memory.add_argument("--no-rss", action="store_true", help="skip the last step (4 workers' RSS)")
    memory.add_argument("--rss-only", action="store_true", help="only the last step (4 workers' RSS)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench does)")
    engine = "PostgreSQL" if args.database_url else "SQLite"
    results = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        for calls in (args.calls,) if args.rss_only else (args.calls // 10, args.calls):
            url, built = prepared_database(args.database_url, calls, Path(tmp))
            note = f"generated in {built:.0f} s" if built else "from the cache"
            print(f"… {engine}, {calls} calls ({note}), measuring", flush=True)
            results[calls] = measure_size(url, rounds=args.rounds, seconds=args.seconds,
                                          slow_requests=args.slow_requests, workdir=Path(tmp), only=args.only,
                                          rss=not args.no_rss and calls == args.calls,
                                          lines_too=not args.rss_only)
    if args.rss_only:
        return
    (tenth, _, _), (full, sizes, rss) = results[args.calls // 10], results[args.calls]
    print(table(f"{engine}, gunicorn 2 sync workers, wrk -t2 -c16, best of {args.rounds} × {args.seconds} s",
                full, tenth, sizes, rss))


if __name__ == "__main__":
    main()
