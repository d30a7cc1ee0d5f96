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

# A plain unique constraint per table (nulls are distinct), so `on conflict (crm_id)` can name it.
UPGRADE = """
alter table team add column crm_id text constraint team_crm_id_key unique
    constraint team_crm_id_check check (btrim(crm_id) <> '');
comment on column team.crm_id is 'The source CRM''s id of this row (optional, unique): the key a sync upserts by.';
alter table rep add column crm_id text constraint rep_crm_id_key unique
    constraint rep_crm_id_check check (btrim(crm_id) <> '');
comment on column rep.crm_id is 'The source CRM''s id of this row (optional, unique): the key a sync upserts by.';
alter table account add column crm_id text constraint account_crm_id_key unique
    constraint account_crm_id_check check (btrim(crm_id) <> '');
comment on column account.crm_id is 'The source CRM''s id of this row (optional, unique): the key a sync upserts by.';
alter table campaign add column crm_id text constraint campaign_crm_id_key unique
    constraint campaign_crm_id_check check (btrim(crm_id) <> '');
comment on column campaign.crm_id is 'The source CRM''s id of this row (optional, unique): the key a sync upserts by.';
alter table lead add column crm_id text constraint lead_crm_id_key unique
    constraint lead_crm_id_check check (btrim(crm_id) <> '');
comment on column lead.crm_id is 'The source CRM''s id of this row (optional, unique): the key a sync upserts by.';
alter table activity add column crm_id text constraint activity_crm_id_key unique
    constraint activity_crm_id_check check (btrim(crm_id) <> '');
comment on column activity.crm_id is 'The source CRM''s id of this row (optional, unique): the key a sync upserts by.';
alter table opportunity add column crm_id text constraint opportunity_crm_id_key unique
    constraint opportunity_crm_id_check check (btrim(crm_id) <> '');
comment on column opportunity.crm_id is 'The source CRM''s id of this row (optional, unique): the key a sync upserts by.';
"""

DOWNGRADE = """
alter table team drop column crm_id;
alter table rep drop column crm_id;
alter table account drop column crm_id;
alter table campaign drop column crm_id;
alter table lead drop column crm_id;
alter table activity drop column crm_id;
alter table opportunity drop column crm_id;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
