"""The words people read: every coded value has its words (kiosk/web/labels.py), every template asks only for
tables that exist, and no page or download shows a developer's "seed" reference where the company's own
procedure name belongs (《物业热线服务岗位服务流程与规范》, not "seed 003")."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest

from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.classify import AlertRole, Place, VisitPurpose, classify_visit
from kiosk.domain.deadlines import DeadlineState, Priority
from kiosk.domain.hotline import AgentStatus, CallCategory, CtiRefusal, Disposition
from kiosk.domain.kpi import KPIS, KpiCode, KpiStatus, PeriodKind, Verdict
from kiosk.domain.model_home import AssetEvent, DamageCause, RoundKind
from kiosk.domain.rotation import CustomerKind, Presence
from kiosk.domain.sales_pipeline import PipelineStep, ReminderOutcome
from kiosk.domain.schedules import JobHealth
from kiosk.domain.slip_lifecycle import Action, Status
from kiosk.models.people import Role
from kiosk.services.audit import Action as AuditAction
from kiosk.services.audit import ObjectType
from kiosk.web import labels
from tests.crawl_support import IDENTITIES, build_world, client_for, crawl
from tests.html_support import readable_text

TEMPLATES = Path(__file__).resolve().parents[2] / "kiosk" / "templates"
SEED = re.compile(r"seed|种子", re.IGNORECASE)

#: Each table and the enum whose every value it must name.
TABLES = [
    (labels.ROLE, Role), (labels.VISIT_PURPOSE, VisitPurpose), (labels.PLACE, Place),
    (labels.ALERT_ROLE, AlertRole), (labels.SLIP_STATUS, Status), (labels.PRIORITY, Priority),
    (labels.CATEGORY, CallCategory), (labels.SLIP_EVENT, Action), (labels.DEADLINE, DeadlineState),
    (labels.CALLBACK_RESULT, CallbackResult), (labels.DISPOSITION, Disposition),
    (labels.AGENT_STATE, AgentStatus), (labels.CTI_REFUSAL, CtiRefusal), (labels.PIPELINE_STEP, PipelineStep),
    (labels.REMINDER_OUTCOME, ReminderOutcome), (labels.CUSTOMER_KIND, CustomerKind),
    (labels.PRESENCE, Presence), (labels.ROUND_KIND, RoundKind), (labels.ASSET_EVENT, AssetEvent),
    (labels.DAMAGE_CAUSE, DamageCause), (labels.KPI, KpiCode), (labels.KPI_STATUS, KpiStatus),
    (labels.VERDICT, Verdict), (labels.PERIOD_KIND, PeriodKind), (labels.JOB_HEALTH, JobHealth),
    (labels.AUDIT_ACTION, AuditAction), (labels.AUDIT_OBJECT, ObjectType),
]


@pytest.mark.parametrize(("table", "enum"), TABLES, ids=[enum.__name__ for _t, enum in TABLES])
def test_every_value_of_a_labelled_enum_has_its_words(table, enum):
    assert [value for value in enum if value not in table] == []
    assert all(str(label).strip() for label in table.values())


def test_a_stored_string_finds_the_same_words_as_its_enum():
    assert labels.SLIP_STATUS["waiting_on_owner"] is labels.SLIP_STATUS[Status.WAITING_ON_OWNER]
    assert labels.PLACE["model_home"] is labels.PLACE[Place.MODEL_HOME]


def test_every_button_of_a_slip_and_every_text_it_asks_for_has_words():
    buttons = set(Action) - {Action.CALLBACK}  # a callback is recorded on its own form, not a slip button
    assert buttons <= set(labels.SLIP_ACTION)
    assert set(labels.SLIP_ACTION_NOTE) <= buttons


def test_templates_ask_only_for_tables_that_exist():
    asked = {name for page in TEMPLATES.rglob("*.html")
             for name in re.findall(r"\blabels\.(\w+)", page.read_text(encoding="utf-8"))}
    assert asked and asked - set(labels.FOR_TEMPLATES) == set()


def test_a_rule_is_cited_by_the_name_of_its_document():
    assert labels.cite("seed 003 §2(2)(1)") == "《物业热线服务岗位服务流程与规范》第2条(2)(1)"
    assert labels.cite("seed 000 §3 A; seed 000 §4 A2") == (
        "《物业客服中心来访接待流程》第3条 A; 《物业客服中心来访接待流程》第4条 A2")
    assert labels.cite(None) == "" and labels.cite("") == ""


def test_every_kpi_and_every_incident_rule_cites_a_named_document():
    rules = [kpi.seed for kpi in KPIS.values()] + [
        classify_visit(purpose, has_appointment=appointment, is_owner=owner, is_former_employee=former,
                       place=place).rule
        for purpose, appointment, owner, former, place in product(VisitPurpose, (False, True), (False, True),
                                                                  (False, True), Place)
    ]
    cited = {labels.cite(rule) for rule in rules}
    assert [text for text in cited if SEED.search(text) or "《" not in text] == []


@pytest.fixture
def world(app, make_department, paired_client, monkeypatch):
    return build_world(app, make_department, paired_client, monkeypatch)


def test_no_page_nor_download_shows_a_seed_reference(app, world):
    """Everybody in turn opens every page they may reach (the KPI page, its CSV and XLSX, the reports, an
    incident): none reads "seed" or "种子"."""
    shown = []
    for identity in IDENTITIES:
        for url, response in crawl(app, client_for(app, world, identity), world.values, fragments=False):
            found = SEED.search(readable_text(response))
            if found:
                shown.append((identity, url, found.group(0)))
    assert shown == []


def test_the_procedure_names_are_the_domains_and_each_has_its_english():
    from babel.messages.pofile import read_po

    from kiosk.domain.messaging import PROCEDURES
    from tests.web.test_i18n import CATALOGUE

    with CATALOGUE.open("rb") as handle:
        translated = {m.id: m.string for m in read_po(handle) if m.id and m.string}

    assert {number: str(name) for number, name in labels.PROCEDURE.items()} == PROCEDURES
    assert [name for name in PROCEDURES.values() if name not in translated] == []
