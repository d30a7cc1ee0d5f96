"""Full-page screenshots of Alignboard pages at several window sizes, signed in as a demo user.

    python tools/screenshots.py --url http://127.0.0.1:8501 --user executive \\
        --pages scoreboard,goals --sizes 1366x768,1920x1080 --out screenshots/

Pages are page keys from app.py's PAGES (``scoreboard``, ``admin``…), which are also their URL
paths. Files are written as ``<out>/<page>_<width>x<height>.png``. Needs a running app
(``streamlit run app.py``) and Debian's chromium at /usr/bin/chromium (``apt-get install -y
chromium``; never ``playwright install``). The page is captured at its full height: Streamlit
scrolls inside its own container, so the window is made as tall as the content first.

Exit codes: 0 all captured; 1 a page could not be captured or showed an exception; 2 bad arguments
or the app/chromium could not be reached.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("ALIGNBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DEMO_PASSWORD = "alignboard-demo"
TIMEOUT_MS = 60_000
MAX_HEIGHT = 12_000


def page_paths() -> dict[str, str]:
    """Page key -> URL path, read from app.py's PAGES literal (without running the app)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            pages = ast.literal_eval(node.value)
            return {key: spec[3] for key, spec in pages.items()}
    return {}


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        m = re.fullmatch(r"(\d{3,4})x(\d{3,4})", part)
        if not m:
            raise ValueError(f"'{part}' is not a size: use WIDTHxHEIGHT, e.g. 1366x768")
        sizes.append((int(m.group(1)), int(m.group(2))))
    if not sizes:
        raise ValueError("give at least one size, e.g. --sizes 1366x768")
    return sizes


def resolve_pages(names: list[str]) -> list[tuple[str, str]]:
    """[(label, url path)] for keys or paths; unknown names are an error."""
    known = page_paths()
    paths = set(known.values())
    out = []
    for name in names:
        name, _, query = name.partition("?")   # a link's parameters ride along: slipping?team=2
        tail = f"?{query}" if query else ""
        label = name.strip("/") + (f"_{query}".replace("&", "_").replace("=", "-").replace(",", "-") if query else "")
        if name in known:
            out.append((label, known[name] + tail))
        elif name.strip("/") in paths:
            out.append((label, name.strip("/") + tail))
        else:
            raise ValueError(f"unknown page '{name}'. Pages: {', '.join(sorted(known))}")
    return out


def wait_for_app(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)


def wait_for_charts(page) -> None:
    """Until every Plotly chart on the page has drawn its SVG."""
    page.wait_for_function(
        """() => {
            const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
            return Array.from(charts).every(c => c.querySelector('.js-plotly-plot .main-svg'));
        }""",
        timeout=TIMEOUT_MS,
    )


def sign_in(page, username: str, password: str) -> None:
    page.goto("/")
    wait_for_app(page)
    user_box = page.get_by_role("textbox", name="Username", exact=True)
    pw_box = page.get_by_role("textbox", name="Password", exact=True)
    user_box.wait_for(timeout=TIMEOUT_MS)
    for _ in range(3):  # a rerun right after load may re-create the form and drop what was typed
        user_box.fill(username)
        pw_box.fill(password)
        wait_for_app(page)
        if user_box.input_value() == username and pw_box.input_value() == password:
            break
    page.get_by_role("button", name="Sign in", exact=True).click()
    sign_out = page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out")
    error = page.get_by_text("Username or password is incorrect.")
    sign_out.or_(error).first.wait_for(timeout=TIMEOUT_MS)
    if error.count():
        raise RuntimeError(f"sign-in as '{username}' was refused (wrong username or password)")
    # The sign-in cookie is written by a component in the browser a moment later; pages opened by
    # URL need it.
    page.wait_for_function("() => document.cookie.includes('alignboard_auth=')", timeout=TIMEOUT_MS)


