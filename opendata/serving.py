"""Serving a built file with ``ETag``, ``Last-Modified``, conditional requests and single byte ranges.

Django's ``FileResponse`` streams a file but does not answer ``Range``; resumable downloads of a large CSV
need it, so one ``bytes=start-end`` range gets a 206 (several ranges get the whole file, as RFC 9110
allows), an unsatisfiable one a 416.
"""

import re
from pathlib import Path

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe, quote_etag

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
BLOCK = 1 << 16


def _byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(start, end) inclusive; None for no usable range; False when it cannot be satisfied."""
    match = RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return False
    return start, end


def _read(path: Path, start: int, length: int):
    with path.open("rb") as handle:
        handle.seek(start)
        while length > 0:
            block = handle.read(min(BLOCK, length))
            if not block:
                return
            length -= len(block)
            yield block


def serve_file(request, path: Path, *, etag: str, modified, content_type: str, filename: str):
    etag = quote_etag(etag)
    timestamp = int(modified.timestamp())
    conditional = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if conditional is not None:
        return conditional
    size = path.stat().st_size
    header = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if header and if_range and if_range != etag and parse_http_date_safe(if_range) != timestamp:
        header = ""
    byte_range = _byte_range(header, size) if header else None
    if byte_range is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif byte_range:
        start, end = byte_range
        response = StreamingHttpResponse(_read(path, start, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(path.open("rb"), content_type=content_type)
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(timestamp)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
