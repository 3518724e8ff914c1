"""The site's URLs plus the floors bench/run compares each page with: minimal views over the same rows."""

from django.urls import path

from bench import floor_views
from livinglab.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("bench-floor/list/", floor_views.proposal_list),
    path("bench-floor/detail/<int:pk>/", floor_views.proposal_detail),
    path("bench-floor/search/", floor_views.search),
    path("bench-floor/pilot/<int:pk>/", floor_views.pilot),
    path("bench-floor/api/", floor_views.api_page),
    *site_urlpatterns,
]
