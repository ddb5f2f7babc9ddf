"""Quotas on what any role can make the service do: court packages and verifications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from evidence.models import CustodyEvent, ExportJob, TreeHead
from tests import factories
from tests.api.helpers import client_for, sealed_item

DISCLOSURE = {"recipient": "Trial Chamber II", "purpose": "Disclosure to the defence"}


@pytest.fixture
def case(team, investigator):
    return factories.CaseFactory(team=team, created_by=investigator)


def export(user, case):
    # The job is queued when the request's transaction commits; a test's never does, so it stays queued.
    return client_for(user).post(f"/api/v1/cases/{case.reference}/exports/", DISCLOSURE, format="json")


def test_asking_again_while_a_package_is_queued_returns_that_job(case, legal):
    first = export(legal, case)
    assert first.status_code == 202, first.content
    again = export(legal, case)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert ExportJob.objects.count() == 1


def test_a_running_package_is_returned_too(case, legal):
    job = ExportJob.objects.create(case=case, requested_by=legal, state=ExportJob.State.RUNNING, **DISCLOSURE)
    response = export(legal, case)
    assert (response.status_code, response.json()["id"], response.json()["state"]) == (200, str(job.pk), "running")


def test_asking_for_another_recipient_while_your_package_is_queued_is_a_409(case, legal):
    """Handing back the queued job would put the new recipient's package on the register under the old one."""
    first = export(legal, case)
    response = client_for(legal).post(f"/api/v1/cases/{case.reference}/exports/",
                                      {"recipient": "Defence counsel", "purpose": "Disclosure"}, format="json")
    assert response.status_code == 409 and "Trial Chamber II" in response.json()["detail"]
    assert response.json()["url"].endswith(f"/exports/{first.json()['id']}/")
    assert ExportJob.objects.count() == 1


def test_another_users_package_in_progress_is_a_409_without_handing_it_over(case, legal, team):
    ExportJob.objects.create(case=case, requested_by=legal)
    colleague = factories.user_with_role("legal", team=team)
    response = export(colleague, case)
    assert response.status_code == 409
    assert "one is built at a time" in response.json()["detail"]
    assert "id" not in response.json()
    assert ExportJob.objects.count() == 1


def test_a_finished_package_does_not_block_a_new_one(case, legal):
    ExportJob.objects.create(case=case, requested_by=legal, state=ExportJob.State.DONE)
    ExportJob.objects.create(case=case, requested_by=legal, state=ExportJob.State.FAILED)
    assert export(legal, case).status_code == 202
    assert ExportJob.objects.count() == 3


def test_a_user_gets_only_so_many_packages_a_day(case, legal, team, settings, investigator):
    settings.EVIDENCE_EXPORTS_PER_DAY = 2
    other_case = factories.CaseFactory(team=team, created_by=investigator)
    for target in (case, other_case):
        ExportJob.objects.create(case=target, requested_by=legal, state=ExportJob.State.DONE)
    response = export(legal, case)
    assert response.status_code == 429
    assert "EVIDENCE_EXPORTS_PER_DAY" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 24 * 3600
    assert ExportJob.objects.count() == 2
    # Another user has their own allowance.
    assert export(factories.user_with_role("legal", team=team), case).status_code == 202


def test_packages_older_than_a_day_do_not_count(case, legal, settings):
    settings.EVIDENCE_EXPORTS_PER_DAY = 1
    job = ExportJob.objects.create(case=case, requested_by=legal, state=ExportJob.State.DONE)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert export(legal, case).status_code == 202


def test_an_outsider_refused_an_export_spends_nothing(case, outsider):
    hidden = factories.CaseFactory(team=case.team, sensitivity="restricted")
    assert export(outsider, hidden).status_code == 404
    assert not ExportJob.objects.exists()


def verify(user, item):
    return client_for(user).post(f"/api/v1/evidence/{item.pk}/verify/")


def test_an_item_is_verified_only_so_often_a_minute(case, legal, investigator, settings):
    settings.EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE = 2
    item = sealed_item(investigator, case, b"one")
    other = sealed_item(investigator, case, b"two")
    entries = CustodyEvent.objects.filter(item=item).count()
    assert [verify(legal, item).status_code for _ in range(2)] == [200, 200]
    refused = verify(investigator, item)  # per item, whoever asks
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["code"] == "throttled"
    assert item.exhibit in refused.json()["detail"]
    assert CustodyEvent.objects.filter(item=item).count() == entries + 2
    assert verify(legal, other).status_code == 200


def test_verifying_a_hidden_item_is_a_404_and_spends_nothing(case, legal, outsider, investigator, settings):
    settings.EVIDENCE_VERIFY_PER_ITEM_PER_MINUTE = 1
    hidden_case = factories.CaseFactory(team=case.team, created_by=investigator, sensitivity="restricted")
    item = sealed_item(investigator, hidden_case, b"hidden")
    assert [verify(outsider, item).status_code for _ in range(3)] == [404, 404, 404]
    assert verify(legal, item).status_code == 200


def test_nothing_a_legal_user_does_here_signs_a_head(case, legal, investigator, settings, monkeypatch):
    from evidence import signing

    def refuse(*args, **kwargs):
        raise AssertionError("a request signed a tree head")

    monkeypatch.setattr(signing, "sign_tree_head", refuse)
    item = sealed_item(investigator, case, b"bytes")
    heads = TreeHead.objects.count()
    assert verify(legal, item).status_code == 200
    assert export(legal, case).status_code == 202
    assert export(legal, case).status_code == 200
    assert TreeHead.objects.count() == heads
