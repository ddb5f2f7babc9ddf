"""The demonstration data set loads, loading it twice changes nothing, and it says no more than its article."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from catalogue.models import Actor, Case, CaseSource, Place, Source, VictimCount
from catalogue.rome_statute import SELECTABLE
from evidence.models import CustodyEvent, EvidenceItem
from evidence.times import ITEM_TIMES
from seeds import data, demo_exhibits

ARTICLE = Path(settings.BASE_DIR).parent / "shared" / "seeds" / "000_e08bb0a2d794f05c.txt"
ARTICLE_SOURCE = next(s["name"] for s in data.SOURCES if s["key"] == "news-article")

# The kinds of material the article itself mentions: an intercepted call, and the article (a document).
KINDS_THE_ARTICLE_MENTIONS = {"intercept", "document"}


def counts():
    return [m.objects.count() for m in (Case, Place, Source, CaseSource, VictimCount, EvidenceItem, CustodyEvent)]


def test_seed_loads_every_case_of_the_data_set(db):
    call_command("seed")
    assert set(Case.objects.values_list("reference", flat=True)) == {f"UA-2022-000{n}" for n in range(1, 8)} | {
        demo_exhibits.REFERENCE}
    theatre = Case.objects.get(categories__code="8(2)(b)(ix)", places__name="Mariupol")
    assert theatre.victim_counts.get(category="killed").count == 300
    assert EvidenceItem.objects.filter(kind="intercept", state="reference").exists()
    kyiv = Place.objects.get(name="Kyiv")
    assert {"Kiev", "Київ", "Киев"} <= set(kyiv.aliases)


def test_seed_twice_duplicates_nothing(db):
    call_command("seed")
    first = counts()
    call_command("seed")
    assert counts() == first


def test_seed_keeps_edits_made_after_the_first_run(db):
    call_command("seed")
    Case.objects.filter(reference="UA-2022-0002").update(title="Edited by an analyst")
    call_command("seed")
    assert Case.objects.get(reference="UA-2022-0002").title == "Edited by an analyst"


def test_it_dates_no_incident_figure_or_report_the_article_does_not_date(db):
    """The article gives no calendar date at all: every date is empty and the incident precision unknown."""
    call_command("seed")
    assert set(Case.objects.values_list("incident_start", "incident_end", "date_precision")) == {
        (None, None, Case.DatePrecision.UNKNOWN)}
    assert not CaseSource.objects.filter(reported_on__isnull=False).exists()
    assert not VictimCount.objects.filter(as_of__isnull=False).exists()


def test_it_credits_each_figure_to_whom_the_article_credits_it(db):
    """148 children and the 300 dead are the article's own figures; 400,000 is Ukraine's claim, no body named."""
    call_command("seed")
    figures = {(v.count, v.source.name) for v in VictimCount.objects.select_related("source")}
    assert figures == {
        (148, ARTICLE_SOURCE),
        (300, ARTICLE_SOURCE),
        (400000, "Ukraine (no official or body named)"),
    }


def test_it_names_only_perpetrators_the_article_names(db):
    call_command("seed")
    assert set(Actor.objects.values_list("name", flat=True)) == {a["name"] for a in data.ACTORS}
    assert not Actor.objects.filter(name__icontains="aerospace").exists()
    named = {c.reference: set(c.perpetrators.values_list("name", flat=True)) for c in Case.objects.all()}
    for reference in ("UA-2022-0003", "UA-2022-0004", "UA-2022-0005", "UA-2022-0007"):
        assert named[reference] == set(), reference  # the article says nobody did these


def test_it_files_yemelianenkos_words_as_his_own_not_as_an_agency_finding(db):
    call_command("seed")
    link = CaseSource.objects.select_related("source").get(case__reference="UA-2022-0006",
                                                          source__name="Yaroslav Yemelianenko")
    assert link.source.kind != Source.Kind.GOVERNMENT
    assert not Source.objects.filter(name__icontains="agency").exists()


def test_it_files_no_kind_of_item_the_article_does_not_mention(db):
    call_command("seed")
    article_items = EvidenceItem.objects.exclude(case__reference=demo_exhibits.REFERENCE)
    assert set(article_items.values_list("kind", flat=True)) == KINDS_THE_ARTICLE_MENTIONS
    assert not article_items.filter(kind__in=["video", "testimony", "image", "dataset"]).exists()


def test_it_invents_no_time_for_any_item(db):
    """No item has a time, and the one capture entry (the intercept's) is undated."""
    call_command("seed")
    for name in ITEM_TIMES:
        assert not EvidenceItem.objects.filter(**{f"{name}__isnull": False}).exists(), name
        assert set(EvidenceItem.objects.values_list(f"{name}_precision", flat=True)) == {"unknown"}, name
    captures = CustodyEvent.objects.filter(action=CustodyEvent.Action.CAPTURE)
    assert captures.count() == 1
    assert not captures.filter(occurred_at__isnull=False).exists()


@pytest.mark.parametrize("case", data.CASES, ids=lambda c: c["reference"])
def test_each_grade_is_one_the_scale_allows_for_what_the_seed_says(case):
    """F where nothing is on record about a source; 3 where another source on the case fits, else 6."""
    keys = [link["source"] for link in case["sources"]]
    for link in case["sources"]:
        assert CaseSource.Reliability(link["reliability"]).label == "F — Reliability cannot be judged"
        assert set(link["agrees_with"]) <= set(keys) - {link["source"]}
        expected = CaseSource.Credibility.POSSIBLE if link["agrees_with"] else CaseSource.Credibility.UNKNOWN
        assert link["credibility"] == expected, (case["reference"], link["source"])
        assert f"{link['reliability']}{link['credibility']}:" in link["statement"]  # the reason is on record


def test_the_article_is_graded_as_a_source_nobody_can_judge(db):
    call_command("seed")
    grades = set(CaseSource.objects.filter(source__name=ARTICLE_SOURCE).values_list("reliability", flat=True))
    assert grades == {"F"}


@pytest.mark.parametrize("case", data.CASES, ids=lambda c: c["reference"])
def test_each_title_says_it_reports_a_claim(case):
    assert re.search(r"alleged|claim|according to|reported", case["title"], re.IGNORECASE), case["title"]


def test_every_category_is_a_selectable_elements_code():
    assert {code for c in data.CASES for code in c["categories"]} <= SELECTABLE


@pytest.mark.skipif(not ARTICLE.exists(), reason="the shared seed article is not beside this checkout")
@pytest.mark.parametrize("path", ["seeds/data.py", "docs/seeds.md"])
def test_the_seed_copies_no_run_of_five_words_from_the_article(path):
    """Facts are restated in our own words (proper names of four words or fewer pass)."""
    def words(text):
        return [w for w in (re.sub(r"[^\w']", "", t) for t in text.lower().replace("’", "'").split()) if w]

    article = words(ARTICLE.read_text(encoding="utf-8"))
    runs = {tuple(article[i:i + 5]) for i in range(len(article) - 4)}
    ours = words((Path(settings.BASE_DIR) / path).read_text(encoding="utf-8"))
    copied = {" ".join(ours[i:i + 5]) for i in range(len(ours) - 4) if tuple(ours[i:i + 5]) in runs}
    assert not copied


# --- the generated demonstration exhibits (seeds/demo_exhibits.py) ---------------------------


def test_the_seed_files_sealed_demonstration_exhibits_in_a_case_of_their_own(db, eager_celery,
                                                                            django_capture_on_commit_callbacks):
    """Pictures with EXIF GPS at the gazetteer's places, a PDF and a tone: sealed by the pipeline, each
    picture with its preview; every one says it is generated and evidence of nothing."""
    with django_capture_on_commit_callbacks(execute=True):  # the pipeline and the preview worker, in-process
        call_command("seed")
    demo = EvidenceItem.objects.filter(case__reference=demo_exhibits.REFERENCE).order_by("number")
    assert [(i.kind, i.state) for i in demo] == [("image", "sealed")] * 3 + [("document", "sealed"),
                                                                             ("audio", "sealed")]
    places = {p.name: (float(p.latitude), float(p.longitude)) for p in Place.objects.all()}
    for item, name in zip(demo[:3], ["Kyiv", "Chernihiv", "Mariupol"], strict=True):
        gps = item.metadata["gps"]
        assert (gps["latitude"], gps["longitude"]) == pytest.approx(places[name], abs=1e-6)
        assert item.media_type == "image/jpeg" and "captured_at" not in item.metadata  # no time written
        assert item.custody.filter(action="derivation", details__preview="thumbnail", outcome="success").exists()
    pdf, audio = demo[3], demo[4]
    assert pdf.media_type == "application/pdf" and pdf.metadata["info"]["title"] == "Demonstration notice"
    assert "evidence of nothing" in pdf.extracted_text
    assert audio.metadata["duration_seconds"] == pytest.approx(3.0)
    assert all("not evidence of any event" in i.description for i in demo)
    assert "not evidence" in Case.objects.get(reference=demo_exhibits.REFERENCE).title


def test_the_demonstration_files_are_the_same_bytes_on_every_run():
    first = [hashlib.sha256(s["data"]).hexdigest() for s in demo_exhibits.exhibits(_gazetteer())]
    assert first == [hashlib.sha256(s["data"]).hexdigest() for s in demo_exhibits.exhibits(_gazetteer())]


def test_the_seed_can_leave_the_demonstration_exhibits_out(db):
    call_command("seed", "--no-demo-exhibits")
    assert not Case.objects.filter(reference=demo_exhibits.REFERENCE).exists()


def _gazetteer():
    return {spec["key"]: Place(latitude=spec["latitude"], longitude=spec["longitude"]) for spec in data.PLACES}
