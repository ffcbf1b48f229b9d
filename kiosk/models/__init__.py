"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from kiosk.models.calendar import CalendarOverride
from kiosk.models.notifications import Notification, NotificationRead
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.rotation import RotationDay, RotationEvent
from kiosk.models.security import LoginAttempt

__all__ = [
    "Building",
    "CalendarOverride",
    "Department",
    "LoginAttempt",
    "Notification",
    "NotificationRead",
    "Owner",
    "Project",
    "Role",
    "RotationDay",
    "RotationEvent",
    "ScriptPhrase",
    "Unit",
    "User",
    "UserRole",
]
