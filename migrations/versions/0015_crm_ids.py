"""CRM ids: the key a sync job upserts by.

A CRM sync needs to find the row it wrote last time from the CRM's own id (Salesforce's 18-char
ids, HubSpot's numbers). Without a column for it a sync had to keep a mapping table of its own, or
insert explicit primary keys, which do not advance the identity sequences (the app's next insert
then collides). ``crm_id`` (text, optional, unique when set) on the tables a sync writes makes
``insert ... on conflict (crm_id) do update`` the documented way (docs/data-model.md). The app
never reads or writes it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = "team, rep, account, campaign, lead, activity, opportunity"

# A plain unique constraint per table (nulls are distinct), so `on conflict (crm_id)` can name it.
UPGRADE = """
do $$
declare t text;
begin
    foreach t in array string_to_array(replace('%s', ' ', ''), ',') loop
        execute format('alter table %%I add column crm_id text constraint %%I unique '
                       'constraint %%I check (btrim(crm_id) <> %%L)', t, t || '_crm_id_key', t || '_crm_id_check', '');
        execute format('comment on column %%I.crm_id is %%L', t,
                       'The source CRM''s id of this row (optional, unique): the key a sync upserts by.');
    end loop;
end
$$;
""" % TABLES

DOWNGRADE = """
do $$
declare t text;
begin
    foreach t in array string_to_array(replace('%s', ' ', ''), ',') loop
        execute format('alter table %%I drop column crm_id', t);
    end loop;
end
$$;
""" % TABLES


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
