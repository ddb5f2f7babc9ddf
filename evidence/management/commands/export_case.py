"""python manage.py export_case REFERENCE DIR --recipient WHO --purpose WHY: write a case's court
package (a BagIt bag) into DIR, naming whom it is for."""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalogue.models import Case
from catalogue.selectors import case_get_visible
from evidence import export


class Command(BaseCommand):
    help = (
        "Write the court package of a case (a BagIt bag with the originals, custody logs, "
        "log proofs, a signed manifest and verify.py) as a new folder inside DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("reference", help="the case reference, e.g. UA-2022-0007")
        parser.add_argument("directory", help="the folder to write the package into (created if missing)")
        parser.add_argument("--recipient", required=True,
                            help="who receives the package (named in it, and on the access log)")
        parser.add_argument("--purpose", required=True, help="what the package is disclosed for")
        parser.add_argument("--as-user", dest="username",
                            help="export only what this user may see, recorded as theirs (default: the system)")
        parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                            help="wait up to this long for items still being processed to be sealed")

    def handle(self, *args, reference: str, directory: str, recipient: str, purpose: str, username: str | None,
               wait: float, **options):
        try:
            export.disclosure_clean(recipient=recipient, purpose=purpose)  # before any waiting
        except ValidationError as exc:
            raise CommandError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user named {username!r}.")
            case = case_get_visible(user, reference)
        else:
            case = Case.objects.filter(reference=reference).first()
        if case is None:
            raise CommandError(f"No case {reference!r}" + (f" that {username} may see." if username else "."))
        deadline = time.monotonic() + wait
        while True:
            pending = export.unsealed(export.items_for_export(case=case, user=user))
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
        try:
            result = export.export_to_directory(case=case, directory=Path(directory), user=user,
                                                recipient=recipient, purpose=purpose)
        except export.ExportError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(m for ms in exc.message_dict.values() for m in ms)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Wrote {result.path} ({result.item_count} items, {result.content_items} with their original bytes, "
            f"signed against the log at size {result.tree_size}).\n"
            f"Check it with: python3 {result.path / 'verify.py'}"
        )
