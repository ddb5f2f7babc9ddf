"""The first thing every user does: sign in with a password and the authenticator's code."""

from __future__ import annotations

from tests.admin_pages import staff
from tests.browser.conftest import is_local, keep_screenshot
from tests.browser.helpers import admin_url, sign_in


def test_investigator_signs_in_and_reaches_the_cases(page, live_server, team):
    investigator = staff("investigator", team=team)
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, "catalogue/case/"))
    assert page.locator("#result_list, .paginator").first.is_visible()
    keep_screenshot(page, "case-list")


def test_a_wrong_password_is_refused_on_the_page(page, live_server, team):
    investigator = staff("investigator", team=team)
    page.goto(admin_url(live_server, "login/"))
    page.fill("#id_username", investigator.username)
    page.fill("#id_password", "not the password")
    page.click("input[type=submit]")
    page.locator(".errornote").wait_for()  # waits: the answer to the post may take a moment
    assert "/admin/login/" in page.url


def test_the_guard_tells_this_machine_from_the_world():
    assert is_local("http://127.0.0.1:8081/admin/")
    assert is_local("http://localhost/static/x.js")
    assert is_local("data:image/png;base64,AAAA")
    assert not is_local("https://unpkg.com/leaflet@1.9.4/dist/leaflet.js")
    assert not is_local("https://tile.openstreetmap.org/1/1/1.png")
    assert not is_local("http://[2001:db8::1]/")


def test_a_page_asking_for_an_outside_address_fails_the_test(browser_context, live_server):
    """The request filter itself: an outside address is refused and remembered."""
    page = browser_context.new_page()
    page.set_content('<img src="https://tile.openstreetmap.org/1/1/1.png">')
    page.wait_for_timeout(200)
    assert browser_context.foreign_requests == ["https://tile.openstreetmap.org/1/1/1.png"]
    browser_context.foreign_requests.clear()  # this test made the request on purpose
