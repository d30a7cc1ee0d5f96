"""Benchmark: server-side render time of My SLA and the team SLA scorecard, cold and warm, and
what a policy change costs (the set-based re-measure of every hand-off).

    python bench/bench_sla.py --database-url postgresql://.../seeded_1m      # an already seeded database
    python bench/bench_sla.py --data-dir /var/tmp/ab-1m                       # an embedded server's data folder
    python bench/bench_sla.py --leads 1000000                                 # fresh embedded DB, seeded first

Pages are rendered with Streamlit's AppTest through app.py (sign-in gate, navigation, the page):
My SLA signed in as ``--rep-user`` (a rep: only their own data), the scorecard as ``--lead-user``.
*Cold*: every ``st.cache_data`` cache cleared before the run (the connection pool stays, as in a
running server). *Warm*: the same run again with the caches filled. Medians of ``--runs``. Also
times each read the pages make, cold, and — inside a transaction that is rolled back — a
retroactive policy change with its re-measure. Targets (issue 6) at 1M leads, median, cold:
My SLA ≤ 0.5 s, scorecard ≤ 1.0 s.

On a database without the demo users or SLA terms they are created (``seeds.demo_users``,
``seeds.demo_sla``: idempotent). Nothing else is written.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from queries.quiet import quiet_streamlit  # noqa: E402

quiet_streamlit()

import sqlalchemy as sa  # noqa: E402

from bench.bench_metrics import machine  # noqa: E402
from bench.bench_scoreboard import add_target_args, point_app_at  # noqa: E402

TARGETS = {"my_sla": 0.5, "sla_scorecard": 1.0}


def _ensure_demo_terms(engine: sa.Engine, usernames: list[str]) -> list[str]:
    from queries.sqlfiles import q
    from seeds import demo_sla, demo_users

    notes = []
    with engine.begin() as conn:
        if any(conn.execute(q("user_by_username"), {"username": u}).first() is None for u in usernames):
            demo_users.create(conn)
            notes.append("created the demo users")
        if not conn.execute(sa.text("select exists (select 1 from sla_policy)")).scalar():
            t0 = time.perf_counter()
            demo_sla.load(conn)
            notes.append(f"loaded the demo SLA terms ({time.perf_counter() - t0:.0f} s, incl. re-measuring "
                         "every hand-off)")
    return notes


def _app(username: str, page: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.run()
    if at.exception:
        raise SystemExit(f"app.py raised for {username}: {at.exception[0].value}")
    at.switch_page(f"pages/{page}.py")
    return at


def _render(at, page: str) -> float:
    t0 = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"{page} raised: {at.exception[0].value}")
    if not at.metric:
        raise SystemExit(f"{page} rendered no KPI tiles: {[e.value for e in list(at.info) + list(at.warning)]}")
    return seconds


def _median_cold(fn, runs: int) -> float:
    import streamlit as st

    samples = []
    for _ in range(runs):
        st.cache_data.clear()
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _policy_change(engine: sa.Engine, tz: str) -> tuple[float, int, float, int]:
    """A retroactive change (tighten the default policy from the first day of data), saved and
    re-measured the way the app does it, then rolled back. Returns (seconds, hand-offs changed,
    seconds of a re-measure with nothing to change, hand-offs in scope)."""
    from queries import sla
    from queries.sqlfiles import q

    with engine.connect() as conn:
        trans = conn.begin()
        try:
            latest = conn.execute(q("sla_policy_latest"), {"code": "default"}).mappings().first()
            old = conn.execute(q("sla_policy_row"), {"id": latest["id"]}).mappings().one()
            first = conn.execute(sa.text("select min(handed_off_at) from handoff")).scalar()
            params = {k: old[k] for k in ("name", "rank", "is_default", "tiers", "sources", "segments", "priorities",
                                          "first_touch_business", "decision_minutes", "decision_business",
                                          "calendar_id", "note")}
            params.update(code="default", version=latest["version"] + 1, first_touch_minutes=180,
                          effective_at=max(first, latest["effective_at"]), retired=False, actor_user_id=None)
            t0 = time.perf_counter()
            conn.execute(q("sla_policy_insert"), params)
            changed = sla.refresh(conn, reaching=params["effective_at"])
            seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = sla.refresh(conn)
            idle = time.perf_counter() - t0
            assert again == 0, again
            total = conn.execute(sa.text("select count(*) from handoff")).scalar()
        finally:
            trans.rollback()
    return seconds, changed, idle, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_target_args(parser)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rep-user", default="sdr", help="the rep whose My SLA is rendered")
    parser.add_argument("--lead-user", default="sales_lead", help="the lead who opens the scorecard")
    parser.add_argument("--skip-policy-change", action="store_true", help="do not time the re-measure")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    url, where, seed_seconds = point_app_at(args)

    import streamlit as st

    from queries import db, settings, sla, users
    from queries.filters import NO_FILTERS
    from queries.periods import local_today, preset_period

    db.reset_engine()
    engine = db.get_engine()
    notes = _ensure_demo_terms(engine, [args.rep_user, args.lead_user])
    with engine.connect() as conn:
        leads = conn.execute(sa.text("select count(*) from lead")).scalar()
        handoffs = conn.execute(sa.text("select count(*) from handoff")).scalar()
        pg_version = conn.execute(sa.text("show server_version")).scalar()
    tz = settings.company_timezone()
    period = preset_period("this_quarter", local_today(tz), tz)
    week = sla.week_of(local_today(tz), tz)
    rep = users.by_username(args.rep_user)
    lead = users.by_username(args.lead_user)
    if rep is None or rep.rep_id is None:
        raise SystemExit(f"--rep-user {args.rep_user!r} must be a user linked to a rep record")

    results = {}
    load_before = os.getloadavg()[0]
    for page, username in (("my_sla", args.rep_user), ("sla_scorecard", args.lead_user)):
        at = _app(username, page)
        _render(at, page)  # imports, first connection: not part of a page render
        cold = []
        for _ in range(args.runs):
            st.cache_data.clear()
            cold.append(_render(at, page))
        _render(at, page)
        warm = [_render(at, page) for _ in range(args.runs)]
        results[page] = (cold, warm)
    load_after = os.getloadavg()[0]

    reads = {
        "My SLA · rep_standing (week + period + weekly, me + team)": lambda: sla.rep_standing(rep, period, week),
        "My SLA · open_handoffs": lambda: sla.open_handoffs(rep),
        "My SLA · rep_breaches": lambda: sla.rep_breaches(rep, period),
        "Scorecard · scorecard (grouped pass + previous + decisions + bands)":
            lambda: sla.scorecard(period, NO_FILTERS),
        "Scorecard · untouched leads": lambda: sla.untouched(lead, period, NO_FILTERS),
        "Slipping · slipping (any age)": lambda: sla.slipping(lead),
        "Two-sided · decision_timeliness": lambda: sla.decision_timeliness(period, NO_FILTERS),
    }
    breakdown = {name: _median_cold(fn, max(3, args.runs // 2)) for name, fn in reads.items()}
    change = None if args.skip_policy_change else _policy_change(engine, tz)

    print(f"\n### Follow-up SLA render times ({leads:,} leads, {handoffs:,} hand-offs)\n")
    print(f"- database: {where}, PostgreSQL {pg_version}" + (f"; seeded in {seed_seconds:.0f} s" if seed_seconds else ""))
    print(f"- machine: {machine()}")
    print(f"- period: {period.describe()} (this quarter); My SLA as `{args.rep_user}`, scorecard as "
          f"`{args.lead_user}`; {args.runs} runs each; AppTest through app.py")
    print(f"- load average (1 min) before / after the render runs: {load_before:.1f} / {load_after:.1f} on "
          f"{os.cpu_count()} cores (other work on the machine inflates wall times)")
    if notes:
        print(f"- setup: {'; '.join(notes)}")
    print("\n| page | cold median | cold min–max | warm median | target (cold) | |")
    print("|---|---:|---:|---:|---:|---|")
    ok = True
    for page, (cold, warm) in results.items():
        med = statistics.median(cold)
        passed = med <= TARGETS[page]
        ok &= passed
        print(f"| {page} | {med:.3f} s | {min(cold):.3f}–{max(cold):.3f} s | {statistics.median(warm):.3f} s | "
              f"≤ {TARGETS[page]:.1f} s | {'✓' if passed else '✗'} |")
    print("\n| read (cold, median) | seconds |")
    print("|---|---:|")
    for name, seconds in breakdown.items():
        print(f"| {name} | {seconds:.3f} |")
    if change:
        seconds, changed, idle, total = change
        print(f"\nRetroactive policy change (default policy tightened from the first hand-off, rolled back): "
              f"{seconds:.1f} s to save and re-measure {changed:,} of {total:,} hand-offs; a re-measure with "
              f"nothing to change takes {idle:.1f} s.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
