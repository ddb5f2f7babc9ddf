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
