"""Loading demo data into real PostgreSQL: the bulk projection equals the trigger's, the CLI's
refusals and --reset, atomicity, an unchanged schema afterwards, and once-only first-start seeding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from queries.db import create_engine, normalize_url
from seeds.generate import TABLES, generate
from seeds.load import COLUMNS, DataExistsError, copy_frame, load_dataset, load_demo

ROOT = Path(__file__).resolve().parents[2]
ANCHOR = "2026-11-20"


def _engine(url: str) -> sa.Engine:
    return create_engine(normalize_url(url))


def _run_cli(url: str | None, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if url:
        env["DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "seeds", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _frame(conn: sa.Connection, query: str) -> pd.DataFrame:
    res = conn.execute(sa.text(query))
    return pd.DataFrame(res.fetchall(), columns=list(res.keys()))


def _schema(engine: sa.Engine) -> dict:
    """Constraints, indexes and triggers (with enabled state) of the public schema."""
    with engine.connect() as conn:
        return {
            "constraints": _frame(conn, """
                select conrelid::regclass::text as rel, conname, pg_get_constraintdef(oid) as def, convalidated
                  from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2""").to_dict("records"),
            "indexes": _frame(conn, """
                select tablename, indexname, indexdef from pg_indexes where schemaname = 'public'
                 order by 1, 2""").to_dict("records"),
            "triggers": _frame(conn, """
                select tgrelid::regclass::text as rel, tgname, tgenabled from pg_trigger
                 where not tgisinternal order by 1, 2""").to_dict("records"),
        }


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"select count(*) from {t}")).scalar() for t in TABLES}


def _fingerprint(engine: sa.Engine) -> tuple:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "select (select count(*) from lead), (select sum(score) from lead), (select max(created_at) from lead), "
            "(select count(*) from handoff), (select sum(minutes_to_first_touch) from handoff), "
            "(select count(*) from activity), (select count(*) from rep)")).one())


def _has_table(engine, name) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text("select to_regclass(:n) is not null"), {"n": name}).scalar()


# --------------------------------------------------------------------------- projection equivalence


def _install_sla_policies(engine: sa.Engine) -> None:
    """A business-hours policy for tier 1 and a wall-clock default (migration 0005 schema)."""
    with engine.begin() as conn:
        cal = conn.execute(sa.text(
            "insert into business_calendar (name, timezone) values ('Test NY', 'America/New_York') returning id"
        )).scalar_one()
        sched = conn.execute(sa.text(
            "insert into business_schedule (calendar_id, effective_from) values (:c, date '2000-01-01') returning id"
        ), {"c": cal}).scalar_one()
        conn.execute(sa.text(
            "insert into business_schedule_day (schedule_id, isodow, start_time, end_time) "
            "select :s, d, time '09:00', time '18:00' from generate_series(1, 5) d"), {"s": sched})
        conn.execute(sa.text("""
            insert into sla_policy (code, version, name, rank, is_default, tiers, first_touch_minutes,
                                    first_touch_business, decision_minutes, decision_business, calendar_id, effective_at)
            values ('strategic', 1, 'Strategic accounts', 10, false, '{1}', 60, true, 1080, true, :c,
                    timestamptz '2025-01-01 00:00+00'),
                   ('strategic', 2, 'Strategic accounts, tighter', 10, false, '{1}', 30, true, 1080, true, :c,
                    timestamptz '2026-06-01 00:00+00'),
                   ('default', 1, 'Everyone else', 999, true, null, 240, false, 2880, false, null,
                    timestamptz '2025-01-01 00:00+00')"""), {"c": cal})


def _py(v):
    """A plain Python value for psycopg."""
    if v is None or v is pd.NaT or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


def _replay_through_triggers(engine: sa.Engine, ds) -> None:
    """Base rows by COPY (triggers on), then every event inserted alone, in time order."""
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.transaction():
            for t in ("team", "rep", "account", "campaign"):
                copy_frame(conn, t, ds[t])
            projected = ("mql_at", "sal_at", "sql_at", "won_at", "handed_off_at", "rejected_at")  # triggers write these
            copy_frame(conn, "lead", ds["lead"], [c for c in COLUMNS["lead"] if c[0] not in projected])
            copy_frame(conn, "activity", ds["activity"])
        ev = ds["lead_event"].sort_values(["occurred_at", "id"])
        cols = ["id", "lead_id", "event_type", "occurred_at", "owner_id", "actor_rep_id", "rejection_reason",
                "comment", "recorded_at"]
        rows = [tuple(_py(v) for v in r) for r in ev[cols].astype(object).itertuples(index=False, name=None)]
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(f"insert into lead_event ({', '.join(cols)}) values ({', '.join(['%s'] * len(cols))})",
                            rows)
        # opportunities last, through their triggers too (they set lead.sql_at and won_at)
        with conn.transaction():
            copy_frame(conn, "opportunity", ds["opportunity"],
                       [c for c in COLUMNS["opportunity"] if c[0] not in ("source", "campaign_id")])
    finally:
        raw.close()


def _projection(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    with engine.connect() as conn:
        h = _frame(conn, "select * from handoff order by lead_id, handed_off_at").drop(columns="id")
        lead = _frame(conn, "select id, mql_at, handed_off_at, sal_at, rejected_at, sql_at, won_at "
                              "from lead order by id")
        ev = _frame(conn, """
            select e.*, h.lead_id as h_lead_id, h.handed_off_at as h_handed_off_at
              from lead_event e left join handoff h on h.id = e.handoff_id order by e.id""")
        opp = _frame(conn, "select * from opportunity order by id")
    return {"handoff": h.reset_index(drop=True), "lead": lead, "lead_event": ev.drop(columns="handoff_id"),
            "opportunity": opp}


@pytest.mark.parametrize("with_policies", [False, True], ids=["company-defaults", "sla-policies"])
def test_bulk_projection_equals_the_trigger_replay(pg_server, template_db, migrated_url, with_policies):
    bulk = _engine(migrated_url)
    if with_policies and not _has_table(bulk, "sla_policy"):
        pytest.skip("no SLA policy tables in this schema")
    name = pg_server.create(template=template_db, label="replay")
    replay = _engine(pg_server.url(name).render_as_string(hide_password=False))
    try:
        ds = generate(3000, 11, ANCHOR)
        if with_policies:
            _install_sla_policies(bulk)
            _install_sla_policies(replay)
        raw = bulk.raw_connection()
        try:
            load_dataset(raw.driver_connection, ds)
        finally:
            raw.close()
        _replay_through_triggers(replay, ds)

        a, b = _projection(bulk), _projection(replay)
        assert len(a["handoff"]) == len(ds["handoff"]) > 500
        assert a["handoff"]["first_touch_at"].notna().mean() > 0.85
        if with_policies:
            assert a["handoff"]["sla_policy_id"].notna().all()
        for key in ("handoff", "lead", "lead_event", "opportunity"):
            pd.testing.assert_frame_equal(a[key], b[key], check_exact=True, obj=key)
        stages = a["lead"][["handed_off_at", "sal_at", "rejected_at", "sql_at", "won_at"]].notna().sum()
        assert stages["sal_at"] > 300 and stages["sql_at"] > 50 and stages["won_at"] > 5, stages
        assert stages["handed_off_at"] > stages["sal_at"] and stages["rejected_at"] > 50, stages
        opp = a["opportunity"]
        assert opp["source"].notna().sum() > 50 and (opp["source"].isna() == opp["lead_id"].isna()).all()
        # the generator's own projection is what the database kept
        gen = ds["handoff"].sort_values(["lead_id", "handed_off_at"]).reset_index(drop=True)
        assert (gen["owner_id"].to_numpy() == a["handoff"]["owner_id"].to_numpy()).all()
        assert gen["first_touch_at"].equals(a["handoff"]["first_touch_at"].astype(gen["first_touch_at"].dtype))
    finally:
        bulk.dispose()
        replay.dispose()
        pg_server.drop(name)


# --------------------------------------------------------------------------- the library loader


def test_load_writes_everything_and_leaves_the_schema_as_it_was(migrated_url):
    engine = _engine(migrated_url)
    before = _schema(engine)
    stats = load_demo(engine, leads=2500, seed=5, anchor=ANCHOR, after_load=None)
    try:
        assert _schema(engine) == before  # indexes, foreign keys and triggers are back, validated
        ds = generate(2500, 5, ANCHOR)
        assert _counts(engine) == ds.row_counts() == stats.rows
        with engine.begin() as conn:
            settings = dict(conn.execute(sa.text("select key, value from app_setting")).all())
            assert settings["company_timezone"] == "America/New_York"
            assert settings["demo_data"] is True
            assert settings["demo_seed"] == {"leads": 2500, "seed": 5, "anchor": ANCHOR}
            assert conn.execute(sa.text(
                "select count(*) from channel")).scalar() == 10  # channels as the migration made them
            h = conn.execute(sa.text("""
                select count(*) filter (where first_touch_at is not null and minutes_to_first_touch is null),
                       count(*) filter (where sla_deadline_at <= handed_off_at),
                       count(*) filter (where first_touch_at is null)
                  from handoff""")).one()
            assert h[0] == 0 and h[1] == 0 and 0 < h[2] < 0.12 * len(ds["handoff"])
            # identities continue after the explicit ids
            for t in ("lead", "lead_event", "activity", "handoff", "rep", "team"):
                nxt = conn.execute(sa.text(f"select nextval(pg_get_serial_sequence('{t}', 'id'))")).scalar()
                assert nxt == len(ds[t]) + 1, t
            # and the app's own write path works on top: a new event goes through the trigger
            lead_id, owner = conn.execute(sa.text("""
                select h.lead_id, h.owner_id from handoff h where h.decision is null limit 1""")).one()
            conn.execute(sa.text("insert into lead_event (lead_id, event_type, occurred_at, actor_rep_id) "
                                 "values (:l, 'accepted', now(), :o)"), {"l": lead_id, "o": owner})
            assert conn.execute(sa.text("select decision from handoff where lead_id = :l and decided_at > now() - "
                                        "interval '1 minute'"), {"l": lead_id}).scalar() == "accepted"
        with pytest.raises(DataExistsError):
            load_demo(engine, leads=100, seed=1, anchor=ANCHOR, after_load=None)
    finally:
        engine.dispose()


def test_a_failed_load_changes_nothing(migrated_url):
    engine = _engine(migrated_url)
    before = _schema(engine)
    ds = generate(800, 2, ANCHOR)
    bad = ds.frames["lead"].copy()
    bad["seniority"] = bad["seniority"].cat.rename_categories({"vp": "vice president"})  # violates the check
    ds.frames["lead"] = bad
    raw = engine.raw_connection()
    try:
        with pytest.raises(Exception, match="seniority"):
            load_dataset(raw.driver_connection, ds)
    finally:
        raw.close()
    assert _schema(engine) == before
    assert set(_counts(engine).values()) == {0}
    engine.dispose()


def test_the_extras_hook_runs_before_the_foreign_keys_which_still_check_its_writes(migrated_url):
    """The foreign keys are added back after the before_commit hook (its updates of rows loaded in
    the same transaction would otherwise check every key row by row): a dangling reference the
    hook writes still fails the load, and nothing is left behind."""
    engine = _engine(migrated_url)
    before = _schema(engine)
    ds = generate(300, 3, ANCHOR)
    seen = {}

    def hook(pg):
        with pg.cursor() as cur:
            cur.execute("select count(*) from pg_constraint where contype = 'f' and conrelid = 'handoff'::regclass")
            seen["handoff_fks"] = cur.fetchone()[0]
            cur.execute("update handoff set owner_id = 999999 where id = (select min(id) from handoff)")

    raw = engine.raw_connection()
    try:
        with pytest.raises(Exception, match="handoff_owner_id_fkey"):
            load_dataset(raw.driver_connection, ds, before_commit=hook)
    finally:
        raw.close()
    assert seen["handoff_fks"] == 0
    assert _schema(engine) == before
    assert set(_counts(engine).values()) == {0}
    engine.dispose()


@pytest.mark.parametrize("leads", [1, 15])
def test_tiny_seeds_load(migrated_url, leads):
    """A seed with no won deal (or no hand-off) failed with a pandas TypeError traceback, also as a
    first start with ALIGNBOARD_DEMO_LEADS=15."""
    engine = _engine(migrated_url)
    load_demo(engine, leads=leads, seed=1, anchor=ANCHOR, after_load=None, reset=True)
    assert _counts(engine)["lead"] == leads
    engine.dispose()


def test_refuses_reps_without_leads_unless_reset(migrated_url):
    engine = _engine(migrated_url)
    with engine.begin() as conn:
        conn.execute(sa.text("insert into team (code, name, function) values ('x', 'X', 'sales')"))
    with pytest.raises(DataExistsError, match="team"):
        load_demo(engine, leads=200, seed=1, anchor=ANCHOR, after_load=None)
    load_demo(engine, leads=200, seed=1, anchor=ANCHOR, after_load=None, reset=True)
    assert _counts(engine)["team"] == 3
    engine.dispose()


# --------------------------------------------------------------------------- the command line


def test_cli_loads_refuses_without_reset_and_reloads_with_it(migrated_url):
    first = _run_cli(migrated_url, "--leads", "1500", "--seed", "1", "--anchor", ANCHOR)
    assert first.returncode == 0, first.stderr
    assert "lead" in first.stdout and "rows/s" in first.stdout
    assert "100%" in first.stderr  # the progress bar
    engine = _engine(migrated_url)
    try:
        before = _fingerprint(engine)
        assert before[0] == 1500

        again = _run_cli(migrated_url, "--leads", "1500", "--seed", "9", "--anchor", ANCHOR)
        assert again.returncode == 2
        assert "Traceback" not in again.stderr
        lines = [ln for ln in again.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:") and "--reset" in lines[0]
        assert "1,500 leads" in lines[0]
        # it names everything --reset would empty: users and the audit log go too (it named the
        # CRM tables only, and an admin lost their account)
        for table in ("app_user", "audit_log", "goal", "meeting", "sla_policy", "criteria_version", "lead"):
            assert table in lines[0], lines[0]
        assert _fingerprint(engine) == before

        reset = _run_cli(migrated_url, "--leads", "1200", "--seed", "2", "--anchor", ANCHOR, "--reset")
        assert reset.returncode == 0, reset.stderr
        after = _fingerprint(engine)
        assert after[0] == 1200 and after != before
        with engine.connect() as conn:
            seed = conn.execute(sa.text("select value from app_setting where key = 'demo_seed'")).scalar()
            assert seed == {"leads": 1200, "seed": 2, "anchor": ANCHOR}
            # identical to a library load of the same inputs
            lead = _frame(conn, "select id, email, created_at, mql_at from lead order by id")
        ds = generate(1200, 2, ANCHOR)
        assert (lead["email"].to_numpy() == ds["lead"]["email"].to_numpy()).all()
        assert (lead["created_at"] == ds["lead"]["created_at"]).all()
    finally:
        engine.dispose()


@pytest.mark.parametrize("args, needle", [
    (["--leads", "-5"], "--leads"),
    (["--leads", "many"], "--leads"),
    (["--seed", "-1"], "--seed"),
    (["--anchor", "2026-02-30"], "--anchor"),
    (["--anchor", "2100-01-01"], "future"),
])
def test_cli_bad_arguments_exit_2_without_traceback(args, needle):
    res = _run_cli(None, *args, timeout=60)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert needle in res.stderr.splitlines()[-1]


# --------------------------------------------------------------------------- first start

_BOOT = """
import sys
from queries.db import create_engine, normalize_url
from seeds.bootstrap import seed_demo_if_new
engine = create_engine(normalize_url(sys.argv[1]))
print("loaded" if seed_demo_if_new(engine, leads=int(sys.argv[2])) else "skipped")
"""


def test_two_starts_at_once_load_the_demo_once(migrated_url):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    procs = [subprocess.Popen([sys.executable, "-c", _BOOT, migrated_url, "1500"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    assert sorted(o[0].strip() for o in outs) == ["loaded", "skipped"]
    engine = _engine(migrated_url)
    try:
        assert _counts(engine)["lead"] == 1500
        with engine.connect() as conn:
            assert conn.execute(sa.text("select value from app_setting where key = 'initialized_at'")).scalar()
            seed = conn.execute(sa.text("select value from app_setting where key = 'demo_seed'")).scalar()
            assert seed["leads"] == 1500 and seed["seed"] == 42
        from seeds.bootstrap import seed_demo_if_new

        assert seed_demo_if_new(engine, leads=1500) is False  # initialised: never again
        with engine.begin() as conn:  # even after the demo is deleted
            conn.execute(sa.text("truncate lead, lead_event, handoff, activity, opportunity, "
                                 "opportunity_stage_change cascade"))
        assert seed_demo_if_new(engine, leads=1500) is False
        assert _counts(engine)["lead"] == 0
    finally:
        engine.dispose()


def test_first_start_with_own_data_only_marks_initialized(migrated_url):
    engine = _engine(migrated_url)
    try:
        with engine.begin() as conn:
            team = conn.execute(sa.text(
                "insert into team (code, name, function) values ('own', 'Own', 'sales') returning id")).scalar()
            conn.execute(sa.text(
                "insert into account (name, industry, country, region, employee_band, tier) "
                "values ('Own Co', 'Retail', 'US', 'NA', '1-49', 3)"))
            conn.execute(sa.text("""
                insert into lead (account_id, first_name, last_name, email, job_function, seniority, source, created_at)
                select id, 'Ann', 'Own', 'ann@own.example', 'Sales', 'manager', 'referral', now() from account"""))
        from seeds.bootstrap import seed_demo_if_new

        assert seed_demo_if_new(engine, leads=500) is False
        with engine.connect() as conn:
            assert conn.execute(sa.text("select count(*) from lead")).scalar() == 1
            assert conn.execute(sa.text("select 1 from app_setting where key = 'initialized_at'")).scalar() == 1
            assert conn.execute(sa.text("select count(*) from team where id = :t"), {"t": team}).scalar() == 1
    finally:
        engine.dispose()


def test_the_schema_definition_of_first_touch_has_the_last_word(migrated_url):
    """Generated first touches are only a head start: refresh_handoff_touch corrects wrong ones."""
    engine = _engine(migrated_url)
    ds = generate(1500, 4, ANCHOR)
    truth = ds["handoff"][["id", "first_touch_at"]].copy()
    h = ds.frames["handoff"]
    touched = h.index[h["first_touch_at"].notna()][:40]
    untouched = h.index[h["first_touch_at"].isna()][:10]
    h.loc[touched, "first_touch_at"] = pd.NaT
    h.loc[untouched, "first_touch_at"] = h.loc[untouched, "handed_off_at"]
    raw = engine.raw_connection()
    try:
        load_dataset(raw.driver_connection, ds)
    finally:
        raw.close()
    with engine.connect() as conn:
        got = _frame(conn, "select id, first_touch_at, minutes_to_first_touch from handoff order by id")
    assert got["first_touch_at"].equals(truth["first_touch_at"].astype(got["first_touch_at"].dtype))
    expected_min = ((truth["first_touch_at"] - ds["handoff"]["handed_off_at"]).dt.total_seconds() / 60).round(2)
    assert (got["minutes_to_first_touch"].astype(float).fillna(-1) == expected_min.fillna(-1)).all()
    engine.dispose()


def test_binary_copy_encoder_round_trips_every_type(migrated_url):
    import decimal

    df = pd.DataFrame({
        "a": pd.array([1, None, 3, -7], dtype="Int32"),
        "b": [1, 2, 3, 9_000_000_000],
        "t": ["x", None, "zoë ✓", ""],
        "c": pd.Categorical(["p", None, "q", "p"]),
        "f": [1.5, float("nan"), 123456789012.25, 0.07],
        "ts": pd.Series(pd.to_datetime(["2026-01-01 12:00:01", None, "1999-12-31 23:59:59.5", "2026-03-08 07:00"], format="ISO8601")
                        ).dt.tz_localize("UTC"),
        "d": pd.to_datetime(["2026-02-28", None, "1970-01-01", "2050-12-31"]),
        "bo": [True, False, True, False],
    })
    cols = [("a", "int4"), ("b", "int8"), ("t", "text"), ("c", "text"), ("f", "numeric"), ("ts", "timestamptz"),
            ("d", "date"), ("bo", "bool")]
    engine = _engine(migrated_url)
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.transaction():
            conn.execute("create temp table x (a int, b bigint, t text, c text, f numeric(14, 2), ts timestamptz, "
                         "d date, bo bool)")
            assert copy_frame(conn, "x", df, cols) == 4
            rows = conn.execute("select a, b, t, c, f, ts, d, bo from x order by b").fetchall()
    finally:
        raw.close()
        engine.dispose()
    assert [r[0] for r in rows] == [1, None, 3, -7]
    assert [r[2] for r in rows] == ["x", None, "zoë ✓", ""]
    assert [r[3] for r in rows] == ["p", None, "q", "p"]
    assert [r[4] for r in rows] == [decimal.Decimal("1.50"), None, decimal.Decimal("123456789012.25"),
                                    decimal.Decimal("0.07")]
    assert [None if r[5] is None else r[5].isoformat() for r in rows] == [
        "2026-01-01T12:00:01+00:00", None, "1999-12-31T23:59:59.500000+00:00", "2026-03-08T07:00:00+00:00"]
    assert [None if r[6] is None else r[6].isoformat() for r in rows] == ["2026-02-28", None, "1970-01-01", "2050-12-31"]
    assert [r[7] for r in rows] == [True, False, True, False]
