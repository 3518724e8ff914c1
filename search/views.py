from django.shortcuts import render


def search(request):
    query = request.GET.get("q", "").strip()[:200]
    return render(request, "search/search.html", {"query": query})
