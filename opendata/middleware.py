"""Headers and limits for the public API under ``/api/``: rate limit per IP, CORS for reading, conditional GET."""

import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.http import ConditionalGetMiddleware
from django.utils.translation import gettext as _

from livinglab import ratelimit
from livinglab.client_ip import client_ip

API_PREFIX = "/api/"
READ_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After, Link",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, If-None-Match, If-Modified-Since",
    "Access-Control-Max-Age": "86400",
}


class PublicApiMiddleware:
    """Anyone may read the API from any origin, no more than ``API_RATE_LIMIT`` requests per IP and window.

    Writes are not part of the API: a cross-origin preflight for anything but reading gets no CORS grant, so
    browsers refuse it. Responses carry an ``ETag`` (from the body) and answer ``If-None-Match`` /
    ``If-Modified-Since`` with 304, through Django's own conditional-GET code.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.conditional = ConditionalGetMiddleware(get_response)

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            return self._preflight(request)
        # Per client as the trusted proxy names it: behind the proxy every connection comes from the proxy itself.
        if ratelimit.take("api", client_ip(request) or "unknown", settings.API_RATE_LIMIT) is None:
            wait = retry_after(settings.API_RATE_LIMIT)
            response = JsonResponse(
                {"detail": _("Too many requests. Please wait %(seconds)s seconds.") % {"seconds": wait}}, status=429
            )
            response["Retry-After"] = str(wait)
        else:
            response = self.get_response(request)
            if response.status_code == 404 and not response.get("Content-Type", "").startswith("application/"):
                # A path no route matches (``/api/v1/proposals/abc/``): the API answers in JSON, not the HTML page.
                response = JsonResponse({"detail": _("Not found.")}, status=404)
            if request.method in ("GET", "HEAD"):
                response = self.conditional.process_response(request, response)
        if request.method in READ_METHODS:
            for header, value in CORS_HEADERS.items():
                response[header] = value
        return response

    def _preflight(self, request):
        if request.META["HTTP_ACCESS_CONTROL_REQUEST_METHOD"].upper() not in ("GET", "HEAD"):
            return HttpResponse(status=403)
        response = HttpResponse(status=204)
        for header, value in PREFLIGHT_HEADERS.items():
            response[header] = value
        return response


def retry_after(rate: str) -> int:
    """Seconds until the shared limiter's fixed window ends (windows are ``clock() // period``)."""
    period = ratelimit.parse_rate(rate).period
    return max(1, math.ceil(period - ratelimit.clock() % period))
