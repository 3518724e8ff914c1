"""The open-data pages: ``/data/`` (datasets with their dictionaries), the files, ``/stats/`` and the API schema."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import statistics
from .api import api
from .datasets import DATASETS
from .licences import current_licence
from .models import DatasetFile
from .serving import serve_file
from .writers import CONTENT_TYPES


@require_safe
def data_index(request):
    files: dict[str, dict] = {}
    for record in DatasetFile.objects.all():
        files.setdefault(record.dataset, {})[record.format] = record
    datasets = [
        {"dataset": dataset, "files": [files.get(dataset.slug, {}).get(f) for f in dataset.formats]}
        for dataset in DATASETS.values()
    ]
    for entry in datasets:
        built = [f for f in entry["files"] if f is not None]
        entry["files"] = built
        entry["built_at"] = max((f.built_at for f in built), default=None)
    return render(request, "opendata/data_index.html", {"datasets": datasets, "licence": current_licence()})


@require_safe
def data_file(request, slug: str, fmt: str):
    dataset = DATASETS.get(slug)
    if dataset is None or fmt not in dataset.formats:
        raise Http404
    record = DatasetFile.objects.filter(dataset=slug, format=fmt).first()
    if record is None or not record.path.exists():
        raise Http404
    return serve_file(
        request,
        record.path,
        etag=record.sha256,
        modified=record.built_at,
        content_type=CONTENT_TYPES[fmt],
        filename=record.filename,
    )


@require_safe
def stats_page(request):
    context = {
        "over_time": statistics.proposals_over_time(),
        "by_dong": statistics.participation_by_dong(),
        "answers": statistics.answers(),
        "by_status": statistics.proposals_by_status(),
        "by_stage": statistics.proposals_by_challenge_stage(),
        "pilots": statistics.pilots_and_outcomes(),
    }
    return render(request, "opendata/stats.html", context)


@require_safe
def api_schema(request):
    return JsonResponse(api.get_openapi_schema(path_prefix="/api/v1"), json_dumps_params={"ensure_ascii": False})
