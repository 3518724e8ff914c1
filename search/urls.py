from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.search, name="search"),
    path("pages/", views.pages, name="pages"),
    path("similar/", views.similar, name="similar"),
]
