"""An investigator reads the admin in Ukrainian or Russian, and a developer reads the API docs
offline: Swagger UI and ReDoc come from our own static files, nothing from outside."""

from __future__ import annotations

import pytest

from tests import factories
from tests.admin_pages import staff
from tests.browser.conftest import ARTIFACTS, keep_screenshot
from tests.browser.helpers import admin_url, sign_in


@pytest.mark.parametrize("browser_context", ["uk-UA"], indirect=True)
def test_a_ukrainian_browser_gets_the_admin_in_ukrainian(page, live_server, team):
    investigator = staff("investigator", team=team)
    case = factories.CaseFactory(team=team, status="under_review")
    sign_in(page, live_server, investigator)

    assert page.locator("html").get_attribute("lang") == "uk"
    header = page.locator("#header").inner_text()
    assert "Каталог доказів" in header  # our site header
    content = page.locator("#content").inner_text()
    assert "Справи" in content  # our model's name, plural
    assert "Доказові матеріали" in content or "Докази" in content
    assert "Додати" in content  # Django's own
    keep_screenshot(page, "languages-uk-admin-index")

    page.goto(admin_url(live_server, "catalogue/case/"))
    listing = page.locator("#content").inner_text()
    assert "На розгляді" in listing  # the status label of the case
    assert "статус" in listing.lower()  # a column header (the admin's CSS shows it in capitals)
    assert "Виберіть, що змінити: справа" in listing  # Django's phrase, made grammatical by our catalogue
    keep_screenshot(page, "languages-uk-case-list")

    page.goto(admin_url(live_server, f"catalogue/case/{case.pk}/change/"))
    form = page.locator("#content").inner_text()
    assert "Чутливість" in form and "Доступ" in form  # a field's label, a fieldset's title
    assert page.locator("input[name=_save]").get_attribute("value") == "Зберегти"  # Django's own button
    keep_screenshot(page, "languages-uk-case-page")

    item = factories.sealed_item(actor=investigator, case=case, title="Фото з Харкова", kind="image",
                                 filename="photo.jpg")
    page.goto(admin_url(live_server, f"evidence/evidenceitem/{item.pk}/change/"))
    exhibit = page.locator("#content").inner_text()
    assert "Змінити: доказ" in exhibit  # Django's title, our model's name
    assert "Опечатано" in exhibit  # the item's state
    assert "Зображення" in exhibit  # its kind
    assert "Експонат" in exhibit and "Ланцюг зберігання" in exhibit  # the exhibit panel's and the timeline's titles
    assert "The exhibit" not in exhibit
    keep_screenshot(page, "languages-uk-item-page")


def test_the_switch_moves_to_russian_and_back_to_english(page, live_server, team):
    investigator = staff("investigator", team=team)
    sign_in(page, live_server, investigator)
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("#language-switch button[value=ru]")
    page.wait_for_selector("html[lang=ru]")
    content = page.locator("#content").inner_text()
    assert "Дела" in content
    assert "Каталог доказательств" in page.locator("#header").inner_text()
    keep_screenshot(page, "languages-ru-admin-index")

    page.goto(admin_url(live_server, "catalogue/case/"))  # the choice lasts beyond one page
    assert page.locator("html").get_attribute("lang") == "ru"

    page.click("#language-switch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "/admin/catalogue/case/" in page.url  # the switch comes back to the same page
    assert "Select case to change" in page.locator("#content").inner_text()


def test_swagger_ui_renders_from_our_own_files(page, live_server, team):
    sign_in(page, live_server, staff("legal", team=team))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/docs/")
    operation = page.locator(".opblock").first
    operation.wait_for(state="visible")
    assert page.locator(".opblock-summary-path", has_text="/api/v1/cases/").first.is_visible()
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in requested)
    viewport_screenshot(page, "api-docs-swagger")
    # Any outside request (a CDN, the validator badge) fails the test in the browser_context fixture.


def test_redoc_renders_from_our_own_files(page, live_server, team):
    sign_in(page, live_server, staff("legal", team=team))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/redoc/")
    page.locator("h1", has_text="Evidence catalogue API").wait_for(state="visible")
    assert page.locator("[data-section-id^='operation/']").first.is_visible()
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in requested)
    viewport_screenshot(page, "api-docs-redoc")


def test_the_docs_ask_for_a_sign_in(page, live_server):
    for path in ("/api/docs/", "/api/redoc/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status in (401, 403)


def viewport_screenshot(page, name: str) -> None:
    """What the reader first sees (the docs run to tens of thousands of pixels: a full page is too slow)."""
    target = ARTIFACTS / "screens" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
