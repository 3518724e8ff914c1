"""The read-only public API, ``/api/v1/``, built on django-ninja.

Routers are registered in ``ROUTERS``; a new resource family is one more module in ``routers/`` and one more
line here. Every response that is not a
success is ``{"detail": "...", "errors": [...]}`` with a 4xx status and a translated message.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import ValidationError

from .errors import ApiError
from .routers import challenges, decisions, pilots, proposals, reference, sensors, sessions, stats

ROUTERS = [
    reference.router,
    proposals.router,
    pilots.router,
    sensors.router,
    challenges.router,
    decisions.router,
    sessions.router,
    stats.router,
]

api = NinjaAPI(
    title="Living Lab open data API",
    version="1",
    description=str(
        gettext_lazy(
            "Read-only public data of the living lab: areas, categories, proposals, their status history and "
            "official answers, expert assessments, pilots with their metrics, series and sensor daily rollups, challenges with "
            "their stages and decisions, co-design sessions, and statistics. No personal data: people appear by display name and role. Lists use cursor pagination."
        )
    ),
    urls_namespace="api-v1",
    docs_url="/docs/",
    openapi_url="/openapi.json",
)
for router in ROUTERS:
    api.add_router("", router)


def _location(error: dict) -> str:
    return ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "params", "path"))


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc: ValidationError):
    errors = [{"field": _location(e), "message": str(e.get("msg", ""))} for e in exc.errors]
    details = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
    return api.create_response(
        request, {"detail": _("Invalid parameters: %(details)s") % {"details": details}, "errors": errors}, status=400
    )


@api.exception_handler(ApiError)
def refused(request, exc: ApiError):
    return api.create_response(request, {"detail": exc.message}, status=exc.status)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)
