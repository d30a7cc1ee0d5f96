"""A calendar save rebuilds the calendar's working days once, not once per statement.

Each statement on ``business_schedule``, ``business_schedule_day`` and ``business_holiday`` rebuilds
the calendar's 18,628 working days (2000-2050; migration 0005's statement triggers, 0.14-0.4 s each
by machine). Saving weekly hours is three statements (the schedule version, clearing its days,
inserting them), creating a calendar four: one save rebuilt the same days three or four times
before it re-measured a single hand-off.

The triggers now skip the rebuild while the transaction-local setting
``alignboard.defer_business_days`` is ``on``. Only ``queries.sla.rebuilding_days_once`` (and the
demo loader through it) sets it: it runs the writes, switches the setting off and rebuilds the
calendar once, inside the same transaction, before anything reads the days. A writer that does not
set it (a CRM sync, psql) keeps the per-statement rebuilds, so the working days can never be left
stale by a connection that does not know about the setting.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

#: the bodies as migrations 0005 (the _ins and _del functions) and 0013 (business_days_refresh) left them
_REFRESH = """
create or replace function business_days_refresh() returns trigger
language plpgsql as $$
begin{guard}
    if tg_table_name = 'business_calendar' then
        perform rebuild_business_days(array(
            select n.id from new_rows n left join old_rows o on o.id = n.id
             where o.id is null or n.timezone is distinct from o.timezone));
    elsif tg_table_name = 'business_holiday' then
        perform rebuild_business_days(array(select calendar_id from new_rows union select calendar_id from old_rows));
    elsif tg_table_name = 'business_schedule' then
        perform rebuild_business_days(array(select calendar_id from new_rows union select calendar_id from old_rows));
    elsif tg_table_name = 'business_schedule_day' then
        perform rebuild_business_days(array(
            select s.calendar_id from business_schedule s
             where s.id in (select schedule_id from new_rows union select schedule_id from old_rows)));
    end if;
    return null;
end
$$;
"""
_REFRESH_INS = """
create or replace function business_days_refresh_ins() returns trigger
language plpgsql as $$
begin{guard}
    if tg_table_name = 'business_calendar' then
        perform rebuild_business_days(array(select id from new_rows));
    elsif tg_table_name = 'business_schedule_day' then
        perform rebuild_business_days(array(
            select s.calendar_id from business_schedule s where s.id in (select schedule_id from new_rows)));
    else
        perform rebuild_business_days(array(select calendar_id from new_rows));
    end if;
    return null;
end
$$;
"""
_REFRESH_DEL = """
create or replace function business_days_refresh_del() returns trigger
language plpgsql as $$
begin{guard}
    if tg_table_name = 'business_schedule_day' then
        perform rebuild_business_days(array(
            select s.calendar_id from business_schedule s where s.id in (select schedule_id from old_rows)));
    elsif tg_table_name <> 'business_calendar' then
        perform rebuild_business_days(array(select calendar_id from old_rows));
    end if;
    return null;
end
$$;
"""
_GUARD = """
    -- queries.sla.rebuilding_days_once: the writer rebuilds the calendar once, at the end of its writes
    if current_setting('alignboard.defer_business_days', true) = 'on' then
        return null;
    end if;"""


def _functions(guard: str) -> str:
    return "".join(body.format(guard=guard) for body in (_REFRESH, _REFRESH_INS, _REFRESH_DEL))


def upgrade() -> None:
    op.execute(_functions(_GUARD))


def downgrade() -> None:
    op.execute(_functions(""))
