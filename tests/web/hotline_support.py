"""Shared helpers of the hotline tests: a signed switchboard, an owner to call from."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kiosk.extensions import db
from kiosk.models.calls import PbxSecret
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.services.hotline import PBX_HEADER, SIGNATURE_HEADER, sign

SECRET = "s3cret-for-tests"
OWNER_MOBILE = "13900001234"
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def add_pbx(name: str = "test-pbx") -> None:
    db.session.add(PbxSecret(name=name, secret=SECRET))
    db.session.commit()


def add_owner(name: str = "张建华", mobile: str = OWNER_MOBILE, unit_number: str = "201") -> Owner:
    project = db.session.query(Project).filter_by(name="湘江壹号").first() or Project(name="湘江壹号")
    building = Building(project=project, name=f"3栋-{unit_number}" if unit_number != "201" else "3栋")
    unit = Unit(building=building, number=unit_number)
    owner = Owner(name=name, mobile=mobile, unit=unit)
    db.session.add_all([project, building, unit, owner])
    db.session.commit()
    return owner


def event(kind: str, call_id: str = "pbx-1", seconds: int = 0, *, caller: str = OWNER_MOBILE,
          extension: str = "", start: datetime = T0) -> dict:
    return {"event": kind, "call_id": call_id, "from": caller, "to": "4008001234", "direction": "in",
            "extension": extension, "timestamp": (start + timedelta(seconds=seconds)).isoformat()}


def post_event(client, payload: dict | bytes, *, secret: str = SECRET, pbx: str = "test-pbx"):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post("/cti/events", data=body, content_type="application/json",
                       headers={PBX_HEADER: pbx, SIGNATURE_HEADER: sign(secret, body)})
