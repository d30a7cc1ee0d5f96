"""Hand-offs carry their lead's source, campaign and account.

The hand-off metrics (acceptance, rejection reasons, time to first touch, SLA compliance) read a
period's hand-offs and filter and group them by source, campaign and account segment. Reaching
those through ``lead`` cost a join against every lead: at 1M leads, most of each query. ``handoff``
is already a projection kept by the database; it now also keeps a copy of the three lead columns:

- ``handoff_lead_attributes`` (BEFORE INSERT) copies them from the lead;
- ``lead_attributes_to_handoffs`` (AFTER UPDATE OF source, campaign_id, account_id ON lead) keeps
  the copies equal when a CRM sync changes a lead.

Existing rows are filled here. Account attributes (tier, industry, country) stay on ``account``:
a join against accounts is cheap (one row per company, not per lead).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = r"""
alter table handoff
    add column source text,
    add column campaign_id integer,
    add column account_id integer;

update handoff h
   set source = l.source, campaign_id = l.campaign_id, account_id = l.account_id
  from lead l
 where l.id = h.lead_id;

alter table handoff
    alter column source set not null,
    alter column account_id set not null;

comment on column handoff.source is 'Copy of lead.source, kept by triggers (read-only for writers).';
comment on column handoff.campaign_id is 'Copy of lead.campaign_id, kept by triggers (read-only for writers).';
comment on column handoff.account_id is 'Copy of lead.account_id, kept by triggers (read-only for writers).';

create function handoff_lead_attributes() returns trigger
language plpgsql as $$
begin
    select l.source, l.campaign_id, l.account_id
      into new.source, new.campaign_id, new.account_id
      from lead l where l.id = new.lead_id;
    return new;
end $$;

create trigger handoff_lead_attributes before insert on handoff
    for each row execute function handoff_lead_attributes();

create function lead_attributes_to_handoffs() returns trigger
language plpgsql as $$
begin
    update handoff
       set source = new.source, campaign_id = new.campaign_id, account_id = new.account_id
     where lead_id = new.id;
    return null;
end $$;

create trigger lead_attributes_to_handoffs after update of source, campaign_id, account_id on lead
    for each row
    when (old.source is distinct from new.source or old.campaign_id is distinct from new.campaign_id
          or old.account_id is distinct from new.account_id)
    execute function lead_attributes_to_handoffs();
"""

DOWNGRADE = r"""
drop trigger if exists lead_attributes_to_handoffs on lead;
drop function if exists lead_attributes_to_handoffs();
drop trigger if exists handoff_lead_attributes on handoff;
drop function if exists handoff_lead_attributes();
alter table handoff drop column source, drop column campaign_id, drop column account_id;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
