from django.urls import path

from . import views

app_name = "pilots"

urlpatterns = [
    path("<int:pilot_id>/feedback/", views.feedback, name="feedback"),
    path("feedback/<int:pk>/report/", views.feedback_report, name="feedback_report"),
]
