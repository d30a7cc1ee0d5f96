"""What a page run costs the database: a warm rerun with nothing changed reads (almost) nothing,
and a cold run asks no question twice. Several app processes share one database, so every rerun's
statements count (tools/statement_counts.py measures them for every role and page)."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.apptest import APP

pytestmark = pytest.mark.one_backend  # page tests: see tests/conftest.py

#: Statements a warm rerun may still issue, by page: the reads that are deliberately fresh on every run.
WARM_ALLOWED = {
    "meeting": 1,   # the meeting list: which meeting is live is shared state that presenters change
    "admin": 3,     # users, paused clients and the audit log as stored now: the admin checks changes from any process
}

#: One role that sees each page (queries/access.PAGE_ROLES).
PAGES = [("executive", "scoreboard"), ("executive", "goals"), ("executive", "definitions"), ("sdr", "my_handoffs"),
         ("marketing_lead", "criteria"), ("marketing_lead", "feedback"), ("marketer", "campaigns"),
         ("admin", "admin"), ("sdr", "my_sla"), ("sales_lead", "sla_scorecard"), ("marketer", "sla_two_sided"),
         ("sales_lead", "slipping"), ("sales_lead", "sla_policies"), ("executive", "meeting")]


@contextmanager
def statements(engine: sa.Engine):
    """(SQL, parameters) of every statement the app's engine runs inside the block."""
    seen: list[tuple[str, str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((" ".join(statement.split()), repr(parameters)))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _named(seen) -> str:
    return "; ".join(f"{n}x {sql[:120]}" for sql, n in Counter(sql for sql, _ in seen).most_common())


@pytest.mark.parametrize("role,page", PAGES, ids=[p for _, p in PAGES])
def test_a_warm_rerun_reads_nothing_and_a_cold_run_nothing_twice(seeded_app_db_rw, monkeypatch, role, page):
    # a private copy: showing goals writes their daily snapshots (goals.ensure_snapshots), which
    # would change the shared seeded database under the tests that read it
    engine = seeded_app_db_rw
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = role
    at.run()
    at.switch_page(f"pages/{page}.py")
    st.cache_data.clear()
    with statements(engine) as cold:
        at.run()
    assert not at.exception, at.exception
    assert cold, "the cold run read nothing: is the listener on the app's engine?"
    twice = [sql[:120] for (sql, _), n in Counter(cold).items() if n > 1]
    assert not twice, f"the cold run of {page} ran the same statement with the same parameters twice: {twice}"
    # Two warm reruns: time-dependent reads are cached per minute (their as_of), so a rerun that
    # crosses a minute boundary reads those again; two in a row cannot both cross one.
    runs = []
    for _ in range(2):
        with statements(engine) as seen:
            at.run()
        assert not at.exception, at.exception
        runs.append(seen)
    warm = min(runs, key=len)
    assert len(warm) <= WARM_ALLOWED.get(page, 0), \
        f"a warm rerun of {page} with nothing changed ran {len(warm)} statements: {_named(warm)}"
