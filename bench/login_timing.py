"""How long a wrong password takes for a known username and for an unknown one (they should match).

Runs the sign-in service in-process on a scratch SQLite database built through the migrations and prints
the median and p90 of each, in milliseconds. Every attempt comes from a new address, so the throttle
never answers first. ``python bench/login_timing.py [--attempts N]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=30)
    attempts = parser.parse_args().attempts

    from flask_migrate import upgrade

    from kiosk import create_app
    from kiosk.clock import utcnow
    from kiosk.domain.login_throttle import ThrottlePolicy
    from kiosk.services import accounts

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{scratch}/login.sqlite3",
                          "SECRET_KEY": "bench-secret"})
        with app.app_context():
            upgrade()
            accounts.create_user(username="lina", display_name="李娜", password="correct-horse-9",
                                 roles=["agent"], department=None, now=utcnow())
            policy = ThrottlePolicy()
            timings: dict[str, list[float]] = {"known": [], "unknown": []}
            for n in range(attempts):
                for net, (kind, username) in enumerate((("known", "lina"), ("unknown", f"nobody{n}"))):
                    started = time.perf_counter()
                    accounts.sign_in(username, "wrong-password", f"10.{net}.{n // 250}.{n % 250}",
                                     utcnow() + timedelta(seconds=n), policy=policy)
                    timings[kind].append((time.perf_counter() - started) * 1000)
    for kind, values in timings.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{kind:>8} username: median {statistics.median(values):6.1f} ms, p90 {p90:6.1f} ms")


if __name__ == "__main__":
    main()
