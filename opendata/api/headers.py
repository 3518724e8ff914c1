from django.utils.http import http_date


def set_last_modified(response, moments) -> None:
    """``Last-Modified`` from the newest of ``moments`` (datetimes; None are skipped)."""
    latest = max((m for m in moments if m is not None), default=None)
    if latest is not None:
        response["Last-Modified"] = http_date(latest.timestamp())
