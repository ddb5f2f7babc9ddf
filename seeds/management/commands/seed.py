"""Loads the demonstration data set (idempotent: a second run changes nothing)."""

from django.core.management.base import BaseCommand

from seeds.loader import load


class Command(BaseCommand):
    help = "Load the demonstration cases, places, sources and evidence references."

    def handle(self, *args, **options):
        summary = load(progress=lambda msg: self.stdout.write(f"  {msg}"))
        self.stdout.write(self.style.SUCCESS(
            "Seeded: " + ", ".join(f"{n} {what}" for what, n in summary.items())
        ))
