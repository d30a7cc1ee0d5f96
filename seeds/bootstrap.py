"""First start: load the demo data into a brand-new database, exactly once.

``queries.db.ensure_ready()`` calls :func:`seed_demo_if_new` after the migrations. Several app
processes may start together: all of them take the start-up advisory lock
(``queries.db.STARTUP_LOCK_KEY``, a session lock on one connection), so one loads and the
others find ``initialized_at`` set and return.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os

import sqlalchemy as sa

from queries.db import STARTUP_LOCK_KEY
from queries.sqlfiles import q
from seeds.load import DataExistsError, load_demo

log = logging.getLogger("alignboard.seeds")

DEFAULT_DEMO_LEADS = 20000
DEMO_SEED = 42


def _after_load(conn: sa.Connection) -> None:
    """Extra demo content, run inside the demo-load transaction right after the data is in.

    ``conn`` is a SQLAlchemy connection on the load transaction: execute freely, never commit or
    roll back. Called by ``python -m seeds`` and by first-start seeding. Order matters: features
    refer to the demo users' rep records.
    """
    from seeds import demo_users

    demo_users.create(conn)
    for loader in _feature_loaders():
        loader(conn)


def _feature_loaders() -> list:
    """Each feature's demo content, in dependency order: criteria stamp the MQL events, SLA
    policies recompute the hand-offs' deadlines, targets and goals read the resulting metrics,
    meetings link to goals."""
    from seeds import demo_goals, demo_meetings, demo_qualification, demo_sla, demo_targets

    return [demo_qualification.load, demo_sla.load, demo_targets.load, demo_goals.load, demo_meetings.load]


def _demo_leads_from_env() -> int:
    raw = os.environ.get("ALIGNBOARD_DEMO_LEADS", "").strip()
    if not raw:
        return DEFAULT_DEMO_LEADS
    try:
        n = int(raw.replace("_", ""))
    except ValueError:
        n = 0
    if n < 1:
        from queries.db import DatabaseSetupError

        class DemoSetupError(DatabaseSetupError):
            heading = "Alignboard cannot load its demo data."   # the database itself is fine

        raise DemoSetupError(
            f"ALIGNBOARD_DEMO_LEADS must be a positive whole number (the number of demo leads loaded "
            f"into a new database), not {raw!r}. Fix or unset it and restart; nothing was changed.")
    return n


def _initialized_value() -> str:
    return json.dumps(dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))


def seed_demo_if_new(engine: sa.Engine, leads: int | None = None) -> bool:
    """Load demo data if this database was never initialised and has no leads.

    Returns True when this call loaded the demo data. Either way ``initialized_at`` is set, so a
    database whose owner loaded their own data (or deleted the demo) is never seeded again.
    """
    if leads is None:
        leads = _demo_leads_from_env()
    with engine.connect() as conn:
        conn.execute(q("startup_lock"), {"k": STARTUP_LOCK_KEY})
        conn.commit()
        try:
            initialized = conn.execute(q("app_initialized")).first()
            has_leads = conn.execute(q("has_leads")).scalar()
            conn.rollback()
            if initialized:
                return False
            loaded = False
            if not has_leads:
                log.info("new database: loading %s demo leads", leads)
                try:
                    load_demo(engine, leads=leads, seed=DEMO_SEED, anchor=None, progress=False,
                              extra_settings={"initialized_at": json.loads(_initialized_value())})
                    loaded = True
                except DataExistsError:  # no leads, but someone's reps/accounts: leave them alone
                    log.info("database holds data already: not loading the demo")
            if not loaded:
                conn.execute(q("mark_initialized"), {"v": _initialized_value()})
                conn.commit()
            return loaded
        finally:
            conn.rollback()
            conn.execute(q("startup_unlock"), {"k": STARTUP_LOCK_KEY})
            conn.commit()
