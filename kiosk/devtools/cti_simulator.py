"""Realistic switchboard event streams for demos, tests and load (``flask --app kiosk cti-simulate``).

Each call rings, is answered after 2–20 s at an agent's extension (now and then at an extension nobody
has, so it rings for everyone) and hangs up after 40 s–4 min; some callers give up before anyone
answers. Like a real switchboard, the stream now and then repeats an event or delivers a hangup before
its answer. The last ``ringing`` calls are left ringing for an agent to pick up on the console.

A live switchboard sends each event as it happens, and the server refuses events dated more than
``CTI_MAX_CLOCK_SKEW_SECONDS`` (5 minutes) from its clock: so each finished call has just ended when its
stream is made (within ``RECENT``, read from ``clock`` call by call), and every event lies in the last
``OLDEST_EVENT``, however long the run.
"""

from __future__ import annotations

import json
import random
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

from kiosk.services.hotline import PBX_HEADER, SIGNATURE_HEADER, sign

HOTLINE = "4008001234"
RING_SECONDS = (2, 20)
TALK_SECONDS = (40, 240)
RECENT = timedelta(seconds=30)  # how long ago a finished call ended
OLDEST_EVENT = RECENT + timedelta(seconds=RING_SECONDS[1] + TALK_SECONDS[1])


def pbx_event(kind: str, call_id: str, at: datetime, caller: str, extension: str = "") -> dict:
    return {"event": kind, "call_id": call_id, "from": caller, "to": HOTLINE, "direction": "in",
            "extension": extension, "timestamp": at.isoformat()}


def call_streams(rng: random.Random, *, calls: int, ringing: int, clock: Callable[[], datetime],
                 numbers: Sequence[str], extensions: Sequence[str]) -> Iterator[dict]:
    """The events of ``calls`` calls, the finished ones first, in the order a switchboard sends them."""
    batch = f"sim-{clock():%Y%m%d%H%M%S}-{rng.randrange(10**6):06d}"
    finished = calls - ringing
    for n in range(calls):
        caller = rng.choice(numbers) if numbers else f"139{rng.randrange(10**8):08d}"
        call_id = f"{batch}-{n}"
        extension = rng.choice(extensions) if extensions and rng.random() < 0.85 else "9999"
        if n >= finished:
            yield pbx_event("ringing", call_id, clock(), caller, extension)
            continue
        ended = clock() - timedelta(seconds=rng.randint(0, int(RECENT.total_seconds())))
        answered = ended - timedelta(seconds=rng.randint(*TALK_SECONDS))
        start = answered - timedelta(seconds=rng.randint(*RING_SECONDS))
        if rng.random() < 0.1:  # the caller gave up before anyone answered
            stream = [pbx_event("ringing", call_id, start, caller),
                      pbx_event("hangup", call_id, answered, caller)]
        else:
            stream = [pbx_event("ringing", call_id, start, caller, extension),
                      pbx_event("answered", call_id, answered, caller, extension),
                      pbx_event("hangup", call_id, ended, caller, extension)]
            if rng.random() < 0.15:
                stream[1], stream[2] = stream[2], stream[1]  # delivered out of order
        if rng.random() < 0.15:
            stream.append(rng.choice(stream))  # the switchboard repeats itself
        yield from stream


def post_event(url: str, pbx: str, secret: str, event: dict) -> tuple[int, dict]:
    """POST one signed event; the HTTP status and the server's JSON answer."""
    body = json.dumps(event).encode()
    request = urllib.request.Request(
        url.rstrip("/") + "/cti/events", data=body, method="POST",
        headers={"Content-Type": "application/json", PBX_HEADER: pbx, SIGNATURE_HEADER: sign(secret, body)},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())


def _json(body: bytes) -> dict:
    """The server's JSON answer; anything else (another program on the port, a proxy page) as an error."""
    try:
        answer = json.loads(body)
    except ValueError:
        return {"error": "not a kiosk server"}
    return answer if isinstance(answer, dict) else {"error": "not a kiosk server"}
