"""WeCom (企业微信): the group robot of a department, and the application message to one person.

* Group robot: ``POST {base}/cgi-bin/webhook/send?key=KEY``; markdown, or plain text when people are to be
  @mentioned by mobile (``mentioned_mobile_list`` is a text-message field). Errcode 45009 is the robot's
  rate limit (20 a minute): try later.
* Application message: ``GET {base}/cgi-bin/gettoken?corpid=…&corpsecret=…`` gives an access token for
  ``expires_in`` seconds (7200), kept in the token store for every worker; ``POST
  {base}/cgi-bin/message/send?access_token=…`` with ``touser``, ``agentid`` and the markdown, asking WeCom
  to drop a copy it saw within 30 minutes (``enable_duplicate_check``). Errcode 42001 (expired) or 40014
  (invalid) forgets the token, fetches a new one and sends once more.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote, urlencode

from kiosk.clock import utcnow
from kiosk.messaging import PERMANENT, RETRY, DeliveryError, Envelope, TokenStore
from kiosk.messaging.http import call

RATE_LIMITED = {45009, 45033, -1}  # too frequent; -1: system busy
TOKEN_EXPIRED = {42001, 40014}
TOKEN_NAME = "wecom_access_token"
#: Renew a little before WeCom says the token ends, so a message never leaves with a token about to lapse.
TOKEN_MARGIN = timedelta(minutes=5)


def _errcode(answer: dict) -> int:
    try:
        return int(answer.get("errcode", -1))
    except (TypeError, ValueError):
        return -1


def _raise_for(answer: dict) -> None:
    code = _errcode(answer)
    if code == 0:
        return
    reason = f"errcode {code}: {answer.get('errmsg', '')}"
    raise DeliveryError(
        RETRY if code in RATE_LIMITED else PERMANENT, reason, wait=60 if code in RATE_LIMITED else None
    )


class WeComGroup:
    def __init__(self, base_url: str, *, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, envelope: Envelope) -> str | None:
        url = f"{self.base_url}/cgi-bin/webhook/send?key={quote(envelope.address, safe='')}"
        if envelope.mentions:
            payload = {
                "msgtype": "text",
                "text": {"content": envelope.text, "mentioned_mobile_list": list(envelope.mentions)},
            }
        else:
            payload = {"msgtype": "markdown", "markdown": {"content": envelope.markdown or envelope.text}}
        _raise_for(call(url, payload=payload, timeout=self.timeout))
        return None


class WeComApp:
    def __init__(
        self, base_url: str, *, corp_id: str, agent_id: int, secret: str, tokens: TokenStore, timeout: float
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.corp_id, self.agent_id, self.secret = corp_id, agent_id, secret
        self.tokens = tokens
        self.timeout = timeout

    def _token(self) -> str:
        token = self.tokens.get(TOKEN_NAME)
        if token:
            return token
        url = f"{self.base_url}/cgi-bin/gettoken?" + urlencode(
            {"corpid": self.corp_id, "corpsecret": self.secret}
        )
        answer = call(url, timeout=self.timeout)
        if _errcode(answer) != 0 or not answer.get("access_token"):
            # A refused token request sends nothing: the message waits for the next try.
            raise DeliveryError(RETRY, f"gettoken errcode {_errcode(answer)}: {answer.get('errmsg', '')}")
        lifetime = timedelta(seconds=int(answer.get("expires_in", 7200)))
        self.tokens.put(TOKEN_NAME, answer["access_token"], utcnow() + lifetime - TOKEN_MARGIN)
        return answer["access_token"]

    def send(self, envelope: Envelope) -> str | None:
        payload = {
            "touser": envelope.address,
            "msgtype": "markdown",
            "agentid": self.agent_id,
            "markdown": {"content": envelope.markdown or envelope.text},
            "enable_duplicate_check": 1,
            "duplicate_check_interval": 1800,
        }
        for _ in range(2):
            url = f"{self.base_url}/cgi-bin/message/send?access_token={quote(self._token(), safe='')}"
            answer = call(url, payload=payload, timeout=self.timeout)
            if _errcode(answer) in TOKEN_EXPIRED:
                self.tokens.forget(TOKEN_NAME)
                continue
            _raise_for(answer)
            if answer.get("invaliduser"):
                raise DeliveryError(PERMANENT, f"invaliduser: {answer['invaliduser']}")
            return str(answer.get("msgid") or "") or None
        raise DeliveryError(RETRY, "access token refused twice")
