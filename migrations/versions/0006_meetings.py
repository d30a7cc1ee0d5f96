"""Meetings, agenda, decisions and action items (issue 7).

Reserved in the chain so features can be built in parallel; filled in by its issue.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
