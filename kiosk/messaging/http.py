"""One HTTP call to a provider, its failures sorted into "did not go", "refused" and "may have gone".

The standard library's ``urllib`` is enough for a JSON POST; what matters is where it failed: before the
request was written (no connection: it did not go, try again), after the provider answered with an HTTP
error (5xx: it did not take it, try again; 4xx: it never will), or while waiting for the answer (a read
timeout or a cut connection: the provider may have acted on it, so the outcome is unknown).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from http.client import HTTPException

from kiosk.messaging import PERMANENT, RETRY, UNKNOWN, DeliveryError


def call(url: str, *, timeout: float, payload: Mapping | None = None, form: bytes | None = None) -> dict:
    """GET (no body), POST JSON (``payload``) or POST a form (``form``); the JSON answer as a dict."""
    headers = {"User-Agent": "kiosk-messages/1"}
    data = None
    if payload is not None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
    elif form is not None:
        data = form
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (configured https URL)
            body = answer.read()
    except urllib.error.HTTPError as error:
        outcome = RETRY if error.code >= 500 or error.code == 429 else PERMANENT
        raise DeliveryError(outcome, f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:  # no connection: nothing was sent
        raise DeliveryError(RETRY, f"connection failed: {error.reason}") from None
    except (TimeoutError, ConnectionError, HTTPException) as error:  # sent, no answer
        raise DeliveryError(UNKNOWN, f"no answer after sending: {type(error).__name__}") from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise DeliveryError(UNKNOWN, "the provider's answer was not JSON") from None
    if not isinstance(answer, dict):
        raise DeliveryError(UNKNOWN, "the provider's answer was not a JSON object")
    return answer
