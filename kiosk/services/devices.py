"""Kiosk tablets: register, issue a one-time pairing code, pair, recognise, revoke.

The server keeps only SHA-256 hashes of the pairing code and of the device credential. The tablet holds
its credential in a signed cookie (``<device id>:<secret>``), so a copied database cannot pair a tablet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import bindparam, or_, select, update

from kiosk.database import read_alone_or_none, unit_of_work
from kiosk.domain.classify import Place
from kiosk.extensions import db
from kiosk.models.visits import KioskDevice
from kiosk.services import audit
from kiosk.services.audit import Action, By, ObjectType, Subject

COOKIE_NAME = "kiosk_device"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
PAIRING_MINUTES = 15
PAIRING_DIGITS = 8
# last_seen is written at most this often, so a busy tablet does not write on every request.
LAST_SEEN_EVERY = timedelta(minutes=5)


def per_tablet(table: dict, device: KioskDevice | Tablet):
    """A per-tablet setting: the entry for the tablet's name, else its place, else ``"*"`` (None if none)."""
    if not table:  # not set up: nothing to read of the tablet
        return None
    for key in (device.name, device.place, "*"):
        if key in table:
            return table[key]
    return None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@lru_cache(maxsize=4)
def _serializer(secret_key: str) -> URLSafeSerializer:
    """Made once per key: making one tries its JSON serializer out (every tablet request reads a cookie)."""
    return URLSafeSerializer(secret_key, salt="kiosk-device")


def _subject(device: KioskDevice) -> Subject:
    return Subject(ObjectType.DEVICE, device.id, device.name)


def register_device(*, name: str, place: Place | str, opens_at: time, closes_at: time,
                    now: datetime, by: By | None = None) -> KioskDevice:
    with unit_of_work():
        device = KioskDevice(name=name.strip(), place=Place(place).value, opens_at=opens_at,
                             closes_at=closes_at, created_at=now, revoked=False)
        db.session.add(device)
        db.session.flush()
        audit.record(by, Action.DEVICE_REGISTERED, _subject(device), None,
                     audit.fields_of(device, ("name", "place", "opens_at", "closes_at")))
    return device


def closing_times() -> list[time]:
    """Every tablet's closing time, once each: the auto sign-out runs after each of them."""
    return list(db.session.scalars(select(KioskDevice.closes_at).distinct()))


def all_devices() -> list[KioskDevice]:
    """Every tablet, revoked ones too, by name (the admin's list)."""
    return list(db.session.scalars(select(KioskDevice).order_by(KioskDevice.name)))


def get_device(device_id: int) -> KioskDevice | None:
    return db.session.get(KioskDevice, device_id)


def device_name_taken(name: str) -> bool:
    return db.session.scalar(select(KioskDevice.id).where(KioskDevice.name == name.strip())) is not None


def issue_pairing_code(device: KioskDevice, now: datetime, *, by: By | None = None) -> str:
    """A fresh one-time code (valid ``PAIRING_MINUTES``); pairing again replaces the old credential. The
    audit log keeps when it expires, never the code."""
    with unit_of_work():
        code = "".join(secrets.choice("0123456789") for _ in range(PAIRING_DIGITS))
        before = audit.fields_of(device, ("pairing_expires_at", "revoked"))
        device.pairing_code_hash = _hash(code)
        device.pairing_expires_at = now + timedelta(minutes=PAIRING_MINUTES)
        device.revoked = False
        audit.record(by, Action.DEVICE_PAIRING_CODE, _subject(device), before,
                     audit.fields_of(device, ("pairing_expires_at", "revoked")))
    return code


