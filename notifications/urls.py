from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("unread-count/", views.unread_count, name="unread_count"),
    path("follow/<int:pk>/", views.follow, name="follow"),
    path("unfollow/<int:pk>/", views.unfollow, name="unfollow"),
]
