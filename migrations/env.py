"""Alembic environment: one connection, an advisory lock, timeouts, one transaction per migration."""

from alembic import context
import sqlalchemy as sa

from queries.db import STARTUP_LOCK_KEY, get_engine

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # plain `alembic upgrade head` from a shell
        with get_engine().connect() as conn:
            _run(conn)
    else:
        _run(connection)


def _run(connection: sa.Connection) -> None:
    # Two app processes starting together must not migrate at the same time: the second
    # waits here, then finds nothing left to do. Session-level lock, released below.
    connection.execute(sa.text("select pg_advisory_lock(:k)"), {"k": STARTUP_LOCK_KEY})
    connection.execute(sa.text("set lock_timeout = '10s'"))
    connection.execute(sa.text("set statement_timeout = '5min'"))
    connection.commit()
    try:
        context.configure(
            connection=connection,
            transaction_per_migration=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.rollback()
        connection.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": STARTUP_LOCK_KEY})
        connection.execute(sa.text("reset lock_timeout"))
        connection.execute(sa.text("reset statement_timeout"))
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations_online()
