"""Areas (districts and neighbourhoods) and categories, with counts of public proposals only."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from ninja import Query, Router

from ... import queries
from ..pagination import each, written_page
from ..params import ReferenceParams, reject_unknown
from ..schemas import AreaOut, AreaPage, CategoryOut, CategoryPage, Error

router = Router(tags=["reference"])
RESPONSES = {400: Error, 429: Error}
PUBLIC_PROPOSALS = Q(proposals__is_hidden=False) & ~Q(proposals__status="withdrawn")


def _areas():
    return queries.areas().annotate(proposal_count=Count("proposals", filter=PUBLIC_PROPOSALS))


def _categories():
    return queries.categories().annotate(proposal_count=Count("proposals", filter=PUBLIC_PROPOSALS))


def area_out(area) -> dict:
    return {
        "slug": area.slug,
        "name": area.name,
        "name_en": area.name_en,
        "district": area.parent.slug if area.parent_id else None,
        "latitude": float(area.latitude),
        "longitude": float(area.longitude),
        "proposal_count": area.proposal_count,
    }


def category_out(category) -> dict:
    return {
        "slug": category.slug,
        "name": category.name,
        "name_en": category.name_en,
        "icon": category.icon,
        "proposal_count": category.proposal_count,
    }


@router.get("/areas/", response={200: AreaPage, **RESPONSES}, summary="Districts and neighbourhoods")
def list_areas(request, params: Query[ReferenceParams]):
    reject_unknown(request, ReferenceParams)
    return written_page(_areas(), params, kinds={"id": int}, writer=each(area_out)).as_response()


@router.get("/areas/{slug}/", response={200: AreaOut, 404: Error, **RESPONSES}, summary="One area")
def get_area(request, slug: str):
    return area_out(get_object_or_404(_areas(), slug=slug))


@router.get("/categories/", response={200: CategoryPage, **RESPONSES}, summary="Categories of problems")
def list_categories(request, params: Query[ReferenceParams]):
    reject_unknown(request, ReferenceParams)
    return written_page(_categories(), params, kinds={"id": int}, writer=each(category_out)).as_response()


@router.get("/categories/{slug}/", response={200: CategoryOut, 404: Error, **RESPONSES}, summary="One category")
def get_category(request, slug: str):
    return category_out(get_object_or_404(_categories(), slug=slug))
