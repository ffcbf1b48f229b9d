"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from kiosk.models.audit import AdminAudit
from kiosk.models.calendar import CalendarOverride
from kiosk.models.callbacks import Callback, CallbackKind, CallbackStatus
from kiosk.models.calls import (
    AgentState,
    AnswerBookEntry,
    Call,
    CallEvent,
    CallPhraseUse,
    CtiRefusalCount,
    DirectoryEntry,
    PbxSecret,
    SwitchConnector,
    SwitchRequest,
)
from kiosk.models.coverage import UnitVisit, VisitPlan
from kiosk.models.jobs import JobRun, JobSchedule
from kiosk.models.kpi import KpiDay, KpiStaleDays, KpiTalkDay
from kiosk.models.messaging import (
    AlertEscalation,
    DeliveryAttempt,
    MessageGroup,
    MessageKey,
    MessagePreference,
    MessageRoute,
    OutboxMessage,
    ProviderToken,
    SmsTemplate,
)
from kiosk.models.model_home import (
    AssetPhoto,
    AssetRecord,
    ModelHome,
    ModelHomeCheck,
    ModelHomeRound,
    RoundCheck,
)
from kiosk.models.notifications import Notification, NotificationRead
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import (
    Building,
    ImportUpload,
    Owner,
    OwnerChange,
    OwnerPhone,
    OwnerSearchKey,
    Project,
    Unit,
    UnitMember,
)
from kiosk.models.rotation import RotationDay, RotationEvent
from kiosk.models.sales import BuyerFile, BuyerReminder, BuyerStep, PhoneEnquiry, UnitLock
from kiosk.models.security import LoginAttempt
from kiosk.models.settings import Setting
from kiosk.models.submissions import FormSubmission
from kiosk.models.tasks import SlipCounter, SlipSource, SlipStatus, TaskEvent, TaskSlip
from kiosk.models.visits import Appointment, Incident, KioskDevice, Visit, WatchPerson

__all__ = [
    "AdminAudit",
    "Appointment",
    "AgentState",
    "AnswerBookEntry",
    "Call",
    "CallEvent",
    "CallPhraseUse",
    "CtiRefusalCount",
    "DirectoryEntry",
    "PbxSecret",
    "SwitchConnector",
    "SwitchRequest",
    "Building",
    "CalendarOverride",
    "Callback",
    "CallbackKind",
    "CallbackStatus",
    "Department",
    "FormSubmission",
    "ImportUpload",
    "Incident",
    "JobRun",
    "JobSchedule",
    "KpiDay",
    "KpiStaleDays",
    "KpiTalkDay",
    "KioskDevice",
    "LoginAttempt",
    "Notification",
    "NotificationRead",
    "Owner",
    "OwnerChange",
    "OwnerPhone",
    "OwnerSearchKey",
    "Project",
    "Role",
    "RotationDay",
    "RotationEvent",
    "ScriptPhrase",
    "Setting",
    "SlipCounter",
    "SlipSource",
    "SlipStatus",
    "TaskEvent",
    "TaskSlip",
    "Unit",
    "UnitMember",
    "UnitVisit",
    "VisitPlan",
    "User",
    "UserRole",
    "Visit",
    "WatchPerson",
    # sales follow-through and model homes
    "AssetPhoto",
    "AssetRecord",
    "BuyerFile",
    "BuyerReminder",
    "BuyerStep",
    "ModelHome",
    "ModelHomeCheck",
    "ModelHomeRound",
    "PhoneEnquiry",
    "RoundCheck",
    "UnitLock",
    # messages away from the screen
    "AlertEscalation",
    "DeliveryAttempt",
    "MessageGroup",
    "MessageKey",
    "MessagePreference",
    "MessageRoute",
    "OutboxMessage",
    "ProviderToken",
    "SmsTemplate",
]
