from django.urls import path

from . import views

app_name = "codesign"

urlpatterns = [
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/register/", views.register, name="register"),
    path("sessions/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("sessions/<int:pk>/seats/", views.seats, name="seats"),
    path("sessions/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("sessions/<int:pk>/calendar.ics", views.session_ics, name="session_ics"),
    path("pages/<int:page_id>/sessions.ics", views.page_ics, name="page_ics"),
    path("pages/<int:page_id>/volunteer/", views.volunteer, name="volunteer"),
    path("pages/<int:page_id>/withdraw/", views.withdraw, name="withdraw"),
    path("pages/<int:page_id>/participants.csv", views.participants_csv, name="participants_csv"),
    path("surveys/<int:survey_id>/answer/", views.answer_survey, name="answer_survey"),
    path("surveys/<int:survey_id>/results.csv", views.survey_csv, name="survey_csv"),
]
