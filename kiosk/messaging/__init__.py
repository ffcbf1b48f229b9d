"""The channels that carry messages away from the screen, each behind one small interface.

A sender takes an :class:`Envelope` and returns the provider's id for the message, or raises
:class:`DeliveryError` saying whether the message certainly did not go (``retry``), never will
(``permanent``), or may have gone (``unknown``: the request was handed over and no answer came back).
``senders(config, tokens)`` builds the configured ones from the settings; the outbox
(``kiosk.services.messages``) decides what to do with each outcome. No database here: the WeCom access
token is kept by the caller's :class:`TokenStore`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from kiosk.domain.messaging import Channel

RETRY = "retry"
PERMANENT = "permanent"
UNKNOWN = "unknown"


class DeliveryError(Exception):
    """A message not delivered: ``outcome`` is RETRY, PERMANENT or UNKNOWN, ``reason`` the provider's word,
    ``wait`` (seconds) the provider's own hint to slow down (a rate limit)."""

    def __init__(self, outcome: str, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason
        self.wait = wait


@dataclass(frozen=True)
class Envelope:
    """One message for one address. ``key`` is unique per outbox message (the e-mail's Message-ID, the
    SMS's OutId): a provider that de-duplicates by it never shows a resent copy."""

    key: str
    address: str
    subject: str
    text: str
    markdown: str | None = None
    html: str | None = None
    template_code: str | None = None
    sign_name: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    mentions: tuple[str, ...] = ()


class Sender(Protocol):
    def send(self, envelope: Envelope) -> str | None: ...


class TokenStore(Protocol):
    """Where a provider's access token is kept between messages and across workers."""

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str, expires_at: datetime) -> None: ...

    def forget(self, name: str) -> None: ...


def configured_channels(config: Mapping) -> set[Channel]:
    """The channels whose settings are present (a message is queued only for these)."""
    found = {Channel.BELL}
    if config.get("SMTP_URL"):
        found.add(Channel.EMAIL)
    if config.get("WECOM_API_URL"):
        found.add(Channel.WECOM_GROUP)
        if config.get("WECOM_CORP_ID") and config.get("WECOM_SECRET") and config.get("WECOM_AGENT_ID"):
            found.add(Channel.WECOM_APP)
    if config.get("SMS_API_URL") and config.get("SMS_ACCESS_KEY_ID") and config.get("SMS_ACCESS_KEY_SECRET"):
        found.add(Channel.SMS)
    return found


def senders(config: Mapping, tokens: TokenStore) -> dict[Channel, Sender]:
    """A sender for every configured channel (the bell needs none: the notification is the message)."""
    from kiosk.messaging.email import SmtpSender
    from kiosk.messaging.sms import AliyunSms
    from kiosk.messaging.wecom import WeComApp, WeComGroup

    timeout = float(config.get("MESSAGE_HTTP_TIMEOUT_SECONDS", 10))
    available = configured_channels(config)
    found: dict[Channel, Sender] = {}
    if Channel.EMAIL in available:
        found[Channel.EMAIL] = SmtpSender(
            config["SMTP_URL"], sender=config.get("SMTP_FROM") or "kiosk@localhost", timeout=timeout
        )
    if Channel.WECOM_GROUP in available:
        found[Channel.WECOM_GROUP] = WeComGroup(config["WECOM_API_URL"], timeout=timeout)
    if Channel.WECOM_APP in available:
        found[Channel.WECOM_APP] = WeComApp(
            config["WECOM_API_URL"],
            corp_id=config["WECOM_CORP_ID"],
            agent_id=int(config["WECOM_AGENT_ID"]),
            secret=config["WECOM_SECRET"],
            tokens=tokens,
            timeout=timeout,
        )
    if Channel.SMS in available:
        found[Channel.SMS] = AliyunSms(
            config["SMS_API_URL"],
            key_id=config["SMS_ACCESS_KEY_ID"],
            key_secret=config["SMS_ACCESS_KEY_SECRET"],
            timeout=timeout,
        )
    return found
