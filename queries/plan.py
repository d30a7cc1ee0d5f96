"""The revenue plan: the company's revenue target per calendar quarter.

Pipeline coverage is measured against it (``scoreboard.revenue_target``: a period that is not a
whole quarter takes the share of each quarter's target its days cover). Stored as app settings
``revenue_target_<YYYY>-Q<n>`` (a JSON number), so every app process reads the same plan. Admins and
executives set it; every change is audited (old → new) and refused when someone else changed the
same quarter since the form was loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from queries import audit, calc, settings, users
from queries.access import User
from queries.db import get_engine
from queries.goal_math import GoalError, parse_amount
from queries.periods import quarter_start
from queries.sqlfiles import q

#: Quarters listed before and after the current one in the plan table.
QUARTERS_BACK = 4
QUARTERS_AHEAD = 4


class PlanError(ValueError):
    """Input or a state the person can fix; the message says how."""


class NotAllowed(PlanError):
    pass


class StalePlan(PlanError):
    pass


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    @property
    def key(self) -> str:
        return calc.TARGET_KEY.format(year=self.year, quarter=self.quarter)

    @property
    def label(self) -> str:
        return f"Q{self.quarter} {self.year}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> date:
        nxt = Quarter(self.year + (self.quarter == 4), self.quarter % 4 + 1)
        return nxt.start - timedelta(days=1)

    def shifted(self, n: int) -> "Quarter":
        i = self.year * 4 + self.quarter - 1 + n
        return Quarter(i // 4, i % 4 + 1)

    @staticmethod
    def of(d: date) -> "Quarter":
        return Quarter(d.year, (quarter_start(d).month - 1) // 3 + 1)


def target(quarter: Quarter) -> float | None:
    return calc.target_value(settings.get(quarter.key))


def quarters(today: date) -> list[Quarter]:
    """The quarters the plan table lists: a year back and a year ahead of ``today``'s."""
    here = Quarter.of(today)
    return [here.shifted(i) for i in range(-QUARTERS_BACK, QUARTERS_AHEAD + 1)]


def table(today: date) -> pd.DataFrame:
    """quarter (label), year, q, start, end, target (NaN: not set), current (bool)."""
    here = Quarter.of(today)
    rows = [{"quarter": x.label, "year": x.year, "q": x.quarter, "start": x.start, "end": x.end,
             "target": target(x), "current": x == here} for x in quarters(today)]
    frame = pd.DataFrame(rows)
    frame["target"] = frame["target"].astype("float64")
    return frame


def set_target(user: User, quarter: Quarter, text, *, expected: float | None) -> float | None:
    """Set (or, with empty ``text``, clear) a quarter's revenue target. ``expected``: the target
    the person saw when the form loaded (None: not set); if it has changed since, nothing is saved.
    Returns the new target."""
    if not users.current(user).can("plan.edit"):   # as stored now, not as the page loaded
        raise NotAllowed("Only executives and admins set the revenue plan.")
    new = None
    if str(text or "").strip():
        try:
            new = parse_amount(text, "currency", f"The {quarter.label} target", currency=settings.currency())
        except GoalError as e:
            raise PlanError(str(e)) from None
        if new <= 0:
            raise PlanError(f"The {quarter.label} target must be more than 0; leave it empty to remove it.")
    with get_engine().begin() as conn:
        row = conn.execute(q("setting_lock"), {"key": quarter.key}).first()
        current = calc.target_value(row[0]) if row else None
        if current != expected:
            raise StalePlan(f"Someone changed the {quarter.label} target to "
                            f"{'nothing' if current is None else f'{current:,.0f}'} while you were editing. "
                            "Your value is still in the form: check it and save again.")
        if new == current:
            return current
        if new is None:
            conn.execute(q("setting_delete"), {"key": quarter.key})
        else:
            settings.put(conn, quarter.key, new)
        audit.record(conn, user.id, "revenue_target.set" if new is not None else "revenue_target.clear",
                     "revenue_plan", quarter.label, {"target": _whole(current)}, {"target": _whole(new)})
    settings.all_settings.clear()   # settings.put clears too; a removal has to as well
    return new


def _whole(x: float | None):
    return int(x) if x is not None and float(x).is_integer() else x
