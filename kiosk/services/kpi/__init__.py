"""KPIs over the database: the seed's service targets counted with SQL aggregates, per period and per
agent, department, project; the rows behind each number (drill-down); the rotation's fairness.

Formulas, targets, periods and the rule for one item live in ``kiosk.domain.kpi``; this module only
counts. Every count is ``COUNT(*) FILTER (WHERE <rule>)`` over rows filtered by an indexed time column
(covering indexes: the rows themselves are not read): the trend is one aggregate per period joined with
``UNION ALL`` (the periods' UTC bounds; the same SQL on SQLite and PostgreSQL, no date functions), a
breakdown is grouped by agent, department or project. The p90 of talk time is taken at the nearest rank
from the calls counted per whole second of talk (``talk_counts``). A period is the sum of its days: each
closed day is counted once by these very queries and kept (``daily``), the other days are counted live.
No query returns one row per call or slip, except the drill-down, one page at a time.

The rules as SQL (each mirrors a verdict of the domain module; ``tests/web/test_kpi_service.py`` runs
both on the same random rows):

* calls (``three_rings_verdict``, ``three_minutes_verdict``): by ``created_at`` (the first ring); the
  three-ring target is the ``THREE_RINGS_SECONDS`` setting, passed in by the caller like the call screen's;
* slips and complaints (``deadline_verdict``): by their deadline ``due_at``, which already carries the
  pauses that ended; a slip waiting on the owner since before its deadline is not judged yet;
* callbacks due (``callback_verdict``): by ``due_at``; complaint satisfaction (``satisfaction_verdict``):
  by the callback's ``done_at``; annual visit coverage: reached periodic callbacks to owners with a home,
  over ``trailing_year``, per home with an owner;
* incident reports (``deadline_verdict``): by ``report_due_at``;
* owner profiles: the profiles as they are now (no history is kept);
* rotation fairness: each day of the sales office replayed by the engine (event-sourced; a month is at
  most 31 replays), ``day_rotation_spread``.

Breakdowns (``DIMENSIONS``; one ``GROUP BY`` statement per family and dimension, merged by key):

* **per agent** -- calls by the agent who took them; slips and complaint timeliness by the slip's owner
  (首问责任人, ``TaskSlip.owner_id``); complaint satisfaction by the owner of the complaint's slip;
  callbacks by whoever made them (else the agent they were given to); incident reports by the person who
  closed the incident (closing starts the two-working-day clock; the app records no separate filer).
* **per department** -- slips, complaint timeliness and satisfaction by the department the slip was sent
  to (``TaskSlip.department_id``); calls, callbacks and incident reports by the department of the agent
  (or closer) above. Rows without a department are one "no department" row.
* **per project** -- calls by the caller's home; slips, complaints and their satisfaction by the home of
  the caller whose call opened the slip; callbacks by the owner called; visit coverage and profile
  completeness by the owner's home.
* **per incident class** (A/B/C) -- incident reports.

What no breakdown shows, and why (``NOT_BROKEN_DOWN``; the page and the downloads say it too):

* annual visit coverage per agent or department: its denominator is households, and households belong
  to projects; an agent's visits over all households would not be a coverage to hold against 120 %;
* owner-profile completeness per agent or department: a profile records nobody who keeps it;
* rotation fairness per agent: it is the spread *between* salespeople (one person has no spread); each
  salesperson's turns and receptions are in the sales rotation table instead; per department: only the
  sales office's salespeople take turns, so the one department's spread is the KPI itself; per project:
  the rotation is kept per sales office (``RotationDay.office``), which records no project;
* incident reports per project: an incident comes from a visit, which records the place (service
  centre, sales office, model home), not a project.

Layout: ``sql`` (building blocks), ``conditions`` (the rules as SQL), ``dimensions`` (the groups of a
breakdown), ``values`` (a KPI's value from counts), ``counts`` (the aggregate queries), ``fairness`` (the
rotation replayed), ``period_report`` (a period's report, trend and breakdowns) and ``drilldown`` (the rows
behind a number); ``daily`` keeps each closed day's counts (a period sums its days) and ``stale`` marks
the days a write changes. The names the pages and downloads use are re-exported here.
"""

from kiosk.services.kpi import stale  # noqa: F401  (registers the flush hook that marks rollups stale)
from kiosk.services.kpi.daily import refresh
from kiosk.services.kpi.drilldown import PER_PAGE, DrillPage, dimension_name, drill, drillable
from kiosk.services.kpi.fairness import RotationDays, SalespersonRow, replayed, rotation_days
from kiosk.services.kpi.period_report import (
    NOT_BROKEN_DOWN,
    Breakdown,
    BreakdownRow,
    KpiReport,
    NoBreakdown,
    TrendPoint,
    Volume,
    breakdown_codes,
    breakdowns,
    report,
    rotation_window,
    volume,
)
from kiosk.services.kpi.values import KpiValue

__all__ = [
    "NOT_BROKEN_DOWN",
    "PER_PAGE",
    "Breakdown",
    "BreakdownRow",
    "DrillPage",
    "KpiReport",
    "KpiValue",
    "NoBreakdown",
    "RotationDays",
    "SalespersonRow",
    "TrendPoint",
    "Volume",
    "breakdown_codes",
    "breakdowns",
    "dimension_name",
    "drill",
    "drillable",
    "report",
    "rotation_days",
    "refresh",
    "replayed",
    "rotation_window",
    "volume",
]
