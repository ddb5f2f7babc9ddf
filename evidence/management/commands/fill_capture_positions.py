"""Fill the capture position from EXIF GPS for items sealed before the pipeline did it."""

from django.core.management.base import BaseCommand

from evidence.capture_place import backfill


class Command(BaseCommand):
    help = ("Fill each sealed item's capture position from the EXIF GPS in its metadata, where no capture "
            "place was given; each fill is a custody entry. Safe to run again: filled items are skipped.")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="Items per pass (default 500).")

    def handle(self, *args, batch: int, **options):
        self.stdout.write(f"Filled the capture position of {backfill(batch)} item(s).")
