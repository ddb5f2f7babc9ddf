"""The interface in English, Ukrainian and Russian: the project's own strings translated, the language
taken from the browser or the switch, and catalogues that are complete and compiled as committed."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from catalogue.models import Case
from evidence.models import CustodyEvent, EvidenceItem
from tests import factories
from tests.admin_pages import staff
from tests.auth_helpers import force_login_verified

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\w*\}")


def test_the_languages_are_english_ukrainian_and_russian_with_english_the_default():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "uk", "ru"]
    assert settings.LANGUAGE_CODE == "en"
    middleware = settings.MIDDLEWARE
    # After sessions, before common (Django's rule), and before anything that renders a page.
    assert (middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
            < middleware.index("django.middleware.locale.LocaleMiddleware")
            < middleware.index("django.middleware.common.CommonMiddleware"))


@pytest.mark.parametrize(("language", "expected"), [
    ("en", {"status": "Under review", "sensitivity": "Restricted (own team)", "item": "evidence item",
            "action": "Fixity check", "outcome": "Failure", "state": "Quarantined", "kind": "Video"}),
    ("uk", {"status": "На розгляді", "sensitivity": "Обмежена (своя команда)", "item": "доказ",
            "action": "Перевірка незмінності", "outcome": "Невдача", "state": "На карантині", "kind": "Відео"}),
    ("ru", {"status": "На рассмотрении", "sensitivity": "Ограниченное (своя команда)", "item": "доказательство",
            "action": "Проверка неизменности", "outcome": "Неудача", "state": "На карантине", "kind": "Видео"}),
])
def test_choices_and_names_speak_the_active_language(language, expected):
    with translation.override(language):
        shown = {
            "status": str(Case.Status.UNDER_REVIEW.label),
            "sensitivity": str(Case.Sensitivity.RESTRICTED.label),
            "item": str(EvidenceItem._meta.verbose_name),
            "action": str(CustodyEvent.Action.FIXITY_CHECK.label),
            "outcome": str(CustodyEvent.Outcome.FAILURE.label),
            "state": str(EvidenceItem.State.QUARANTINED.label),
            "kind": str(EvidenceItem.Kind.VIDEO.label),
        }
    assert shown == expected


def test_a_case_shows_its_status_in_the_active_language(db, team):
    case = factories.CaseFactory(team=team, status=Case.Status.CLOSED)
    with translation.override("uk"):
        assert case.get_status_display() == "Закрито"
    with translation.override("ru"):
        assert case.get_status_display() == "Закрыто"
    assert case.get_status_display() == "Closed"
    assert case.status == "closed"  # the stored value (and the API's) never changes


def test_a_ukrainian_browser_gets_the_admin_in_ukrainian(client, team):
    force_login_verified(client, staff("investigator", team))
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9,en;q=0.5")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="uk"' in html
    assert "Каталог доказів" in html  # our site header
    assert "Справи" in html and "Докази" in html  # our model and app names
    assert "Додати" in html  # Django's own


def test_the_case_list_shows_ukrainian_status_labels_and_headers(client, team):
    investigator = staff("investigator", team)
    factories.CaseFactory(team=team, status=Case.Status.UNDER_REVIEW)
    force_login_verified(client, investigator)
    html = client.get("/admin/catalogue/case/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert "На розгляді" in html
    assert "Чутливість" in html and "Номер справи" in html


def test_an_unknown_browser_language_gets_english(client, team):
    force_login_verified(client, staff("investigator", team))
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de-DE,fr;q=0.8").content.decode()
    assert '<html lang="en"' in html and "Evidence catalogue" in html and "Cases" in html


def test_the_switch_sets_the_language_and_returns_to_the_page(client, team):
    force_login_verified(client, staff("investigator", team))
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/admin/catalogue/case/"},
                           HTTP_ACCEPT_LANGUAGE="uk")
    assert response.status_code == 302 and response["Location"] == "/admin/catalogue/case/"
    # The choice outlasts the request and beats the browser's own language.
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert '<html lang="ru"' in html and "Каталог доказательств" in html and "Дела" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert "Evidence catalogue" in client.get("/admin/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()


def test_the_switch_refuses_a_language_we_do_not_offer_and_an_outside_next(client, team):
    force_login_verified(client, staff("investigator", team))
    client.post("/i18n/setlang/", {"language": "de", "next": "/admin/"})
    assert '<html lang="en"' in client.get("/admin/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "uk", "next": "https://example.org/"})
    assert response["Location"] == "/"  # never sent off the site


def test_the_switch_is_on_the_sign_in_page_too(client, db):
    html = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert 'id="language-switch"' in html
    for code in ("en", "uk", "ru"):
        assert f'name="language" value="{code}"' in html
    assert "Українська" in html and "Русский" in html and "English" in html


def test_api_field_names_and_codes_stay_english_while_messages_follow_the_language(client, db):
    response = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="uk", HTTP_AUTHORIZATION="Token nonsense")
    body = response.json()
    assert response.status_code == 401
    assert body["code"] == "authentication_failed"  # a contract: never translated
    assert body["detail"] == "Недійсний токен."


# The catalogues themselves --------------------------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgstr (joined), flags, obsolete. Enough of the format
    for what `makemessages` writes (no plurals are used by the project)."""
    entries, current, field = [], None, None

    def unquote(text: str) -> str:
        return ast.literal_eval(text)

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current is not None:
                entries.append(current)
            current, field = None, None
            continue
        if current is None:
            current = {"flags": set(), "obsolete": False, "msgctxt": None, "msgid": "", "msgstr": ""}
        if line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#,"):
            current["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgctxt ", "msgid ", "msgstr ")):
            field, _space, rest = line.partition(" ")
            current[field] = unquote(rest)
        elif line.startswith(("msgid_plural", "msgstr[")):
            raise AssertionError(f"{path}: plural entries need this reader extended")
        else:
            current[field] += unquote(line)
    return entries


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_own_string_is_translated_and_none_is_fuzzy(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    entries = [e for e in read_po(po) if e["msgid"] and not e["obsolete"]]
    assert len(entries) > 300, "the catalogue lost its entries"
    untranslated = [e["msgid"] for e in entries if not e["msgstr"].strip()]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{po}: untranslated (run `make messages`, then translate): {untranslated[:10]}"
    assert not fuzzy, f"{po}: fuzzy, check and clear the flag: {fuzzy[:10]}"
    header = next(e for e in read_po(po) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"] and "charset=UTF-8" in header["msgstr"]


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_survive_translation(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    for entry in read_po(po):
        if entry["msgid"] and entry["msgstr"]:
            assert sorted(PLACEHOLDER.findall(entry["msgid"])) == sorted(PLACEHOLDER.findall(entry["msgstr"])), entry


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_committed_mo_is_compiled_from_the_po_as_it_stands(language):
    """`make run` uses the committed .mo without gettext: it must say what the .po says, entry for entry."""
    folder = LOCALE / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = dict(compiled._catalog)  # msgid (with "ctxt\x04" prefix) -> msgstr, as Python's gettext loaded it
    expected = {}
    for entry in read_po(folder / "django.po"):
        if entry["obsolete"] or not entry["msgid"] or not entry["msgstr"] or "fuzzy" in entry["flags"]:
            continue
        key = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        expected[key] = entry["msgstr"]
    catalog.pop("", None)  # the header
    assert catalog == expected, "the .mo differs from the .po: run `make messages` and commit both"
