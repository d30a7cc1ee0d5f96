"""Leads by campaign with their MQL time, so campaign performance counts a campaign's leads and
MQLs from the index alone (an unfiltered read no longer visits the leads themselves).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("drop index lead_campaign_idx; "
               "create index lead_campaign_idx on lead (campaign_id) include (mql_at)")


def downgrade() -> None:
    op.execute("drop index lead_campaign_idx; create index lead_campaign_idx on lead (campaign_id)")
