"""E-mail over SMTP: ``KIOSK_SMTP_URL=smtp://user:pass@host:port`` (STARTTLS when the server offers it),
``smtps://`` for TLS from the first byte. Each message is plain text plus HTML, its ``Message-ID`` made
from the outbox key.

Failures: no connection, or a 4xx answer, means the server did not take it (try again); a 5xx answer to
the recipient or the data is a refusal; a connection lost while the data was being sent may have
delivered it (unknown).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from kiosk.messaging import PERMANENT, RETRY, UNKNOWN, DeliveryError, Envelope


class SmtpSender:
    def __init__(self, url: str, *, sender: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("SMTP_URL must start with smtp:// or smtps://")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        if self.tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        server.ehlo()
        if server.has_extn("starttls"):
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        return server

    def message(self, envelope: Envelope) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = envelope.address
        mail["Subject"] = envelope.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{envelope.key}@{self.sender.rpartition('@')[2] or 'kiosk'}>"
        mail.set_content(envelope.text)
        if envelope.html:
            mail.add_alternative(envelope.html, subtype="html")
        return mail

    def send(self, envelope: Envelope) -> str | None:
        mail = self.message(envelope)
        try:
            server = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(RETRY, f"SMTP connection failed: {error}") from None
        try:
            if self.user:
                server.login(self.user, self.password or "")
            server.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(PERMANENT, f"recipient refused: {error.recipients}") from None
        except smtplib.SMTPAuthenticationError as error:
            raise DeliveryError(PERMANENT, f"SMTP login refused: {error.smtp_code}") from None
        except smtplib.SMTPResponseException as error:
            outcome = RETRY if 400 <= error.smtp_code < 500 else PERMANENT
            raise DeliveryError(outcome, f"SMTP {error.smtp_code}: {error.smtp_error!r}") from None
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise DeliveryError(
                UNKNOWN, f"SMTP connection lost while sending: {type(error).__name__}"
            ) from None
        finally:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()
        return mail["Message-ID"]
