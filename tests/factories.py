import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from catalogue.models import Actor, Case, Place, Source, Team


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


def user_with_role(role: str, team: Team | None = None, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    if team is not None:
        team.members.add(user)
    return user


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"Place {n}")
    country = "UA"
    latitude = "50.450100"
    longitude = "30.523400"


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Unit {n}")
    kind = Actor.Kind.UNIT


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Source {n}")
    kind = Source.Kind.NGO


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"UA-2022-{n + 1000:04d}")
    title = factory.Sequence(lambda n: f"Allegation {n}")
    team = factory.SubFactory(TeamFactory)
    created_by = factory.SubFactory(UserFactory)


def sealed_item(*, actor, case, data: bytes = b"original bytes", filename: str = "clip.mp4", kind: str = "video",
                title: str = "Clip"):
    """An uploaded item carried to `sealed`: by the pipeline when it has run, else sealed here
    the way the pipeline does it (digests of the staged bytes, content-addressed copy, custody)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils import timezone

    from evidence import storage
    from evidence.custody import custody_append
    from evidence.models import EvidenceItem
    from evidence.services import evidence_register

    item = evidence_register(actor=actor, case=case, kind=kind, title=title, file=ContentFile(data, name=filename))
    item.refresh_from_db()
    if item.state == EvidenceItem.State.SEALED:
        return item
    digests = {name: hashlib.new(name, data).hexdigest() for name in ("sha256", "sha512", "sha1", "md5")}
    if not default_storage.exists(storage.content_name(digests["sha256"])):
        default_storage.save(storage.content_name(digests["sha256"]), ContentFile(data))
    with transaction.atomic():
        custody_append(item=item, action="message_digest_calculation",
                       details={**digests, "size": len(data), "algorithms": list(digests)})
        # Through `processing`, as the pipeline goes: the database refuses received -> sealed.
        EvidenceItem.objects.filter(pk=item.pk).update(state=EvidenceItem.State.PROCESSING)
        EvidenceItem.objects.filter(pk=item.pk).update(
            **digests, size=len(data), state=EvidenceItem.State.SEALED, sealed_at=timezone.now(),
            media_type="application/octet-stream",
        )
    item.refresh_from_db()
    return item
