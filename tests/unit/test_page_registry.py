"""The page registry in app.py, read without running the app: every page's URL path is its file's
name, each file exists, and each page has its roles in queries/access.py.

Why the URL must be the file's name: until app.py has run once in a new server process, Streamlit
serves the pages/ folder in its legacy mode, where a page's address is its file name. A link to
/admin while the file was pages/admin_users.py answered the first visitor after a restart with a
"Page not found" dialog that blocked the sign-in form."""

from __future__ import annotations

import ast
from pathlib import Path

from queries.access import PAGE_ROLES

ROOT = Path(__file__).resolve().parents[2]


def registry() -> dict[str, tuple]:
    tree = ast.parse((ROOT / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("app.py has no PAGES literal")


def test_every_page_is_served_at_its_file_name():
    pages = registry()
    assert pages
    for key, (_section, _title, _icon, url_path) in pages.items():
        assert url_path == key, f"pages/{key}.py is registered at /{url_path}: rename the file or the path"
        assert (ROOT / "pages" / f"{key}.py").exists(), key


def test_every_page_has_roles_and_every_role_entry_a_page():
    assert set(registry()) == set(PAGE_ROLES)
    assert {p.stem for p in (ROOT / "pages").glob("*.py")} == set(PAGE_ROLES)
