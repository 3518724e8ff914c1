from django.urls import path

from . import views

app_name = "mydata"

urlpatterns = [
    path("", views.my_data, name="index"),
    path("activity/", views.my_activity, name="activity"),
    path("<uuid:token>/download/", views.download, name="download"),
]
