"""Lead stages are re-derived only when an update moves what they are derived from.

The statement triggers of migration 0009 re-derived the stages of every lead whose hand-offs or
opportunities an UPDATE touched, whatever it changed. A lead's stages (handed_off_at, sal_at,
rejected_at, sql_at, won_at) read a hand-off's lead, hand-off time, decision and decision time,
and an opportunity's lead, creation, stage and close time — nothing else. An SLA re-measure
(a policy saved, a calendar changed) rewrites the deadlines of up to every hand-off and re-derived
the stages of all their leads for nothing: 7.9 s of a full re-measure at 1M leads. A CRM sync
updating opportunity amounts did the same. Each table now has its own update function that passes
on only the leads whose stage inputs changed (old and new lead, so a row moved between leads
updates both) and calls nothing when there are none.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-25
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UPGRADE = r"""
create function handoff_stages_after_update() returns trigger
language plpgsql as $$
declare
    moved bigint[];
begin
    select array_agg(distinct x.lead_id) into moved
      from new_rows n
      join old_rows o on o.id = n.id
     cross join lateral (values (n.lead_id), (o.lead_id)) x (lead_id)
     where x.lead_id is not null
       and (n.lead_id is distinct from o.lead_id or n.handed_off_at is distinct from o.handed_off_at
            or n.decision is distinct from o.decision or n.decided_at is distinct from o.decided_at);
    if moved is not null then
        perform refresh_lead_stages(moved);
    end if;
    return null;
end $$;
comment on function handoff_stages_after_update() is
    'After an UPDATE of handoff: re-derive the stages of the leads whose hand-off lead, time, decision '
    'or decision time changed (an SLA re-measure changes none of them).';

create function opportunity_stages_after_update() returns trigger
language plpgsql as $$
declare
    moved bigint[];
begin
    select array_agg(distinct x.lead_id) into moved
      from new_rows n
      join old_rows o on o.id = n.id
     cross join lateral (values (n.lead_id), (o.lead_id)) x (lead_id)
     where x.lead_id is not null
       and (n.lead_id is distinct from o.lead_id or n.created_at is distinct from o.created_at
            or n.stage is distinct from o.stage or n.closed_at is distinct from o.closed_at);
    if moved is not null then
        perform refresh_lead_stages(moved);
    end if;
    return null;
end $$;
comment on function opportunity_stages_after_update() is
    'After an UPDATE of opportunity: re-derive the stages of the leads whose opportunity lead, '
    'creation, stage or close time changed (an amount or owner change moves no stage).';

drop trigger handoff_stages_update on handoff;
create trigger handoff_stages_update after update on handoff
    referencing new table as new_rows old table as old_rows for each statement
    execute function handoff_stages_after_update();
drop trigger opportunity_stages_update on opportunity;
create trigger opportunity_stages_update after update on opportunity
    referencing new table as new_rows old table as old_rows for each statement
    execute function opportunity_stages_after_update();
drop function lead_stages_after_update();
"""

DOWNGRADE = r"""
create function lead_stages_after_update() returns trigger
language plpgsql as $$
begin
    perform refresh_lead_stages(array(
        select lead_id from new_rows where lead_id is not null
        union
        select lead_id from old_rows where lead_id is not null));
    return null;
end $$;
drop trigger handoff_stages_update on handoff;
create trigger handoff_stages_update after update on handoff
    referencing new table as new_rows old table as old_rows for each statement
    execute function lead_stages_after_update();
drop trigger opportunity_stages_update on opportunity;
create trigger opportunity_stages_update after update on opportunity
    referencing new table as new_rows old table as old_rows for each statement
    execute function lead_stages_after_update();
drop function handoff_stages_after_update();
drop function opportunity_stages_after_update();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
