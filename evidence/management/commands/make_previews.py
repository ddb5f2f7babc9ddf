"""`python manage.py make_previews`: make the display copies that sealed items lack (evidence/previews.py).

For items sealed before previews existed, or whose preview task was lost. Idempotent:
an item with a preview (or a recorded failure to make one) is left alone.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from evidence import previews
from evidence.models import CustodyEvent, EvidenceItem


class Command(BaseCommand):
    help = "Make the previews (thumbnails) that sealed items lack; prints what happened to each."

    def handle(self, *args, **options):
        done = CustodyEvent.objects.filter(action=CustodyEvent.Action.DERIVATION, details__preview=previews.THUMBNAIL)
        lacking = (EvidenceItem.objects.filter(state=EvidenceItem.State.SEALED, media_type__startswith="image/")
                   .exclude(pk__in=done.values("item_id")).order_by("exhibit").values_list("pk", "exhibit"))
        count = 0
        for pk, exhibit in lacking.iterator():
            self.stdout.write(f"{exhibit}: {previews.make_previews(str(pk))}")
            count += 1
        self.stdout.write(self.style.SUCCESS(f"{count} item(s) looked at."))
