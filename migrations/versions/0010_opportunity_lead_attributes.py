"""Opportunities carry their originating lead's source and campaign.

The opportunity metrics (revenue, win rate, pipeline created, open pipeline, coverage) read a
period's opportunities and need the originating lead only for its source (marketing-sourced or
not, the source filter and breakdown) and campaign. Joining ``lead`` for those two columns made
PostgreSQL hash all 1M leads for a year's deals. As migration 0008 did for hand-offs, the
opportunity keeps a copy:

- ``opportunity_lead_attributes`` (BEFORE INSERT OR UPDATE OF lead_id) copies them from the
  lead (null for an opportunity without a lead);
- ``lead_attributes_to_handoffs`` (AFTER UPDATE OF source, campaign_id, account_id ON lead) now
  also updates the lead's opportunities when its source or campaign changes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = r"""
alter table opportunity
    add column source text,
    add column campaign_id integer;

update opportunity o
   set source = l.source, campaign_id = l.campaign_id
  from lead l
 where l.id = o.lead_id;

comment on column opportunity.source is 'Copy of the originating lead''s source (null without a lead), kept by triggers (read-only for writers).';
comment on column opportunity.campaign_id is 'Copy of the originating lead''s campaign_id, kept by triggers (read-only for writers).';

create function opportunity_lead_attributes() returns trigger
language plpgsql as $$
begin
    if new.lead_id is null then
        new.source := null;
        new.campaign_id := null;
    else
        select l.source, l.campaign_id into new.source, new.campaign_id
          from lead l where l.id = new.lead_id;
    end if;
    return new;
end $$;

create trigger opportunity_lead_attributes before insert or update of lead_id on opportunity
    for each row execute function opportunity_lead_attributes();

create or replace function lead_attributes_to_handoffs() returns trigger
language plpgsql as $$
begin
    update handoff
       set source = new.source, campaign_id = new.campaign_id, account_id = new.account_id
     where lead_id = new.id;
    if old.source is distinct from new.source or old.campaign_id is distinct from new.campaign_id then
        update opportunity
           set source = new.source, campaign_id = new.campaign_id
         where lead_id = new.id;
    end if;
    return null;
end $$;
"""

DOWNGRADE = r"""
create or replace function lead_attributes_to_handoffs() returns trigger
language plpgsql as $$
begin
    update handoff
       set source = new.source, campaign_id = new.campaign_id, account_id = new.account_id
     where lead_id = new.id;
    return null;
end $$;
drop trigger if exists opportunity_lead_attributes on opportunity;
drop function if exists opportunity_lead_attributes();
alter table opportunity drop column source, drop column campaign_id;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
