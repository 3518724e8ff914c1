from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "opendata"

urlpatterns = [
    path("data/", views.data_index, name="data"),
    path("data/<slug:slug>.<str:fmt>", views.data_file, name="file"),
    path("stats/", views.stats_page, name="stats"),
    path("api/schema/", views.api_schema, name="api-schema"),
    path("api/docs/", RedirectView.as_view(url="/api/v1/docs/"), name="api-docs"),
]
