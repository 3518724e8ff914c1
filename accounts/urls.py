from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("delete/", views.delete_account, name="delete"),
    path("reading/", views.reading_preferences, name="reading"),
    path("consent/", views.consent, name="consent"),
]
