from django.urls import path

from . import easy_read, views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("map-points/", views.map_points, name="map_points"),
    path("new/", views.proposal_create, name="create"),
    path("expert/queue/", views.expert_queue, name="expert_queue"),
    path("people/<int:pk>/", views.person, name="person"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/unvote/", views.unvote, name="unvote"),
    path("<int:pk>/comments/", views.comment_create, name="comment"),
    path("<int:pk>/assess/", views.assess, name="assess"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/easy-read/", easy_read.easy_read_edit, name="easy_read"),
    path("<int:pk>/fragments/vote/", views.fragment_vote, name="fragment_vote"),
    path("<int:pk>/fragments/comments/", views.fragment_comments, name="fragment_comments"),
    path("<int:pk>/fragments/timeline/", views.fragment_timeline, name="fragment_timeline"),
    path("<int:pk>/fragments/assessments/", views.fragment_assessments, name="fragment_assessments"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/remove/", views.comment_remove, name="comment_remove"),
    path("comments/<int:pk>/official/", views.comment_official, name="comment_official"),
    path("comments/<int:pk>/report/", views.comment_report, name="comment_report"),
]
