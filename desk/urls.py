from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("", views.desk_home, name="home"),
    path("residents/new/", views.register_resident, name="register"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("residents/<int:pk>/proposal/", views.file_proposal, name="file_proposal"),
    path("residents/<int:pk>/support/", views.support, name="support"),
    path("residents/<int:pk>/comment/", views.comment, name="comment"),
    path("residents/<int:pk>/rate/", views.rate_pilot, name="rate_pilot"),
    path("residents/<int:pk>/session/", views.register_session, name="register_session"),
    path("residents/<int:pk>/messages/", views.news_choice, name="news_choice"),
    path("residents/<int:pk>/letter/", views.claim_letter, name="claim_letter"),
    path("residents/<int:pk>/text-code/", views.claim_text, name="claim_text"),
    path("paper/", views.paper_batch, name="paper_batch"),
    path("paper/form/", views.paper_form, name="paper_form"),
    path("paper/form/challenge/<int:page_id>/", views.challenge_paper_form, name="challenge_paper_form"),
    path("claim/", views.claim, name="claim"),
    path("inclusion/", views.inclusion_dashboard, name="inclusion"),
    path("inclusion/population/", views.population, name="population"),
]
