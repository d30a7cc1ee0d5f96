"""A ``handed_off`` event sent twice is refused, not a second hand-off.

A sync that runs again after a failure, or sends a lead's whole history each time, re-sends events.
A decision or a recycling sent twice was already refused (AB002, AB003), but a hand-off sent again
with the same time once the first was decided passed the order check of migration 0014 (only a
hand-off *later* than the event refused it) and became a second hand-off of the lead at the same
moment: one more hand-off in every count, a phantom "awaiting a decision" in the rep's list and
the SLA pages, which no event could remove (events are append-only). ``lead_event_project`` now
refuses a ``handed_off`` event dated at or before the lead's latest hand-off (AB005, as before):
a lead handed off again always is so later.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_LATER = "handed_off_at > new.occurred_at) then"
_AT_OR_LATER = "handed_off_at >= new.occurred_at) then"
_MESSAGE = "was handed off later than % already: a hand-off event must not be dated before the lead''s latest hand-off"
_NEW_MESSAGE = ("was handed off at or after % already: a hand-off event must be dated after the lead''s latest "
                "hand-off (an event sent twice?)")


def _as_of_0014() -> str:
    """``lead_event_project`` as migration 0014 defines it (built there from migration 0007's)."""
    path = Path(__file__).with_name("0014_projection_refresh_per_lead.py")
    spec = importlib.util.spec_from_file_location(f"_alignboard_migration_{path.stem}", path)
    m0014 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0014)
    project = m0014._previous("0007_projection_fixes.py", "lead_event_project")
    return project.replace(m0014._ORDER_CHECK_BEFORE, m0014._ORDER_CHECK)


def upgrade() -> None:
    project = _as_of_0014()
    if project.count(_LATER) != 1 or _MESSAGE not in project:
        raise RuntimeError("lead_event_project of migration 0014 is not the one this migration changes")
    op.execute(project.replace(_LATER, _AT_OR_LATER).replace(_MESSAGE, _NEW_MESSAGE))


def downgrade() -> None:
    op.execute(_as_of_0014())
