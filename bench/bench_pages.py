"""Benchmark: server-side render time of any pages, cold and warm cache (the pages without a
benchmark of their own: campaign returns, the two-sided SLA, sales feedback, slipping, goals…).

    python bench/bench_pages.py --database-url postgresql://.../seeded_1m --pages campaigns,sla_two_sided
    python bench/bench_pages.py --data-dir /var/tmp/ab-1m --pages campaigns --period this_year

Each page is rendered with Streamlit's AppTest through app.py (sign-in gate, navigation, the page)
signed in as ``--username``, exactly as bench_scoreboard.py renders the scoreboard. *Cold*: every
``st.cache_data`` cache cleared before the run (the connection pool stays, as in a running
server); *warm*: the same run again with the caches filled. Medians of ``--runs``, with min–max,
and the scoreboard rendered in the same process as the baseline the ratios are taken against
(these machines are noisy: a ratio to a run seconds earlier says more than a bare time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from queries.quiet import quiet_streamlit  # noqa: E402

quiet_streamlit()

from bench.bench_metrics import machine  # noqa: E402
from bench.bench_scoreboard import _app, _ensure_user_and_targets, add_target_args, point_app_at  # noqa: E402

BASELINE = "scoreboard"


def _render(at, page: str) -> float:
    t0 = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"{page} raised: {at.exception[0].value}")
    return seconds


def measure(username: str, query: dict, page: str, runs: int) -> tuple[list[float], list[float]]:
    import streamlit as st

    at = _app(username, query)
    _render(at, "app.py")   # imports, first connection, start-up checks: not part of a page render
    at.switch_page(f"pages/{page}.py")
    _render(at, page)   # the page's own imports (its components, plotly's figure classes): once per process,
    cold = []           # as bench_scoreboard.py and bench_sla.py leave them out
    for _ in range(runs):
        st.cache_data.clear()
        cold.append(_render(at, page))
    _render(at, page)
    warm = [_render(at, page) for _ in range(runs)]
    return cold, warm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", required=True, help="page keys (app.py PAGES), comma-separated")
    add_target_args(parser)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="this_quarter", help="a period preset (this_quarter, this_year, …)")
    parser.add_argument("--username", default="admin", help="who renders the pages (admin sees every page "
                                                            "but My SLA)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    missing = [p for p in pages if not (ROOT / "pages" / f"{p}.py").exists()]
    if missing:
        parser.error(f"no such page: {', '.join(missing)} (page keys are the file names in pages/)")

    _, where, _ = point_app_at(args)

    import sqlalchemy as sa

    from queries import db

    db.reset_engine()
    engine = db.get_engine()
    notes = _ensure_user_and_targets(engine, args.username)
    with engine.connect() as conn:
        leads = conn.execute(sa.text("select count(*) from lead")).scalar()

    query = {"period": args.period}
    results = {}
    for page in [BASELINE, *[p for p in pages if p != BASELINE]]:
        results[page] = measure(args.username, query, page, args.runs)

    base_cold = statistics.median(results[BASELINE][0])
    print(f"\n{machine()} · {where} · {leads:,} leads · period {args.period} · {args.runs} runs"
          + (f" · {'; '.join(notes)}" if notes else ""))
    print("\n| page | cold median (min–max) | warm median | cold ÷ scoreboard cold |")
    print("|---|---|---|---|")
    for page, (cold, warm) in results.items():
        c = statistics.median(cold)
        print(f"| `{page}` | {c:.2f} s ({min(cold):.2f}–{max(cold):.2f}) | {statistics.median(warm):.2f} s "
              f"| {c / base_cold:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
