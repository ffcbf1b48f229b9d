"""The working-day calendar: Chinese public holidays, make-up workdays (调休) and company overrides.

Why this exists (ENGINEERING.md "Data and time"): deadlines in the seeds are counted in *working days*
-- "常规问题一天内处理，重大问题三天内有回复" (seed 004 §2), "在两个工作日内填报《突发事件处理记录表》"
(seed 000 §5 C5) -- and the Chinese calendar moves working days around: a public holiday is a day off,
and some Saturdays/Sundays are make-up workdays (调休). ``holidays.China(...).is_working_day(d)`` knows
both and covers next year (``chinese-calendar`` stops at 2026), so it sits behind this one class, with
admin overrides for company days (DOMAIN.md §"Who uses it": admin edits calendars).

The model of working time
-------------------------
* Days are judged in **Asia/Shanghai** local dates, whatever zone the caller's datetimes are in.
* A working day is the whole local calendar day 00:00–24:00. The seeds name no office hours, so none
  are invented here; "one working day" is one whole working day of elapsed time.
* Order of precedence for a date: company override (``True`` = the company works, ``False`` = company
  day off) → the public calendar's ``is_working_day`` (weekend unless 调休 workday; public holiday off).

"N working days after T" (``add_working_days``)
-----------------------------------------------
* If T's local date is a working day: the **same local time of day on the Nth following working day**.
  Example: Thursday 2026-09-24 10:00 + 1 → Monday 2026-09-28 10:00 (Friday 25th is Mid-Autumn
  Festival, 26th–27th the weekend).
* If T falls on a non-working day, the clock has not started: counting starts at 00:00 of the next
  working day, so the result is the **end of the Nth working day** (shown as 00:00 of the next calendar
  day, i.e. 24:00 of that working day). Example: Saturday 10:00 + 1 → Monday 24:00 (= Tuesday 00:00).
* ``n == 0`` returns T unchanged. Negative ``n`` is an error.
* Both cases are the same rule: the earliest instant at which ``n × 24 h`` of working time has elapsed
  since T (see ``add_working_time``), so ``working_time_between(T, add_working_days(T, n)) == n days``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")
ONE_DAY = timedelta(days=1)
#: Years loaded up front; other years load lazily (``holidays`` expands on demand).
DEFAULT_YEARS = (2025, 2026, 2027, 2028)
#: A search for the next working day gives up after this many calendar days (a misconfigured
#: calendar with overrides closing every day must fail loudly, not loop forever).
MAX_SEARCH_DAYS = 3 * 366


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"{name} must be a timezone-aware datetime (UTC or Asia/Shanghai), got {moment!r}")


class WorkingCalendar:
    """Chinese public calendar (``holidays.China``) plus company overrides; overrides win.

    ``overrides`` maps a date to ``True`` (the company works that day, e.g. an extra Saturday) or
    ``False`` (a company day off, e.g. a company outing). ``public_calendar`` may be injected (tests,
    another region); by default ``holidays.China`` for ``years`` (more years load on demand).
    ``tz`` is the zone whose local dates decide working days (Asia/Shanghai: "shown in Asia/Shanghai",
    ENGINEERING.md).
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        *,
        years: Iterable[int] = DEFAULT_YEARS,
        public_calendar: holidays.HolidayBase | None = None,
        tz: tzinfo = SHANGHAI,
    ) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        for key, value in self._overrides.items():
            if type(key) is not date:
                raise TypeError(f"override keys must be dates, got {key!r}")
            if not isinstance(value, bool):
                raise TypeError(f"override for {key} must be True (works) or False (day off), got {value!r}")
        self._public = (
            public_calendar
            if public_calendar is not None
            else holidays.China(years=list(years), language="zh_CN")
        )
        self.tz = tz

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    # ---- days -------------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Is ``d`` (a local date) a working day? Company override first, then the public calendar.

        The public calendar's ``is_working_day`` already knows holidays (off) and 调休 make-up workdays
        (a Saturday/Sunday that is worked). ``d in calendar`` is evaluated first so that a year not yet
        loaded is expanded before its weekend make-up workdays are looked up.
        """
        if isinstance(d, datetime):
            raise TypeError("is_working_day takes a date; convert datetimes with local_date() first")
        if d in self._overrides:
            return self._overrides[d]
        _ = d in self._public  # expands the year if needed (loads its 调休 weekend workdays too)
        return bool(self._public.is_working_day(d))

    def knows_make_up_days(self, year: int) -> bool:
        """Does the calendar hold ``year``'s 调休 make-up workdays (worked Saturdays and Sundays)?

        The State Council publishes the coming year's holiday arrangement
        (国务院办公厅关于部分节假日安排的通知) around November; until a ``holidays``
        release carries it, the public calendar only knows the fixed-date holidays and every weekend
        looks free, so deadlines across a make-up Saturday come out a day late.
        An admin's working-day override on a weekend of that year counts as knowing it.
        """
        _ = date(year, 1, 1) in self._public  # expands the year, with its weekend workdays
        public = any(d.year == year for d in self._public.weekend_workdays)
        return public or any(
            works and d.year == year and d.weekday() >= 5 for d, works in self._overrides.items()
        )

    def holiday_name(self, d: date) -> str | None:
        """The public holiday's name on ``d``, if any (for display; overrides do not rename days)."""
        return self._public.get(d)

    def local_date(self, moment: datetime) -> date:
        _require_aware(moment, "moment")
        return moment.astimezone(self.tz).date()

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        candidate = d + ONE_DAY
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(candidate):
                return candidate
            candidate += ONE_DAY
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days after {d}; check the overrides")

    def working_days_in(self, first: date, last: date) -> int:
        """How many working days in the closed date range ``first..last`` (0 if ``last < first``)."""
        count = 0
        d = first
        while d <= last:
            count += self.is_working_day(d)
            d += ONE_DAY
        return count

    # ---- time -------------------------------------------------------------------------------------

    def _midnight(self, d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=self.tz)

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant at which ``amount`` of working time has elapsed since ``start``.

        Working time runs only on working days (whole local days, see the module docstring). Starting
        on a non-working day, the clock starts at 00:00 of the next working day. ``amount == 0``
        returns ``start``. The result is in ``start``'s time zone and is never before ``start``.
        """
        _require_aware(start, "start")
        if amount < timedelta(0):
            raise ValueError(f"working time to add must not be negative, got {amount}")
        if amount == timedelta(0):
            return start
        local = start.astimezone(self.tz)
        remaining = amount
        d = local.date()
        if self.is_working_day(d):
            left_today = self._midnight(d + ONE_DAY) - local
            if remaining <= left_today:
                return (local + remaining).astimezone(start.tzinfo)
            remaining -= left_today
        for _ in range(MAX_SEARCH_DAYS + remaining.days + 1):
            d += ONE_DAY
            if not self.is_working_day(d):
                continue
            if remaining <= ONE_DAY:
                return (self._midnight(d) + remaining).astimezone(start.tzinfo)
            remaining -= ONE_DAY
        raise ValueError(f"could not place {amount} of working time after {start}; check the overrides")

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """N working days after T ("N个工作日后") -- see the module docstring for the exact rule.

        Same local time of day on the Nth following working day when T is on a working day; the end of
        the Nth working day when T is on a non-working day (counting starts from the next working day).
        Used for seed 004 §2 (routine 1 day / major 3 days) and seed 000 §5 C5 (report in 2 working days).
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {n!r}")
        if n < 0:
            raise ValueError(f"n must not be negative, got {n}")
        return self.add_working_time(start, n * ONE_DAY)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time elapsed from ``a`` to ``b``: the part of ``[a, b]`` on working days.

        Zero if ``b <= a``.
        """
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b <= a:
            return timedelta(0)
        la, lb = a.astimezone(self.tz), b.astimezone(self.tz)
        total = timedelta(0)
        d = la.date()
        while d <= lb.date():
            if self.is_working_day(d):
                day_start = max(la, self._midnight(d))
                day_end = min(lb, self._midnight(d + ONE_DAY))
                if day_end > day_start:
                    total += day_end - day_start
            d += ONE_DAY
        return total

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """``working_time_between`` in seconds (for KPIs and the supervisor board)."""
        return self.working_time_between(a, b).total_seconds()

    def __repr__(self) -> str:
        return f"WorkingCalendar(overrides={len(self._overrides)}, tz={self.tz})"
