"""Finding and acting on cases, in Chromium (issue 13, points 5 and 6): the investigator files a
case and items and is told the truth about them; the reviewer is offered only the steps open to
them; a search in Ukrainian finds a case placed in Kharkiv."""

from __future__ import annotations

import hashlib

from catalogue import services
from catalogue.models import Case
from evidence.models import EvidenceItem
from tests.admin_pages import staff
from tests.browser.conftest import keep_screenshot
from tests.browser.helpers import admin_url, sign_in
from tests.factories import PlaceFactory

MEMO = b"%PDF-1.4 memo of the regional prosecutor, 30 March 2022\n"


def kharkiv():
    return PlaceFactory(name="Kharkiv", aliases=["Kharkov", "Харків", "Харьков"], admin_area="Kharkiv Oblast")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def pick_case(page, term: str, reference: str) -> None:
    """The case picker (an autocomplete): type a spelling, choose the case it finds."""
    page.click("#id_case + .select2 .select2-selection")
    page.fill(".select2-search__field", term)
    page.locator(".select2-results__option", has_text=reference).click()


def test_the_investigator_files_a_case_numbered_by_its_incidents_year(page, live_server, team):
    investigator = staff("investigator", team=team)
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, "catalogue/case/add/"))
    page.fill("#id_title", "Shelling of a residential block")
    page.fill("#id_summary", "Residents describe two strikes on the block at dawn.")
    page.fill("#id_incident_start", "2022-03-30")
    keep_screenshot(page, "act-case-add")
    assert no_sideways_scroll(page)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert "UA-2022-0001" in page.locator(".messagelist").inner_text()  # the incident's year, not today's
    assert Case.objects.get().reference == "UA-2022-0001"
    keep_screenshot(page, "act-case-added")


def test_a_title_that_says_nothing_is_refused_on_the_page(page, live_server, team):
    sign_in(page, live_server, staff("investigator", team=team))
    page.goto(admin_url(live_server, "catalogue/case/add/"))
    page.fill("#id_title", "x")
    page.click("input[name=_save]")
    assert "says what happened" in page.locator(".field-title .errorlist").inner_text()
    assert not Case.objects.exists()


def test_a_file_and_a_url_together_are_refused_and_a_wrong_digest_warns(page, live_server, team, tmp_path):
    investigator = staff("investigator", team=team)
    case = services.case_create(actor=investigator, team=team, title="Strike on a power plant",
                                places=[kharkiv()])
    memo = tmp_path / "memo.pdf"
    memo.write_bytes(MEMO)
    sign_in(page, live_server, investigator)

    page.goto(admin_url(live_server, "evidence/evidenceitem/add/"))
    pick_case(page, "Харків", case.reference)  # the case picker finds the case by a spelling of its place
    page.select_option("#id_kind", "document")
    page.fill("#id_title", "Memo of the regional prosecutor")
    page.set_input_files("#id_file", str(memo))
    page.fill("#id_source_url", "https://example.org/memo.pdf")
    page.click("input[name=_save]")
    refusal = page.locator(".field-source_url .errorlist")
    assert "either a file or a source URL, not both" in refusal.inner_text()
    keep_screenshot(page, "act-file-and-url-refused")
    assert not EvidenceItem.objects.exists()

    # Filed again, the file alone, with a digest the submitter got wrong: a warning, not a success.
    page.goto(admin_url(live_server, "evidence/evidenceitem/add/"))
    pick_case(page, "Kharkov", case.reference)
    page.select_option("#id_kind", "document")
    page.fill("#id_title", "Memo of the regional prosecutor")
    page.set_input_files("#id_file", str(memo))
    page.fill("#id_declared_sha256", hashlib.sha256(b"another file").hexdigest())
    page.click("input[name=_save]")
    warning = page.locator(".messagelist .warning").first
    warning.wait_for()
    assert "quarantined" in warning.inner_text()
    assert page.locator(".messagelist .success").count() == 0
    assert EvidenceItem.objects.get().state == "quarantined"
    keep_screenshot(page, "act-wrong-digest-warning")


def test_a_capture_time_typed_in_kharkiv_is_kept_in_its_zone(page, live_server, team):
    investigator = staff("investigator", team=team)
    case = services.case_create(actor=investigator, team=team, title="Strike on a power plant",
                                places=[kharkiv()])
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, "evidence/evidenceitem/add/"))
    pick_case(page, "Kharkiv", case.reference)
    page.select_option("#id_kind", "testimony")
    page.fill("#id_title", "Account of the strike")
    page.fill("#id_held_by", "Regional prosecutor")
    assert page.locator("#id_captured_at_zone").input_value() == "Europe/Kyiv"
    page.fill("#id_captured_at", "2022-03-16T08:15")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    item = EvidenceItem.objects.get()
    page.goto(admin_url(live_server, f"evidence/evidenceitem/{item.pk}/change/"))
    assert page.locator("#id_captured_at").input_value() == "2022-03-16T08:15:00+02:00"
    assert page.locator("#id_captured_at_zone").input_value() == "Europe/Kyiv"
    keep_screenshot(page, "act-capture-time-zone")


def test_the_reviewer_is_offered_only_the_open_steps_and_sees_the_change_in_the_history(page, live_server, team):
    investigator = staff("investigator", team=team)
    reviewer = staff("reviewer", team=team)
    case = services.case_create(actor=investigator, team=team, title="Strike on a power plant",
                                places=[kharkiv()])
    services.case_add_source(case=case, source=_source(), reliability="B", credibility="2",
                             statement="A long statement. " * 40)
    sign_in(page, live_server, reviewer)
    page.goto(admin_url(live_server, f"catalogue/case/{case.pk}/change/"))
    offered = page.locator("#id_status option").evaluate_all("options => options.map(o => o.value)")
    assert offered == ["reported", "under_review", "closed"]
    assert no_sideways_scroll(page)  # the source statement box included
    keep_screenshot(page, "act-reviewer-status-steps")
    page.select_option("#id_status", "under_review")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Case.objects.get().status == "under_review"
    page.goto(admin_url(live_server, f"catalogue/case/{case.pk}/history/"))
    history = page.locator("#change-history").inner_text()
    assert reviewer.username in history
    keep_screenshot(page, "act-reviewer-history")


def test_a_search_in_ukrainian_finds_the_case_placed_in_kharkiv(page, live_server, team):
    investigator = staff("investigator", team=team)
    case = services.case_create(actor=investigator, team=team, title="Strike on a power plant",
                                places=[kharkiv()])
    services.case_create(actor=investigator, team=team, title="Shelling of a residential block",
                         places=[PlaceFactory(name="Kyiv", aliases=["Kiev", "Київ"])])
    sign_in(page, live_server, investigator)
    page.goto(admin_url(live_server, "catalogue/case/"))
    page.fill("#searchbar", "Харків")
    page.press("#searchbar", "Enter")
    page.wait_for_url("**q=*")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert case.reference in rows.first.inner_text()
    assert no_sideways_scroll(page)
    keep_screenshot(page, "act-search-kharkiv")


def _source():
    from tests.factories import SourceFactory

    return SourceFactory(name="Regional prosecutor")
