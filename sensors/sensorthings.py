"""A small OGC SensorThings API v1.1 client: Things, Datastreams and Observations, read page by page.

Follows ``@iot.nextLink`` (only on the service's own host), asks for observations after the last stored one
with ``$filter=phenomenonTime gt …``, ordered by time, ``$top`` at a time. Every request has a timeout; a
failed one (connection refused or reset, timeout, 5xx, 429) is retried with exponential backoff before
``SourceError``; any other answer (a 4xx such as 404, a body that is not SensorThings) fails at once.

A pull reads the Datastreams (for each one's unit of measurement) and their Observations. It does not expand
or read Things: a stream is linked to its site by the administrator (``DataStream.external_id``), so the
Thing's name and location would be fetched for nothing.
"""

import datetime
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator

from django.conf import settings

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = {429, 500, 502, 503, 504}
MAX_BODY = 50 * 1024 * 1024
MAX_PAGES = 100_000


class SourceError(Exception):
    """The source could not be read: down, slow, answering an error or something that is not SensorThings."""


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entity_key(external_id: str) -> str:
    """``5`` → ``5``, ``abc`` → ``'abc'``: SensorThings ids are numbers or quoted strings in a path."""
    text = str(external_id).strip()
    if text.isdigit():
        return text
    return "'" + text.replace("'", "''") + "'"


class SensorThingsClient:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 15,
        retries: int | None = None,
        backoff: float | None = None,
        page_size: int = 1000,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = settings.SENSORS_PULL_RETRIES if retries is None else retries
        self.backoff = settings.SENSORS_PULL_BACKOFF_SECONDS if backoff is None else backoff
        self.page_size = page_size
        self.sleep = sleep
        self._origin = urllib.parse.urlsplit(self.base_url)[:2]

    def delays(self) -> list[float]:
        """The waits before each retry: backoff, twice that, four times that, … (``retries`` of them)."""
        return [self.backoff * 2**attempt for attempt in range(self.retries)]

    def get(self, url: str) -> dict:
        last_error = None
        waits = self.delays()
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(waits[attempt - 1])
            try:
                return self._get_once(url)
            except _Retryable as error:
                last_error = error.args[0]
                logger.info("SensorThings request %s failed (attempt %s): %s", url, attempt + 1, last_error)
        raise SourceError(f"{last_error} (after {self.retries + 1} attempts)")

    def _get_once(self, url: str) -> dict:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - http(s) only
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise SourceError(f"not an http(s) URL: {url}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_BODY + 1)
        except urllib.error.HTTPError as error:
            message = _error_message(error)
            if error.code in RETRYABLE_STATUS:
                raise _Retryable(f"HTTP {error.code}: {message}") from error
            raise SourceError(f"HTTP {error.code}: {message}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise _Retryable(f"no answer: {reason}") from error
        if len(body) > MAX_BODY:
            raise SourceError("response too large")
        try:
            data = json.loads(body)
        except ValueError as error:
            raise SourceError("malformed response: not JSON") from error
        if not isinstance(data, dict):
            raise SourceError("malformed response: not a JSON object")
        return data

    def pages(self, url: str) -> Iterator[list[dict]]:
        """Each page's ``value`` list, following ``@iot.nextLink`` until there is none."""
        for _page in range(MAX_PAGES):
            data = self.get(url)
            values = data.get("value")
            if not isinstance(values, list) or not all(isinstance(item, dict) for item in values):
                raise SourceError("malformed response: no 'value' list")
            yield values
            next_link = data.get("@iot.nextLink")
            if not next_link:
                return
            url = urllib.parse.urljoin(url, next_link)
            if urllib.parse.urlsplit(url)[:2] != self._origin:
                raise SourceError("nextLink leads to another server")
        raise SourceError("too many pages")

    def _url(self, path: str, **query) -> str:
        params = {f"${key}": value for key, value in query.items() if value is not None}
        return f"{self.base_url}/{path}?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)

    def datastreams(self) -> list[dict]:
        url = self._url("Datastreams", top=self.page_size)
        return [item for page in self.pages(url) for item in page]

    def observations(self, datastream_id: str, *, since: datetime.datetime | None) -> Iterator[list[dict]]:
        url = self._url(
            f"Datastreams({entity_key(datastream_id)})/Observations",
            filter=f"phenomenonTime gt {iso(since)}" if since else None,
            orderby="phenomenonTime asc",
            top=self.page_size,
            select="phenomenonTime,result",
        )
        yield from self.pages(url)


class _Retryable(Exception):
    pass


def _error_message(error: urllib.error.HTTPError) -> str:
    """SensorThings servers answer errors as ``{"code": …, "type": "error", "message": …}``."""
    try:
        body = json.loads(error.read(10000) or b"{}")
        return str(body.get("message") or error.reason)[:300]
    except (ValueError, AttributeError, OSError):
        return str(error.reason)[:300]
