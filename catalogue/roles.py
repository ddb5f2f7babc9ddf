"""The roles (Django groups, created by a migration) and who holds them."""

from django.contrib.auth.models import AbstractBaseUser

INVESTIGATOR = "investigator"
REVIEWER = "reviewer"
LEGAL = "legal"
ROLES = (INVESTIGATOR, REVIEWER, LEGAL)


def user_roles(user: AbstractBaseUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._role_names = cached
    return cached


def user_has_role(user: AbstractBaseUser, role: str) -> bool:
    return role in user_roles(user)