def pair(code: str, now: datetime, *, by: By | None = None) -> tuple[KioskDevice, str] | None:
    """Redeem a pairing code: (device, credential secret), or None when the code is wrong or expired.

    The code is consumed by a conditional UPDATE, so two tablets typing it at once cannot both win; only
    the winner's pairing is audited (``by`` names no user: the tablet pairs itself, from its address).
    """
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != PAIRING_DIGITS:
        return None
    with unit_of_work():
        device = db.session.scalar(select(KioskDevice).where(KioskDevice.pairing_code_hash == _hash(code)))
        expired = device is None or device.pairing_expires_at is None or device.pairing_expires_at < now
        if expired or device.revoked:
            return None
        secret = secrets.token_urlsafe(32)
        claimed = db.session.execute(
            update(KioskDevice)
            .where(KioskDevice.id == device.id, KioskDevice.pairing_code_hash == _hash(code))
            .values(pairing_code_hash=None, pairing_expires_at=None, credential_hash=_hash(secret),
                    paired_at=now, last_seen=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            return None
        audit.record(by, Action.DEVICE_PAIRED, _subject(device), {"paired_at": audit.plain(device.paired_at)},
                     {"paired_at": audit.plain(now)})
    db.session.refresh(device)
    return device, secret


def credential_cookie(secret_key: str, device: KioskDevice, secret: str) -> str:
    return _serializer(secret_key).dumps(f"{device.id}:{secret}")


@lru_cache(maxsize=256)
def _claim(secret_key: str, cookie: str | None) -> tuple[int, str] | None:
    """(device id, credential secret) of a cookie whose signature holds; the credential is not checked.

    Remembered per cookie (a bounded cache): a tablet sends the same cookie with every request, and its
    signature, which never expires, holds or not for good; the credential is still checked each time."""
    if not cookie:
        return None
    try:
        value = _serializer(secret_key).loads(cookie)
    except BadSignature:
        return None
    device_id, _, secret = str(value).partition(":")
    return (int(device_id), secret) if device_id.isdigit() else None


def device_id_from_cookie(secret_key: str, cookie: str | None) -> int | None:
    """The device id a cookie claims (signature checked, credential not): the rate limiter's key."""
    claim = _claim(secret_key, cookie)
    return claim[0] if claim else None


@dataclass(frozen=True)
class Tablet:
    """A paired tablet as a request knows it (``g.kiosk_device``): what its pages read of it."""

    id: int
    name: str
    place: str
    opens_at: time
    closes_at: time
    paired_at: datetime | None


_DEVICES = KioskDevice.__table__
#: One Core statement, on its own before the request's transaction: the tablet's check comes before every
#: page and POST of a tablet.
_TABLET = select(_DEVICES.c.id, _DEVICES.c.name, _DEVICES.c.place, _DEVICES.c.opens_at, _DEVICES.c.closes_at,
                 _DEVICES.c.paired_at, _DEVICES.c.revoked, _DEVICES.c.credential_hash, _DEVICES.c.last_seen
                 ).where(_DEVICES.c.id == bindparam("device_id"))


def authenticate(secret_key: str, cookie: str | None, now: datetime) -> Tablet | None:
    """The paired, unrevoked device a cookie proves, or None."""
    claim = _claim(secret_key, cookie)
    if claim is None:
        return None
    device_id, secret = claim
    row = read_alone_or_none(_TABLET, {"device_id": device_id})
    if row is None or row.revoked or row.credential_hash is None:
        return None
    if not hmac.compare_digest(row.credential_hash, _hash(secret)):
        return None
    if row.last_seen is None or now - row.last_seen > LAST_SEEN_EVERY:
        # A write after the reads above: take the write lock first (SQLite would refuse to upgrade a
        # read transaction while another tablet writes), and let one of several requests at once do it.
        with unit_of_work():
            db.session.execute(
                update(KioskDevice)
                .where(KioskDevice.id == device_id,
                       or_(KioskDevice.last_seen.is_(None), KioskDevice.last_seen < now - LAST_SEEN_EVERY))
                .values(last_seen=now).execution_options(synchronize_session=False)
            )
    return Tablet(row.id, row.name, row.place, row.opens_at, row.closes_at, row.paired_at)


def revoke(device: KioskDevice, *, by: By | None = None) -> None:
    with unit_of_work():
        audit.record(by, Action.DEVICE_REVOKED, _subject(device), {"revoked": device.revoked},
                     {"revoked": True})
        device.revoked = True
        device.credential_hash = None
        device.pairing_code_hash = None
        device.pairing_expires_at = None
