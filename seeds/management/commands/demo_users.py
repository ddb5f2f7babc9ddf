"""Creates one demonstration user per role (and an admin) and prints their passwords."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from catalogue.models import Team
from seeds.data import TEAM

DEMO_USERS = [
    ("investigator", "investigator"),
    ("reviewer", "reviewer"),
    ("legal", "legal"),
    ("admin", None),
]


class Command(BaseCommand):
    help = "Create (or reset the passwords of) demo users for each role, and print them."

    def handle(self, *args, **options):
        User = get_user_model()
        team, _ = Team.objects.get_or_create(slug=TEAM["slug"], defaults={"name": TEAM["name"]})
        self.stdout.write("Demo users (passwords are new on every run):")
        for username, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            password = f"{username}-{secrets.token_urlsafe(9)}"
            user.set_password(password)
            user.is_staff = True
            user.is_superuser = role is None
            user.save()
            if role:
                user.groups.add(Group.objects.get(name=role))
            team.members.add(user)
            self.stdout.write(f"  {username:<13} {password:<28} role: {role or 'superuser'}")
