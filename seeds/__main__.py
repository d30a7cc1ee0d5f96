"""``python -m seeds --leads N --seed S [--reset] [--anchor YYYY-MM-DD]``: load demo data.

The database is the app's (``DATABASE_URL``, secrets, or the embedded server); migrations are
applied first. Exit codes: 0 loaded, 2 refused (bad arguments, database not reachable, data
already there without ``--reset``), 1 the load failed (the database was left as it was).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

MAX_LEADS = 5_000_000


def _leads(value: str) -> int:
    try:
        n = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    if n > MAX_LEADS:
        raise argparse.ArgumentTypeError(f"at most {MAX_LEADS:,} (about 1 GB of memory per million), got {n:,}")
    return n


def _seed(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if not 0 <= n < 2**63:
        raise argparse.ArgumentTypeError(f"must be zero or positive, got {n}")
    return n


def _anchor(value: str) -> dt.date:
    from seeds.generate import parse_anchor

    try:
        d = parse_anchor(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    today = dt.datetime.now(dt.timezone.utc).date()
    if d > today:
        raise argparse.ArgumentTypeError(
            f"{d.isoformat()} is in the future (today is {today.isoformat()} UTC): the data would contain "
            "events that have not happened yet")
    return d


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m seeds",
        description="Load deterministic Alignboard demo data (about 18 months ending at the anchor date).")
    p.add_argument("--leads", type=_leads, default=20000, help="number of leads (default 20000)")
    p.add_argument("--seed", type=_seed, default=42, help="random seed (default 42)")
    p.add_argument("--anchor", type=_anchor, default=None,
                   help="last day of the data, YYYY-MM-DD (default: today, UTC); nothing happens at or after "
                        "00:00 UTC of that day")
    p.add_argument("--no-extras", action="store_true",
                   help="load the core data only, without the demo extras (sign-in users, criteria, SLA "
                        "policies, targets, goals, meetings)")
    p.add_argument("--reset", action="store_true",
                   help="empty the data tables first and reload: teams, reps, accounts, campaigns, leads, "
                        "opportunities and every table that refers to them -- users, goals, criteria, SLA "
                        "policies and commitments, meetings, feedback and the audit log included")
    return p


def main(argv: list[str] | None = None) -> int:
    t_start = time.monotonic()
    args = build_parser().parse_args(argv)

    import psycopg
    import sqlalchemy as sa

    from queries.db import DatabaseSetupError, get_engine, get_target, run_migrations
    from queries.quiet import quiet_streamlit
    from queries.sqlfiles import q
    from seeds.generate import TABLES, parse_anchor
    from seeds.load import DATA_TABLES, DataExistsError, Progress, load_demo

    quiet_streamlit()

    anchor = args.anchor or parse_anchor(None)
    try:
        engine = get_engine()
        run_migrations(engine)
        where = get_target().describe()
    except DatabaseSetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

    refuse = ("error: {what}. Nothing was changed; run again with --reset to replace it. --reset empties "
              "{tables}: every user and sign-in, goal, criteria version, SLA policy, meeting, piece of feedback and "
              "audit entry goes with the CRM data (the migrations' own rows, such as channels and settings, stay).")
    try:
        with engine.connect() as conn:  # quick check before spending time on generation
            n_leads = conn.execute(q("lead_count")).scalar()
            tables = conn.execute(q("reset_cascade_tables"), {"tables": list(DATA_TABLES)}).scalar()
        refuse = refuse.replace("{tables}", tables or ", ".join(DATA_TABLES))
        if n_leads and not args.reset:
            print(refuse.format(what=f"the database already has data ({n_leads:,} leads)"), file=sys.stderr)
            return 2
        extra = {"after_load": None} if args.no_extras else {}
        stats = load_demo(engine, leads=args.leads, seed=args.seed, anchor=anchor, reset=args.reset,
                          progress=Progress(), **extra)
    except DataExistsError as err:
        print(refuse.format(what=str(err)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: nothing was changed", file=sys.stderr)
        return 130
    except (sa.exc.SQLAlchemyError, psycopg.Error) as err:
        orig = getattr(err, "orig", None) or err
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
        print(f"\nerror: loading failed ({type(orig).__name__}: {first}); the database was left as it was.",
              file=sys.stderr)
        return 1

    elapsed = time.monotonic() - t_start
    total = stats.total_rows
    print(f"Loaded demo data: leads={args.leads:,} seed={args.seed} anchor={anchor.isoformat()} into {where}")
    for t in TABLES:
        print(f"  {t:<26} {stats.rows.get(t, 0):>12,}")
    print(f"  {'total':<26} {total:>12,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s)")
    extras = stats.phases.get("demo extras", 0.0)
    if extras:
        core = elapsed - extras
        print(f"  {'without demo extras':<26} {core:>10.1f} s ({total / core:,.0f} rows/s); "
              f"demo extras (users, goals, policies ...) {extras:.1f} s")
    print("  phases: " + ", ".join(f"{k} {v:.1f}s" for k, v in stats.phases.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
