"""SLA policies, business calendars, MQL commitments (issue 6).

Reserved in the chain so features can be built in parallel; filled in by its issue.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from alembic import op  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