def content_height(page) -> int:
    return int(page.evaluate(
        """() => {
            const main = document.querySelector('[data-testid="stMain"]') || document.scrollingElement;
            const side = document.querySelector('[data-testid="stSidebarContent"]');
            return Math.max(main.scrollHeight, side ? side.scrollHeight : 0, document.body.scrollHeight);
        }"""))


def capture(page, path: Path, width: int, height: int) -> None:
    full = min(max(height, content_height(page)), MAX_HEIGHT)
    if full != height:
        page.set_viewport_size({"width": width, "height": full})
        wait_for_app(page)
        wait_for_charts(page)
        page.wait_for_timeout(300)  # charts re-layout on resize
    page.screenshot(path=str(path), full_page=True)
    if full != height:
        page.set_viewport_size({"width": width, "height": height})


def run(url: str, user: str, password: str, pages: list[tuple[str, str]], sizes: list[tuple[int, int]],
        out: Path) -> int:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for width, height in sizes:
                context = browser.new_context(viewport={"width": width, "height": height}, base_url=url)
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                try:
                    sign_in(page, user, password)
                except (RuntimeError, PlaywrightError) as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    return 2
                for label, path in pages:
                    target = out / f"{label}_{width}x{height}.png"
                    try:
                        page.goto(f"/{path}")
                        wait_for_app(page)
                        wait_for_charts(page)
                        page_path = path.partition("?")[0]   # the page may add its own parameters to a link's
                        if not re.search(rf"^https?://[^/]+/{re.escape(page_path)}/?(\?|#|$)", page.url):
                            print(f"warning: /{path} ended on {page.url} (may '{user}' see it?)", file=sys.stderr)
                            failures += 1
                        if page.get_by_text("Page not found").count():
                            print(f"warning: {label}: Streamlit says 'Page not found'", file=sys.stderr)
                            failures += 1
                        exceptions = page.locator('[data-testid="stException"]')
                        if exceptions.count():
                            print(f"warning: {label} shows an exception: {exceptions.first.inner_text()[:300]}",
                                  file=sys.stderr)
                            failures += 1
                        capture(page, target, width, height)
                        print(f"{target}")
                    except PlaywrightError as exc:
                        print(f"error: {label} at {width}x{height}: {exc}", file=sys.stderr)
                        failures += 1
                context.close()
        finally:
            browser.close()
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501", help="the running app (default %(default)s)")
    parser.add_argument("--user", default="executive", help="demo username to sign in as (default %(default)s)")
    parser.add_argument("--password", default=os.environ.get("ALIGNBOARD_SCREENSHOT_PASSWORD", DEMO_PASSWORD),
                        help="password (default: the demo password, or $ALIGNBOARD_SCREENSHOT_PASSWORD)")
    parser.add_argument("--pages", default="scoreboard", help="comma-separated page keys or URL paths")
    parser.add_argument("--sizes", default="1366x768,1920x1080", help="comma-separated WIDTHxHEIGHT")
    parser.add_argument("--out", default="screenshots", type=Path, help="output folder (default %(default)s)")
    args = parser.parse_args(argv)
    try:
        sizes = parse_sizes(args.sizes)
        pages = resolve_pages([p.strip() for p in args.pages.split(",") if p.strip()])
        if not pages:
            raise ValueError("give at least one page, e.g. --pages scoreboard")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not os.access(CHROMIUM, os.X_OK):
        print(f"error: {CHROMIUM} is missing; install it with `apt-get install -y chromium`", file=sys.stderr)
        return 2
    import urllib.request

    try:
        with urllib.request.urlopen(f"{args.url.rstrip('/')}/_stcore/health", timeout=5) as resp:
            resp.read()
    except OSError as exc:
        print(f"error: no Streamlit app answers at {args.url} ({exc}); start one with `streamlit run app.py`",
              file=sys.stderr)
        return 2
    return run(args.url.rstrip("/"), args.user, args.password, pages, sizes, args.out)


if __name__ == "__main__":
    raise SystemExit(main())
