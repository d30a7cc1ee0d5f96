"""Leads carry the moments they reached each funnel stage; covering indexes for the lead metrics.

The funnel counts, for every lead created in a period, whether it was ever accepted, ever got an
opportunity and ever won one. Answering that by looking up every lead's hand-offs and
opportunities cost most of a second at 1M leads. ``lead.mql_at`` is already a projection kept by
the database; three more sit beside it:

- ``sal_at``: when the first of the lead's hand-offs was accepted (earliest ``decided_at`` among
  accepted hand-offs);
- ``sql_at``: when the first opportunity from the lead was created;
- ``won_at``: when the first such opportunity closed won.

``refresh_lead_stages(lead_ids)`` recomputes them (all leads when null) from ``handoff`` and
``opportunity``; statement-level triggers on both tables call it for the leads a statement
touched, so a CRM sync that inserts, corrects or deletes opportunities keeps them true. Writers
never set them.

Covering indexes let the lead metrics read their columns from the index alone:
MQL events by time with their lead, opportunities by lead with amount and stage. (Not leads by
campaign: PostgreSQL 15 keeps the join keys of removed left joins among the columns a scan must
return, so such an index would have to hold every key of the lead scope, and the planner then
prefers scanning all of it to looking leads up one by one for the MQL metric.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = r"""
alter table lead
    add column sal_at timestamptz,
    add column sql_at timestamptz,
    add column won_at timestamptz;

comment on column lead.sal_at is 'First accepted hand-off''s decided_at. Kept by triggers (read-only for writers).';
comment on column lead.sql_at is 'First opportunity''s created_at. Kept by triggers (read-only for writers).';
comment on column lead.won_at is 'First closed-won opportunity''s closed_at. Kept by triggers (read-only for writers).';

create function refresh_lead_stages(p_lead_ids bigint[]) returns void
language sql volatile as $$
    with ids as (
        select id from lead where p_lead_ids is null
        union
        select unnest(p_lead_ids) where p_lead_ids is not null
    ),
    stages as (
        select i.id,
               (select min(h.decided_at) from handoff h
                 where h.lead_id = i.id and h.decision = 'accepted') as sal_at,
               (select min(o.created_at) from opportunity o where o.lead_id = i.id) as sql_at,
               (select min(o.closed_at) from opportunity o
                 where o.lead_id = i.id and o.stage = 'closed_won') as won_at
          from ids i
    )
    update lead l
       set sal_at = s.sal_at, sql_at = s.sql_at, won_at = s.won_at
      from stages s
     where l.id = s.id
       and (l.sal_at is distinct from s.sal_at or l.sql_at is distinct from s.sql_at
            or l.won_at is distinct from s.won_at)
$$;

update lead l
   set sal_at = s.sal_at
  from (select lead_id, min(decided_at) as sal_at from handoff where decision = 'accepted' group by lead_id) s
 where l.id = s.lead_id;

update lead l
   set sql_at = s.sql_at, won_at = s.won_at
  from (select lead_id, min(created_at) as sql_at,
               min(closed_at) filter (where stage = 'closed_won') as won_at
          from opportunity where lead_id is not null group by lead_id) s
 where l.id = s.lead_id;

-- The trigger functions, one per operation: a transition table exists only for the operation
-- a trigger is declared on.
create function lead_stages_after_insert() returns trigger
language plpgsql as $$
begin
    perform refresh_lead_stages(array(select distinct lead_id from new_rows where lead_id is not null));
    return null;
end $$;

create function lead_stages_after_update() returns trigger
language plpgsql as $$
begin
    perform refresh_lead_stages(array(
        select lead_id from new_rows where lead_id is not null
        union
        select lead_id from old_rows where lead_id is not null));
    return null;
end $$;

create function lead_stages_after_delete() returns trigger
language plpgsql as $$
begin
    perform refresh_lead_stages(array(select distinct lead_id from old_rows where lead_id is not null));
    return null;
end $$;

create trigger handoff_stages_insert after insert on handoff
    referencing new table as new_rows for each statement execute function lead_stages_after_insert();
create trigger handoff_stages_update after update on handoff
    referencing new table as new_rows old table as old_rows for each statement execute function lead_stages_after_update();
create trigger handoff_stages_delete after delete on handoff
    referencing old table as old_rows for each statement execute function lead_stages_after_delete();

create trigger opportunity_stages_insert after insert on opportunity
    referencing new table as new_rows for each statement execute function lead_stages_after_insert();
create trigger opportunity_stages_update after update on opportunity
    referencing new table as new_rows old table as old_rows for each statement execute function lead_stages_after_update();
create trigger opportunity_stages_delete after delete on opportunity
    referencing old table as old_rows for each statement execute function lead_stages_after_delete();

drop index lead_event_mql_idx;
create index lead_event_mql_idx on lead_event (occurred_at) include (lead_id) where event_type = 'mql';
drop index opportunity_lead_idx;
create index opportunity_lead_idx on opportunity (lead_id) include (amount, stage);
"""

DOWNGRADE = r"""
drop index opportunity_lead_idx;
create index opportunity_lead_idx on opportunity (lead_id);
drop index lead_event_mql_idx;
create index lead_event_mql_idx on lead_event (occurred_at) where event_type = 'mql';
drop trigger if exists opportunity_stages_delete on opportunity;
drop trigger if exists opportunity_stages_update on opportunity;
drop trigger if exists opportunity_stages_insert on opportunity;
drop trigger if exists handoff_stages_delete on handoff;
drop trigger if exists handoff_stages_update on handoff;
drop trigger if exists handoff_stages_insert on handoff;
drop function if exists lead_stages_after_delete();
drop function if exists lead_stages_after_update();
drop function if exists lead_stages_after_insert();
drop function if exists refresh_lead_stages(bigint[]);
alter table lead drop column sal_at, drop column sql_at, drop column won_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
