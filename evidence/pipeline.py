"""Placeholder replaced by the pipeline work (issue 3)."""


class TransientError(Exception):
    pass


def ingest(item_id: str) -> str:
    return "received"
