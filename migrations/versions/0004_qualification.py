"""Qualification criteria versions, approvals, lead feedback (issue 5).

Reserved in the chain so features can be built in parallel; filled in by its issue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from alembic import op  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
