"""Settings a sync job or an operator writes by SQL are refused unless the app can read them.

docs/data-model.md lists the ``app_setting`` keys (a sync job may write the revenue plan). The table
took any JSON: ``currency`` stored as a number (``5``) stopped every page with a TypeError; a
``revenue_target_<YYYY>-Q<n>`` written as a string (``"1200000"``, as many ETL tools send numbers)
was silently read as "no target"; ``sla_first_touch_minutes`` as text or a fraction made every new
hand-off fail with a cast error inside the trigger. A check constraint now states the shape of each
known key: time zone and currency are strings (the currency three characters), the default SLA
windows whole numbers above 0, ``demo_data`` a boolean, a revenue target a number above 0. Other keys
(the demo cookie key, feature settings) are unchanged.

Added NOT VALID, then validated when the stored rows allow: an install that already holds a value
of the wrong shape keeps starting (the value is refused only when written again), and the check
covers every write from now on.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# CASE, not AND: PostgreSQL does not promise to test jsonb_typeof before the cast.
UPGRADE = r"""
create function app_setting_value_ok(p_key text, p_value jsonb) returns boolean
language sql immutable as $$
    select case
        when p_key = 'company_timezone' then jsonb_typeof(p_value) = 'string' and btrim(p_value #>> '{}') <> ''
        when p_key = 'currency' then jsonb_typeof(p_value) = 'string' and char_length(p_value #>> '{}') = 3
        when p_key in ('sla_first_touch_minutes', 'sla_decision_hours') then
            case when jsonb_typeof(p_value) = 'number'
                 then (p_value)::numeric > 0 and (p_value)::numeric = trunc((p_value)::numeric)
                      and (p_value)::numeric <= 2147483647
                 else false end
        when p_key = 'demo_data' then jsonb_typeof(p_value) = 'boolean'
        when p_key ~ '^revenue_target_' then
            p_key ~ '^revenue_target_[0-9]{4}-Q[1-4]$'
            and case when jsonb_typeof(p_value) = 'number' then (p_value)::numeric > 0 else false end
        else true
    end
$$;
comment on function app_setting_value_ok(text, jsonb) is
    'Whether a setting''s value has the shape the app reads (docs/data-model.md, Settings).';

alter table app_setting add constraint app_setting_value_shape
    check (app_setting_value_ok(key, value)) not valid;

do $$
begin
    alter table app_setting validate constraint app_setting_value_shape;
exception when check_violation then
    raise notice 'app_setting holds a value of the wrong shape; the check applies to new writes only';
end
$$;
"""

DOWNGRADE = """
alter table app_setting drop constraint app_setting_value_shape;
drop function app_setting_value_ok(text, jsonb);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
