"""Who and where: the groups of a breakdown (per agent, department, project, incident class) and the
family of rows behind each KPI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, and_, func
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from kiosk.domain.kpi import KpiCode
from kiosk.models.callbacks import Callback
from kiosk.models.calls import Call
from kiosk.models.people import Department, User
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.tasks import TaskSlip
from kiosk.models.visits import Incident

_SlipCall = aliased(Call, name="slip_call")


def _slip_call(statement: Select, slip=TaskSlip) -> Select:
    """The call a slip was opened from (its caller's home decides the slip's project)."""
    return statement.outerjoin(_SlipCall, and_(slip.source == "call", _SlipCall.id == slip.source_ref))


def _owner_home(statement: Select) -> Select:
    """From an owner to their unit, building and project."""
    return (statement.outerjoin(Unit, Unit.id == Owner.unit_id)
            .outerjoin(Building, Building.id == Unit.building_id)
            .outerjoin(Project, Project.id == Building.project_id))


def _project_of_owner(statement: Select, owner_id) -> Select:
    return _owner_home(statement.outerjoin(Owner, Owner.id == owner_id))


def _callback_owner_id() -> ColumnElement:
    return func.coalesce(Callback.property_owner_id, _SlipCall.owner_id)


def _callback_project(statement: Select) -> Select:
    statement = statement.outerjoin(TaskSlip, TaskSlip.id == Callback.slip_id)
    return _project_of_owner(_slip_call(statement), _callback_owner_id())


Join = Callable[[Select], Select]


def then(first: Join, second: Join) -> Join:
    return lambda statement: second(first(statement))


@dataclass(frozen=True)
class Dimension:
    """A breakdown key: its id and name columns and the joins that reach them from the family's table."""

    key: ColumnElement
    name: ColumnElement
    join: Callable[[Select], Select]


def _user_dimension(user_id) -> Dimension:
    return Dimension(User.id, User.display_name, lambda s: s.outerjoin(User, User.id == user_id))


def _users_department(user_id) -> Dimension:
    """The department of the user in ``user_id`` (an agent's own department, not a slip's)."""
    return Dimension(Department.id, Department.name, lambda s: s.outerjoin(User, User.id == user_id)
                     .outerjoin(Department, Department.id == User.department_id))


_PROJECT = (Project.id, Project.name)
_CALLBACK_AGENT = func.coalesce(Callback.done_by_id, Callback.agent_id)

DIMENSIONS: dict[str, dict[str, Dimension]] = {
    "calls": {
        "agent": _user_dimension(Call.agent_id),
        "department": _users_department(Call.agent_id),
        "project": Dimension(*_PROJECT, lambda s: _project_of_owner(s, Call.owner_id)),
    },
    "slips": {
        "agent": _user_dimension(TaskSlip.owner_id),
        "department": Dimension(Department.id, Department.name,
                                lambda s: s.outerjoin(Department, Department.id == TaskSlip.department_id)),
        "project": Dimension(*_PROJECT, lambda s: _project_of_owner(_slip_call(s), _SlipCall.owner_id)),
    },
    "callbacks": {
        "agent": _user_dimension(_CALLBACK_AGENT),
        "department": _users_department(_CALLBACK_AGENT),
        "project": Dimension(*_PROJECT, _callback_project),
    },
    "answers": {},
    "visits": {"project": Dimension(*_PROJECT, _owner_home)},
    "owners": {"project": Dimension(*_PROJECT, _owner_home)},
    "incidents": {
        "agent": _user_dimension(Incident.closed_by_id),
        "department": _users_department(Incident.closed_by_id),
        "class": Dimension(Incident.incident_class, Incident.incident_class, lambda s: s),
    },
}
# A complaint's satisfaction answer belongs to its slip: the slip's agent, department and project.
DIMENSIONS["answers"] = dict(DIMENSIONS["slips"])

#: The family of rows behind each KPI (and so its drill-down and its dimensions).
FAMILY = {
    KpiCode.ANSWERED_WITHIN_THREE_RINGS: "calls",
    KpiCode.OVER_THREE_MINUTES: "calls",
    KpiCode.AVERAGE_HANDLING_TIME: "calls",
    KpiCode.P90_HANDLING_TIME: "calls",
    KpiCode.COMPLAINT_TIMELINESS: "slips",
    KpiCode.SLIPS_OVERDUE: "slips",
    KpiCode.VALID_COMPLAINT_SATISFACTION: "answers",
    KpiCode.CALLBACK_COVERAGE: "callbacks",
    KpiCode.ANNUAL_VISIT_COVERAGE: "visits",
    KpiCode.OWNER_PROFILE_COMPLETENESS: "owners",
    KpiCode.INCIDENT_REPORTS_ON_TIME: "incidents",
    KpiCode.ROTATION_FAIRNESS: "rotation",
}
