"""Minimal views: the rows each page shows, read with one plain queryset and rendered with a tiny template.

They are bench/run's "minimal view" floor: what Django itself costs for the same data, without the site's
layout, filters, permissions or partials.
"""

import json

from django.http import HttpResponse, JsonResponse
from django.template import engines

from proposals.models import Comment, Proposal
from search.interface import search_proposals

_engine = engines["django"]
LIST = _engine.from_string(
    "<!doctype html><title>list</title><ul>{% for p in rows %}<li><a href='/proposals/{{ p.pk }}/'>{{ p.title }}</a>"
    " {{ p.category.name }} {{ p.area.name }} {{ p.status }} {{ p.vote_count }} {{ p.comment_count }}"
    " {{ p.created_at|date:'Y-m-d' }}</li>{% endfor %}</ul>"
)
DETAIL = _engine.from_string(
    "<!doctype html><title>{{ p.title }}</title><h1>{{ p.title }}</h1><p>{{ p.description|linebreaksbr }}</p>"
    "<p>{{ p.category.name }} {{ p.area.name }} {{ p.status }} {{ p.vote_count }}</p><ol>{% for c in comments %}"
    "<li id='c{{ c.pk }}'>{{ c.author.display_name }} {{ c.created_at|date:'Y-m-d H:i' }} {{ c.body|linebreaksbr }}"
    "</li>{% endfor %}</ol>"
)
PILOT = _engine.from_string("<!doctype html><title>{{ page.title }}</title><h1>{{ page.title }}</h1>{{ body }}")
SORTS = {"newest": ("-created_at", "-id"), "votes": ("-vote_count", "-created_at", "-id")}


def _rows(request):
    rows = Proposal.objects.public().select_related("category", "area")
    if category := request.GET.get("category"):
        rows = rows.filter(category__slug=category)
    if status := request.GET.get("status"):
        rows = rows.filter(status=status)
    page = max(int(request.GET.get("page", 1)), 1)
    return rows.order_by(*SORTS[request.GET.get("sort", "newest")])[(page - 1) * 20 : page * 20]


def proposal_list(request):
    return HttpResponse(LIST.render({"rows": _rows(request)}))


def proposal_detail(request, pk: int):
    proposal = Proposal.objects.select_related("category", "area").get(pk=pk)
    comments = Comment.objects.filter(proposal_id=pk, is_hidden=False).select_related("author").order_by("created_at")
    return HttpResponse(DETAIL.render({"p": proposal, "comments": comments}))


def search(request):
    result = search_proposals(request.GET.get("q", ""))
    return HttpResponse(LIST.render({"rows": [hit.proposal for hit in result.hits]}))


def pilot(request, pk: int):
    from wagtail.models import Page

    page = Page.objects.get(pk=pk).specific
    return HttpResponse(PILOT.render({"page": page, "body": getattr(page, "body", "")}))


def api_page(request):
    rows = Proposal.objects.public().select_related("category", "area").order_by("-created_at", "-id")[:100]
    data = [
        {
            "id": p.pk,
            "title": p.title,
            "description": p.description,
            "category": p.category.slug,
            "area": p.area.slug,
            "status": p.status,
            "votes": p.vote_count,
            "comments": p.comment_count,
            "created_at": p.created_at.isoformat(),
        }
        for p in rows
    ]
    return JsonResponse({"results": data}, json_dumps_params={"ensure_ascii": False}, encoder=json.JSONEncoder)
