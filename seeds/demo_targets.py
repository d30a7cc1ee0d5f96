"""Demo quarterly revenue targets (``revenue_target_<YYYY>-Q<n>`` settings) for pipeline coverage.

Targets a sales leader would plausibly have set, derived from the demo data itself:

* 110 % of the same quarter last year, when that quarter is *usable*: complete, and not in the
  first six months of data, while the pipeline is still filling (its revenue is a ramp, not a
  baseline);
* otherwise 105 % of the mean revenue of the usable quarters before it;
* no target when neither exists (the early quarters).

Every quarter from the start of the data through the one after the last activity gets a target
when it can. Revenue per quarter comes from the ``closed_deals`` metric itself (company time
zone, no filters). Amounts are rounded to $10k. Deterministic (depends only on the data) and
idempotent: an existing target is never overwritten, so a target someone set survives reloads.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from queries.calc import TARGET_KEY
from queries import metrics
from queries.filters import NO_FILTERS
from queries.periods import Period, quarter_start
from queries.sqlfiles import q

YEAR_OVER_YEAR = 1.10
OVER_RECENT_MEAN = 1.05
WARM_UP_DAYS = 182
ROUND_TO = 10_000


def _next_quarter(d: date) -> date:
    month = d.month + 3
    return date(d.year + (month > 12), (month - 1) % 12 + 1, 1)


def _quarter_key(d: date) -> str:
    return TARGET_KEY.format(year=d.year, quarter=(d.month - 1) // 3 + 1)


def plan(revenue: dict[date, float], first_day: date, last_day: date) -> dict[str, float]:
    """Targets by setting key, from revenue per quarter start (pure: see the module doc)."""
    def usable(qs: date) -> bool:
        complete = _next_quarter(qs) <= last_day
        return complete and qs >= first_day + timedelta(days=WARM_UP_DAYS)

    targets: dict[str, float] = {}
    qs = quarter_start(first_day)
    last = _next_quarter(quarter_start(last_day))
    while qs <= last:
        year_ago = date(qs.year - 1, qs.month, 1)
        earlier = [revenue.get(p, 0.0) for p in sorted(revenue) if p < qs and usable(p)]
        if usable(year_ago):
            value = YEAR_OVER_YEAR * revenue.get(year_ago, 0.0)
        elif earlier:
            value = OVER_RECENT_MEAN * sum(earlier[-4:]) / len(earlier[-4:])
        else:
            value = 0.0
        if value > 0:
            targets[_quarter_key(qs)] = float(round(value / ROUND_TO) * ROUND_TO)
        qs = _next_quarter(qs)
    return targets


def load(conn: sa.Connection) -> None:
    span = conn.execute(q("demo_data_span")).one()
    if span.first_at is None:
        return  # no demo data: nothing to base targets on
    tz_value = conn.execute(q("setting_get"), {"key": "company_timezone"}).scalar()
    tz = tz_value if isinstance(tz_value, str) else "UTC"
    first_day = span.first_at.astimezone(ZoneInfo(tz)).date()
    last_day = span.last_at.astimezone(ZoneInfo(tz)).date()
    everything = Period(quarter_start(first_day), last_day, tz)
    rows = conn.execute(q("closed_deals"), metrics.params(everything, NO_FILTERS, "quarter")).mappings().all()
    revenue = {r["bucket"] if isinstance(r["bucket"], date) and not isinstance(r["bucket"], datetime)
               else r["bucket"].date(): float(r["revenue"]) for r in rows}
    for key, value in plan(revenue, first_day, last_day).items():
        conn.execute(q("setting_put_if_absent"), {"key": key, "value": json.dumps(value)})
