"""An incident is in one state at a time (seed 000 §4: alert at once; §5 C5: the report two working days
after it closes): waiting, handled, report due or overdue, done; closed is never also 待确认."""

from datetime import UTC, datetime, timedelta

from kiosk.domain.incident_states import IncidentState, incident_state

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(hours=3)


def state(**moments) -> IncidentState:
    values = {"acknowledged_at": None, "closed_at": None, "report_filed_at": None, "report_due_at": None}
    values.update(moments)
    return incident_state(now=NOW, **values)


def test_nobody_has_taken_it_yet():
    assert state() is IncidentState.AWAITING


def test_someone_took_it_and_is_handling_it():
    assert state(acknowledged_at=EARLIER) is IncidentState.HANDLING


def test_closed_the_report_falls_due():
    assert state(acknowledged_at=EARLIER, closed_at=EARLIER, report_due_at=NOW + timedelta(days=2)) \
        is IncidentState.REPORT_DUE


def test_a_closed_incident_is_never_awaiting_acknowledgement():
    assert state(closed_at=EARLIER, report_due_at=NOW + timedelta(days=2)) is IncidentState.REPORT_DUE


def test_the_report_past_its_due_time_is_overdue():
    assert state(closed_at=EARLIER, report_due_at=NOW - timedelta(minutes=1)) is IncidentState.REPORT_OVERDUE


def test_with_the_report_filed_it_is_done_even_if_filed_late():
    assert state(closed_at=EARLIER, report_due_at=NOW - timedelta(days=1), report_filed_at=NOW) \
        is IncidentState.DONE
