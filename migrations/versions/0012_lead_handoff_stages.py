"""Leads also carry when they were first handed off and first rejected.

The criteria replay reports, for every lead created in a period, whether it was handed off, and
whether it was accepted, rejected (and never accepted) or is still awaiting a decision. Reading
that from every lead's hand-offs was a hash join of all leads with all hand-offs (most of a
second at 1M leads). Two more projections beside ``sal_at`` (migration 0009) answer it from the
lead row:

- ``handed_off_at``: when the lead was first handed off (earliest ``handed_off_at`` of its
  hand-offs);
- ``rejected_at``: when a hand-off of the lead was first rejected (earliest ``decided_at`` among
  rejected hand-offs).

A hand-off's decision is accepted, rejected or none, so a lead is *rejected and never accepted*
when ``rejected_at`` is set and ``sal_at`` is not, and *awaiting* when it was handed off and
neither is set. ``refresh_lead_stages`` (called by the statement triggers of migration 0009 on
``handoff`` and ``opportunity``) now keeps all five projections; writers never set them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = r"""
alter table lead
    add column handed_off_at timestamptz,
    add column rejected_at timestamptz;

comment on column lead.handed_off_at is 'First hand-off''s handed_off_at. Kept by triggers (read-only for writers).';
comment on column lead.rejected_at is 'First rejected hand-off''s decided_at. Kept by triggers (read-only for writers).';

create or replace function refresh_lead_stages(p_lead_ids bigint[]) returns void
language sql volatile as $$
    with ids as (
        select id from lead where p_lead_ids is null
        union
        select unnest(p_lead_ids) where p_lead_ids is not null
    ),
    stages as (
        select i.id, h.handed_off_at, h.sal_at, h.rejected_at, o.sql_at, o.won_at
          from ids i
         cross join lateral (
                select min(x.handed_off_at) as handed_off_at,
                       min(x.decided_at) filter (where x.decision = 'accepted') as sal_at,
                       min(x.decided_at) filter (where x.decision = 'rejected') as rejected_at
                  from handoff x
                 where x.lead_id = i.id) h
         cross join lateral (
                select min(y.created_at) as sql_at,
                       min(y.closed_at) filter (where y.stage = 'closed_won') as won_at
                  from opportunity y
                 where y.lead_id = i.id) o
    )
    update lead l
       set handed_off_at = s.handed_off_at, sal_at = s.sal_at, rejected_at = s.rejected_at,
           sql_at = s.sql_at, won_at = s.won_at
      from stages s
     where l.id = s.id
       and (l.handed_off_at is distinct from s.handed_off_at or l.sal_at is distinct from s.sal_at
            or l.rejected_at is distinct from s.rejected_at or l.sql_at is distinct from s.sql_at
            or l.won_at is distinct from s.won_at)
$$;

update lead l
   set handed_off_at = s.handed_off_at, rejected_at = s.rejected_at
  from (select lead_id, min(handed_off_at) as handed_off_at,
               min(decided_at) filter (where decision = 'rejected') as rejected_at
          from handoff group by lead_id) s
 where l.id = s.lead_id;
"""

# The function as migration 0009 created it.
DOWNGRADE = r"""
create or replace function refresh_lead_stages(p_lead_ids bigint[]) returns void
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
alter table lead drop column handed_off_at, drop column rejected_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
