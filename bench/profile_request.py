"""Where one request's time goes: cProfile over the app answering it, in process, signed in as the supervisor.

Run from the repository root, on a database ``bench/speed.py`` left in its cache (or any with the
supervisor of ``bench/yeardata.py``):

    .venv/bin/python bench/profile_request.py sqlite:////tmp/kiosk-bench-cache/year-100000-….sqlite3 \\
        /supervisor/panels/unassigned [--poll] [--requests 300] [--top 25]

``--poll`` sends the ETag of the first answer, as the board's poll does (so the answers are 304s).
``--kiosk-visit PURPOSE`` profiles instead the kiosk's sign-in POST for that purpose (the path is ignored),
as ``bench/speed.py`` sends it: a paired tablet, CSRF on, a fresh one-time key and mobile each request.
It prints the SQL statements of one request, then the functions with the most time (their own and
everything they called), summed over ``--requests`` requests. ``--cpu`` prints instead the CPU time per
request without the profiler (the best of five batches of ``--requests``) beside a bare hello's, and their
share: the in-process figure that other work on a shared machine disturbs least. ``--without-write`` (with
``--kiosk-visit`` and ``--cpu``) measures the same POST once more with the sign-in's database work left out
(``visits.sign_in_visitor`` answers a made-up visit at once): what the tablet's cookie, CSRF, the form, the
badge's cookie and the answer cost by themselves, the floor under any faster write.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import os
import pstats
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402  (the repository root is on the path only from here)
from bench.yeardata import PASSWORD, SUPERVISOR  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("path")
    parser.add_argument("--poll", action="store_true", help="send the ETag of the first answer")
    parser.add_argument("--page", action="store_true", help="a full page (no HX-Request header)")
    parser.add_argument("--kiosk-visit", metavar="PURPOSE",
                        help="profile the kiosk's sign-in POST for this purpose instead of the path")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--cpu", action="store_true",
                        help="CPU per request (best of five batches) and its share of hello's, no profiler")
    parser.add_argument("--without-write", action="store_true",
                        help="with --kiosk-visit --cpu: the sign-in again without its database work")
    args = parser.parse_args()
    os.environ.update(common.env(args.database_url))
    from sqlalchemy import event

    from kiosk.extensions import db

    app = common.bench_app()
    if args.kiosk_visit:
        path, ask = kiosk_sign_in(app, args.database_url, args.kiosk_visit)
    else:
        path, ask = supervisor_get(app, args)
    statements = []
    with app.app_context():
        engine = db.engine

    def record(*event_args):
        statements.append(event_args[2].split("\n")[0][:140])

    event.listen(engine, "before_cursor_execute", record)
    answer = ask()
    event.remove(engine, "before_cursor_execute", record)  # unwatched, as in production (read_alone)
    print(f"{path}: {answer.status_code}, {len(answer.data)} bytes, {len(statements)} statements")
    for statement in statements:
        print("   ", statement)
    if args.cpu:
        hello = app.test_client()
        ours, bare = best_cpu(ask, args.requests), best_cpu(lambda: hello.get("/bench/hello"), args.requests)
        print(f"\nCPU per request {ours * 1000:.3f} ms, hello {bare * 1000:.3f} ms: share {bare / ours:.2f}")
        if args.without_write and args.kiosk_visit:
            from kiosk.services import visits

            visits.sign_in_visitor = lambda _device, _data, now, _submission=None: visits.SignedIn(
                1, now, "B" * visits.BADGE_LENGTH)
            floor = best_cpu(ask, args.requests)
            print(f"without the write {floor * 1000:.3f} ms: share {bare / floor:.2f}; "
                  f"the write {(ours - floor) * 1000:.3f} ms")
        return
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        ask()
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    each = stats.total_tt / args.requests * 1000
    print(f"\n{args.requests} requests, {each:.2f} ms each under the profiler")
    stats.print_stats(args.top)


def best_cpu(ask, requests: int) -> float:
    """The least CPU time per request over five batches of ``requests`` (the first batch warms up)."""
    batches = []
    for _ in range(6):
        start = time.process_time()
        for _ in range(requests):
            ask()
        batches.append((time.process_time() - start) / requests)
    return min(batches[1:])


def supervisor_get(app, args):
    """The path, asked for by the signed-in supervisor (CSRF off, for the login)."""
    app.config.update(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.post("/auth/login", data={"username": SUPERVISOR, "password": PASSWORD})
    headers = {} if args.page else {"HX-Request": "true"}
    first = client.get(args.path, headers=headers)
    if args.poll:
        headers["If-None-Match"] = first.headers["ETag"]
    return args.path, lambda: client.get(args.path, headers=headers)


def kiosk_sign_in(app, database_url: str, purpose: str):
    """The kiosk's sign-in form for ``purpose`` on a freshly paired tablet, POSTed as ``bench/speed.py``
    does: the form's fields as the page gives them, a name, a fresh key and mobile each time."""
    from bench.speed import kiosk_form_pairs, pair_tablet

    client = app.test_client()
    name, _, value = pair_tablet(database_url).partition("=")
    client.set_cookie(name, value)
    path = f"/kiosk/visit/{purpose}"
    action, pairs = kiosk_form_pairs(client.get(path).data.decode())
    counter = itertools.count()

    def ask():
        key = f"profile{random.randrange(10**8):08d}{next(counter):08d}"
        mobile = f"139{random.randrange(10**8):08d}"
        body = urlencode(pairs).replace("KEYKEY", key).replace("MOBILEMOBILE", mobile)
        answer = client.post(action, data=body, content_type="application/x-www-form-urlencoded",
                             headers={"Origin": "http://localhost", "Referer": "http://localhost/kiosk/"})
        assert answer.status_code == 303, (answer.status_code, answer.data[:2000])
        return answer

    return path, ask


if __name__ == "__main__":
    main()
