"""How many SQL statements each page run costs: cold, warm, and after a widget change.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/some_seeded_db python tools/statement_counts.py
    ... python tools/statement_counts.py --roles executive,sdr --pages scoreboard,my_handoffs --show warm

Drives app.py with Streamlit's AppTest, signed in as each demo role (``python -m seeds`` creates
them), on every page the role may see. For each page: *cold* (every ``st.cache_data`` cache
cleared), *warm* (the same run again, nothing changed) and, where the page has one, *interaction*
(the first selectbox or radio set to another option, as a reader changing a filter would). A
``before_cursor_execute`` listener on the app's engine (``queries.db.get_engine()``) counts the
statements and their time; connection checkouts are counted too (each costs a pre-ping round trip).
``--show warm`` lists the statements of each warm run. Reads only; nothing is written.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from queries.quiet import quiet_streamlit  # noqa: E402

quiet_streamlit()

ROLES = ("admin", "executive", "marketing_lead", "sales_lead", "marketer", "sdr", "ae")


class Counter:
    """Statements (query name, time) and connection checkouts on an engine, while ``on``."""

    def __init__(self, engine):
        import sqlalchemy as sa

        self.on = False
        self.where = False   # add the app's calling lines to each statement's name
        self.statements: list[tuple[str, float]] = []   # (query name, seconds)
        self.keys: list[tuple[str, str]] = []            # (SQL, parameters): what makes a repeat
        self.checkouts = 0
        self._started: dict[int, float] = {}
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        sa.event.listen(engine.pool, "checkout", self._checkout)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        seconds = time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())
        if self.on:
            self.statements.append((name_of(statement) + (caller() if self.where else ""), seconds))
            self.keys.append((statement, repr(parameters)))

    def _checkout(self, *_):
        if self.on:
            self.checkouts += 1

    def measure(self, run) -> tuple[list[tuple[str, float]], int]:
        self.statements, self.keys, self.checkouts, self.on = [], [], 0, True
        try:
            run()
        finally:
            self.on = False
        return self.statements, self.checkouts

    def repeats(self) -> list[str]:
        """Names of the last run's statements that ran again with the same parameters (work done twice)."""
        seen, out = set(), []
        for key, (name, _) in zip(self.keys, self.statements):
            if key in seen:
                out.append(name)
            seen.add(key)
        return out


def caller() -> str:
    """The app's own frames (pages/, components/, queries/) that led to the statement."""
    import traceback

    lines = [f"{Path(f.filename).relative_to(ROOT)}:{f.lineno}" for f in traceback.extract_stack()
             if f.filename.startswith(str(ROOT)) and "/tools/" not in f.filename]
    return "  <- " + " < ".join(reversed(lines[-4:]))


def name_of(statement: str) -> str:
    """The named query a statement came from (queries/sql/*.sql), else its first words."""
    key = " ".join(statement.split())
    return _names().get(key) or key[:80]


_NAMES: dict[str, str] = {}


def _names() -> dict[str, str]:
    if not _NAMES:
        from queries import sqlfiles

        for name, query in sqlfiles._all().items():
            # as psycopg receives it: :name -> %(name)s (casts such as ::int stay)
            _NAMES[" ".join(re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", query.sql).split())] = name
    return _NAMES


def app_test(username: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    return at


def interact(at) -> str | None:
    """Set the filter bar's period (else the page's first selectbox, else radio) to another option;
    what was changed, or None."""
    boxes = sorted(at.selectbox, key=lambda b: not str(b.key or "").endswith("period"))
    for widget in [*boxes, *at.radio]:
        if len(widget.options) > 1 and not widget.disabled:
            label = widget.options[1 if widget.index in (0, None) else 0]
            widget.set_value(_value_of(widget, label))
            return f"{type(widget).__name__.lower()} '{widget.label}' -> {label}"
    return None


def _value_of(widget, label: str):
    """The option whose shown label is ``label`` (AppTest sets values; ``options`` are the labels).
    Labels drawn by a dict's ``get`` (``format_func=PRESETS.get``) map back through that dict."""
    shown = getattr(widget.format_func, "__self__", None)
    if isinstance(shown, dict):
        return next(value for value, text in shown.items() if text == label)
    return label


def summary(statements: list[tuple[str, float]], checkouts: int) -> str:
    return f"{len(statements):3d} stmts {1000 * sum(s for _, s in statements):7.1f} ms {checkouts:3d} conns"


def listing(statements: list[tuple[str, float]]) -> str:
    counts = collections.Counter(name for name, _ in statements)
    return "\n".join(f"        {n}x {name}" for name, n in counts.most_common())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--pages", default="", help="page keys (default: every page the role may see)")
    parser.add_argument("--show", default="", help="cold,warm,interaction: list those runs' statements")
    parser.add_argument("--where", action="store_true", help="with --show: the app lines each statement came from")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a seeded database (python -m seeds)")
    os.environ.setdefault("ALIGNBOARD_COOKIE_KEY", secrets.token_urlsafe(48))

    from bench.bench_scoreboard import _navigation_v2

    _navigation_v2()
    import streamlit as st

    from queries import db
    from queries.access import PAGE_ROLES

    counter = Counter(db.get_engine())
    counter.where = args.where
    show = set(filter(None, args.show.split(",")))
    pages = [p for p in args.pages.split(",") if p] or list(PAGE_ROLES)
    totals = collections.Counter()
    print("role            page            | cold                          | warm                          "
          "| interaction")
    for role in args.roles.split(","):
        for page in pages:
            if role not in PAGE_ROLES[page]:
                continue
            at = app_test(role)
            at.run()   # the root URL, which opens the scoreboard
            at.switch_page(f"pages/{page}.py")
            st.cache_data.clear()
            cold = counter.measure(at.run)
            twice = counter.repeats()
            warm = counter.measure(at.run)
            if at.exception:
                print(f"{role:15} {page:15} | raised: {at.exception[0].value}")
                continue
            try:
                changed = interact(at)
                after = counter.measure(at.run) if changed else None
            except Exception as exc:   # a widget AppTest cannot set (custom format_func)
                changed, after = f"could not interact: {exc}", None
            print(f"{role:15} {page:15} | {summary(*cold)} | {summary(*warm)} | "
                  + (f"{summary(*after)}  ({changed})" if after else f"- ({changed})" if changed else "-"))
            if twice:
                print(f"        cold run repeated with the same parameters: {', '.join(twice)}")
            for label, run in (("cold", cold), ("warm", warm), ("interaction", after)):
                if run is not None:
                    totals[label] += len(run[0])
                if label in show and run is not None and run[0]:
                    print(listing(run[0]))
    print(f"\ntotal statements: cold {totals['cold']}, warm {totals['warm']}, "
          f"interaction {totals['interaction']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
