"""The call screen reads through the hotline service: its unit list is one prepared query, whatever the
number of units, buildings and projects (no unit, building or project loaded one by one per render)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.models.property import Building, Project, Unit
from kiosk.services import hotline
from tests.support import statements_sent


@pytest.fixture
def agent(login_as):
    return login_as("agent")


def _add_units(project_name: str, buildings: int, per_building: int) -> None:
    project = Project(name=project_name)
    for b in range(buildings):
        building = Building(project=project, name=f"{b + 1}栋")
        db.session.add_all([Unit(building=building, number=f"{u + 1}01") for u in range(per_building)])
    db.session.add(project)
    db.session.commit()


def _selects():
    return statements_sent(db.engine, lambda statement: statement.lstrip().upper().startswith("SELECT"))


def _call_screen(client, agent) -> tuple[str, int]:
    now = utcnow()
    call = Call(direction="in", caller_number="13700009999", state="answered", agent_id=agent.id,
                answered_at=now - timedelta(seconds=20), created_at=now)
    db.session.add(call)
    db.session.commit()
    with _selects() as seen:
        response = client.get(f"/hotline/calls/{call.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True), len(seen)


def test_the_unit_choices_are_labelled_and_sorted_from_one_query(app):
    _add_units("湘江壹号", buildings=2, per_building=2)
    _add_units("岳麓府", buildings=1, per_building=1)
    with _selects() as seen:
        choices = hotline.unit_choices()
    assert len(seen) == 1
    labels = [label for _id, label in choices]
    assert labels == sorted(labels)
    assert "湘江壹号 2栋 201" in labels and "岳麓府 1栋 101" in labels
    units = {unit.id: unit.label for unit in db.session.scalars(db.select(Unit))}
    assert dict(choices) == units


def test_the_call_screen_reads_as_much_with_many_units_as_with_few(client, agent):
    _add_units("湘江壹号", buildings=1, per_building=1)
    _html, few = _call_screen(client, agent)
    for n in range(4):
        _add_units(f"项目{n}", buildings=3, per_building=3)
    html, many = _call_screen(client, agent)
    assert many == few
    assert len(re.findall(r'<option value="\d+">项目\d \d栋 \d01</option>', html)) == 36
