"""Who answers for a hand-off's SLA: the owner when the outcome was settled, not the owner now.

A reassignment moved ``handoff.owner_id`` and, with it, every per-rep number: a lead a sales lead
reassigns off "Leads slipping through" is there *because* its deadline has passed, so the breach
landed on the colleague who picked it up, not on the rep who let it slip (and a rep who touched a
lead in time, then handed it on, lost the credit). Two derived columns now name the rep who held
the hand-off when each outcome was settled:

- ``sla_owner_id``: the owner at the first touch, or at the SLA deadline if that came first
  (untouched inside its window: the current owner, who may still touch it in time). SLA
  compliance, time to first touch, breaches and untouched hand-offs count for this rep.
- ``decision_owner_id``: the owner at the decision, or at the decision due time if that came
  first. Decision timeliness counts for this rep.

``owner_id`` stays the current owner: the rep who must act now (My hand-offs, the open hand-offs
on My SLA, Leads slipping through) and the owner in lead acceptance by owner.

Both are kept by triggers from ``lead_event`` (``handoff_owner_at`` reads the hand-off's
``handed_off`` and ``reassigned`` events): set on insert, re-derived when a reassignment is
recorded (after the event, so that it is visible) and, once per statement, for the hand-offs whose
first touch, deadlines or decision an UPDATE moved (a touch logged late, an SLA policy change
re-measuring 100k hand-offs: a row trigger would read events for each). ``refresh_handoff_owners``
re-derives them set-based (this migration's back-fill, the demo-data load).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UPGRADE = r"""
alter table handoff add column sla_owner_id integer references rep,
                    add column decision_owner_id integer references rep;
comment on column handoff.sla_owner_id is 'Derived: the owner at the first touch, or at the SLA deadline if that came first (current owner while untouched inside the window). Per-rep SLA compliance, time to first touch and breaches count for this rep.';
comment on column handoff.decision_owner_id is 'Derived: the owner at the decision, or at the decision due time if that came first. Per-rep decision timeliness counts for this rep.';

create index lead_event_reassigned_idx on lead_event (lead_id) where event_type = 'reassigned';

