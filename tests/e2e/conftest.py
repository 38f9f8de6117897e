"""Browser journeys in real Chromium (Debian's /usr/bin/chromium) driven by Playwright.

One browser per test session; each test gets a fresh context (cookies) and page.
Tests skip with a clear message only where Chromium is absent; under CI they fail instead.

On a busy machine a page can arrive seconds late, so every check waits for what a person would
see: Playwright's ``expect(locator).to_be_visible()``, ``to_have_text``, ``to_have_url`` … never a
bare ``is_visible()`` or ``wait_for_load_state`` after a click (it can answer for the page that
is being left). Fields are typed into and controls are clicked, never set by script.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "var/screenshots"))
PHONE = {"width": 390, "height": 844}
# How long an action or a waiting assertion may wait for the page: generous, for busy machines.
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """On SQLite the browser journeys use a test database in a file, not in memory.

    An in-memory database is one connection shared by the test and every thread of the live
    server; two requests at once (a form's POST and Wagtail's editing-session beacon) then
    fail with "database table is locked". A file gives each thread its own connection, and the
    settings' busy timeout, WAL and IMMEDIATE transactions make writers queue, as with
    ``make run``. The file is a copy of the migrated template (tests/sqlite_template.py).
    """
    from django.conf import settings

    from tests.conftest import use_sqlite_template

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        use_sqlite_template(database, tmp_path_factory)


def _chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture(scope="session")
def browser():
    if not _chromium_available():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must run the browser tests.")
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium to run browser tests"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_accessible(page, *, name: str = "") -> None:
    """axe-core finds no serious or critical violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    # Let fade-ins finish first (Wagtail's messages, our own transitions): mid-animation
    # text is half transparent and fails the contrast rule on a busy machine only.
    page.evaluate(
        """() => Promise.all(document.getAnimations()
            .filter((a) => a.effect && a.effect.getComputedTiming().iterations !== Infinity)
            .map((a) => a.finished.catch(() => null)))"""
    )
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n.get("target") else "?" for n in v["nodes"][:5])
        for v in bad
    )
    assert not bad, f"axe-core violations on {name or page.url}:\n{details}"


def login(page, email: str, password: str, *, succeeds: bool = True) -> None:
    """Log in through the site's form and wait until the answer has arrived."""
    page.goto("/accounts/login/")
    page.get_by_label("电子邮件").fill(email)
    page.get_by_label("密码").fill(password)
    page.locator("form.stack-form").get_by_role("button", name="登录").click()
    if succeeds:
        expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
        expect(page.get_by_role("button", name="退出", exact=True)).to_be_visible()
    else:
        expect(page.locator(".alert--error")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/accounts/login/"))


def log_out(page) -> None:
    """Log out with the header's button and wait for the logged-out page."""
    page.goto("/me/")
    page.get_by_role("button", name="退出", exact=True).click()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="登录", exact=True)).to_be_visible()
