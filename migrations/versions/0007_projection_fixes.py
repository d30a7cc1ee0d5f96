"""Fixes to the core projection functions.

- An *accepted* event's comment was copied into ``handoff.rejection_comment``; only a rejection's
  comment belongs there (the acceptance comment stays in ``lead_event``). Existing rows are
  cleaned.
- ``refresh_handoff_touch`` evaluated its first-touch subquery once per use in the UPDATE (the CTE
  was inlined); it is now materialised, computed once per hand-off.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = r"""
create or replace function lead_event_project() returns trigger
language plpgsql as $$
declare
    v_latest bigint;
begin
    select id into v_latest from handoff where lead_id = new.lead_id
     order by handed_off_at desc, id desc limit 1;

    if new.event_type = 'mql' then
        update lead set mql_at = new.occurred_at
         where id = new.lead_id and (mql_at is null or mql_at > new.occurred_at);

    elsif new.event_type = 'handed_off' then
        if exists (select 1 from handoff where lead_id = new.lead_id and decision is null) then
            raise exception 'lead % already has a hand-off awaiting a decision', new.lead_id
                using errcode = 'AB001', hint = 'Reassign the open hand-off instead.';
        end if;
        insert into handoff (lead_id, owner_id, handed_off_at, sla_deadline_at, decision_due_at)
        values (new.lead_id, new.owner_id, new.occurred_at,
                handoff_sla_deadline(new.lead_id, new.occurred_at),
                handoff_decision_due(new.lead_id, new.occurred_at))
        returning id into new.handoff_id;
        perform refresh_handoff_touch(array[new.lead_id]);

    elsif new.event_type in ('accepted', 'rejected') then
        update handoff
           set decision = new.event_type, decided_at = new.occurred_at,
               decided_by_rep_id = new.actor_rep_id,
               rejection_reason = new.rejection_reason,
               rejection_comment = case when new.event_type = 'rejected' then new.comment end
         where id = v_latest and decision is null
        returning id into new.handoff_id;
        if new.handoff_id is null then
            raise exception 'lead % has no hand-off awaiting a decision', new.lead_id using errcode = 'AB002';
        end if;

    elsif new.event_type = 'recycled' then
        update handoff set recycled_at = new.occurred_at
         where id = v_latest and decision = 'rejected' and recycled_at is null
        returning id into new.handoff_id;
        if new.handoff_id is null then
            raise exception 'lead % is not a rejected lead waiting to be recycled', new.lead_id using errcode = 'AB003';
        end if;

    elsif new.event_type = 'reassigned' then
        update handoff set owner_id = new.owner_id
         where id = v_latest and (decision is null or decision = 'accepted')
        returning id into new.handoff_id;
        if new.handoff_id is null then
            raise exception 'lead % has no open hand-off to reassign', new.lead_id using errcode = 'AB004';
        end if;
    end if;
    return new;
end
$$;

create or replace function refresh_handoff_touch(p_lead_ids bigint[]) returns void
language sql volatile as $$
    with scoped as (
        select h.id, h.lead_id, h.handed_off_at,
               lead(h.handed_off_at) over (partition by h.lead_id order by h.handed_off_at, h.id) as next_handoff_at
        from handoff h
        where p_lead_ids is null or h.lead_id = any(p_lead_ids)
    ),
    touched as materialized (
        select s.id,
               (select min(a.occurred_at)
                  from activity a
                 where a.lead_id = s.lead_id
                   and a.activity_type in ('call', 'email', 'meeting', 'linkedin')
                   and not a.is_automated
                   and a.occurred_at >= s.handed_off_at
                   and (s.next_handoff_at is null or a.occurred_at < s.next_handoff_at)) as first_touch_at
        from scoped s
    )
    update handoff h
       set first_touch_at = t.first_touch_at,
           minutes_to_first_touch = case when t.first_touch_at is not null
                                         then handoff_elapsed_minutes(h.id, h.handed_off_at, t.first_touch_at) end
      from touched t
     where h.id = t.id
       and h.first_touch_at is distinct from t.first_touch_at
$$;


update handoff set rejection_comment = null
 where decision = 'accepted' and rejection_comment is not null;
"""

DOWNGRADE = r"""
create or replace function lead_event_project() returns trigger
language plpgsql as $$
declare
    v_latest bigint;
begin
    select id into v_latest from handoff where lead_id = new.lead_id
     order by handed_off_at desc, id desc limit 1;

    if new.event_type = 'mql' then
        update lead set mql_at = new.occurred_at
         where id = new.lead_id and (mql_at is null or mql_at > new.occurred_at);

    elsif new.event_type = 'handed_off' then
        if exists (select 1 from handoff where lead_id = new.lead_id and decision is null) then
            raise exception 'lead % already has a hand-off awaiting a decision', new.lead_id
                using errcode = 'AB001', hint = 'Reassign the open hand-off instead.';
        end if;
        insert into handoff (lead_id, owner_id, handed_off_at, sla_deadline_at, decision_due_at)
        values (new.lead_id, new.owner_id, new.occurred_at,
                handoff_sla_deadline(new.lead_id, new.occurred_at),
                handoff_decision_due(new.lead_id, new.occurred_at))
        returning id into new.handoff_id;
        perform refresh_handoff_touch(array[new.lead_id]);

    elsif new.event_type in ('accepted', 'rejected') then
        update handoff
           set decision = new.event_type, decided_at = new.occurred_at,
               decided_by_rep_id = new.actor_rep_id,
               rejection_reason = new.rejection_reason, rejection_comment = new.comment
         where id = v_latest and decision is null
        returning id into new.handoff_id;
        if new.handoff_id is null then
            raise exception 'lead % has no hand-off awaiting a decision', new.lead_id using errcode = 'AB002';
        end if;

    elsif new.event_type = 'recycled' then
        update handoff set recycled_at = new.occurred_at
         where id = v_latest and decision = 'rejected' and recycled_at is null
        returning id into new.handoff_id;
        if new.handoff_id is null then
            raise exception 'lead % is not a rejected lead waiting to be recycled', new.lead_id using errcode = 'AB003';
        end if;

    elsif new.event_type = 'reassigned' then
        update handoff set owner_id = new.owner_id
         where id = v_latest and (decision is null or decision = 'accepted')
        returning id into new.handoff_id;
        if new.handoff_id is null then
            raise exception 'lead % has no open hand-off to reassign', new.lead_id using errcode = 'AB004';
        end if;
    end if;
    return new;
end
$$;

create or replace function refresh_handoff_touch(p_lead_ids bigint[]) returns void
language sql volatile as $$
    with scoped as (
        select h.id, h.lead_id, h.handed_off_at,
               lead(h.handed_off_at) over (partition by h.lead_id order by h.handed_off_at, h.id) as next_handoff_at
        from handoff h
        where p_lead_ids is null or h.lead_id = any(p_lead_ids)
    ),
    touched as (
        select s.id,
               (select min(a.occurred_at)
                  from activity a
                 where a.lead_id = s.lead_id
                   and a.activity_type in ('call', 'email', 'meeting', 'linkedin')
                   and not a.is_automated
                   and a.occurred_at >= s.handed_off_at
                   and (s.next_handoff_at is null or a.occurred_at < s.next_handoff_at)) as first_touch_at
        from scoped s
    )
    update handoff h
       set first_touch_at = t.first_touch_at,
           minutes_to_first_touch = case when t.first_touch_at is not null
                                         then handoff_elapsed_minutes(h.id, h.handed_off_at, t.first_touch_at) end
      from touched t
     where h.id = t.id
       and h.first_touch_at is distinct from t.first_touch_at
$$;


"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
