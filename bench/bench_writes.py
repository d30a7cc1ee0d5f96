"""Benchmark: what a single write costs at scale, through the projection triggers.

    python bench/bench_writes.py --database-url postgresql://.../seeded_1m [--samples 25]

Every write to a lead's life refreshes projections in triggers (``refresh_lead_stages``,
``refresh_handoff_touch``; docs/data-model.md): a rep's accept or reject, a hand-off, a touch, a
CRM sync's rows. This times those writes as the app and a sync make them, each in its own
transaction that is rolled back (nothing is stored), median of ``--samples`` leads, and, in the
same process and transactions, the same writes with the projection functions as migrations 0007
and 0012 defined them (installed inside the transaction, rolled back with it) as the baseline.
Prints a markdown table and the machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from queries.quiet import quiet_streamlit  # noqa: E402

quiet_streamlit()

import sqlalchemy as sa  # noqa: E402

from bench.bench_metrics import machine  # noqa: E402


def _baseline_functions() -> list[str]:
    """The projection functions before migration 0014 (read from the migrations themselves)."""
    path = ROOT / "migrations" / "versions" / "0014_projection_refresh_per_lead.py"
    spec = importlib.util.spec_from_file_location("_bench_migration_0014", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [module._previous("0007_projection_fixes.py", "refresh_handoff_touch"),
            module._previous("0012_lead_handoff_stages.py", "refresh_lead_stages")]


WRITES = {
    # a rep accepts an open hand-off (queries/sql/handoffs.sql handoff_decision_insert)
    "accept a hand-off": ("open", """insert into lead_event (lead_id, event_type, occurred_at, actor_rep_id)
                                     select :lead, 'accepted', now(), owner_id from handoff
                                      where lead_id = :lead and decision is null"""),
    "reject a hand-off": ("open", """insert into lead_event (lead_id, event_type, occurred_at, actor_rep_id,
                                                            rejection_reason)
                                     select :lead, 'rejected', now(), owner_id, 'bad_fit' from handoff
                                      where lead_id = :lead and decision is null"""),
    # a rep's call on the lead (a touch: refreshes the hand-off's first touch)
    "log a call": ("open", """insert into activity (lead_id, rep_id, activity_type, is_automated, occurred_at)
                              select :lead, owner_id, 'call', false, now() from handoff
                               where lead_id = :lead and decision is null"""),
    # a sync hands off a lead that was never handed off
    "hand off a lead": ("fresh", """insert into lead_event (lead_id, event_type, occurred_at, owner_id)
                                    values (:lead, 'handed_off', now(), (select min(id) from rep))"""),
}


def _leads(conn: sa.Connection, kind: str, n: int) -> list[int]:
    if kind == "open":
        sql = "select lead_id from handoff where decision is null order by lead_id limit :n"
    else:
        sql = "select id from lead where mql_at is not null and handed_off_at is null order by id limit :n"
    return [r[0] for r in conn.execute(sa.text(sql), {"n": n})]


def _time(engine: sa.Engine, sql: str, lead: int, baseline: list[str] | None) -> float:
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            for ddl in baseline or []:
                conn.exec_driver_sql(ddl)
            t0 = time.perf_counter()
            conn.execute(sa.text(sql), {"lead": lead})
            return time.perf_counter() - t0
        finally:
            trans.rollback()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", required=True, help="an already seeded database (nothing is stored)")
    ap.add_argument("--samples", type=int, default=25)
    args = ap.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    baseline = _baseline_functions()
    with engine.connect() as conn:
        leads = conn.execute(sa.text("select count(*) from lead")).scalar()
        handoffs = conn.execute(sa.text("select count(*) from handoff")).scalar()
        pools = {kind: _leads(conn, kind, args.samples) for kind in ("open", "fresh")}
    print(f"\n### Write costs through the projection triggers ({leads:,} leads, {handoffs:,} hand-offs)\n")
    print(f"- machine: {machine()}")
    print(f"- {args.samples} leads per write, each write in its own rolled-back transaction, alternated "
          "with the baseline (the projection functions of migrations 0007 and 0012)\n")
    print("| write | this commit, median | baseline, median | baseline ÷ this |")
    print("|---|---:|---:|---:|")
    for name, (kind, sql) in WRITES.items():
        if not pools[kind]:
            print(f"| {name} | no such lead in this data | | |")
            continue
        new, old = [], []
        for lead in pools[kind]:
            new.append(_time(engine, sql, lead, None))
            old.append(_time(engine, sql, lead, baseline))
        m_new, m_old = statistics.median(new) * 1000, statistics.median(old) * 1000
        print(f"| {name} | {m_new:.1f} ms | {m_old:.1f} ms | {m_old / m_new:.0f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
