"""Benchmark: the criteria replay (queries/sql/qualification.sql ``criteria_replay``) at scale.

    python bench/bench_replay.py --leads 1000000            # fresh DB on a throwaway embedded server
    python bench/bench_replay.py --server-url postgresql://postgres@127.0.0.1:5432/postgres --leads 1000000
    python bench/bench_replay.py --database-url postgresql://.../already_seeded   # reuse seeded data

The replay evaluates a draft and the version in force over every lead created in a period (one
scan of the period's leads, account rules evaluated once per account, hand-off outcomes from the
lead's own projections) plus the opportunities of those leads (docs/qualification.md). It is
measured warm (first run discarded), median of --runs, for a quarter, half a year and the whole
data set, with a narrow draft and a wide one. The target is < 2 s at 1M leads.
Prints a markdown table, the machine, and the load time when it seeded.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from queries.quiet import quiet_streamlit  # noqa: E402

quiet_streamlit()

import sqlalchemy as sa  # noqa: E402

from bench.bench_metrics import add_database_args, machine, prepare  # noqa: E402

TARGET_MS = 2000


def backend_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by a PostgreSQL backend on this machine, or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_database_args(parser)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    url, where, seed_s = prepare(args, "bench_replay")
    os.environ["DATABASE_URL"] = url
    from queries.criteria_rules import Criteria
    from queries.db import get_engine
    from queries.periods import Period
    from queries.qualification import run_replay

    engine = get_engine()
    with engine.connect() as conn:
        n_leads = conn.execute(sa.text("select count(*) from lead")).scalar_one()
        first, last = conn.execute(sa.text("select min(created_at), max(created_at) from lead")).one()
        tz = conn.execute(sa.text(
            "select coalesce((select value #>> '{}' from app_setting where key = 'company_timezone'), 'UTC')")).scalar()
    end = last.date()
    quarter_start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    q_end = date.fromordinal(quarter_start.toordinal() - 1)  # the last finished quarter
    periods = {
        "a quarter": Period(date(q_end.year, 3 * ((q_end.month - 1) // 3) + 1, 1), q_end, tz),
        "half a year": Period(date.fromordinal(end.toordinal() - 182), end, tz),
        "all leads": Period(first.date(), end, tz),
    }
    current = Criteria(min_score=40)
    drafts = {
        "narrow (size, score, source)": Criteria(min_score=55, employee_bands=("50-199", "200-999", "1000-4999", "5000+"),
                                                 excluded_sources=("paid_social",)),
        "wide (every rule set)": Criteria(industries=("Software", "Financial services", "Healthcare", "Manufacturing"),
                                          regions=("NA", "EMEA"), countries=("AU", "SG"),
                                          employee_bands=("200-999", "1000-4999", "5000+"),
                                          job_functions=("Marketing", "Sales", "IT", "Executive"),
                                          seniorities=("manager", "director", "vp", "c_level"), tiers=(1, 2),
                                          min_score=45, excluded_sources=("paid_social", "email")),
    }
    rows = []
    load_before = load_average()
    with engine.connect() as conn, engine.connect() as serial:
        # CPU time is measured on a serial plan (no parallel workers, whose CPU is in other
        # processes): it is what the query costs, whatever else the machine is doing.
        serial.execute(sa.text("set max_parallel_workers_per_gather = 0"))
        pid = serial.execute(sa.text("select pg_backend_pid()")).scalar_one()
        for pname, period in periods.items():
            for dname, draft in drafts.items():
                run_replay(draft, period, current, conn)  # warm
                samples, cpu = [], []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    result = run_replay(draft, period, current, conn)
                    samples.append((time.perf_counter() - t0) * 1000)
                for _ in range(max(1, args.runs // 2)):
                    c0 = backend_cpu_seconds(pid)
                    run_replay(draft, period, current, serial)
                    c1 = backend_cpu_seconds(pid)
                    if c0 is not None and c1 is not None:
                        cpu.append((c1 - c0) * 1000)
                med_cpu = statistics.median(cpu) if cpu else None
                rows.append((pname, period.describe(), dname, result.leads_in_period, result.row("proposed")["leads"],
                             statistics.median(samples), max(samples), med_cpu))
                print(f"  {pname:12} {dname:30} median {statistics.median(samples):7.0f} ms wall, "
                      f"{med_cpu if med_cpu is not None else float('nan'):7.0f} ms CPU (serial)", file=sys.stderr)
    load_after = load_average()

    print(f"\n### Criteria replay at {n_leads:,} leads\n")
    print(f"Machine: {machine()}  \nDatabase: {where}" + (f", seeded in {seed_s:.0f} s" if seed_s else "")
          + f"  \nLoad average (1/5/15 min) before: {load_before}, after: {load_after}  \n"
          f"Wall: warm, median of {args.runs} runs (first run discarded), parallel plans allowed. CPU: the backend's "
          f"CPU time on a serial plan, median of {max(1, args.runs // 2)} runs. Target: < {TARGET_MS} ms.\n")
    print("| period | dates | draft | leads in period | qualify under draft | wall median ms | wall max ms | "
          "CPU ms (serial) | < 2 s |")
    print("|---|---|---|---:|---:|---:|---:|---:|:-:|")
    for pname, dates, dname, n, qualify, med, worst, cpu in rows:
        print(f"| {pname} | {dates} | {dname} | {n:,} | {int(qualify):,} | {med:,.0f} | {worst:,.0f} | "
              f"{'n/a' if cpu is None else f'{cpu:,.0f}'} | {'yes' if med < TARGET_MS else 'NO'} |")
    engine.dispose()
    return 0 if all(r[5] < TARGET_MS for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
