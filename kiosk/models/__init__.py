"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from kiosk.models.calendar import CalendarOverride
from kiosk.models.callbacks import Callback, CallbackKind, CallbackStatus
from kiosk.models.notifications import Notification, NotificationRead
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.security import LoginAttempt
from kiosk.models.settings import Setting
from kiosk.models.tasks import SlipCounter, SlipSource, SlipStatus, TaskEvent, TaskSlip

__all__ = [
    "Building",
    "CalendarOverride",
    "Callback",
    "CallbackKind",
    "CallbackStatus",
    "Department",
    "LoginAttempt",
    "Notification",
    "NotificationRead",
    "Owner",
    "Project",
    "Role",
    "ScriptPhrase",
    "Setting",
    "SlipCounter",
    "SlipSource",
    "SlipStatus",
    "TaskEvent",
    "TaskSlip",
    "Unit",
    "User",
    "UserRole",
]
