"""The export Celery task: a thin door onto evidence.export (kept out of tasks.py, the pipeline's)."""

from __future__ import annotations

from celery import shared_task

from evidence import export


@shared_task(name="evidence.export_tasks.export_case", acks_late=True)
def export_case(job_id: str) -> str:
    """Build the court package of an ExportJob; a redelivered task finds the job claimed and exits."""
    return export.export_run(job_id)


@shared_task(name="evidence.export_tasks.export_sweep", acks_late=True)
def export_sweep() -> int:
    """Send stuck export jobs to a worker again (beat, with the pipeline's sweeper)."""
    return len(export.export_sweep())
