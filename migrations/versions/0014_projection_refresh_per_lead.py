"""Projection refreshes read only the leads they are given; hand-off events must arrive in order.

Every write to a lead's life (a lead event, a hand-off decision, an activity, an opportunity)
refreshes projections through ``refresh_lead_stages`` (migration 0012) and
``refresh_handoff_touch`` (migration 0007). Both were SQL functions taking ``null`` for "every
lead" in the same statement (``where p_lead_ids is null or ...``, ``select id from lead where
p_lead_ids is null union ...``). A SQL function's statement is planned once for any argument, so
the plan had to serve the null case: it read every lead (or every hand-off) on each call. At 1M
leads one accept or reject took 0.6-1 s in each function, a CRM sync inserting events row by row
could not keep up, and an UPDATE of hand-offs that changed nothing paid the same.

They are now PL/pgSQL: they return at once for an empty list, and run the statements of
migrations 0012 and 0007 (taken from those files, not copied) with EXECUTE, which plans a
statement for the call's argument: the listed leads through ``handoff_lead_idx``,
``opportunity_lead_idx`` and ``activity_lead_idx``. ``refresh_lead_stages(null)`` runs one
grouped pass over every lead instead of a subquery per lead. Results are unchanged.

``lead_event_project`` also refuses a ``handed_off`` event dated before the lead's latest
hand-off (SQLSTATE AB005). Such a late event created a hand-off that was not the latest, so its
decision event went to the latest one (refused, AB002), and the lead stayed "awaiting a decision"
for good: events are append-only and could not repair it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24
"""

import importlib.util
import re
from pathlib import Path

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Every lead (null): one grouped pass over hand-offs and opportunities, not a subquery per lead.
_ALL_LEAD_STAGES = r"""
        update lead l
           set handed_off_at = s.handed_off_at, sal_at = s.sal_at, rejected_at = s.rejected_at,
               sql_at = s.sql_at, won_at = s.won_at
          from (select x.id, h.handed_off_at, h.sal_at, h.rejected_at, o.sql_at, o.won_at
                  from lead x
                  left join (select lead_id, min(handed_off_at) as handed_off_at,
                                    min(decided_at) filter (where decision = 'accepted') as sal_at,
                                    min(decided_at) filter (where decision = 'rejected') as rejected_at
                               from handoff group by lead_id) h on h.lead_id = x.id
                  left join (select lead_id, min(created_at) as sql_at,
                                    min(closed_at) filter (where stage = 'closed_won') as won_at
                               from opportunity where lead_id is not null group by lead_id) o on o.lead_id = x.id) s
         where l.id = s.id
           and (l.handed_off_at is distinct from s.handed_off_at or l.sal_at is distinct from s.sal_at
                or l.rejected_at is distinct from s.rejected_at or l.sql_at is distinct from s.sql_at
                or l.won_at is distinct from s.won_at)"""


def _body(definition: str) -> str:
    """The statement of a ``language sql`` function definition, its argument written ``$1``: run
    with EXECUTE ... USING, it is planned for the call's value (``$1 is null`` folds away)."""
    body = definition.split("as $$", 1)[1].rsplit("$$;", 1)[0]
    if "$sql$" in body:
        raise RuntimeError("the statement holds the quote this migration wraps it in")
    return body.replace("p_lead_ids", "$1")


def _functions() -> str:
    stages = _body(_previous("0012_lead_handoff_stages.py", "refresh_lead_stages"))
    touch = _body(_previous("0007_projection_fixes.py", "refresh_handoff_touch"))
    return f"""
create or replace function refresh_lead_stages(p_lead_ids bigint[]) returns void
language plpgsql volatile as $$
begin
    if p_lead_ids is null then{_ALL_LEAD_STAGES};
    elsif cardinality(p_lead_ids) > 0 then
        execute $sql${stages}$sql$ using p_lead_ids;
    end if;
end
$$;

create or replace function refresh_handoff_touch(p_lead_ids bigint[]) returns void
language plpgsql volatile as $$
begin
    if p_lead_ids is null or cardinality(p_lead_ids) > 0 then
        execute $sql${touch}$sql$ using p_lead_ids;
    end if;
end
$$;
"""


_ORDER_CHECK = r"""
    elsif new.event_type = 'handed_off' then
        if exists (select 1 from handoff where lead_id = new.lead_id and handed_off_at > new.occurred_at) then
            raise exception 'lead % was handed off later than % already: a hand-off event must not be dated before the lead''s latest hand-off',
                            new.lead_id, new.occurred_at
                using errcode = 'AB005', hint = 'Insert a lead''s events in the order they happened.';
        end if;
        if exists (select 1 from handoff where lead_id = new.lead_id and decision is null) then"""

_ORDER_CHECK_BEFORE = r"""
    elsif new.event_type = 'handed_off' then
        if exists (select 1 from handoff where lead_id = new.lead_id and decision is null) then"""


def _previous(module: str, function: str) -> str:
    """A function's definition as an earlier migration created it (its UPGRADE text), for the
    downgrade: written once, where it was introduced."""
    path = Path(__file__).with_name(module)
    spec = importlib.util.spec_from_file_location(f"_alignboard_migration_{path.stem}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    found = re.search(rf"create or replace function {function}\(.*?\n\$\$;", loaded.UPGRADE, re.S)
    if found is None:
        raise RuntimeError(f"{function} not found in {module}")
    return found.group(0)


def upgrade() -> None:
    op.execute(_functions())
    project = _previous("0007_projection_fixes.py", "lead_event_project")
    if _ORDER_CHECK_BEFORE not in project:
        raise RuntimeError("lead_event_project of migration 0007 is not the one this migration extends")
    op.execute(project.replace(_ORDER_CHECK_BEFORE, _ORDER_CHECK))


def downgrade() -> None:
    op.execute(_previous("0007_projection_fixes.py", "lead_event_project"))
    op.execute(_previous("0007_projection_fixes.py", "refresh_handoff_touch"))
    op.execute(_previous("0012_lead_handoff_stages.py", "refresh_lead_stages"))
