from django.urls import path

from . import views

app_name = "challenges"

urlpatterns = [
    path("<int:pk>/follow/", views.follow, name="follow"),
    path("<int:pk>/stage/", views.change_stage, name="stage"),
    path("<int:pk>/shortlist/<int:proposal_id>/", views.shortlist, name="shortlist"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/fragments/stage/", views.stage_fragment, name="stage_fragment"),
]
