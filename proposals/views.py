from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .models import Proposal


def proposal_list(request):
    proposals = Proposal.objects.public().for_list()
    page = Paginator(proposals, 20).get_page(request.GET.get("page"))
    return render(request, "proposals/proposal_list.html", {"page_obj": page})


def proposal_detail(request, pk: int):
    proposal = get_object_or_404(Proposal.objects.visible().select_related("category", "area", "author"), pk=pk)
    return render(request, "proposals/proposal_detail.html", {"proposal": proposal})


@login_required
def proposal_create(request):
    return render(request, "proposals/proposal_form.html", {})
