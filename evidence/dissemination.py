"""Serving an item's bytes to a person: the checks before the first byte, and the custody entry.

Every door that lets bytes out (the API's content endpoint, the admin's
download, player stream and preview) goes through here, so that each is a
`dissemination` entry and none serves bytes the custody chain does not prove.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evidence import fixity, proven
from evidence.custody import custody_append
from evidence.models import CustodyEvent, EvidenceItem

Action = CustodyEvent.Action


class NotServed(Exception):
    """The bytes are not served; the message says why, in words for the person who asked."""

    def __init__(self, message: str, *, problems: list[str] | None = None, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.status = status


def refuse_unless_servable(item: EvidenceItem, *, rehash: bool, user: AbstractBaseUser | None = None) -> None:
    """Refuse an item without sealed bytes, or whose digests the custody chain does not prove.

    With ``rehash`` the stored object is also hashed against the proven digest
    (evidence/fixity.py); a mismatch is recorded as a failed fixity check, which
    quarantines the item, exactly as a scheduled check would.
    """
    if item.state != EvidenceItem.State.SEALED or not item.sha256:
        raise NotServed(_("The item is %(state)s: there is no sealed content to show or download.")
                        % {"state": item.get_state_display()})
    record = proven.proven_digests(item)
    tampering = proven.column_problems(item, record)
    if tampering:
        raise NotServed(_("The item's digests disagree with its custody record, so its bytes are not served. "
                          "Run manage.py verify_integrity and tell the archive's administrators."),
                        problems=tampering)
    if not rehash:
        return
    verdict = fixity.check_item(item, record)
    if verdict["ok"]:
        return
    if not verdict.get("transient"):
        fixity.record_fixity(item, verdict, check="before dissemination", user=user)
    raise NotServed(_("The stored bytes do not match the digest proven at sealing (%(problem)s), so they are not "
                      "served. The failed check is recorded in the custody log.") % {"problem": verdict["problem"]},
                    problems=[verdict["problem"]])


def recently_recorded(*, item: EvidenceItem, user: AbstractBaseUser, view: str | None, seconds: int) -> bool:
    """Whether this person's `view` of the item was recorded within the last `seconds`."""
    since = timezone.now() - timedelta(seconds=seconds)
    return CustodyEvent.objects.filter(
        item_id=item.pk, action=Action.DISSEMINATION, actor_user_id=user.pk, recorded_at__gte=since,
        details__view=view,
    ).exists()


def record_dissemination(*, item: EvidenceItem, user: AbstractBaseUser, details: dict[str, Any],
                         repeat_window_seconds: int = 0) -> CustodyEvent | None:
    """Append a dissemination entry before the bytes leave; returns it, or None when one covers this already.

    With ``repeat_window_seconds``, a request of the same ``details["view"]`` by the same
    person within that many seconds of the last one recorded is not recorded again (a
    player asks for dozens of byte ranges while one person listens once). The entry
    says so (``repeat_window_seconds``), so a reader knows one entry may stand for
    several requests. The check runs under the item's row lock, so two requests at
    once do not both record.
    """
    with transaction.atomic():
        if repeat_window_seconds:
            EvidenceItem.objects.select_for_update().only("id").get(pk=item.pk)
            if recently_recorded(item=item, user=user, view=details.get("view"), seconds=repeat_window_seconds):
                return None
            details = {**details, "repeat_window_seconds": repeat_window_seconds}
        return custody_append(item=item, action=Action.DISSEMINATION, user=user, details=details)
