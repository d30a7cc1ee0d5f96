"""A calendar's working days are rebuilt when its time zone changes, not on every update of it.

``business_days_refresh`` (migration 0005) rebuilt a calendar's 18,628 working days (2000-2050,
about 0.3 s) after *any* update of its ``business_calendar`` row. Every change of hours or
holidays also bumps the row's optimistic-lock ``version``, so each such save rebuilt the days
twice, and a rename once for nothing. Only the time zone, of the calendar's own columns, decides
where its days fall; the hours and holidays have triggers of their own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_FUNCTION = """
create or replace function business_days_refresh() returns trigger
language plpgsql as $$
begin
    if tg_table_name = 'business_calendar' then
        perform rebuild_business_days(array(
            {calendar_ids}));
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


#: calendars whose time zone changed (an id new to the table counts: it is a new calendar)
_TIME_ZONE_CHANGED = """select n.id from new_rows n left join old_rows o on o.id = n.id
             where o.id is null or n.timezone is distinct from o.timezone"""
#: migration 0005: every updated calendar
_EVERY_UPDATED = "select id from new_rows"


def upgrade() -> None:
    op.execute(_FUNCTION.format(calendar_ids=_TIME_ZONE_CHANGED))


def downgrade() -> None:
    op.execute(_FUNCTION.format(calendar_ids=_EVERY_UPDATED))
