"""Failed sign-ins per client: the rate limit against password spraying.

Migration 0018 counts failed password attempts per username, which does nothing against one common
password tried on many usernames. Each failure now also records the client it came from
(``queries.sign_in_policy.client_key``: an IPv4 address, or an IPv6 client's /64 network), so that
``CLIENT_MAX_FAILURES`` failures from one client within the window, across any usernames, pause
password sign-in from that client. Null when the app knew no address (a localhost run, tests, and
every row written before this migration): such failures count per username only.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-24
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

UPGRADE = r"""
alter table sign_in_failure
    add column client text check (char_length(client) between 1 and 64);
comment on column sign_in_failure.client is
    'The client the attempt came from: an IPv4 address, or an IPv6 /64 network (2001:db8:1:2::/64); '
    'null when unknown.';
create index sign_in_failure_client_idx on sign_in_failure (client, failed_at) where client is not null;
"""

DOWNGRADE = r"""
drop index if exists sign_in_failure_client_idx;
alter table sign_in_failure drop column if exists client;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
