"""Browser tests: Debian's Chromium driven by Playwright, against the real admin and API
served by Django's live server.

Every page refuses requests to any address but this machine's (a map tile, a CDN script or a
font from outside would tell a third party what we are looking at), and a test fails if its
page asked for one. A failing test leaves a screenshot under var/browser/failures/; a test may
keep screenshots of what it saw with `keep_screenshot` (var/browser/screens/).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", Path(__file__).resolve().parents[2] / "var" / "browser"))
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
VIEWPORT = {"width": 1400, "height": 900}


def chromium_path() -> str | None:
    configured = os.environ.get("EVIDENCE_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def is_local(url: str) -> bool:
    """True for what may be fetched in a browser test: this machine, or inline data."""
    parts = urlsplit(url)
    # chrome:// and chrome-extension:// are the browser's own resources (its PDF viewer is an
    # extension that loads its scripts from them): they never leave the machine.
    if parts.scheme in {"data", "blob", "about", "chrome", "chrome-extension", "chrome-untrusted"}:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module (Playwright's event loop ends with it, so the
    tests that follow run without one). Missing in CI (EVIDENCE_REQUIRE_SERVICES=1) is a
    failure; on a newcomer's machine it is a skip that says what to install."""
    path = chromium_path()
    if path is None:
        message = "Chromium not found: install Debian's package (apt-get install chromium) or set EVIDENCE_CHROMIUM."
        if os.environ.get("EVIDENCE_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while it runs; the ORM calls
    # in a test body are still plain synchronous ones, made from this one thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield from _launch(sync_playwright, path)
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _launch(sync_playwright, path):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                # A second wall behind the request filter: no name but localhost resolves.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                "--disable-background-networking", "--disable-component-update",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_context(chromium, live_server, committed_db, eager_celery, request):
    """A fresh browser profile per test, speaking to the live server; foreign requests refused."""
    locale = getattr(request, "param", None) or "en-GB"
    context = chromium.new_context(viewport=VIEWPORT, locale=locale, accept_downloads=True)
    context.set_default_timeout(15_000)
    foreign: list[str] = []

    def guard(route):
        if is_local(route.request.url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.foreign_requests = foreign
    yield context
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        for index, page in enumerate(context.pages):
            target = ARTIFACTS / "failures" / f"{_slug(request.node.nodeid)}-{index}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(target), full_page=True)
            except Exception:  # a crashed page still lets the test's own failure be reported
                pass
    context.close()
    assert not foreign, f"The page asked for addresses outside this machine: {foreign}"


@pytest.fixture
def page(browser_context):
    return browser_context.new_page()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[-150:]


def keep_screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot of what the test saw (for people reviewing a run)."""
    target = ARTIFACTS / "screens" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target
