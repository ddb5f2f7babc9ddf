"""Loads the demonstration data set (idempotent: a second run changes nothing)."""

from django.core.management.base import BaseCommand

from seeds.loader import load


class Command(BaseCommand):
    help = ("Load the demonstration cases, places, sources and evidence references, and a case of "
            "generated demonstration exhibits (sealed files to open).")

    def add_arguments(self, parser):
        parser.add_argument("--no-demo-exhibits", action="store_true",
                            help="leave out the generated demonstration files (case DEMO-2022-0001)")

    def handle(self, *args, **options):
        summary = load(progress=lambda msg: self.stdout.write(f"  {msg}"), demo=not options["no_demo_exhibits"])
        self.stdout.write(self.style.SUCCESS(
            "Seeded: " + ", ".join(f"{n} {what}" for what, n in summary.items())
        ))
