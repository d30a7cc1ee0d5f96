"""Lead stages are re-derived only when an update moves what they are derived from.

The statement triggers of migration 0009 re-derived the stages of every lead whose hand-offs or
opportunities an UPDATE touched, whatever it changed. A lead's stages (handed_off_at, sal_at,
rejected_at, sql_at, won_at) read a hand-off's lead, hand-off time, decision and decision time,
and an opportunity's lead, creation, stage and close time — nothing else. An SLA re-measure
(a policy saved, a calendar changed) rewrites the deadlines of up to every hand-off and re-derived
the stages of all their leads for nothing: 7.9 s of a full re-measure at 1M leads. A CRM sync
updating opportunity amounts did the same. The update function now passes on only the leads whose
stage inputs changed (each trigger names its table's; old and new lead, so a row moved between
leads updates both) and calls nothing when there are none.

The update function, and migration 0019's handoff_owners_after_update, no longer join the statement's
two transition tables (0009's did not; the stage function now compares the rows, so it would have): PL/pgSQL keeps the plan of a statement's first call in a session, and a join
planned for a one-row update (an accept, on a pooled connection) ran as a nested loop on the next
large one: a 20,000-row deadline update took 80-104 s instead of 2 s, a full re-measure would have
taken hours. They compare a UNION of the two instead, which no plan makes quadratic.

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
-- Which rows of an UPDATE moved some columns: the rows of new_rows and old_rows (the statement's
-- transition tables) with those columns, UNIONed; a row that moved none of them collapses into
-- one, a row that moved any stays twice. No join of the two tables: a PL/pgSQL statement keeps the
-- plan of its first call in a session, and a join planned for a one-row update (a nested loop)
-- took 80-104 s for the next 20,000-row one (a policy's re-measure on a pooled connection).

-- One function for both tables; each trigger names the columns its table's stages are read from.
-- EXECUTE (the column list is the trigger's): planned at each call, for the rows it has.
create or replace function lead_stages_after_update() returns trigger
language plpgsql as $$
declare
    moved bigint[];
    inputs text := (select string_agg(quote_ident(c), ', ') from unnest(tg_argv) c);
begin
    execute format(
        'select array_agg(distinct v.lead_id)
           from (select u.lead_id, count(*) over (partition by u.id) as versions
                   from (select id, lead_id, %1$s from new_rows
                         union
                         select id, lead_id, %1$s from old_rows) u) v
          where v.versions > 1 and v.lead_id is not null', inputs) into moved;
    if moved is not null then
        perform refresh_lead_stages(moved);
    end if;
    return null;
end $$;
comment on function lead_stages_after_update() is
    'After an UPDATE of handoff or opportunity: re-derive the stages of the leads (old and new) of the rows '
    'whose lead or stage inputs (the trigger''s arguments) changed; an SLA re-measure or an amount changes none.';

drop trigger handoff_stages_update on handoff;
create trigger handoff_stages_update after update on handoff
    referencing new table as new_rows old table as old_rows for each statement
    execute function lead_stages_after_update('handed_off_at', 'decision', 'decided_at');
drop trigger opportunity_stages_update on opportunity;
create trigger opportunity_stages_update after update on opportunity
    referencing new table as new_rows old table as old_rows for each statement
    execute function lead_stages_after_update('created_at', 'stage', 'closed_at');

-- migration 0019's, without its join of the transition tables (the same leads, plus a row's old
-- lead when the row moved between leads)
create or replace function handoff_owners_after_update() returns trigger
language plpgsql as $$
begin
    -- the reassigned leads among those whose first touch, deadlines or decision moved (none for its
    -- own nested UPDATE, which moves only the owners, nor for an empty one)
    perform refresh_handoff_owners(array(
        select distinct v.lead_id
          from (select u.lead_id, count(*) over (partition by u.id) as versions
                  from (select id, lead_id, first_touch_at, sla_deadline_at, decided_at, decision_due_at from new_rows
                        union
                        select id, lead_id, first_touch_at, sla_deadline_at, decided_at, decision_due_at
                          from old_rows) u) v
         where v.versions > 1
           and exists (select 1 from lead_event e where e.lead_id = v.lead_id and e.event_type = 'reassigned')));
    return null;
end $$;
"""

DOWNGRADE = r"""
create or replace function lead_stages_after_update() returns trigger
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
create or replace function handoff_owners_after_update() returns trigger
language plpgsql as $$
begin
    perform refresh_handoff_owners(array(
        select distinct n.lead_id
          from new_rows n
          join old_rows o on o.id = n.id
         where (o.first_touch_at is distinct from n.first_touch_at or o.sla_deadline_at is distinct from n.sla_deadline_at
                or o.decided_at is distinct from n.decided_at or o.decision_due_at is distinct from n.decision_due_at)
           and exists (select 1 from lead_event e where e.lead_id = n.lead_id and e.event_type = 'reassigned')));
    return null;
end $$;
"""

def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
