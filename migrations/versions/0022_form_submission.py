"""Form submissions posted once: an idempotency key per form on screen.

A double click on a form's button can reach the server as two submissions of the same form (the
second before the page has swapped in a fresh form): "Post check-in" saved the same check-in twice,
140 ms apart. Each form that appends a record now carries a random key, made when the form is drawn;
the write claims the key in this table in the same transaction as its insert, and a second
submission of the same key finds it claimed and saves nothing. Kept in PostgreSQL, not in the app
process, so it holds however many app processes serve the database. A claim made by a write that
then fails is rolled back with it, so the corrected form can still be posted.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-25
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

UPGRADE = r"""
create table form_submission (
    key          uuid primary key,
    kind         text not null check (char_length(kind) between 1 and 60),
    submitted_at timestamptz not null default now()
);
comment on table form_submission is
    'One row per form submission that appended a record (a goal check-in, a meeting decision or '
    'action item, a campaign rating, a reply to feedback): its idempotency key, '
    'so a second submission of the same form on screen (a double click) saves nothing.';
create index form_submission_submitted_at_idx on form_submission (submitted_at);
"""

DOWNGRADE = r"""
drop table if exists form_submission;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
