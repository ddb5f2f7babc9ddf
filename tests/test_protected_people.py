"""Victims, witnesses and human sources: pseudonyms in the open, identities encrypted,
revealed only to a named permission, each reveal logged with its reason."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from catalogue import services
from catalogue.models import AccessLog, ProtectedPerson
from tests import factories
from tests.admin_pages import login
from tests.factories import CaseFactory

IDENTITY = {"name": "Olena Kovalenko", "contact": "+380 44 000 0000"}


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    settings.IDENTITY_ENCRYPTION_KEYS = ""
    settings.IDENTITY_KEY_FILE = tmp_path / "identity-key"


@pytest.fixture
def case(team, investigator):
    return CaseFactory(team=team, created_by=investigator, reference="UA-2022-0001", sensitivity="restricted")


def allowed_to_reveal(user):
    user.user_permissions.add(Permission.objects.get(codename="reveal_identity"))
    return type(user).objects.get(pk=user.pk)  # drop the cached permissions


def test_it_stores_a_pseudonym_and_never_the_identity_in_clear(case, investigator, settings):
    person = services.protected_person_create(actor=investigator, case=case, role="witness", identity=IDENTITY)
    assert person.pseudonym == "UA-2022-0001/W01"
    second = services.protected_person_create(actor=investigator, case=case, role="witness", identity={"name": "B"})
    assert second.pseudonym == "UA-2022-0001/W02"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ProtectedPerson._meta.db_table}")
        dump = repr(cursor.fetchall())
    assert "Kovalenko" not in dump and "380 44" not in dump
    assert settings.IDENTITY_KEY_FILE.stat().st_mode & 0o777 == 0o600


def test_a_permitted_user_who_gives_a_reason_sees_the_identity_and_the_reveal_is_logged(case, investigator, legal):
    person = services.protected_person_create(actor=investigator, case=case, role="victim", identity=IDENTITY)
    legal = allowed_to_reveal(legal)
    shown = services.protected_person_reveal(actor=legal, person=person, reason="Prosecutor's interview request")
    assert shown == IDENTITY
    entry = AccessLog.objects.get(action=f"reveal_identity:{person.pseudonym}")
    assert (entry.user, entry.reason) == (legal, "Prosecutor's interview request")


def test_it_refuses_to_reveal_without_the_permission_a_reason_or_sight_of_the_case(case, investigator, legal):
    person = services.protected_person_create(actor=investigator, case=case, role="victim", identity=IDENTITY)
    with pytest.raises(PermissionDenied):
        services.protected_person_reveal(actor=legal, person=person, reason="curious")
    legal = allowed_to_reveal(legal)
    with pytest.raises(ValidationError):
        services.protected_person_reveal(actor=legal, person=person, reason="  ")
    stranger = allowed_to_reveal(factories.user_with_role("legal", team=factories.TeamFactory()))
    with pytest.raises(PermissionDenied):
        services.protected_person_reveal(actor=stranger, person=person, reason="I have the permission")
    assert not AccessLog.objects.filter(action__startswith="reveal_identity").exists()


def test_it_refuses_a_person_with_no_identity_or_from_someone_who_cannot_file(case, investigator, legal):
    with pytest.raises(ValidationError):
        services.protected_person_create(actor=investigator, case=case, role="witness", identity={"name": " "})
    with pytest.raises(PermissionDenied):
        services.protected_person_create(actor=legal, case=case, role="witness", identity=IDENTITY)
    assert ProtectedPerson.objects.count() == 0


def test_the_identity_survives_a_key_rotation(case, investigator, legal, settings):
    from cryptography.fernet import Fernet

    old = Fernet.generate_key().decode()
    settings.IDENTITY_ENCRYPTION_KEYS = old
    person = services.protected_person_create(actor=investigator, case=case, role="source", identity=IDENTITY)
    settings.IDENTITY_ENCRYPTION_KEYS = f"{Fernet.generate_key().decode()},{old}"
    legal = allowed_to_reveal(legal)
    assert services.protected_person_reveal(actor=legal, person=person, reason="rotation check") == IDENTITY


def test_an_investigator_adds_a_person_in_the_admin_and_only_the_pseudonym_shows(client, case, investigator):
    investigator.is_staff = True
    investigator.save()
    login(client, investigator)
    response = client.post("/admin/catalogue/protectedperson/add/", {
        "case": case.pk, "role": "witness", "name": "Olena Kovalenko", "contact": "", "details": "",
    }, follow=True)
    assert response.status_code == 200
    person = ProtectedPerson.objects.get()
    listing = client.get("/admin/catalogue/protectedperson/")
    assert person.pseudonym in listing.content.decode() and "Kovalenko" not in listing.content.decode()


def test_a_permitted_user_reveals_in_the_admin_with_a_logged_reason(client, case, investigator, legal):
    person = services.protected_person_create(actor=investigator, case=case, role="witness", identity=IDENTITY)
    legal = allowed_to_reveal(legal)
    legal.is_staff = True
    legal.save()
    login(client, legal)
    url = f"/admin/catalogue/protectedperson/{person.pk}/change/"
    assert "Kovalenko" not in client.get(url).content.decode()
    response = client.post(url, {"reveal_reason": "Court summons"}, follow=True)
    assert "Olena Kovalenko" in response.content.decode()
    assert AccessLog.objects.filter(user=legal, reason="Court summons").exists()
