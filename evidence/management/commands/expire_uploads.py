"""`python manage.py expire_uploads`: remove resumable uploads left unfinished.

Beat does this hourly (evidence.upload_tasks.expire_uploads); the command is for
a deployment without beat, or to see what would go. An expired upload's pieces
are deleted and it never becomes an item; uploads already filed are untouched.
"""

from django.core.management.base import BaseCommand

from evidence import resumable


class Command(BaseCommand):
    help = "Expire resumable uploads with no piece for EVIDENCE_UPLOAD_EXPIRY_HOURS and remove their pieces."

    def handle(self, *args, **options):
        expired = resumable.expire_stale_uploads()
        for upload in expired:
            self.stdout.write(f"expired {upload.pk} ({upload.relative_path or upload.filename}, "
                              f"{upload.offset} of {upload.size} bytes, begun by {upload.created_by_id})")
        self.stdout.write(f"{len(expired)} upload(s) expired.")