-- The owner of the hand-off that started at p_handed_off_at as it stood at p_at: its handed_off
-- event, or the latest reassignment of it at or before p_at (a reassignment belongs to the lead's
-- latest hand-off when recorded: those before the lead's next hand-off started).
create function handoff_owner_at(p_lead_id bigint, p_handed_off_at timestamptz, p_at timestamptz) returns integer
language sql stable as $$
    select e.owner_id
      from lead_event e
     where e.lead_id = p_lead_id
       and e.occurred_at >= p_handed_off_at and e.occurred_at <= p_at
       and (e.event_type = 'reassigned' or (e.event_type = 'handed_off' and e.occurred_at = p_handed_off_at))
       and not exists (select 1 from handoff n
                        where n.lead_id = p_lead_id and n.handed_off_at > p_handed_off_at
                          and n.handed_off_at <= e.occurred_at)
     order by e.occurred_at desc, e.id desc
     limit 1
$$;

-- Re-derive both columns for the hand-offs of the given leads (null: every lead). Hand-offs of
-- leads never reassigned answer to their owner; only the others read their events. EXECUTE plans
-- each call for its argument (migration 0014: a cached generic plan for "null or these leads"
-- read every hand-off on each reassignment).
create function refresh_handoff_owners(p_lead_ids bigint[]) returns integer
language plpgsql volatile as $$
declare
    v_leads text := case when p_lead_ids is null then 'true' else 'h.lead_id = any($1)' end;
    v_plain integer;
    v_moved integer;
begin
    if p_lead_ids is not null and cardinality(p_lead_ids) = 0 then
        return 0;
    end if;
    execute format($q$
        update handoff h
           set sla_owner_id = h.owner_id, decision_owner_id = h.owner_id
         where %s
           and (h.sla_owner_id is distinct from h.owner_id or h.decision_owner_id is distinct from h.owner_id)
           and not exists (select 1 from lead_event e where e.lead_id = h.lead_id and e.event_type = 'reassigned')
    $q$, v_leads) using p_lead_ids;
    get diagnostics v_plain = row_count;
    execute format($q$
        update handoff t
           set sla_owner_id = x.sla_owner_id, decision_owner_id = x.decision_owner_id
          from (select h.id,
                       coalesce(handoff_owner_at(h.lead_id, h.handed_off_at, least(h.first_touch_at, h.sla_deadline_at)),
                                h.owner_id) as sla_owner_id,
                       coalesce(handoff_owner_at(h.lead_id, h.handed_off_at, least(h.decided_at, h.decision_due_at)),
                                h.owner_id) as decision_owner_id
                  from handoff h
                 where %s
                   and exists (select 1 from lead_event e where e.lead_id = h.lead_id and e.event_type = 'reassigned')) x
         where t.id = x.id
           and (t.sla_owner_id is distinct from x.sla_owner_id or t.decision_owner_id is distinct from x.decision_owner_id)
    $q$, v_leads) using p_lead_ids;
    get diagnostics v_moved = row_count;
    return v_plain + v_moved;
end $$;

create function handoff_accountable_owners() returns trigger
language plpgsql as $$
begin
    -- a new hand-off: its owner answers for it (its handed_off event is not stored yet)
    new.sla_owner_id := coalesce(new.sla_owner_id, new.owner_id);
    new.decision_owner_id := coalesce(new.decision_owner_id, new.owner_id);
    return new;
end $$;

-- After an UPDATE of hand-offs that moved a first touch, a deadline or a decision (a touch logged
-- late, an SLA policy change re-measuring every hand-off it reaches): who held each then, by its
-- events. Set-based, once per statement; hand-offs of leads never reassigned answer to their owner
-- whatever the moments, so only the few reassigned ones are read again. Its own UPDATE changes
-- none of those columns, so the nested call returns at once.
create function handoff_owners_after_update() returns trigger
language plpgsql as $$
begin
    -- the reassigned leads among those whose first touch, deadlines or decision moved (none for its
    -- own nested UPDATE, which moves only the owners, nor for an empty one)
    perform refresh_handoff_owners(array(
        select distinct n.lead_id
          from new_rows n
          join old_rows o on o.id = n.id
         where (o.first_touch_at is distinct from n.first_touch_at or o.sla_deadline_at is distinct from n.sla_deadline_at
                or o.decided_at is distinct from n.decided_at or o.decision_due_at is distinct from n.decision_due_at)
           and exists (select 1 from lead_event e where e.lead_id = n.lead_id and e.event_type = 'reassigned')));
    return null;
end $$;

create function lead_event_reassigned_owners() returns trigger
language plpgsql as $$
begin
    perform refresh_handoff_owners(array[new.lead_id]);
    return null;
end $$;

create trigger handoff_accountable_insert before insert on handoff
    for each row execute function handoff_accountable_owners();
create trigger handoff_owners_update after update on handoff
    referencing new table as new_rows old table as old_rows
    for each statement execute function handoff_owners_after_update();
create trigger lead_event_reassigned_owners after insert on lead_event
    for each row when (new.event_type = 'reassigned') execute function lead_event_reassigned_owners();

-- Back-fill: every hand-off answers to its owner, then the reassigned ones to their owner then.
-- The statement-level stage refresh has nothing to do with these columns (and would re-derive
-- every lead's stages): it is off for the back-fill, in this transaction.
alter table handoff disable trigger handoff_stages_update;
alter table handoff disable trigger handoff_owners_update;
update handoff set sla_owner_id = owner_id, decision_owner_id = owner_id;
select refresh_handoff_owners(null);
alter table handoff enable trigger handoff_owners_update;
alter table handoff enable trigger handoff_stages_update;
alter table handoff alter column sla_owner_id set not null,
                    alter column decision_owner_id set not null;
create index handoff_sla_owner_idx on handoff (sla_owner_id, handed_off_at);
"""

DOWNGRADE = r"""
drop trigger if exists lead_event_reassigned_owners on lead_event;
drop trigger if exists handoff_owners_update on handoff;
drop trigger if exists handoff_accountable_insert on handoff;
drop function if exists lead_event_reassigned_owners();
drop function if exists handoff_owners_after_update();
drop function if exists handoff_accountable_owners();
drop function if exists refresh_handoff_owners(bigint[]);
drop function if exists handoff_owner_at(bigint, timestamptz, timestamptz);
drop index if exists lead_event_reassigned_idx;
alter table handoff drop column if exists sla_owner_id, drop column if exists decision_owner_id;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
