"""Shared goals, key results, check-ins, daily snapshots (issue 4).

Reserved in the chain so features can be built in parallel; filled in by its issue.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op  # noqa: F401

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
