"""SMS through a provider with an Aliyun-style API: a signature (签名), a template code registered and
reviewed at the provider, and the template's parameters; never free text.

``AliyunSms`` speaks the ``SendSms`` RPC (version 2017-05-25): the parameters sorted and percent-encoded,
signed with HMAC-SHA1 over ``POST&%2F&<query>`` with the secret plus ``&``; the answer's ``Code`` is
``OK`` or the reason. ``OutId`` carries the outbox message's key, so the provider's receipt names it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote

from kiosk.clock import utcnow
from kiosk.messaging import PERMANENT, RETRY, DeliveryError, Envelope
from kiosk.messaging.http import call

#: Codes that mean "not now": the provider's flow control.
SLOW_DOWN = {"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "Throttling"}
#: Codes that mean "never": a bad number, template, signature or parameters.
REFUSED_PREFIXES = (
    "isv.MOBILE",
    "isv.SMS_TEMPLATE",
    "isv.SMS_SIGNATURE",
    "isv.TEMPLATE",
    "isv.INVALID",
    "isv.PARAM",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.DENY_IP_RANGE",
    "InvalidAccessKeyId",
)


def _encode(value: str) -> str:
    return quote(value, safe="~")


def signed_query(params: dict[str, str], secret: str) -> str:
    """The request body: the parameters percent-encoded in order, with their HMAC-SHA1 ``Signature``."""
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"POST&{_encode('/')}&{_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return f"Signature={_encode(base64.b64encode(digest).decode())}&{canonical}"


class AliyunSms:
    def __init__(self, base_url: str, *, key_id: str, key_secret: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.key_id, self.key_secret = key_id, key_secret
        self.timeout = timeout

    def send(self, envelope: Envelope) -> str | None:
        if not envelope.template_code or not envelope.sign_name:
            raise DeliveryError(PERMANENT, "no approved SMS template")
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": envelope.key,
            "SignatureVersion": "1.0",
            "Timestamp": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": envelope.address,
            "SignName": envelope.sign_name,
            "TemplateCode": envelope.template_code,
            "OutId": envelope.key,
            "TemplateParam": json.dumps(dict(envelope.params), ensure_ascii=False),
        }
        answer = call(
            self.base_url, form=signed_query(params, self.key_secret).encode(), timeout=self.timeout
        )
        code = str(answer.get("Code", ""))
        if code == "OK":
            return str(answer.get("BizId") or "") or None
        reason = f"{code}: {answer.get('Message', '')}"
        if code in SLOW_DOWN:
            raise DeliveryError(RETRY, reason, wait=60)
        raise DeliveryError(PERMANENT if code.startswith(REFUSED_PREFIXES) else RETRY, reason)
